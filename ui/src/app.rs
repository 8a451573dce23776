//! The shell: a sidebar with the modules and the current view beside it, the sync status bar
//! under both, and the reminders panel over them.

use crm_model::{Id, LeadCodeKind, NoteSubject};
use leptos::prelude::*;

use crate::{api, companies, contacts, leads, notes, settings, sync, tasks, transfer};

/// What the main area shows. Held in a context signal: navigating is setting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Companies,
    Company(Id),
    NewCompany,
    EditCompany(Id),
    Contacts,
    Contact(Id),
    /// A new contact, optionally already linked to a company.
    NewContact(Option<Id>),
    EditContact(Id),
    /// The lead list.
    Leads,
    /// A lead's worksheet.
    Lead(Id),
    /// The pipeline board: leads in columns by state.
    Board,
    /// The weighted pipeline, its breakdowns and graphs.
    Pipeline,
    /// The lead programs or sources.
    LeadCodes(LeadCodeKind),
    /// One program's or source's stats and graphs.
    LeadCode(LeadCodeKind, Id),
    /// The user's open tasks: overdue, due today, upcoming.
    MyDay,
    /// The task list, filtered by the filter in [`tasks::TaskState`] (a filter holds text,
    /// so it cannot live in this `Copy` enum).
    Tasks,
    /// The task form for an existing task.
    Task(Id),
    /// The task form for a new task, optionally about a company, contact or lead.
    NewTask(Option<NoteSubject>),
    /// Open tasks per user, for managers.
    Workload,
    /// Full-text search over every note.
    Notes,
    /// CSV and Excel import of companies and contacts.
    Import,
    /// Users, sync, mail and the editable code lists.
    Settings,
}

impl View {
    /// The screen of the record a note or task is about.
    pub fn of(subject: NoteSubject) -> View {
        match subject {
            NoteSubject::Company(id) => View::Company(id),
            NoteSubject::Contact(id) => View::Contact(id),
            NoteSubject::Lead(id) => View::Lead(id),
        }
    }

    /// Which sidebar entry is highlighted for this view.
    fn section(self) -> Section {
        match self {
            View::Companies | View::Company(_) | View::NewCompany | View::EditCompany(_) => Section::Companies,
            View::Contacts | View::Contact(_) | View::NewContact(_) | View::EditContact(_) => Section::Contacts,
            View::Leads | View::Lead(_) | View::Board => Section::Leads,
            View::Pipeline | View::LeadCodes(_) | View::LeadCode(..) => Section::Pipeline,
            View::MyDay | View::Tasks | View::Task(_) | View::NewTask(_) | View::Workload => Section::Tasks,
            View::Notes => Section::Notes,
            View::Import => Section::Import,
            View::Settings => Section::Settings,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Companies,
    Contacts,
    Leads,
    Pipeline,
    Tasks,
    Notes,
    Import,
    Settings,
}

/// Navigation handle for components: `use_nav().set(View::Contacts)`.
pub fn use_nav() -> RwSignal<View> {
    expect_context::<RwSignal<View>>()
}

#[component]
pub fn App() -> impl IntoView {
    let view = RwSignal::new(View::Companies);
    provide_context(view);
    tasks::provide_task_state();
    sync::provide_sync_state();
    view! {
        <div class="shell">
            <Sidebar/>
            <main class="main" id="main">
                {move || match view.get() {
                    View::Companies => companies::CompanyList().into_any(),
                    View::Company(id) => view! { <companies::CompanyDetail id/> }.into_any(),
                    View::NewCompany => view! { <companies::CompanyForm id=None/> }.into_any(),
                    View::EditCompany(id) => view! { <companies::CompanyForm id=Some(id)/> }.into_any(),
                    View::Contacts => contacts::ContactList().into_any(),
                    View::Contact(id) => view! { <contacts::ContactDetail id/> }.into_any(),
                    View::NewContact(company) => view! { <contacts::ContactForm id=None company/> }.into_any(),
                    View::EditContact(id) => view! { <contacts::ContactForm id=Some(id) company=None/> }.into_any(),
                    View::Leads => leads::LeadList().into_any(),
                    View::Lead(id) => view! { <leads::LeadDetail id/> }.into_any(),
                    View::Board => leads::Board().into_any(),
                    View::Pipeline => leads::PipelineDashboard().into_any(),
                    View::LeadCodes(kind) => view! { <leads::LeadCodes kind/> }.into_any(),
                    View::LeadCode(kind, id) => view! { <leads::LeadCodeScreen kind id/> }.into_any(),
                    View::MyDay => tasks::MyDayScreen().into_any(),
                    View::Tasks => tasks::TaskList().into_any(),
                    View::Task(id) => view! { <tasks::TaskForm id=Some(id) related=None/> }.into_any(),
                    View::NewTask(related) => view! { <tasks::TaskForm id=None related/> }.into_any(),
                    View::Workload => tasks::WorkloadScreen().into_any(),
                    View::Notes => notes::NoteSearch().into_any(),
                    View::Import => transfer::ImportScreen().into_any(),
                    View::Settings => settings::Settings().into_any(),
                }}
            </main>
            <sync::SyncBar/>
            <tasks::RemindersPanel/>
        </div>
    }
}

#[component]
fn Sidebar() -> impl IntoView {
    let view = use_nav();
    let info = LocalResource::new(api::app_info);
    // Every entry has an id (`nav-tasks`) for the end-to-end test; Tasks carries the badge of
    // due reminders.
    let item = move |label: &'static str, section: Section, target: View, badge: Option<AnyView>| {
        view! {
            <button
                id=format!("nav-{}", label.to_lowercase())
                class="nav-item"
                class:active=move || view.get().section() == section
                aria-current=move || (view.get().section() == section).then_some("page")
                on:click=move |_| view.set(target)
            >
                {label}{badge}
            </button>
        }
    };
    view! {
        <nav class="sidebar" aria-label="Modules">
            <div class="brand"><img src="icon.png" alt="" width="28" height="28"/><span>"Keel CRM"</span></div>
            {item("Companies", Section::Companies, View::Companies, None)}
            {item("Contacts", Section::Contacts, View::Contacts, None)}
            {item("Leads", Section::Leads, View::Leads, None)}
            {item("Pipeline", Section::Pipeline, View::Pipeline, None)}
            {item("Tasks", Section::Tasks, View::MyDay, Some(tasks::ReminderBadge().into_any()))}
            {item("Notes", Section::Notes, View::Notes, None)}
            {item("Import", Section::Import, View::Import, None)}
            {item("Settings", Section::Settings, View::Settings, None)}
            <div class="sidebar-foot">
                {move || info.get().map(|info| match info {
                    Ok(info) => view! {
                        <p class="muted small" title=info.database_path.clone()>
                            "Local database (works offline)"<br/>{format!("Series {} · v{}", info.number_series, info.version)}
                        </p>
                    }.into_any(),
                    Err(error) => view! { <p class="error small" role="alert">{error.message}</p> }.into_any(),
                })}
            </div>
        </nav>
    }
}
