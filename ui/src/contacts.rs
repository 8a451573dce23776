//! Contact screens: the list, the detail and the form with its company picker.

use crm_model::{Channel, ChannelKind, CompanyRef, ContactFilter, ContactInput, contact::CHANNEL_LABELS, ContactRow, Id, ListQuery, NoteSubject, PageAt, limits};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    transfer::ExportPanel,
    api,
    app::{View, use_nav},
    companies::HistoryList,
    components::{date_filter, filter_setter, ErrorBanner, Form, MergePicker, Pager, SortHeader, field_error, row_keys},
    format,
    notes::NotesCard,
    tasks::TasksCard,
};

#[component]
pub fn ContactList() -> impl IntoView {
    let nav = use_nav();
    let query = RwSignal::new(ListQuery::default());
    let filter = RwSignal::new(ContactFilter::default());
    let page = LocalResource::new(move || {
        let (query, filter) = (query.get(), filter.get());
        async move { api::contact_list(&query, &filter).await }
    });
    let search = Memo::new(move |_| query.with(|q| q.search.clone()));
    let counted = LocalResource::new(move || {
        let (search, filter) = (search.get(), filter.get());
        async move { api::contact_count(&search, &filter).await.ok() }
    });
    // A filter change goes back to the first page; only a real change reloads.
    let set = filter_setter(filter, query);
    let date = move |id, label, get, put| date_filter(filter, set, id, label, get, put);
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
                let (query, filter) = (query.get_untracked(), filter.get_untracked());
                Box::pin(async move { api::contact_export(&path, &query, &filter).await }) as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>
            })/>
        })}
        <div class="toolbar">
            <input
                type="search"
                id="contact-search"
                class="search"
                placeholder="Search by name, email or phone"
                aria-label="Search contacts"
                autofocus
                prop:value=move || query.with(|q| q.search.clone())
                on:input=move |ev| query.update(|q| {
                    q.search = event_target_value(&ev);
                    q.at = PageAt::First;
                })
            />
        </div>
        <div class="filters" id="contact-filters">
            <input id="contact-filter-region" class="narrow" placeholder="State" aria-label="State / region"
                prop:value=move || filter.with(|f| f.region.clone())
                on:input=move |ev| { let region = event_target_value(&ev); set(&|f| f.region = region.clone()) }/>
            {date("contact-note-from", "Newest note from", |f| f.newest_note_from.clone(), |f, d| f.newest_note_from = d)}
            {date("contact-note-to", "to", |f| f.newest_note_to.clone(), |f, d| f.newest_note_to = d)}
            <button class="ghost" id="contact-clear-filters" on:click=move |_| set(&|f| *f = ContactFilter::default())>"Clear"</button>
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
                                    <SortHeader label="Office phone" key="office_phone" query default_key="last_name"/>
                                    <SortHeader label="State / region" key="region" query default_key="last_name"/>
                                    <SortHeader label="Newest note" key="newest_note_at" query default_key="last_name"/>
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
                                            <td>{row.region}</td>
                                            <td>{row.newest_note_at.as_deref().map(format::local_date).unwrap_or_default()}</td>
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
                            <div class="actions">
                                <MergePicker keep=id
                                    search=Callback::new(|text: String| Box::pin(async move {
                                        api::contact_list(&ListQuery { search: text, limit: 8, ..ListQuery::default() }, &ContactFilter::default()).await
                                            .map(|page| page.rows.into_iter().map(|r| (r.id, format!("{} · {}", format::person(&r.first_name, &r.last_name), r.email))).collect())
                                    }) as crate::components::Pending<_>)
                                    merge=Callback::new(move |remove| Box::pin(async move { api::contact_merge(id, remove).await.map(drop) }) as crate::components::Pending<_>)
                                    on_merged=Callback::new(move |_| { contact.refetch(); history.refetch(); })/>
                                <button id="edit-contact" on:click=move |_| nav.set(View::EditContact(id))>"Edit"</button>
                            </div>
                        </header>
                        <div class="cards">
                            <section class="card">
                                <h2>"Details"</h2>
                                <dl class="facts">
                                    <dt>"Email"</dt><dd>{dash(&c.email)}</dd>
                                    <dt>"Office phone"</dt><dd>{dash(&c.office_phone)}</dd>
                                    <dt>"Mobile phone"</dt><dd>{dash(&c.mobile_phone)}</dd>
                                    {c.channels.iter().map(|channel| view! {
                                        <dt>{format!("{} ({})", if channel.kind == ChannelKind::Email { "Email" } else { "Phone" }, channel.label)}</dt>
                                        <dd>{channel.value.clone()}{channel.sms_capable.then_some(" · SMS")}</dd>
                                    }).collect_view()}
                                    <dt>"Address"</dt><dd>{dash(&format::address(&c.street, &c.postcode, &c.city, &c.region, &c.country).join(", "))}</dd>
                                    <dt>"Consent"</dt><dd id="consent">{match (c.email_consent, c.sms_consent) {
                                        (true, true) => "Email and SMS",
                                        (true, false) => "Email only",
                                        (false, true) => "SMS only",
                                        (false, false) => "None given",
                                    }}</dd>
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
                                                    </button>{(!company.role.is_empty()).then(|| view! { <span class="muted">{format!(" · {}", company.role)}</span> })}</li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            <TasksCard subject=NoteSubject::Contact(id)/>
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
            input.roles = linked.with_untracked(|l| l.iter().filter(|c| !c.role.trim().is_empty()).map(|c| (c.id, c.role.trim().to_owned())).collect());
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
            <h2>"More emails and phones"</h2>
            <ChannelEditor draft=form.draft error=form.error/>
            <h2>"Address"</h2>
            <div class="grid">
                {form.field("Street", "street", "text", limits::STREET, |d| &d.street, |d, v| d.street = v)}
                {form.field("City", "city", "text", limits::CITY, |d| &d.city, |d, v| d.city = v)}
                {form.field("Postcode", "postcode", "text", limits::POSTCODE, |d| &d.postcode, |d, v| d.postcode = v)}
                {form.field("State / region", "region", "text", limits::REGION, |d| &d.region, |d, v| d.region = v)}
                {form.field("Country", "country", "text", limits::COUNTRY, |d| &d.country, |d, v| d.country = v)}
            </div>
            <h2>"Consent"</h2>
            <div class="hbox">
                <label class="check"><input type="checkbox" id="email-consent" prop:checked=move || form.draft.with(|d| d.email_consent)
                    on:change=move |ev| { let on = event_target_checked(&ev); form.draft.update(|d| d.email_consent = on) }/>"May receive email"</label>
                <label class="check"><input type="checkbox" id="sms-consent" prop:checked=move || form.draft.with(|d| d.sms_consent)
                    on:change=move |ev| { let on = event_target_checked(&ev); form.draft.update(|d| d.sms_consent = on) }/>"May receive text messages"</label>
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
                            <input class="role" placeholder="Role" aria-label="Role at this company" maxlength=limits::ROLE
                                prop:value=company.role.clone()
                                on:change=move |ev| { let role = event_target_value(&ev); linked.update(|l| if let Some(c) = l.iter_mut().find(|c| c.id == company_id) { c.role = role }) }/>
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

