//! Lead screens: the lead list, the worksheet (header, workflow moves, estimates, notes), the
//! pipeline board, the pipeline dashboard with its graphs, and the program and source screens.

use crm_model::{
    ApiError, ChartScope, EstimateInput, EstimateLineInput, Id, LeadChartKind, LeadCodeInput, LeadCodeKind, LeadCreate, LeadFilter, LeadInput, LeadMoveInput,
    LeadRow, LeadState, ListQuery, NoteSubject, PageAt, PipelineLine, SortDir, StateCounts, limits, money,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api,
    app::{View, use_nav},
    components::{ErrorBanner, IdSelect, chart_svg, Pager, SortHeader, active_users, code_choices, date_filter, field_error, filter_setter, row_keys},
    format,
    notes::NotesCard,
    tasks::TasksCard,
    transfer::ExportPanel,
};

/// The programs or sources as `(id, name)` choices; `active_only` for picking a new value.
fn lead_code_choices(kind: LeadCodeKind, active_only: bool) -> Signal<Vec<(Id, String)>> {
    let codes = LocalResource::new(move || api::lead_codes(kind));
    Signal::derive(move || {
        codes.get().and_then(Result::ok).unwrap_or_default().into_iter().filter(|c| c.active || !active_only).map(|c| (c.id, c.name)).collect()
    })
}

fn money(cents: i64) -> String {
    format!("${}", money::format_cents(cents))
}

/// Whole dollars, rounded half up, for totals people compare rather than book.
fn dollars(cents: i64) -> String {
    format!("${}", money::group_thousands(((cents + 50) / 100).max(0) as u64))
}

fn state_badge(state: LeadState) -> impl IntoView {
    view! { <span class=format!("badge state-{}", state.as_str())>{state.label()}</span> }
}

