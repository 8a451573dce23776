//! Settings: the app's users, the editable code lists (terms codes, credit codes, note types) and
//! the lead workflow.

use crm_model::{ApiError, CodeInput, CodeKind, CodeLists, CreditBehaviour, Id, UserInput};
use leptos::{prelude::*, task::spawn_local};

use crate::{api, components::ErrorBanner};

#[component]
pub fn Settings() -> impl IntoView {
    let lists = LocalResource::new(api::code_lists);
    let error = RwSignal::new(None::<ApiError>);
    view! {
        <header class="page-head"><h1>"Settings"</h1></header>
        <ErrorBanner error/>
        {move || lists.get().map(|result| match result {
            Err(e) => view! { <div class="banner error">{e.message}</div> }.into_any(),
            Ok(l) => view! {
                <div class="cards">
                    <Users lists=l.clone() on_change=Callback::new(move |_| lists.refetch()) error/>
                    <CodeList kind=CodeKind::Credit title="Credit codes" lists=l.clone() on_change=Callback::new(move |_| lists.refetch()) error/>
                    <CodeList kind=CodeKind::Terms title="Terms codes" lists=l.clone() on_change=Callback::new(move |_| lists.refetch()) error/>
                    <CodeList kind=CodeKind::NoteType title="Note types" lists=l on_change=Callback::new(move |_| lists.refetch()) error/>
                    <crate::leads::WorkflowEditor/>
                </div>
            }.into_any(),
        })}
    }
}

#[component]
fn Users(
    /// The current lists (users among them).
    lists: CodeLists,
    /// Called after a successful change, to reload.
    on_change: Callback<()>,
    /// Where a failed save reports.
    error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = UserInput { name: name.get_untracked(), email: email.get_untracked(), active: true };
        spawn_local(async move {
            match api::user_create(&input).await {
                Ok(_) => {
                    name.set(String::new());
                    email.set(String::new());
                    error.set(None);
                    on_change.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" id="users">
            <h2>"Users"</h2>
            <table class="list compact">
                <tbody>
                    {lists.users.into_iter().map(|user| {
                        let input = UserInput { name: user.name.clone(), email: user.email.clone(), active: !user.active };
                        let toggle = move |_| {
                            let input = input.clone();
                            spawn_local(async move {
                                match api::user_update(user.id, &input).await {
                                    Ok(_) => on_change.run(()),
                                    Err(e) => error.set(Some(e)),
                                }
                            })
                        };
                        view! {
                            <tr class:inactive=!user.active>
                                <td class="strong">{user.name}</td>
                                <td>{user.email}</td>
                                <td><button class="ghost small" on:click=toggle>{if user.active { "Deactivate" } else { "Activate" }}</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <form class="inline add" on:submit=add>
                <input id="user-name" placeholder="Name" aria-label="New user's name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <input id="user-email" placeholder="Email" aria-label="New user's email" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                <button type="submit" id="add-user">"Add user"</button>
            </form>
        </section>
    }
}

/// One editable code list: its entries with an active switch, and a row to add an entry.
#[component]
fn CodeList(
    /// Which list.
    kind: CodeKind,
    /// Card title.
    title: &'static str,
    /// The current lists.
    lists: CodeLists,
    /// Called after a successful change, to reload.
    on_change: Callback<()>,
    /// Where a failed save reports.
    error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    // (id, code, detail, input that flips `active`)
    let entries: Vec<(Id, String, String, CodeInput)> = match kind {
        CodeKind::Terms => lists.terms.into_iter().map(|t| {
            let flip = CodeInput { code: t.code.clone(), description: t.description.clone(), days: t.days, behaviour: None, active: !t.active };
            (t.id, t.code, format!("{} · {} days{}", t.description, t.days, if t.active { "" } else { " · inactive" }), flip)
        }).collect(),
        CodeKind::Credit => lists.credit.into_iter().map(|c| {
            let flip = CodeInput { code: c.code.clone(), description: c.description.clone(), days: 0, behaviour: Some(c.behaviour), active: !c.active };
            (c.id, c.code, format!("{}{}", c.behaviour.label(), if c.active { "" } else { " · inactive" }), flip)
        }).collect(),
        CodeKind::NoteType => lists.note_types.into_iter().map(|t| {
            let flip = CodeInput { code: t.name.clone(), active: !t.active, ..CodeInput::default() };
            (t.id, t.name, if t.active { String::new() } else { "inactive".into() }, flip)
        }).collect(),
    };
    let save = move |id: Option<Id>, input: CodeInput, after: Box<dyn FnOnce() + Send>| {
        spawn_local(async move {
            match api::code_save(kind, id, &input).await {
                Ok(_) => {
                    error.set(None);
                    after();
                    on_change.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let code = RwSignal::new(String::new());
    let days = RwSignal::new(String::new());
    let behaviour = RwSignal::new(CreditBehaviour::Normal);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = CodeInput {
            code: code.get_untracked(),
            days: days.get_untracked().trim().parse().unwrap_or(0),
            behaviour: (kind == CodeKind::Credit).then(|| behaviour.get_untracked()),
            active: true,
            ..CodeInput::default()
        };
        save(None, input, Box::new(move || code.set(String::new())));
    };
    let id_prefix = match kind {
        CodeKind::Terms => "terms",
        CodeKind::Credit => "credit",
        CodeKind::NoteType => "note-type",
    };
    view! {
        <section class="card" id=format!("{id_prefix}-codes")>
            <h2>{title}</h2>
            <table class="list compact">
                <tbody>
                    {entries.into_iter().map(|(entry_id, name, detail, flip)| {
                        let inactive = flip.active;
                        let label = if inactive { "Activate" } else { "Deactivate" };
                        view! {
                            <tr class:inactive=inactive>
                                <td class="strong">{name}</td>
                                <td class="muted">{detail}</td>
                                <td><button class="ghost small" on:click=move |_| save(Some(entry_id), flip.clone(), Box::new(|| {}))>{label}</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <form class="inline add" on:submit=add>
                <input id=format!("{id_prefix}-new") placeholder="New entry" aria-label=format!("New {title}")
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                {(kind == CodeKind::Terms).then(|| view! {
                    <input class="narrow" placeholder="Days" aria-label="Days" prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev))/>
                })}
                {(kind == CodeKind::Credit).then(|| view! {
                    <select aria-label="Behaviour" on:change=move |ev| behaviour.set(CreditBehaviour::parse(&event_target_value(&ev)).unwrap_or(CreditBehaviour::Normal))>
                        {CreditBehaviour::ALL.into_iter().map(|b| view! { <option value=b.as_str()>{b.label()}</option> }).collect_view()}
                    </select>
                })}
                <button type="submit">"Add"</button>
            </form>
        </section>
    }
}
