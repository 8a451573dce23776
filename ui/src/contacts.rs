//! Contact screens: the list, the detail and the form with its company picker.

use crm_model::{CompanyRef, ContactInput, ContactRow, Id, ListQuery, NoteSubject, PageAt, limits};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    transfer::ExportPanel,
    api,
    app::{View, use_nav},
    companies::HistoryList,
    components::{ErrorBanner, Form, Pager, SortHeader, field_error, row_keys},
    format,
    notes::NotesCard,
};

#[component]
pub fn ContactList() -> impl IntoView {
    let nav = use_nav();
    let query = RwSignal::new(ListQuery::default());
    let page = LocalResource::new(move || {
        let query = query.get();
        async move { api::contact_list(&query).await }
    });
    let search = Memo::new(move |_| query.with(|q| q.search.clone()));
    let counted = LocalResource::new(move || {
        let search = search.get();
        async move { api::contact_count(&search).await.ok() }
    });
    let count = Signal::derive(move || counted.get().flatten());
    let exporting = RwSignal::new(false);
    view! {
        <header class="page-head">
            <h1>"Contacts"</h1>
            <div class="actions">
                <button id="export-toggle" on:click=move |_| exporting.update(|e| *e = !*e)>"Export"</button>
                <button id="new-contact" class="primary" on:click=move |_| nav.set(View::NewContact(None))>"New contact"</button>
            </div>
        </header>
        {move || exporting.get().then(|| view! {
            <ExportPanel list="contacts" count run=Callback::new(move |path: String| {
                let query = query.get_untracked();
                Box::pin(async move { api::contact_export(&path, &query).await }) as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>
            })/>
        })}
        <div class="toolbar">
            <input
                type="search"
                id="contact-search"
                class="search"
                placeholder="Search by name or email"
                aria-label="Search contacts"
                autofocus
                prop:value=move || query.with(|q| q.search.clone())
                on:input=move |ev| query.update(|q| {
                    q.search = event_target_value(&ev);
                    q.at = PageAt::First;
                })
            />
        </div>
        <Transition fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! {
                        <div class="table-wrap">
                        <table class="list" id="contact-table">
                            <thead>
                                <tr>
                                    <SortHeader label="Last name" key="last_name" query default_key="last_name"/>
                                    <SortHeader label="First name" key="first_name" query default_key="last_name"/>
                                    <SortHeader label="Job title" key="job_title" query default_key="last_name"/>
                                    <th>"Companies"</th>
                                    <SortHeader label="Email" key="email" query default_key="last_name"/>
                                    <th>"Office phone"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {page.rows.clone().into_iter().map(|row| {
                                    let id = row.id;
                                    view! {
                                        <tr class="row" tabindex="0" on:click=move |_| nav.set(View::Contact(id)) on:keydown=move |ev| row_keys(&ev)>
                                            <td class="strong">{row.last_name}</td>
                                            <td>{row.first_name}</td>
                                            <td>{row.job_title}</td>
                                            <td>{row.companies}</td>
                                            <td>{row.email}</td>
                                            <td>{row.office_phone}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                        {(page.rows.is_empty()).then(|| view! { <p class="muted pad">"No contacts found."</p> })}
                        <Pager page query count/>
                    }.into_any(),
                    Err(error) => view! { <div class="banner error" role="alert">{error.message}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A compact table of contacts (used on the company screen).
#[component]
pub fn ContactTable(
    /// Contacts to show.
    rows: Vec<ContactRow>,
    /// Opens a contact.
    on_open: Callback<Id>,
) -> impl IntoView {
    view! {
        <table class="list compact">
            <tbody>
                {rows.into_iter().map(|row| {
                    let id = row.id;
                    view! {
                        <tr class="row" tabindex="0" on:click=move |_| on_open.run(id) on:keydown=move |ev| row_keys(&ev)>
                            <td class="strong">{format::person(&row.first_name, &row.last_name)}</td>
                            <td>{row.job_title}</td>
                            <td>{row.email}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn ContactDetail(
    /// The contact to show.
    id: Id,
) -> impl IntoView {
    let nav = use_nav();
    let contact = LocalResource::new(move || api::contact_get(id));
    let history = LocalResource::new(move || api::contact_history(id));
    view! {
        <button class="link back" on:click=move |_| nav.set(View::Contacts)>"← Contacts"</button>
        <Suspense fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match contact.await {
                    Err(error) => view! { <div class="banner error" role="alert">{error.message}</div> }.into_any(),
                    Ok(c) => view! {
                        <header class="page-head">
                            <div>
                                <h1 id="contact-name">{format::person(&c.first_name, &c.last_name)}</h1>
                                <p class="muted">{c.job_title.clone()}</p>
                            </div>
                            <button id="edit-contact" on:click=move |_| nav.set(View::EditContact(id))>"Edit"</button>
                        </header>
                        <div class="cards">
                            <section class="card">
                                <h2>"Details"</h2>
                                <dl class="facts">
                                    <dt>"Email"</dt><dd>{dash(&c.email)}</dd>
                                    <dt>"Office phone"</dt><dd>{dash(&c.office_phone)}</dd>
                                    <dt>"Mobile phone"</dt><dd>{dash(&c.mobile_phone)}</dd>
                                    <dt>"Created"</dt><dd>{format::local_time(&c.created_at)}</dd>
                                </dl>
                            </section>
                            <section class="card">
                                <h2>"Companies"</h2>
                                {if c.companies.is_empty() {
                                    view! { <p class="muted">"Not linked to a company."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="links">
                                            {c.companies.iter().map(|company| {
                                                let company_id = company.id;
                                                view! {
                                                    <li><button class="link" on:click=move |_| nav.set(View::Company(company_id))>
                                                        {company.name.clone()} " " <span class="muted mono">{company.customer_number.clone()}</span>
                                                    </button></li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            <NotesCard subject=NoteSubject::Contact(id)/>
                            <section class="card wide">
                                <h2>"History"</h2>
                                {move || history.get().map(|result| match result {
                                    Ok(entries) => view! { <HistoryList entries/> }.into_any(),
                                    Err(error) => view! { <p class="error">{error.message}</p> }.into_any(),
                                })}
                            </section>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn dash(text: &str) -> String {
    if text.is_empty() { "—".into() } else { text.to_owned() }
}

#[component]
pub fn ContactForm(
    /// The contact to edit, or `None` to create one.
    id: Option<Id>,
    /// For a new contact: a company to link it to from the start.
    company: Option<Id>,
) -> impl IntoView {
    let nav = use_nav();
    let form = Form::<ContactInput>::new();
    let linked = RwSignal::new(Vec::<CompanyRef>::new());
    if let Some(id) = id {
        spawn_local(async move {
            match api::contact_get(id).await {
                Ok(contact) => {
                    form.draft.set(contact.to_input());
                    linked.set(contact.companies);
                }
                Err(e) => form.error.set(Some(e)),
            }
        });
    } else if let Some(company_id) = company {
        spawn_local(async move {
            if let Ok(c) = api::company_get(company_id).await {
                linked.set(vec![CompanyRef { id: c.id, customer_number: c.customer_number, name: c.fields.name, role: String::new() }]);
            }
        });
    }
    let save = form.on_submit(
        move |mut input: ContactInput| {
            input.company_ids = linked.with_untracked(|l| l.iter().map(|c| c.id).collect());
            async move {
                match id {
                    Some(id) => api::contact_update(id, &input).await,
                    None => api::contact_create(&input).await,
                }
            }
        },
        move |contact| nav.set(View::Contact(contact.id)),
    );
    view! {
        <header class="page-head"><h1>{if id.is_some() { "Edit contact" } else { "New contact" }}</h1></header>
        <ErrorBanner error=form.error/>
        <form class="form card" id="contact-form" on:submit=save novalidate>
            <div class="grid">
                {form.field("First name", "first_name", "text", limits::PERSON_NAME, |d| &d.first_name, |d, v| d.first_name = v)}
                {form.field("Last name", "last_name", "text", limits::PERSON_NAME, |d| &d.last_name, |d, v| d.last_name = v)}
                {form.field("Job title", "job_title", "text", limits::JOB_TITLE, |d| &d.job_title, |d, v| d.job_title = v)}
                {form.field("Email", "email", "email", limits::EMAIL, |d| &d.email, |d, v| d.email = v)}
                {form.field("Office phone", "office_phone", "tel", limits::PHONE, |d| &d.office_phone, |d, v| d.office_phone = v)}
                {form.field("Mobile phone", "mobile_phone", "tel", limits::PHONE, |d| &d.mobile_phone, |d, v| d.mobile_phone = v)}
            </div>
            <h2>"Companies"</h2>
            <CompanyPicker linked error=field_error(form.error, "company_ids")/>
            {form.actions(move || nav.set(id.map(View::Contact).unwrap_or(View::Contacts)))}
        </form>
    }
}

/// Linked companies as removable chips, plus a search box that finds companies to add.
#[component]
fn CompanyPicker(
    /// The companies currently linked (edited in place).
    linked: RwSignal<Vec<CompanyRef>>,
    /// A validation message for the links.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let matches = LocalResource::new(move || {
        let text = search.get();
        async move {
            if text.trim().is_empty() {
                return Ok(Vec::new());
            }
            api::company_list(&ListQuery { search: text, limit: 8, ..ListQuery::default() }, &Default::default()).await.map(|page| page.rows)
        }
    });
    view! {
        <div class="picker">
            <ul class="chips">
                {move || linked.get().into_iter().map(|company| {
                    let company_id = company.id;
                    view! {
                        <li class="chip">
                            {company.name}
                            <button type="button" class="chip-x" aria-label="Remove link"
                                on:click=move |_| linked.update(|l| l.retain(|c| c.id != company_id))>"×"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <input type="search" id="company-picker" class="search" placeholder="Link a company: type its name"
                prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
            <ul class="suggestions">
                {move || matches.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|row| {
                    let pick = CompanyRef { id: row.id, customer_number: row.customer_number.clone(), name: row.name.clone(), role: String::new() };
                    view! {
                        <li><button type="button" class="link" on:click=move |_| {
                            let pick = pick.clone();
                            linked.update(|l| if !l.iter().any(|c| c.id == pick.id) { l.push(pick) });
                            search.set(String::new());
                        }>{row.name} " " <span class="muted mono">{row.customer_number}</span></button></li>
                    }
                }).collect_view()}
            </ul>
            <p class="field-error" data-field="company_ids" role="alert">{move || error.get()}</p>
        </div>
    }
}