#[component]
pub fn LeadList() -> impl IntoView {
    let nav = use_nav();
    let query = RwSignal::new(ListQuery { sort: Some("lead_number".into()), dir: SortDir::Desc, ..ListQuery::default() });
    let filter = RwSignal::new(LeadFilter { open: Some(true), ..LeadFilter::default() });
    let page = LocalResource::new(move || {
        let (query, filter) = (query.get(), filter.get());
        async move { api::lead_list(&query, &filter).await }
    });
    let search = Memo::new(move |_| query.with(|q| q.search.clone()));
    let counted = LocalResource::new(move || {
        let (search, filter) = (search.get(), filter.get());
        async move { api::lead_count(&search, &filter).await.ok() }
    });
    let count = Signal::derive(move || counted.get().flatten());
    let set = filter_setter(filter, query);
    let date = move |id, label, get, put| date_filter(filter, set, id, label, get, put);
    let lists = LocalResource::new(api::code_lists);
    let users = code_choices(lists, active_users);
    let programs = lead_code_choices(LeadCodeKind::Program, false);
    let sources = lead_code_choices(LeadCodeKind::Source, false);
    // Each id filter is a select bound to one field of the filter.
    let id_filter = move |id: &'static str, placeholder: &'static str, options: Signal<Vec<(Id, String)>>, get: fn(&LeadFilter) -> Option<Id>, put: fn(&mut LeadFilter, Option<Id>)| {
        let value = RwSignal::new(filter.with_untracked(get));
        Effect::new(move |_| {
            let chosen = value.get();
            set(&|f| put(f, chosen));
        });
        view! { <IdSelect id placeholder value options/> }
    };
    let exporting = RwSignal::new(false);
    view! {
        <header class="page-head">
            <h1>"Leads"</h1>
            <div class="actions">
                <button id="export-toggle" on:click=move |_| exporting.update(|e| *e = !*e)>"Export"</button>
                <button id="open-board" on:click=move |_| nav.set(View::Board)>"Board"</button>
            </div>
        </header>
        {move || exporting.get().then(|| view! {
            <ExportPanel list="leads" count run=Callback::new(move |path: String| {
                let (query, filter) = (query.get_untracked(), filter.get_untracked());
                Box::pin(async move { api::lead_export(&path, &query, &filter).await }) as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>
            })/>
        })}
        <div class="toolbar">
            <input type="search" id="lead-search" class="search" placeholder="Search by lead number or customer name, number, email or phone"
                aria-label="Search leads" autofocus
                prop:value=move || query.with(|q| q.search.clone())
                on:input=move |ev| query.update(|q| { q.search = event_target_value(&ev); q.at = PageAt::First; })/>
        </div>
        <div class="filters" id="lead-filters">
            <select id="lead-filter-open" aria-label="Open or closed" on:change=move |ev| {
                let open = match event_target_value(&ev).as_str() { "open" => Some(true), "closed" => Some(false), _ => None };
                set(&|f| f.open = open)
            }>
                <option value="open" selected=move || filter.with(|f| f.open == Some(true))>"Open leads"</option>
                <option value="closed" selected=move || filter.with(|f| f.open == Some(false))>"Closed leads"</option>
                <option value="all" selected=move || filter.with(|f| f.open.is_none())>"Open and closed"</option>
            </select>
            <select id="lead-filter-state" aria-label="Lead state" on:change=move |ev| {
                let state = LeadState::parse(&event_target_value(&ev));
                set(&|f| f.state = state)
            }>
                <option value="">"Any state"</option>
                {LeadState::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
            </select>
            {id_filter("lead-filter-program", "Any program", programs, |f| f.program_id, |f, v| f.program_id = v)}
            {id_filter("lead-filter-source", "Any source", sources, |f| f.source_id, |f, v| f.source_id = v)}
            {id_filter("lead-filter-assigned", "Anyone assigned", users, |f| f.assigned_id, |f, v| f.assigned_id = v)}
            {id_filter("lead-filter-isr", "Any ISR", users, |f| f.isr_id, |f, v| f.isr_id = v)}
            {id_filter("lead-filter-osr", "Any OSR", users, |f| f.osr_id, |f, v| f.osr_id = v)}
            <input id="lead-filter-region" class="narrow" placeholder="State" aria-label="Customer state / region"
                prop:value=move || filter.with(|f| f.region.clone())
                on:input=move |ev| { let region = event_target_value(&ev); set(&|f| f.region = region.clone()) }/>
            {date("lead-note-from", "Newest note from", |f: &LeadFilter| f.newest_note_from.clone(), |f: &mut LeadFilter, d| f.newest_note_from = d)}
            {date("lead-note-to", "to", |f: &LeadFilter| f.newest_note_to.clone(), |f: &mut LeadFilter, d| f.newest_note_to = d)}
        </div>
        <Transition fallback=|| view! { <p class="muted pad">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! {
                        <div class="table-wrap">
                        <table class="list" id="lead-table">
                            <thead><tr>
                                <SortHeader label="Lead" key="lead_number" query default_key="lead_number"/>
                                <SortHeader label="Customer" key="company_name" query default_key="lead_number"/>
                                <SortHeader label="Title" key="title" query default_key="lead_number"/>
                                <SortHeader label="State" key="state" query default_key="lead_number"/>
                                <SortHeader label="Program" key="program" query default_key="lead_number"/>
                                <SortHeader label="Source" key="source" query default_key="lead_number"/>
                                <SortHeader label="Assigned" key="assigned" query default_key="lead_number"/>
                                <SortHeader label="Prob." key="probability" query default_key="lead_number"/>
                                <SortHeader label="Value" key="value_cents" query default_key="lead_number"/>
                                <SortHeader label="Weighted" key="weighted" query default_key="lead_number"/>
                                <SortHeader label="Expected close" key="expected_close" query default_key="lead_number"/>
                                <SortHeader label="Newest note" key="newest_note_at" query default_key="lead_number"/>
                            </tr></thead>
                            <tbody>
                                {page.rows.clone().into_iter().map(|row| lead_row(row, nav)).collect_view()}
                            </tbody>
                        </table>
                        </div>
                        {page.rows.is_empty().then(|| view! { <p class="muted pad">"No leads found. Create one from a customer's screen."</p> })}
                        <Pager page query count/>
                    }.into_any(),
                    Err(error) => view! { <div class="banner error" role="alert">{error.message}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn lead_row(row: LeadRow, nav: RwSignal<View>) -> impl IntoView {
    let id = row.id;
    let number = row.lead_number.clone();
    view! {
        <tr class="row" tabindex="0" data-lead=number on:click=move |_| nav.set(View::Lead(id)) on:keydown=move |ev| row_keys(&ev)>
            <td class="strong">{row.lead_number}</td>
            <td>{row.company_name}</td>
            <td>{row.title}</td>
            <td>{state_badge(row.state)}</td>
            <td>{row.program}</td>
            <td>{row.source}</td>
            <td>{row.assigned}</td>
            <td class="num">{format!("{} %", row.probability)}</td>
            <td class="num">{money(row.value_cents)}</td>
            <td class="num">{money(row.weighted_cents)}</td>
            <td>{row.expected_close}</td>
            <td>{row.newest_note_at.as_deref().map(format::local_date).unwrap_or_default()}</td>
        </tr>
    }
}

/// The Leads card of the customer screen: the customer's leads, and "create a lead" by program.
#[component]
pub fn CompanyLeads(company_id: Id) -> impl IntoView {
    let nav = use_nav();
    let filter = LeadFilter { company_id: Some(company_id), ..LeadFilter::default() };
    let leads = LocalResource::new(move || {
        let filter = filter.clone();
        async move { api::lead_list(&ListQuery { sort: Some("lead_number".into()), dir: SortDir::Desc, ..ListQuery::default() }, &filter).await }
    });
    let programs = lead_code_choices(LeadCodeKind::Program, true);
    let program = RwSignal::new(None::<Id>);
    let error = RwSignal::new(None::<ApiError>);
    let create = move |_| {
        let Some(program_id) = program.get_untracked() else {
            error.set(Some(ApiError::new(crm_model::ErrorKind::Invalid, "Choose a lead program first.")));
            return;
        };
        spawn_local(async move {
            match api::lead_create(&LeadCreate { company_id, program_id }).await {
                Ok(lead) => nav.set(View::Lead(lead.id)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" id="leads-card">
            <h2>"Leads"</h2>
            {move || leads.get().map(|result| match result {
                Ok(page) if page.rows.is_empty() => view! { <p class="muted">"No leads for this customer yet."</p> }.into_any(),
                Ok(page) => view! {
                    <table class="list compact"><tbody>
                        {page.rows.into_iter().map(|row| {
                            let id = row.id;
                            view! {
                                <tr class="row" tabindex="0" on:click=move |_| nav.set(View::Lead(id)) on:keydown=move |ev| row_keys(&ev)>
                                    <td class="strong">{row.lead_number}</td>
                                    <td>{row.program}</td>
                                    <td>{state_badge(row.state)}</td>
                                    <td class="num">{money(row.value_cents)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody></table>
                }.into_any(),
                Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
            })}
            <div class="hbox">
                <IdSelect id="new-lead-program" placeholder="Lead program…" value=program options=programs/>
                <button id="create-lead" class="primary" on:click=create>"Create lead"</button>
            </div>
            <ErrorBanner error/>
        </section>
    }
}

/// The Orders card of the customer screen.
#[component]
pub fn CompanyOrders(company_id: Id) -> impl IntoView {
    let orders = LocalResource::new(move || api::orders_of_company(company_id));
    view! {
        <section class="card" id="orders-card">
            <h2>"Orders"</h2>
            {move || orders.get().map(|result| match result {
                Ok(rows) if rows.is_empty() => view! { <p class="muted">"No orders yet."</p> }.into_any(),
                Ok(rows) => view! {
                    <table class="list compact"><tbody>
                        {rows.into_iter().map(|row| {
                            let id = row.id;
                            let awaiting = row.status == crm_model::OrderStatus::AwaitingApproval;
                            view! {
                                <tr>
                                    <td class="strong">{row.order_number}</td>
                                    <td>{row.lead_number.map(|n| format!("from lead {n}")).unwrap_or_default()}</td>
                                    <td><span class=format!("badge order-{}", row.status.as_str())>{row.status.label()}</span></td>
                                    <td class="num">{money(row.total_cents)}</td>
                                    <td>{awaiting.then(|| view! {
                                        <button class="ghost" on:click=move |_| spawn_local(async move {
                                            if api::order_approve(id).await.is_ok() { orders.refetch(); }
                                        })>"Approve"</button>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody></table>
                }.into_any(),
                Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
            })}
        </section>
    }
}

/// The lead worksheet.
#[component]
pub fn LeadDetail(id: Id) -> impl IntoView {
    let nav = use_nav();
    let lead = LocalResource::new(move || api::lead_get(id));
    let draft = RwSignal::new(LeadInput::default());
    let value_text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    // What the last move did (an order made, a credit warning). Kept here, above the worksheet
    // that re-renders after the move.
    let outcome = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(lead)) = lead.get() {
            value_text.set(money::format_cents(lead.fields.value_cents));
            draft.set(lead.fields);
        }
    });
    let lists = LocalResource::new(api::code_lists);
    let users = code_choices(lists, active_users);
    let programs = lead_code_choices(LeadCodeKind::Program, false);
    let sources = lead_code_choices(LeadCodeKind::Source, false);
    let bind = move |get: fn(&LeadInput) -> Option<Id>, put: fn(&mut LeadInput, Option<Id>)| {
        let value = RwSignal::new(None::<Id>);
        Effect::new(move |_| value.set(draft.with(get)));
        Effect::new(move |_| {
            let chosen = value.get();
            if draft.with_untracked(get) != chosen {
                draft.update(|d| put(d, chosen));
            }
        });
        value
    };
    let (program, source) = (bind(|d| d.program_id, |d, v| d.program_id = v), bind(|d| d.source_id, |d, v| d.source_id = v));
    let (isr, osr, assigned) = (
        bind(|d| d.isr_id, |d, v| d.isr_id = v),
        bind(|d| d.osr_id, |d, v| d.osr_id = v),
        bind(|d| d.assigned_id, |d, v| d.assigned_id = v),
    );
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut input = draft.get_untracked();
        match money::parse_cents(&value_text.get_untracked()) {
            Ok(cents) => input.value_cents = cents.unwrap_or(0),
            Err(message) => {
                error.set(Some(ApiError { kind: crm_model::ErrorKind::Invalid, message: message.clone(), fields: vec![crm_model::FieldError { field: "value_cents".into(), message }] }));
                return;
            }
        }
        spawn_local(async move {
            match api::lead_update(id, &input).await {
                Ok(_) => {
                    error.set(None);
                    saved.set(true);
                    lead.refetch();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let labelled = move |label: &'static str, name: &'static str, body: AnyView| {
        view! {
            <div class="field" class:invalid=move || field_error(error, name).get().is_some()>
                <label>{label}</label>
                {body}
                <p class="field-error" data-field=name role="alert">{move || field_error(error, name).get()}</p>
            </div>
        }
    };
    view! {
        {move || lead.get().map(|result| match result {
            Err(e) => view! { <div class="banner error" role="alert">{e.message}</div> }.into_any(),
            Ok(current) => {
                let company = current.company_id;
                view! {
                    <header class="page-head">
                        <div>
                            <p class="muted small"><a href="#" on:click=move |ev| { ev.prevent_default(); nav.set(View::Leads) }>"Leads"</a>" / "
                                <a href="#" on:click=move |ev| { ev.prevent_default(); nav.set(View::Company(company)) }>{current.company_name.clone()}</a></p>
                            <h1 id="lead-title">{format!("Lead {}", current.lead_number)}{state_badge(current.state)}</h1>
                        </div>
                        <div class="actions"><button id="open-board" on:click=move |_| nav.set(View::Board)>"Board"</button></div>
                    </header>
                    <div class="cards">
                        <form class="card wide form" id="lead-form" on:submit=save novalidate>
                            <h2>"Lead header"</h2>
                            <div class="grid3">
                                {labelled("Program", "program_id", view! { <IdSelect id="lead-program" placeholder="—" value=program options=programs/> }.into_any())}
                                {labelled("Source", "source_id", view! { <IdSelect id="lead-source" placeholder="No source" value=source options=sources/> }.into_any())}
                                {labelled("Title", "title", view! {
                                    <input id="lead-title-input" maxlength=limits::LEAD_TITLE prop:value=move || draft.with(|d| d.title.clone())
                                        on:input=move |ev| draft.update(|d| d.title = event_target_value(&ev))/>
                                }.into_any())}
                                {labelled("Inside sales rep", "isr_id", view! { <IdSelect id="lead-isr" placeholder="—" value=isr options=users/> }.into_any())}
                                {labelled("Outside sales rep", "osr_id", view! { <IdSelect id="lead-osr" placeholder="—" value=osr options=users/> }.into_any())}
                                {labelled("Assigned to", "assigned_id", view! { <IdSelect id="lead-assigned" placeholder="Nobody" value=assigned options=users/> }.into_any())}
                                {labelled("Probability %", "probability", view! {
                                    <input id="lead-probability" type="number" min="0" max="100" prop:value=move || draft.with(|d| d.probability.to_string())
                                        on:input=move |ev| draft.update(|d| d.probability = event_target_value(&ev).trim().parse().unwrap_or(-1))/>
                                }.into_any())}
                                {labelled("Net potential value", "value_cents", view! {
                                    <input id="lead-value" inputmode="decimal" prop:value=move || value_text.get() on:input=move |ev| value_text.set(event_target_value(&ev))/>
                                }.into_any())}
                                {labelled("Expected close", "expected_close", view! {
                                    <input id="lead-close" type="date" prop:value=move || draft.with(|d| d.expected_close.clone())
                                        on:input=move |ev| draft.update(|d| d.expected_close = event_target_value(&ev))/>
                                }.into_any())}
                            </div>
                            <p class="muted">
                                {format!("Customer {} · {} · weighted {} · newest note {}", current.customer_number, current.company_name, money(current.weighted_cents),
                                    current.newest_note_at.as_deref().map(format::local_date).unwrap_or_else(|| "none".into()))}
                            </p>
                            <ErrorBanner error/>
                            {move || saved.get().then(|| view! { <p class="ok" role="status">"Saved."</p> })}
                            <div class="actions"><button type="submit" class="primary" id="lead-save">"Update"</button></div>
                        </form>
                        <MoveCard lead=current.clone() users outcome on_moved=Callback::new(move |_| lead.refetch())/>
                        <EstimatesCard lead_id=id closed=!current.state.is_open()/>
                        <TasksCard subject=NoteSubject::Lead(id)/>
                        <div class="span-all">
                            <NotesCard subject=NoteSubject::Lead(id) on_added=Callback::new(move |_| lead.refetch())/>
                        </div>
                    </div>
                }.into_any()
            }
        })}
    }
}

/// The workflow part of the worksheet: the allowed moves as buttons, whom to hand the lead to,
/// and the moves so far.
#[component]
fn MoveCard(
    lead: crm_model::Lead,
    /// The active users, who a lead can be handed to (the worksheet has them already).
    users: Signal<Vec<(Id, String)>>,
    outcome: RwSignal<Option<String>>,
    on_moved: Callback<()>,
) -> impl IntoView {
    let assign_to = RwSignal::new(None::<Id>);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let id = lead.id;
    let go = move |to: LeadState| {
        let input = LeadMoveInput { to, assign_to: assign_to.get_untracked(), reason: reason.get_untracked() };
        spawn_local(async move {
            match api::lead_move(id, &input).await {
                Ok(result) => {
                    error.set(None);
                    let mut text = format!("Moved to {}.", to.label());
                    if let Some(order) = result.order {
                        text.push_str(&format!(" Order {} created ({}), total {}.", order.order_number, order.status.label(), money(order.total_cents)));
                    }
                    if let Some(warning) = result.warning {
                        text.push_str(&format!(" Warning: {warning}"));
                    }
                    outcome.set(Some(text));
                    on_moved.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let moves = lead.moves.clone();
    view! {
        <section class="card" id="move-card">
            <h2>"Change lead state"</h2>
            {if lead.allowed_moves.is_empty() {
                view! { <p class="muted">"The workflow ends here."</p> }.into_any()
            } else {
                view! {
                    <div class="hbox wrap">
                        {lead.allowed_moves.iter().map(|&to| view! {
                            <button class="move" data-to=to.as_str() on:click=move |_| go(to)>{format!("→ {}", to.label())}</button>
                        }).collect_view()}
                    </div>
                    <div class="hbox">
                        <IdSelect id="move-assign" placeholder="Keep the assignee" value=assign_to options=users/>
                        <input id="move-reason" placeholder="Reason (required when lost)" maxlength=limits::LOST_REASON
                            prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                    </div>
                }.into_any()
            }}
            <ErrorBanner error/>
            {move || outcome.get().map(|text| view! { <p class="ok" id="move-outcome" role="status">{text}</p> })}
            {(!lead.lost_reason.is_empty()).then(|| view! { <p class="muted">{format!("Lost: {}", lead.lost_reason)}</p> })}
            <h3>"Moves"</h3>
            {if moves.is_empty() {
                view! { <p class="muted">"None yet: every lead starts in pending qualification."</p> }.into_any()
            } else {
                view! {
                    <ul class="history" id="lead-moves">
                        {moves.into_iter().map(|m| view! {
                            <li>
                                <span class="muted small">{format::local_time(&m.at)}" · "{m.by.clone()}</span>
                                <span>{format!(" {} → {}", m.from.label(), m.to.label())}</span>
                                {m.assigned_to.map(|name| view! { <span class="muted">{format!(", to {name}")}</span> })}
                                {(!m.reason.is_empty()).then(|| view! { <span class="muted">{format!(" ({})", m.reason)}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// A lead's estimates, the one that becomes the order marked, and an editor for a new one.
#[component]
fn EstimatesCard(lead_id: Id, closed: bool) -> impl IntoView {
    let estimates = LocalResource::new(move || api::estimates_of_lead(lead_id));
    let lines = RwSignal::new(vec![EstimateLineText::default()]);
    let tax = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let save = move |_| {
        let parsed: Result<Vec<EstimateLineInput>, String> = lines.get_untracked().iter().map(EstimateLineText::parse).collect();
        let tax_bp = money::parse_percent_bp(&tax.get_untracked());
        let (lines_in, tax_bp) = match (parsed, tax_bp) {
            (Ok(lines), Ok(tax)) => (lines, tax),
            (Err(message), _) | (_, Err(message)) => {
                error.set(Some(ApiError::new(crm_model::ErrorKind::Invalid, message)));
                return;
            }
        };
        let input = EstimateInput { title: title.get_untracked(), tax_rate_bp: tax_bp.into(), lines: lines_in };
        spawn_local(async move {
            match api::estimate_save(lead_id, None, &input).await {
                Ok(_) => {
                    error.set(None);
                    lines.set(vec![EstimateLineText::default()]);
                    title.set(String::new());
                    estimates.refetch();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" id="estimates-card">
            <h2>"Estimates"</h2>
            {move || estimates.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! { <p class="muted">"No estimates yet. The chosen estimate becomes the order when the lead is won."</p> }.into_any(),
                Ok(list) => view! {
                    <table class="list compact" id="estimate-table"><tbody>
                        {list.into_iter().map(|e| {
                            let id = e.id;
                            view! {
                                <tr>
                                    <td class="strong" title=format!("{} line(s)", e.lines.len())>{format!("Estimate {}", e.estimate_number)}</td>
                                    <td>{e.title.clone()}</td>
                                    <td class="num">{money(e.total_cents)}</td>
                                    <td>{if e.chosen {
                                        view! { <span class="badge state-customer" title="Becomes the order when the lead is won">"Chosen"</span> }.into_any()
                                    } else {
                                        view! { <button class="ghost" disabled=closed on:click=move |_| spawn_local(async move {
                                            if api::estimate_choose(id).await.is_ok() { estimates.refetch(); }
                                        })>"Choose"</button> }.into_any()
                                    }}</td>
                                    <td>{(!closed).then(|| view! {
                                        <button class="ghost" title="Delete this estimate" on:click=move |_| spawn_local(async move {
                                            match api::estimate_delete(id).await {
                                                Ok(()) => estimates.refetch(),
                                                Err(e) => error.set(Some(e)),
                                            }
                                        })>"Delete"</button>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody></table>
                }.into_any(),
                Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
            })}
            {(!closed).then(|| view! {
                <details id="new-estimate">
                    <summary>"New estimate"</summary>
                    <div class="hbox">
                        <label class="grow">"Title "<input id="estimate-title" placeholder="Option A" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/></label>
                        <label>"Tax % "<input id="estimate-tax" class="narrow" placeholder="0" prop:value=move || tax.get() on:input=move |ev| tax.set(event_target_value(&ev))/></label>
                    </div>
                    <table class="list compact lines">
                        <thead><tr><th>"Product or description"</th><th>"Qty"</th><th>"Unit price"</th><th>"Discount %"</th></tr></thead>
                        <tbody>
                            {move || (0..lines.with(Vec::len)).map(|index| {
                                let cell = move |name: &'static str, get: fn(&EstimateLineText) -> String, put: fn(&mut EstimateLineText, String)| view! {
                                    <td><input class=format!("line-{name}") prop:value=move || lines.with(|l| l.get(index).map(get).unwrap_or_default())
                                        on:input=move |ev| lines.update(|l| if let Some(line) = l.get_mut(index) { put(line, event_target_value(&ev)) })/></td>
                                };
                                view! {
                                    <tr>
                                        {cell("description", |l| l.description.clone(), |l, v| l.description = v)}
                                        {cell("quantity", |l| l.quantity.clone(), |l, v| l.quantity = v)}
                                        {cell("price", |l| l.price.clone(), |l, v| l.price = v)}
                                        {cell("discount", |l| l.discount.clone(), |l, v| l.discount = v)}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <div class="hbox">
                        <button class="ghost" id="estimate-add-line" on:click=move |_| lines.update(|l| l.push(EstimateLineText::default()))>"Add line"</button>
                        <button class="primary" id="estimate-save" on:click=save>"Save estimate"</button>
                    </div>
                    <ErrorBanner error/>
                    {move || error.get().filter(|e| !e.fields.is_empty()).map(|e| view! {
                        <ul class="error small">{e.fields.into_iter().map(|f| view! { <li>{format!("{}: {}", f.field, f.message)}</li> }).collect_view()}</ul>
                    })}
                </details>
            })}
        </section>
    }
}

/// An estimate line as typed.
#[derive(Clone, Default)]
struct EstimateLineText {
    description: String,
    quantity: String,
    price: String,
    discount: String,
}

impl EstimateLineText {
    fn parse(&self) -> Result<EstimateLineInput, String> {
        Ok(EstimateLineInput {
            description: self.description.clone(),
            quantity_milli: money::parse_milli(&self.quantity)?.unwrap_or(0),
            unit_price_cents: money::parse_cents(&self.price)?.unwrap_or(0),
            discount_bp: money::parse_percent_bp(&self.discount)?.into(),
        })
    }
}

/// The pipeline board: a column per state, a card per lead. A card is dragged to another column
/// (only where the workflow allows; the other columns dim while dragging), or moved with its
/// "Move to" menu from the keyboard.
#[component]
pub fn Board() -> impl IntoView {
    let nav = use_nav();
    let transitions = LocalResource::new(api::lead_transitions);
    let version = RwSignal::new(0u32);
    let dragging = RwSignal::new(None::<(Id, LeadState)>);
    let error = RwSignal::new(None::<ApiError>);
    let pipeline = LocalResource::new(move || {
        version.track();
        api::pipeline()
    });
    let allowed = move |from: LeadState, to: LeadState| transitions.get().and_then(Result::ok).is_some_and(|t| t.contains(&(from, to)));
    let move_lead = move |id: Id, to: LeadState| {
        let reason = if to == LeadState::Inactive { prompt("Why is this lead lost or parked?") } else { Some(String::new()) };
        let Some(reason) = reason else { return };
        spawn_local(async move {
            match api::lead_move(id, &LeadMoveInput { to, assign_to: None, reason }).await {
                Ok(_) => {
                    error.set(None);
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let column = move |state: LeadState| {
        let cards = LocalResource::new(move || {
            version.track();
            let filter = LeadFilter { state: Some(state), ..LeadFilter::default() };
            async move { api::lead_list(&ListQuery { sort: Some("value_cents".into()), dir: SortDir::Desc, limit: 50, ..ListQuery::default() }, &filter).await }
        });
        let droppable = move || dragging.get().is_some_and(|(_, from)| allowed(from, state));
        let weighted = move || {
            pipeline.get().and_then(Result::ok).and_then(|p| p.by_state.into_iter().find(|l| l.label == state.label())).map(|l| money(l.weighted_cents))
        };
        view! {
            <section class="column" data-state=state.as_str()
                class:drop-ok=droppable
                class:drop-no=move || dragging.get().is_some_and(|(_, from)| from != state && !allowed(from, state))
                on:dragover=move |ev| if droppable() { ev.prevent_default() }
                on:drop=move |ev| {
                    ev.prevent_default();
                    if let Some((id, from)) = dragging.get_untracked() {
                        dragging.set(None);
                        if allowed(from, state) {
                            move_lead(id, state);
                        }
                    }
                }
            >
                <h2>{state.label()}<span class="muted small">{move || weighted().map(|w| format!(" · {w}"))}</span></h2>
                {move || cards.get().map(|result| match result {
                    Ok(page) => page.rows.into_iter().map(|row| {
                        let id = row.id;
                        let targets: Vec<LeadState> = LeadState::ALL.into_iter().filter(|&to| allowed(state, to)).collect();
                        view! {
                            <article class="lead-card" draggable="true" data-lead=row.lead_number.clone()
                                on:dragstart=move |ev| {
                                    if let Some(data) = ev.data_transfer() { let _ = data.set_data("text/plain", &id.to_string()); }
                                    dragging.set(Some((id, state)));
                                }
                                on:dragend=move |_| dragging.set(None)
                            >
                                <a href="#" class="strong" on:click=move |ev| { ev.prevent_default(); nav.set(View::Lead(id)) }>{format!("{} · {}", row.lead_number, row.company_name)}</a>
                                <p class="muted small">{row.title.clone()}</p>
                                <p>{dollars(row.value_cents)}<span class="muted">{format!(" · {} %", row.probability)}</span></p>
                                {(!targets.is_empty()).then(|| view! {
                                    <select class="move-to" aria-label="Move to" on:change=move |ev| {
                                        if let Some(to) = LeadState::parse(&event_target_value(&ev)) { move_lead(id, to) }
                                    }>
                                        <option value="">"Move to…"</option>
                                        {targets.into_iter().map(|to| view! { <option value=to.as_str()>{to.label()}</option> }).collect_view()}
                                    </select>
                                })}
                            </article>
                        }
                    }).collect_view().into_any(),
                    Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
                })}
            </section>
        }
    };
    view! {
        <header class="page-head">
            <h1>"Pipeline board"</h1>
            <div class="actions"><button on:click=move |_| nav.set(View::Leads)>"List"</button></div>
        </header>
        <ErrorBanner error/>
        <div class="board" id="board">{LeadState::ALL.into_iter().map(column).collect_view()}</div>
    }
}

/// `window.prompt`, `None` when cancelled.
fn prompt(question: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window().and_then(|w| w.prompt_with_message(question).ok().flatten())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = question;
        None
    }
}

/// A chart the core rendered, with "Save as PNG".
#[component]
fn Chart(kind: LeadChartKind, scope: ChartScope, #[prop(optional)] version: Option<RwSignal<u32>>) -> impl IntoView {
    let chart = LocalResource::new(move || {
        if let Some(version) = version {
            version.track();
        }
        api::lead_chart(kind, scope)
    });
    let status = RwSignal::new(None::<String>);
    let save = move |_| {
        spawn_local(async move {
            let path = match api::export_default_path("chart", "png").await {
                Ok(path) => path.replace("chart-", &format!("chart-{kind:?}-").to_lowercase()),
                Err(e) => return status.set(Some(e.message)),
            };
            status.set(Some(match api::lead_chart_png(kind, scope, &path).await {
                Ok(()) => format!("Saved {path}"),
                Err(e) => e.message,
            }));
        })
    };
    view! {
        <figure class="chart card" data-chart=format!("{kind:?}")>
            {move || chart.get().map(|result| match result {
                Ok(svg) => chart_svg(svg).into_any(),
                Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
            })}
            <figcaption class="hbox">
                <button class="ghost small" on:click=save>"Save as PNG"</button>
                <span class="muted small">{move || status.get()}</span>
            </figcaption>
        </figure>
    }
}

fn pipeline_table(title: &'static str, id: &'static str, lines: Vec<PipelineLine>) -> impl IntoView {
    view! {
        <section class="card" id=id>
            <h2>{title}</h2>
            <table class="list compact">
                <thead><tr><th></th><th class="num">"Leads"</th><th class="num">"Value"</th><th class="num">"Weighted"</th></tr></thead>
                <tbody>
                    {lines.into_iter().map(|l| view! {
                        <tr><td>{l.label}</td><td class="num">{l.leads}</td><td class="num">{dollars(l.value_cents)}</td><td class="num">{dollars(l.weighted_cents)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// The pipeline dashboard: the weighted total and its trend, the breakdowns and the graphs.
#[component]
pub fn PipelineDashboard() -> impl IntoView {
    let nav = use_nav();
    let pipeline = LocalResource::new(api::pipeline);
    view! {
        <header class="page-head">
            <h1>"Pipeline"</h1>
            <div class="actions">
                <button id="open-programs" on:click=move |_| nav.set(View::LeadCodes(LeadCodeKind::Program))>"Lead programs"</button>
                <button id="open-sources" on:click=move |_| nav.set(View::LeadCodes(LeadCodeKind::Source))>"Lead sources"</button>
                <button on:click=move |_| nav.set(View::Board)>"Board"</button>
            </div>
        </header>
        {move || pipeline.get().map(|result| match result {
            Err(e) => view! { <div class="banner error" role="alert">{e.message}</div> }.into_any(),
            Ok(p) => {
                let first = p.trend.first().map(|(_, w)| *w).unwrap_or(0);
                let change = p.weighted_cents - first;
                let change_class = if change >= 0 { "ok" } else { "error" };
                view! {
                    <div class="cards">
                        <section class="card" id="pipeline-total">
                            <h2>"Weighted pipeline"</h2>
                            <p class="big" id="pipeline-weighted">{dollars(p.weighted_cents)}</p>
                            <p class="muted">{format!("{} open leads worth {}", p.open_leads, dollars(p.value_cents))}</p>
                            {if p.trend.len() < 2 {
                                view! { <p class="muted">"The trend builds up day by day as leads change."</p> }.into_any()
                            } else {
                                view! { <p class=change_class>
                                    {format!("{}{} since {}", if change >= 0 { "+" } else { "−" }, dollars(change.abs()), p.trend[0].0)}
                                </p> }.into_any()
                            }}
                            {sparkline(&p.trend)}
                        </section>
                        {pipeline_table("By state", "pipeline-by-state", p.by_state)}
                        {pipeline_table("By rep", "pipeline-by-rep", p.by_rep)}
                        {pipeline_table("By program", "pipeline-by-program", p.by_program)}
                        {pipeline_table("By source", "pipeline-by-source", p.by_source)}
                        {pipeline_table("By expected close month", "pipeline-by-month", p.by_month)}
                    </div>
                }.into_any()
            }
        })}
        <div class="charts">
            {LeadChartKind::ALL.into_iter().map(|kind| view! { <Chart kind scope=ChartScope::All/> }).collect_view()}
        </div>
    }
}

/// The trend as a small line: a glance, not a chart to read values from (those are beside it).
fn sparkline(trend: &[(String, i64)]) -> impl IntoView + use<> {
    let (width, height) = (240.0, 40.0);
    let max = trend.iter().map(|(_, w)| *w).max().unwrap_or(0).max(1) as f64;
    let step = if trend.len() > 1 { width / (trend.len() - 1) as f64 } else { 0.0 };
    let points: Vec<String> = trend.iter().enumerate().map(|(i, (_, w))| format!("{:.1},{:.1}", i as f64 * step, height - (*w as f64 / max) * (height - 4.0) - 2.0)).collect();
    let label = trend.last().map(|(day, _)| format!("Trend up to {day}")).unwrap_or_default();
    view! {
        <svg class="sparkline" width=width height=height viewBox=format!("0 0 {width} {height}") role="img" aria-label=label>
            <polyline fill="none" stroke="currentColor" stroke-width="2" points=points.join(" ")/>
        </svg>
    }
}

/// The list of lead programs (or sources): status, open and closed leads, add and edit.
#[component]
pub fn LeadCodes(kind: LeadCodeKind) -> impl IntoView {
    let nav = use_nav();
    let codes = LocalResource::new(move || api::lead_codes(kind));
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let (title, noun) = match kind {
        LeadCodeKind::Program => ("Lead programs", "program"),
        LeadCodeKind::Source => ("Lead sources", "source"),
    };
    let save = move |id: Option<Id>, input: LeadCodeInput| {
        spawn_local(async move {
            match api::lead_code_save(kind, id, &input).await {
                Ok(_) => {
                    error.set(None);
                    name.set(String::new());
                    codes.refetch();
                }
                Err(e) => error.set(Some(e)),
            }
        })
    };
    view! {
        <header class="page-head">
            <h1>{title}</h1>
            <div class="actions"><button on:click=move |_| nav.set(View::Pipeline)>"Pipeline"</button></div>
        </header>
        <div class="hbox">
            <input id="code-name" placeholder=format!("New {noun} name") maxlength=limits::CODE prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <button class="primary" id="code-add" on:click=move |_| save(None, LeadCodeInput { name: name.get_untracked(), active: true })>{format!("Add {noun}")}</button>
        </div>
        <ErrorBanner error/>
        {move || codes.get().map(|result| match result {
            Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
            Ok(list) => view! {
                <table class="list" id="code-table">
                    <thead><tr><th>"Name"</th><th>"Status"</th><th class="num">"Open leads"</th><th class="num">"Closed leads"</th><th></th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|code| {
                            let id = code.id;
                            let toggled = LeadCodeInput { name: code.name.clone(), active: !code.active };
                            view! {
                                <tr class="row" tabindex="0" data-name=code.name.clone() on:click=move |_| nav.set(View::LeadCode(kind, id)) on:keydown=move |ev| row_keys(&ev)>
                                    <td class="strong">{code.name.clone()}</td>
                                    <td>{if code.active { "Active" } else { "Inactive" }}</td>
                                    <td class="num">{code.open_leads}</td>
                                    <td class="num">{code.closed_leads}</td>
                                    <td><button class="ghost" on:click=move |ev| { ev.stop_propagation(); save(Some(id), toggled.clone()) }>
                                        {if code.active { "Deactivate" } else { "Activate" }}
                                    </button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        })}
    }
}

fn counts_table(first: &'static str, rows: Vec<StateCounts>) -> impl IntoView {
    view! {
        <table class="list compact">
            <thead><tr><th>{first}</th>{LeadState::ALL.into_iter().map(|s| view! { <th class="num">{s.label()}</th> }).collect_view()}<th class="num">"Total"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr><td>{r.label}</td>{r.by_state.into_iter().map(|n| view! { <td class="num">{n}</td> }).collect_view()}<td class="num strong">{r.total}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// One program's (or source's) screen: its leads by state and by source (or program), and its
/// graphs.
#[component]
pub fn LeadCodeScreen(kind: LeadCodeKind, id: Id) -> impl IntoView {
    let nav = use_nav();
    let stats = LocalResource::new(move || api::lead_code_stats(kind, id));
    let scope = match kind {
        LeadCodeKind::Program => ChartScope::Program(id),
        LeadCodeKind::Source => ChartScope::Source(id),
    };
    let other = match kind {
        LeadCodeKind::Program => "Source",
        LeadCodeKind::Source => "Program",
    };
    view! {
        {move || stats.get().map(|result| match result {
            Err(e) => view! { <div class="banner error" role="alert">{e.message}</div> }.into_any(),
            Ok(s) => view! {
                <header class="page-head">
                    <div>
                        <p class="muted small"><a href="#" on:click=move |ev| { ev.prevent_default(); nav.set(View::LeadCodes(kind)) }>
                            {match kind { LeadCodeKind::Program => "Lead programs", LeadCodeKind::Source => "Lead sources" }}</a></p>
                        <h1 id="code-title">{s.code.name.clone()}</h1>
                    </div>
                </header>
                <div class="cards">
                    <section class="card wide" id="stats-by-state"><h2>"Leads by state"</h2>{counts_table("", vec![s.by_state])}</section>
                    <section class="card wide" id="stats-by-other"><h2>{format!("Leads by {}", other.to_lowercase())}</h2>{counts_table(other, s.by_other)}</section>
                </div>
            }.into_any(),
        })}
        <div class="charts">
            {LeadChartKind::ALL.into_iter().map(|kind| view! { <Chart kind scope/> }).collect_view()}
        </div>
    }
}

/// The editable transition table: which state a lead may move to from which.
#[component]
pub fn WorkflowEditor() -> impl IntoView {
    let table = LocalResource::new(api::lead_transitions);
    let error = RwSignal::new(None::<ApiError>);
    let toggle = move |from: LeadState, to: LeadState, allowed: bool| {
        spawn_local(async move {
            match api::lead_transition_set(from, to, allowed).await {
                Ok(_) => table.refetch(),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    view! {
        <section class="card wide" id="workflow">
            <h2>"Lead workflow"</h2>
            <p class="muted">"Which moves the worksheet and the board allow: from the state on the left to the state above."</p>
            <ErrorBanner error/>
            {move || table.get().and_then(Result::ok).map(|allowed| view! {
                <table class="list compact">
                    <thead><tr><th>"From \\ to"</th>{LeadState::ALL.into_iter().map(|s| view! { <th>{s.label()}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {LeadState::ALL.into_iter().map(|from| view! {
                            <tr>
                                <td class="strong">{from.label()}</td>
                                {LeadState::ALL.into_iter().map(|to| {
                                    let on = allowed.contains(&(from, to));
                                    view! { <td>{(from != to).then(|| view! {
                                        <input type="checkbox" aria-label=format!("{} to {}", from.label(), to.label()) prop:checked=on
                                            on:change=move |_| toggle(from, to, !on)/>
                                    })}</td> }
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
