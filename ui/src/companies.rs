//! Company screens: the list, the detail (with its contacts and history) and the form.

use crm_model::{ApiError, PageAt, CompanyFilter, CompanyInput, CompanyRow, ErrorKind, FieldError, HistoryEntry, Id, ListQuery, NoteSubject, limits, money};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api,
    app::{View, use_nav},
    components::{date_filter, filter_setter, ErrorBanner, Form, IdSelect, MergePicker, Pager, SortHeader, TextField, active_users, code_choices, field_error, row_keys},
    contacts::ContactTable,
    format,
    notes::NotesCard,
    tasks::TasksCard,
    transfer::ExportPanel,
};

#[component]
pub fn CompanyList() -> impl IntoView {
    let nav = use_nav();
    let query = RwSignal::new(ListQuery::default());
    let filter = RwSignal::new(CompanyFilter::default());
    let page = LocalResource::new(move || {
        let (query, filter) = (query.get(), filter.get());
        async move { api::company_list(&query, &filter).await }
    });
    // Counted beside the page and only when the search or filters change, never when paging.
    let search = Memo::new(move |_| query.with(|q| q.search.clone()));
    let counted = LocalResource::new(move || {
        let (search, filter) = (search.get(), filter.get());
        async move { api::company_count(&search, &filter).await.ok() }
    });
    let count = Signal::derive(move || counted.get().flatten());
    let demo_error = RwSignal::new(None::<ApiError>);
    let exporting = RwSignal::new(false);
    let load_demo = move |_| {
        spawn_local(async move {
            match api::demo_load().await {
                Ok(_) => {
                    page.refetch();
                    counted.refetch();
                }
                Err(error) => demo_error.set(Some(error)),
            }
        })
    };
    view! {
        <header class="page-head">
            <h1>"Companies"</h1>
            <div class="actions">
                <button id="export-toggle" on:click=move |_| exporting.update(|e| *e = !*e)>"Export"</button>
                <button id="new-company" class="primary" on:click=move |_| nav.set(View::NewCompany)>"New company"</button>
            </div>
        </header>
        {move || exporting.get().then(|| view! {
            <ExportPanel list="customers" count run=Callback::new(move |path: String| {
                let (query, filter) = (query.get_untracked(), filter.get_untracked());
                Box::pin(async move { api::company_export(&path, &query, &filter).await }) as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>
            })/>
        })}
        <div class="toolbar">
            <input
                type="search"
                id="company-search"
                class="search"
                placeholder="Search by name, customer number, email or phone"
                aria-label="Search companies"
                autofocus
                prop:value=move || query.with(|q| q.search.clone())
                on:input=move |ev| query.update(|q| {
                    q.search = event_target_value(&ev);
                    q.at = PageAt::First;
                })
            />
        </div>
        <FilterBar filter query/>
        <ErrorBanner error=demo_error/>
        <Transition fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) if page.rows.is_empty() && page.prev.is_none() && query.with_untracked(|q| q.search.trim().is_empty()) && filter.with_untracked(|f| *f == CompanyFilter::default()) => view! {
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
                        <Pager page query count/>
                    }.into_any(),
                    Err(error) => view! { <div class="banner error" role="alert">{error.message}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The customer list's filters (seed 001): sales reps, state, credit code, newest-note dates.
#[component]
fn FilterBar(
    /// The filters, changed in place.
    filter: RwSignal<CompanyFilter>,
    /// The list query, back to the first page when a filter changes.
    query: RwSignal<ListQuery>,
) -> impl IntoView {
    let lists = LocalResource::new(api::code_lists);
    // Only a real change reloads the list (the selects' effect also runs once on mount).
    let set = filter_setter(filter, query);
    let (isr, osr, credit) = (RwSignal::new(None), RwSignal::new(None), RwSignal::new(None));
    Effect::new(move |_| {
        let (isr, osr, credit) = (isr.get(), osr.get(), credit.get());
        set(&|f| (f.isr_id, f.osr_id, f.credit_code_id) = (isr, osr, credit));
    });
    // Inactive reps stay filterable: their customers keep them until reassigned.
    let users = code_choices(lists, |l| l.users.iter().map(|u| (u.id, u.name.clone())).collect());
    let codes = code_choices(lists, |l| l.credit.iter().map(|c| (c.id, c.code.clone())).collect());
    let date = move |id, label, get, put| date_filter(filter, set, id, label, get, put);
    view! {
        <div class="filters" id="company-filters">
            <IdSelect id="filter-isr" placeholder="Any ISR" value=isr options=users/>
            <IdSelect id="filter-osr" placeholder="Any OSR" value=osr options=users/>
            <IdSelect id="filter-credit" placeholder="Any credit code" value=credit options=codes/>
            <input id="filter-region" class="narrow" placeholder="State" aria-label="State / region"
                prop:value=move || filter.with(|f| f.region.clone())
                on:input=move |ev| { let region = event_target_value(&ev); set(&|f| f.region = region.clone()) }/>
            <input id="filter-tag" class="narrow" placeholder="Tag" aria-label="Tag"
                prop:value=move || filter.with(|f| f.tag.clone())
                on:input=move |ev| { let tag = event_target_value(&ev); set(&|f| f.tag = tag.clone()) }/>
            {date("filter-note-from", "Newest note from", |f| f.newest_note_from.clone(), |f, d| f.newest_note_from = d)}
            {date("filter-note-to", "to", |f| f.newest_note_to.clone(), |f, d| f.newest_note_to = d)}
            <button class="ghost" id="clear-filters" on:click=move |_| {
                isr.set(None);
                osr.set(None);
                credit.set(None);
                set(&|f| *f = CompanyFilter::default());
            }>"Clear"</button>
        </div>
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
                    <SortHeader label="Phone" key="phone" query default_key="name"/>
                    <SortHeader label="Email" key="email" query default_key="name"/>
                    <SortHeader label="City" key="city" query default_key="name"/>
                    <SortHeader label="State / region" key="region" query default_key="name"/>
                    <SortHeader label="Country" key="country" query default_key="name"/>
                    <SortHeader label="Newest note" key="newest_note_at" query default_key="name"/>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|row| {
                    let id = row.id;
                    let name = row.name.clone();
                    view! {
                        <tr class="row" tabindex="0" data-id=id.to_string() data-name=name.clone() on:click=move |_| on_open.run(id) on:keydown=move |ev| row_keys(&ev)>
                            <td class="mono">{row.customer_number}</td>
                            <td class="strong">{row.name}</td>
                            <td>{row.phone}</td>
                            <td>{row.email}</td>
                            <td>{row.city}</td>
                            <td>{row.region}</td>
                            <td>{row.country}</td>
                            <td>{row.newest_note_at.as_deref().map(format::local_date).unwrap_or_default()}</td>
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
    let record = LocalResource::new(move || api::company_get(id));
    let contacts = LocalResource::new(move || api::company_contacts(id));
    let history = LocalResource::new(move || api::company_history(id));
    view! {
        <button class="link back" on:click=move |_| nav.set(View::Companies)>"← Companies"</button>
        <Suspense fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match record.await {
                    Err(error) => view! { <div class="banner error" role="alert">{error.message}</div> }.into_any(),
                    Ok(company) => {
                        let f = company.fields.clone();
                        let address = format::address(&f.street, &f.postcode, &f.city, &f.region, &f.country);
                        view! {
                            <header class="page-head">
                                <div>
                                    <h1 id="company-name">{f.name.clone()} {company.credit.clone().map(|credit| view! {
                                        <span id="credit-badge" class=format!("badge credit-{}", credit.behaviour.as_str()) title=credit.behaviour.label()>{credit.code}</span>
                                    })}</h1>
                                    <p class="muted">"Customer " <span class="mono" id="customer-number">{company.customer_number.clone()}</span></p>
                                </div>
                                <div class="actions">
                                    <MergePicker keep=id
                                        search=Callback::new(|text: String| Box::pin(async move {
                                            api::company_list(&ListQuery { search: text, limit: 8, ..ListQuery::default() }, &CompanyFilter::default()).await
                                                .map(|page| page.rows.into_iter().map(|r| (r.id, format!("{} ({})", r.name, r.customer_number))).collect())
                                        }) as crate::components::Pending<_>)
                                        merge=Callback::new(move |remove| Box::pin(async move { api::company_merge(id, remove).await.map(drop) }) as crate::components::Pending<_>)
                                        on_merged=Callback::new(move |_| { record.refetch(); contacts.refetch(); history.refetch(); })/>
                                    <button id="edit-company" on:click=move |_| nav.set(View::EditCompany(id))>"Edit"</button>
                                </div>
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
                                        <dt>"Tags"</dt>
                                        <dd id="company-tags">{if f.tags.is_empty() { "—".into_any() } else { f.tags.iter().map(|t| view! { <span class="chip">{t.clone()}</span> }).collect_view().into_any() }}</dd>
                                        <dt>"Parent company"</dt>
                                        <dd id="parent-company">{match company.parent.clone() {
                                            Some(parent) => view! { <button class="link" on:click=move |_| nav.set(View::Company(parent.id))>{parent.name.clone()}</button> }.into_any(),
                                            None => "—".into_any(),
                                        }}</dd>
                                        {(!company.children.is_empty()).then(|| view! {
                                            <dt>"Branches"</dt>
                                            <dd>{company.children.iter().map(|child| { let child_id = child.id; view! {
                                                <button class="link line" on:click=move |_| nav.set(View::Company(child_id))>{child.name.clone()}</button>
                                            }}).collect_view()}</dd>
                                        })}
                                        <dt>"Created"</dt><dd>{format::local_time(&company.created_at)}</dd>
                                        <dt>"Updated"</dt><dd>{format::local_time(&company.updated_at)}</dd>
                                    </dl>
                                </section>
                                <section class="card">
                                    <h2>"Terms and credit"</h2>
                                    <dl class="facts" id="commercial">
                                        <dt>"Credit code"</dt><dd>{company.credit.clone().map(|c| format!("{} · {}", c.code, c.behaviour.label())).unwrap_or_else(|| "—".into())}</dd>
                                        <dt>"Terms"</dt><dd>{company.terms_code.clone().unwrap_or_else(|| "—".into())}</dd>
                                        <dt>"Credit limit"</dt><dd>{f.credit_limit_cents.map(crm_model::money::format_cents).unwrap_or_else(|| "—".into())}</dd>
                                        <dt>"Payment period"</dt><dd>{f.payment_days.map(|d| format!("{d} days")).unwrap_or_else(|| "—".into())}</dd>
                                        <dt>"Price code"</dt><dd>{or_dash(f.price_code.clone())}</dd>
                                        <dt>"Invoice discount"</dt><dd>{format!("{} %", crm_model::money::format_bp(f.invoice_discount_bp))}</dd>
                                        <dt>"Inside sales rep"</dt><dd>{company.isr_name.clone().unwrap_or_else(|| "—".into())}</dd>
                                        <dt>"Outside sales rep"</dt><dd>{company.osr_name.clone().unwrap_or_else(|| "—".into())}</dd>
                                        <dt>"Newest note"</dt><dd id="newest-note">{company.newest_note_at.as_deref().map(format::local_time).unwrap_or_else(|| "—".into())}</dd>
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
                                <ShipToCard company_id=id ship_tos=company.ship_tos.clone() on_change=Callback::new(move |_| record.refetch())/>
                                <NotesCard subject=NoteSubject::Company(id) on_added=Callback::new(move |_| record.refetch())/>
                                // The 360° screen's places for the records later releases add.
                                <crate::leads::CompanyLeads company_id=id/>
                                <TasksCard subject=NoteSubject::Company(id)/>
                                <crate::leads::CompanyOrders company_id=id/>
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
    let lists = LocalResource::new(api::code_lists);
    // Numbers are typed as text and parsed on save, so a half-typed "12,5" is not lost.
    let tags = RwSignal::new(String::new());
    let credit_limit = RwSignal::new(String::new());
    let payment_days = RwSignal::new(String::new());
    let discount = RwSignal::new(String::new());
    let (terms, credit, isr, osr) = (RwSignal::new(None), RwSignal::new(None), RwSignal::new(None), RwSignal::new(None));
    if let Some(id) = id {
        spawn_local(async move {
            match api::company_get(id).await {
                Ok(company) => {
                    let f = &company.fields;
                    credit_limit.set(f.credit_limit_cents.map(money::format_cents).unwrap_or_default());
                    payment_days.set(f.payment_days.map(|d| d.to_string()).unwrap_or_default());
                    discount.set(if f.invoice_discount_bp == 0 { String::new() } else { money::format_bp(f.invoice_discount_bp) });
                    terms.set(f.terms_code_id);
                    credit.set(f.credit_code_id);
                    isr.set(f.isr_id);
                    osr.set(f.osr_id);
                    tags.set(f.tags.join(", "));
                    form.draft.set(company.fields);
                }
                Err(e) => form.error.set(Some(e)),
            }
        });
    }
    let save = form.on_submit(
        move |mut input: CompanyInput| {
            let mut problems = Vec::new();
            let mut problem = |field: &str, message: String| problems.push(FieldError { field: field.into(), message });
            match money::parse_cents(&credit_limit.get_untracked()) {
                Ok(cents) => input.credit_limit_cents = cents,
                Err(message) => problem("credit_limit_cents", message),
            }
            let days = payment_days.get_untracked();
            match days.trim() {
                "" => input.payment_days = None,
                text => match text.parse() {
                    Ok(days) => input.payment_days = Some(days),
                    Err(_) => problem("payment_days", format!("{text:?} is not a number of days.")),
                },
            }
            match money::parse_percent_bp(&discount.get_untracked()) {
                Ok(bp) => input.invoice_discount_bp = bp,
                Err(message) => problem("invoice_discount_bp", message),
            }
            (input.terms_code_id, input.credit_code_id) = (terms.get_untracked(), credit.get_untracked());
            (input.isr_id, input.osr_id) = (isr.get_untracked(), osr.get_untracked());
            input.tags = tags.get_untracked().split(',').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
            async move {
                if !problems.is_empty() {
                    return Err(ApiError { kind: ErrorKind::Invalid, message: "Some numbers could not be read.".into(), fields: problems });
                }
                match id {
                    Some(id) => api::company_update(id, &input).await,
                    None => api::company_create(&input).await,
                }
            }
        },
        move |company| nav.set(View::Company(company.id)),
    );
    let number = move |label: &'static str, name: &'static str, value: RwSignal<String>| {
        view! {
            <TextField label name maxlength=24 value on_input=move |text| {
                value.set(text);
                form.clear_error(name);
            } error=field_error(form.error, name)/>
        }
    };
    let select = move |label: &'static str, name: &'static str, value: RwSignal<Option<Id>>, options: Signal<Vec<(Id, String)>>| {
        view! {
            <div class="field">
                <label for=name>{label}</label>
                <IdSelect id=name placeholder="—" value options/>
                <p class="field-error" data-field=name role="alert">{move || field_error(form.error, name).get()}</p>
            </div>
        }
    };
    view! {
        <header class="page-head"><h1>{if id.is_some() { "Edit company" } else { "New company" }}</h1></header>
        <ErrorBanner error=form.error/>
        <form class="form card" id="company-form" on:submit=save novalidate>
            <div class="grid">
                {form.field("Name", "name", "text", limits::NAME, |d| &d.name, |d, v| d.name = v)}
                {form.field("Phone", "phone", "tel", limits::PHONE, |d| &d.phone, |d, v| d.phone = v)}
                {form.field("Email", "email", "email", limits::EMAIL, |d| &d.email, |d, v| d.email = v)}
                {form.field("Website", "website", "text", limits::WEBSITE, |d| &d.website, |d, v| d.website = v)}
                <TextField label="Tags (comma separated)" name="tags" maxlength=500 value=tags on_input=move |text| {
                    tags.set(text);
                    form.clear_error("tags");
                } error=field_error(form.error, "tags")/>
            </div>
            <h2>"Billing address"</h2>
            <div class="grid">
                {form.field("Street", "street", "text", limits::STREET, |d| &d.street, |d, v| d.street = v)}
                {form.field("City", "city", "text", limits::CITY, |d| &d.city, |d, v| d.city = v)}
                {form.field("Postcode", "postcode", "text", limits::POSTCODE, |d| &d.postcode, |d, v| d.postcode = v)}
                {form.field("State / region", "region", "text", limits::REGION, |d| &d.region, |d, v| d.region = v)}
                {form.field("Country", "country", "text", limits::COUNTRY, |d| &d.country, |d, v| d.country = v)}
            </div>
            <h2>"Terms and credit"</h2>
            <div class="grid">
                {select("Credit code", "credit_code_id", credit, code_choices(lists, |l| l.credit.iter().filter(|c| c.active).map(|c| (c.id, format!("{} ({})", c.code, c.behaviour.label()))).collect()))}
                {select("Terms", "terms_code_id", terms, code_choices(lists, |l| l.terms.iter().filter(|t| t.active).map(|t| (t.id, format!("{} · {}", t.code, t.description))).collect()))}
                {number("Credit limit", "credit_limit_cents", credit_limit)}
                {number("Payment period (days)", "payment_days", payment_days)}
                {form.field("Price code", "price_code", "text", limits::PRICE_CODE, |d| &d.price_code, |d, v| d.price_code = v)}
                {number("Invoice discount %", "invoice_discount_bp", discount)}
                {select("Inside sales rep", "isr_id", isr, code_choices(lists, active_users))}
                {select("Outside sales rep", "osr_id", osr, code_choices(lists, active_users))}
            </div>
            {form.actions(move || nav.set(id.map(View::Company).unwrap_or(View::Companies)))}
        </form>
    }
}

/// The company's ship-to addresses, with a small form to add one (seed 001: any number of
/// delivery addresses, one of them the default).
#[component]
fn ShipToCard(
    /// The company the addresses belong to.
    company_id: Id,
    /// The addresses, default first.
    ship_tos: Vec<crm_model::ShipTo>,
    /// Called after an address is added or removed, to reload the company.
    on_change: Callback<()>,
) -> impl IntoView {
    let adding = RwSignal::new(false);
    let input = RwSignal::new(crm_model::ShipToInput { company_id, ..Default::default() });
    let error = RwSignal::new(None::<ApiError>);
    let field = move |id: &'static str, label: &'static str, get: fn(&crm_model::ShipToInput) -> String, put: fn(&mut crm_model::ShipToInput, String)| view! {
        <label>{label}
            <input id=id prop:value=move || input.with(get) on:input=move |ev| { let value = event_target_value(&ev); input.update(|i| put(i, value)) }/>
        </label>
    };
    let save = move |_| {
        spawn_local(async move {
            match api::ship_to_save(None, &input.get_untracked()).await {
                Ok(_) => {
                    adding.set(false);
                    input.set(crm_model::ShipToInput { company_id, ..Default::default() });
                    on_change.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        })
    };
    view! {
        <section class="card" id="ship-to-card">
            <div class="card-head">
                <h2>"Ship-to addresses"</h2>
                <button class="ghost" id="add-ship-to" on:click=move |_| adding.update(|a| *a = !*a)>"Add address"</button>
            </div>
            {if ship_tos.is_empty() { view! { <p class="muted">"Deliveries go to the billing address."</p> }.into_any() } else {
                view! { <ul class="plain">{ship_tos.into_iter().map(|s| { let ship_id = s.id; view! {
                    <li>
                        <strong>{s.fields.label.clone()}</strong>
                        {s.fields.is_default.then(|| view! { <span class="chip">"Default"</span> })}
                        <span class="muted line">{format::address(&s.fields.street, &s.fields.postcode, &s.fields.city, &s.fields.region, &s.fields.country).join(", ")}</span>
                        <button class="link" on:click=move |_| spawn_local(async move {
                            match api::ship_to_delete(ship_id).await { Ok(()) => on_change.run(()), Err(e) => error.set(Some(e)) }
                        })>"Remove"</button>
                    </li>
                }}).collect_view()}</ul> }.into_any()
            }}
            <ErrorBanner error/>
            {move || adding.get().then(|| view! {
                <div class="form-grid">
                    {field("ship-label", "Label", |i| i.label.clone(), |i, v| i.label = v)}
                    {field("ship-street", "Street", |i| i.street.clone(), |i, v| i.street = v)}
                    {field("ship-postcode", "Postcode", |i| i.postcode.clone(), |i, v| i.postcode = v)}
                    {field("ship-city", "City", |i| i.city.clone(), |i, v| i.city = v)}
                    {field("ship-region", "State / region", |i| i.region.clone(), |i, v| i.region = v)}
                    {field("ship-country", "Country", |i| i.country.clone(), |i, v| i.country = v)}
                    <label class="check"><input type="checkbox" id="ship-default" prop:checked=move || input.with(|i| i.is_default)
                        on:change=move |ev| { let on = event_target_checked(&ev); input.update(|i| i.is_default = on) }/>"Default delivery address"</label>
                    <div class="actions"><button class="primary" id="save-ship-to" on:click=save>"Save address"</button></div>
                </div>
            })}
        </section>
    }
}
