//! Company screens: the list, the detail (with its contacts and history) and the form.

use crm_model::{ApiError, CompanyInput, CompanyRow, HistoryEntry, Id, ListQuery, limits};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api,
    app::{View, use_nav},
    components::{ErrorBanner, Form, Pager, SortHeader, row_keys},
    contacts::ContactTable,
    format,
};

#[component]
pub fn CompanyList() -> impl IntoView {
    let nav = use_nav();
    let query = RwSignal::new(ListQuery::default());
    let page = LocalResource::new(move || {
        let query = query.get();
        async move { api::company_list(&query).await }
    });
    let demo_error = RwSignal::new(None::<ApiError>);
    let load_demo = move |_| {
        spawn_local(async move {
            match api::demo_load().await {
                Ok(_) => page.refetch(),
                Err(error) => demo_error.set(Some(error)),
            }
        })
    };
    view! {
        <header class="page-head">
            <h1>"Companies"</h1>
            <button id="new-company" class="primary" on:click=move |_| nav.set(View::NewCompany)>"New company"</button>
        </header>
        <div class="toolbar">
            <input
                type="search"
                id="company-search"
                class="search"
                placeholder="Search by name, customer number or email"
                aria-label="Search companies"
                autofocus
                prop:value=move || query.with(|q| q.search.clone())
                on:input=move |ev| query.update(|q| {
                    q.search = event_target_value(&ev);
                    q.offset = 0;
                })
            />
        </div>
        <ErrorBanner error=demo_error/>
        <Transition fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) if page.total == 0 && query.with_untracked(|q| q.search.trim().is_empty()) => view! {
                        <div class="empty">
                            <h2>"No companies yet"</h2>
                            <p class="muted">"Add your first customer, or explore the app with a set of demo companies and contacts."</p>
                            <div class="actions">
                                <button class="primary" on:click=move |_| nav.set(View::NewCompany)>"New company"</button>
                                <button id="load-demo" on:click=load_demo>"Load demo data"</button>
                            </div>
                        </div>
                    }.into_any(),
                    Ok(page) => view! {
                        <CompanyTable rows=page.rows.clone() query on_open=Callback::new(move |id| nav.set(View::Company(id)))/>
                        <Pager page query/>
                    }.into_any(),
                    Err(error) => view! { <div class="banner error" role="alert">{error.message}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The company table. Rows open on click or Enter; arrow keys move between rows.
#[component]
pub fn CompanyTable(
    /// The rows of the current page.
    rows: Vec<CompanyRow>,
    /// The list query, changed by the sortable headers.
    query: RwSignal<ListQuery>,
    /// Opens a company.
    on_open: Callback<Id>,
) -> impl IntoView {
    let no_match = rows.is_empty();
    view! {
        <div class="table-wrap">
        <table class="list" id="company-table">
            <thead>
                <tr>
                    <SortHeader label="No." key="customer_number" query default_key="name"/>
                    <SortHeader label="Name" key="name" query default_key="name"/>
                    <th>"Phone"</th>
                    <th>"Email"</th>
                    <SortHeader label="City" key="city" query default_key="name"/>
                    <SortHeader label="State / region" key="region" query default_key="name"/>
                    <SortHeader label="Country" key="country" query default_key="name"/>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|row| {
                    let id = row.id;
                    view! {
                        <tr class="row" tabindex="0" data-id=id.to_string() on:click=move |_| on_open.run(id) on:keydown=move |ev| row_keys(&ev)>
                            <td class="mono">{row.customer_number}</td>
                            <td class="strong">{row.name}</td>
                            <td>{row.phone}</td>
                            <td>{row.email}</td>
                            <td>{row.city}</td>
                            <td>{row.region}</td>
                            <td>{row.country}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </div>
        {no_match.then(|| view! { <p class="muted pad">"No company matches your search."</p> })}
    }
}

#[component]
pub fn CompanyDetail(
    /// The company to show.
    id: Id,
) -> impl IntoView {
    let nav = use_nav();
    let company = LocalResource::new(move || api::company_get(id));
    let contacts = LocalResource::new(move || api::company_contacts(id));
    let history = LocalResource::new(move || api::company_history(id));
    view! {
        <button class="link back" on:click=move |_| nav.set(View::Companies)>"← Companies"</button>
        <Suspense fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match company.await {
                    Err(error) => view! { <div class="banner error" role="alert">{error.message}</div> }.into_any(),
                    Ok(company) => {
                        let f = company.fields.clone();
                        let address = [f.street.clone(), format!("{} {}", f.postcode, f.city).trim().to_owned(), f.region.clone(), f.country.clone()]
                            .into_iter().filter(|line| !line.is_empty()).collect::<Vec<_>>();
                        view! {
                            <header class="page-head">
                                <div>
                                    <h1 id="company-name">{f.name.clone()}</h1>
                                    <p class="muted">"Customer " <span class="mono" id="customer-number">{company.customer_number.clone()}</span></p>
                                </div>
                                <button id="edit-company" on:click=move |_| nav.set(View::EditCompany(id))>"Edit"</button>
                            </header>
                            <div class="cards">
                                <section class="card">
                                    <h2>"Details"</h2>
                                    <dl class="facts">
                                        <dt>"Phone"</dt><dd>{or_dash(f.phone)}</dd>
                                        <dt>"Email"</dt><dd>{or_dash(f.email)}</dd>
                                        <dt>"Website"</dt><dd>{or_dash(f.website)}</dd>
                                        <dt>"Billing address"</dt>
                                        <dd>{if address.is_empty() { "—".into_any() } else { address.into_iter().map(|line| view! { <span class="line">{line}</span> }).collect_view().into_any() }}</dd>
                                        <dt>"Created"</dt><dd>{format::local_time(&company.created_at)}</dd>
                                        <dt>"Updated"</dt><dd>{format::local_time(&company.updated_at)}</dd>
                                    </dl>
                                </section>
                                <section class="card">
                                    <div class="card-head">
                                        <h2>"Contacts"</h2>
                                        <button class="ghost" id="add-contact" on:click=move |_| nav.set(View::NewContact(Some(id)))>"Add contact"</button>
                                    </div>
                                    {move || contacts.get().map(|result| match result {
                                        Ok(rows) if rows.is_empty() => view! { <p class="muted">"No contacts yet."</p> }.into_any(),
                                        Ok(rows) => view! { <ContactTable rows on_open=Callback::new(move |id| nav.set(View::Contact(id)))/> }.into_any(),
                                        Err(error) => view! { <p class="error">{error.message}</p> }.into_any(),
                                    })}
                                </section>
                                <section class="card wide">
                                    <h2>"History"</h2>
                                    {move || history.get().map(|result| match result {
                                        Ok(entries) => view! { <HistoryList entries/> }.into_any(),
                                        Err(error) => view! { <p class="error">{error.message}</p> }.into_any(),
                                    })}
                                </section>
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn or_dash(text: String) -> String {
    if text.is_empty() { "—".into() } else { text }
}

/// Who changed what and when, newest first (the change log read back).
#[component]
pub fn HistoryList(
    /// Entries, newest first.
    entries: Vec<HistoryEntry>,
) -> impl IntoView {
    view! {
        <ol class="history">
            {entries.into_iter().map(|entry| {
                let what = match (entry.op.as_str(), entry.field, entry.value) {
                    ("delete", _, _) => "deleted the record".to_owned(),
                    ("create", Some(field), Some(value)) => format!("created it with {} “{value}”", field.replace('_', " ")),
                    (_, Some(field), Some(value)) => format!("set {} to “{value}”", field.replace('_', " ")),
                    (_, Some(field), None) => format!("cleared {}", field.replace('_', " ")),
                    (op, None, _) => op.to_owned(),
                };
                view! {
                    <li><span class="muted small">{format::local_time(&entry.at)}</span> " " <strong>{entry.user}</strong> " " {what}</li>
                }
            }).collect_view()}
        </ol>
    }
}

#[component]
pub fn CompanyForm(
    /// The company to edit, or `None` to create one.
    id: Option<Id>,
) -> impl IntoView {
    let nav = use_nav();
    let form = Form::<CompanyInput>::new();
    if let Some(id) = id {
        spawn_local(async move {
            match api::company_get(id).await {
                Ok(company) => form.draft.set(company.fields),
                Err(e) => form.error.set(Some(e)),
            }
        });
    }
    let save = form.on_submit(
        move |input: CompanyInput| async move {
            match id {
                Some(id) => api::company_update(id, &input).await,
                None => api::company_create(&input).await,
            }
        },
        move |company| nav.set(View::Company(company.id)),
    );
    view! {
        <header class="page-head"><h1>{if id.is_some() { "Edit company" } else { "New company" }}</h1></header>
        <ErrorBanner error=form.error/>
        <form class="form card" id="company-form" on:submit=save novalidate>
            <div class="grid">
                {form.field("Name", "name", "text", limits::NAME, |d| &d.name, |d, v| d.name = v)}
                {form.field("Phone", "phone", "tel", limits::PHONE, |d| &d.phone, |d, v| d.phone = v)}
                {form.field("Email", "email", "email", limits::EMAIL, |d| &d.email, |d, v| d.email = v)}
                {form.field("Website", "website", "text", limits::WEBSITE, |d| &d.website, |d, v| d.website = v)}
            </div>
            <h2>"Billing address"</h2>
            <div class="grid">
                {form.field("Street", "street", "text", limits::STREET, |d| &d.street, |d, v| d.street = v)}
                {form.field("City", "city", "text", limits::CITY, |d| &d.city, |d, v| d.city = v)}
                {form.field("Postcode", "postcode", "text", limits::POSTCODE, |d| &d.postcode, |d, v| d.postcode = v)}
                {form.field("State / region", "region", "text", limits::REGION, |d| &d.region, |d, v| d.region = v)}
                {form.field("Country", "country", "text", limits::COUNTRY, |d| &d.country, |d, v| d.country = v)}
            </div>
            {form.actions(move || nav.set(id.map(View::Company).unwrap_or(View::Companies)))}
        </form>
    }
}