/// The contact's extra emails and phones: a row each with kind, label, value and the SMS flag.
#[component]
fn ChannelEditor(
    /// The form's draft; its `channels` are edited in place.
    draft: RwSignal<ContactInput>,
    /// The form's error, for the per-row messages (`channels.N`).
    error: RwSignal<Option<crm_model::ApiError>>,
) -> impl IntoView {
    let add = move |kind: ChannelKind| {
        let label = if kind == ChannelKind::Email { "home" } else { "mobile" };
        draft.update(|d| d.channels.push(Channel { kind, label: label.into(), ..Channel::default() }))
    };
    let rows = move || draft.with(|d| d.channels.len());
    view! {
        <div class="channels" id="channels">
            {move || (0..rows()).map(|index| {
                let get = move |f: fn(&Channel) -> String| draft.with(|d| d.channels.get(index).map(f).unwrap_or_default());
                let is_phone = move || draft.with(|d| d.channels.get(index).is_some_and(|c| c.kind == ChannelKind::Phone));
                let field = format!("channels.{index}");
                view! {
                    <div class="hbox channel">
                        <span class="muted">{move || if is_phone() { "Phone" } else { "Email" }}</span>
                        <select aria-label="Label" on:change=move |ev| { let label = event_target_value(&ev); draft.update(|d| if let Some(c) = d.channels.get_mut(index) { c.label = label }) }>
                            {CHANNEL_LABELS.iter().map(|label| view! { <option value=*label selected=move || get(|c| c.label.clone()) == *label>{*label}</option> }).collect_view()}
                        </select>
                        <input class="grow channel-value" aria-label="Email or number" prop:value=move || get(|c| c.value.clone())
                            on:input=move |ev| { let value = event_target_value(&ev); draft.update(|d| if let Some(c) = d.channels.get_mut(index) { c.value = value }) }/>
                        {move || is_phone().then(|| view! {
                            <label class="check"><input type="checkbox" prop:checked=move || draft.with(|d| d.channels.get(index).is_some_and(|c| c.sms_capable))
                                on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| if let Some(c) = d.channels.get_mut(index) { c.sms_capable = on }) }/>"SMS"</label>
                        })}
                        <button type="button" class="link" on:click=move |_| draft.update(|d| { if index < d.channels.len() { d.channels.remove(index); } })>"Remove"</button>
                        <p class="field-error">{let field = field.clone(); move || error.with(|e| e.as_ref().and_then(|e| e.field(&field)).map(str::to_owned))}</p>
                    </div>
                }
            }).collect_view()}
            <div class="hbox">
                <button type="button" id="add-email" on:click=move |_| add(ChannelKind::Email)>"Add email"</button>
                <button type="button" id="add-phone" on:click=move |_| add(ChannelKind::Phone)>"Add phone"</button>
            </div>
        </div>
    }
}
