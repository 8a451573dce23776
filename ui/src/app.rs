//! The shell: a sidebar with the modules and the current view beside it.

use crm_model::{Id, LeadCodeKind};
use leptos::prelude::*;

use crate::{api, companies, contacts, leads, notes, settings, transfer};

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
    /// Full-text search over every note.
    Notes,
    /// CSV and Excel import of companies and contacts.
    Import,
    /// Users and the editable code lists.
    Settings,
}

impl View {
    /// Which sidebar entry is highlighted for this view.
    fn section(self) -> Section {
        match self {
            View::Companies | View::Company(_) | View::NewCompany | View::EditCompany(_) => Section::Companies,
            View::Contacts | View::Contact(_) | View::NewContact(_) | View::EditContact(_) => Section::Contacts,
            View::Leads | View::Lead(_) | View::Board => Section::Leads,
            View::Pipeline | View::LeadCodes(_) | View::LeadCode(..) => Section::Pipeline,
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
                    View::Notes => notes::NoteSearch().into_any(),
                    View::Import => transfer::ImportScreen().into_any(),
                    View::Settings => settings::Settings().into_any(),
                }}
            </main>
        </div>
    }
}

#[component]
fn Sidebar() -> impl IntoView {
    let view = use_nav();
    let info = LocalResource::new(api::app_info);
    let item = move |label: &'static str, section: Section, target: View| {
        view! {
            <button
                class="nav-item"
                class:active=move || view.get().section() == section
                aria-current=move || (view.get().section() == section).then_some("page")
                on:click=move |_| view.set(target)
            >
                {label}
            </button>
        }
    };
    view! {
        <nav class="sidebar" aria-label="Modules">
            <div class="brand"><img src="icon.png" alt="" width="28" height="28"/><span>"Keel CRM"</span></div>
            {item("Companies", Section::Companies, View::Companies)}
            {item("Contacts", Section::Contacts, View::Contacts)}
            {item("Leads", Section::Leads, View::Leads)}
            {item("Pipeline", Section::Pipeline, View::Pipeline)}
            {item("Notes", Section::Notes, View::Notes)}
            {item("Import", Section::Import, View::Import)}
            {item("Settings", Section::Settings, View::Settings)}
            <div class="sidebar-foot">
                {move || info.get().map(|info| match info {
                    Ok(info) => view! {
                        <p class="muted small" title=info.database_path.clone()>
                            "Offline · local database"<br/>{format!("Series {} · v{}", info.number_series, info.version)}
                        </p>
                    }.into_any(),
                    Err(error) => view! { <p class="error small" role="alert">{error.message}</p> }.into_any(),
                })}
            </div>
        </nav>
    }
}
