//! Settings: who uses this device, sync with the team's server (its card lives in `sync.rs`),
//! outgoing mail and its outbox, the app's users, the editable code lists (terms codes, credit
//! codes, note types) and the lead workflow.

use crm_model::{ApiError, CodeInput, CodeKind, CodeLists, CreditBehaviour, ErrorKind, FieldError, Id, OutboxRound, Profile, SmtpSecurity, SmtpSettings, UserInput, limits};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api,
    components::{ErrorBanner, Field, Form, IdSelect, TextField, ZoneSelect, active_users, field_error},
    format,
};

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
                    <ProfileCard lists=l.clone()/>
                    <Users lists=l.clone() on_change=Callback::new(move |_| lists.refetch()) error/>
                    <crate::sync::SyncCard/>
                    <SmtpCard/>
                    <OutboxCard/>
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

/// "You": which user works on this device and in which time zone (My day, new tasks and
/// follow-ups start from these). Kept on the device, never synced.
#[component]
fn ProfileCard(
    /// The current lists (users among them).
    lists: CodeLists,
) -> impl IntoView {
    let user = RwSignal::new(None::<Id>);
    let zone = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let show = move |profile: Profile| {
        user.set(profile.user_id);
        zone.set(profile.time_zone);
    };
    spawn_local(async move {
        match api::profile_get().await {
            Ok(profile) => show(profile),
            Err(e) => error.set(Some(e)),
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let profile = Profile { user_id: user.get_untracked(), time_zone: zone.get_untracked() };
        spawn_local(async move {
            match api::profile_save(&profile).await {
                Ok(profile) => {
                    error.set(None);
                    saved.set(true);
                    show(profile);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let users = active_users(&lists);
    view! {
        <section class="card" id="profile">
            <h2>"You"</h2>
            <p class="muted">"Who works on this device: My day shows their tasks, and follow-ups invite their email."</p>
            <form on:submit=save novalidate>
                <Field label="User" name="user_id" for_id="profile-user" error=field_error(error, "user_id")>
                    <IdSelect id="profile-user" placeholder="Nobody chosen" value=user options=Signal::derive(move || users.clone())/>
                </Field>
                <Field label="Time zone" name="time_zone" for_id="profile-zone" error=field_error(error, "time_zone")>
                    <ZoneSelect id="profile-zone" value=zone/>
                </Field>
                <ErrorBanner error/>
                <div class="actions">
                    <button type="submit" class="primary" id="save-profile" on:click=move |_| saved.set(false)>"Save"</button>
                    {move || saved.get().then(|| view! { <span class="ok" id="profile-saved" role="status">"Saved."</span> })}
                </div>
            </form>
        </section>
    }
}

/// The outgoing mail server that sends task invitations. Kept on the device, never synced.
#[component]
fn SmtpCard() -> impl IntoView {
    let form = Form::<SmtpSettings>::new();
    // The port is typed as text and read on save.
    let port = RwSignal::new(String::new());
    let saved = RwSignal::new(false);
    let show = move |settings: SmtpSettings| {
        port.set(if settings.port == 0 { String::new() } else { settings.port.to_string() });
        form.draft.set(settings);
    };
    spawn_local(async move {
        match api::smtp_settings_get().await {
            Ok(settings) => show(settings),
            Err(e) => form.error.set(Some(e)),
        }
    });
    let submit = form.on_submit(
        move |mut settings: SmtpSettings| {
            saved.set(false);
            let text = port.get_untracked();
            let parsed = match text.trim() {
                "" => Ok(0),
                text => text.parse().map_err(|_| format!("{text:?} is not a port number (1 to 65535).")),
            };
            async move {
                settings.port = parsed.map_err(|message| ApiError {
                    kind: ErrorKind::Invalid,
                    message: message.clone(),
                    fields: vec![FieldError { field: "port".into(), message }],
                })?;
                api::smtp_settings_save(&settings).await
            }
        },
        move |settings| {
            form.error.set(None);
            saved.set(true);
            show(settings);
        },
    );
    let security = move || form.draft.with(|d| d.security);
    view! {
        <section class="card wide" id="smtp">
            <h2>"Email (SMTP)"</h2>
            <p class="muted">"The server that sends task invitations. Leave the host empty to send none (save .ics files instead)."</p>
            <form on:submit=submit novalidate>
                <div class="grid">
                    {form.field_with_id("smtp-host", "Host", "host", "text", limits::SMTP_HOST, |s| &s.host, |s, v| s.host = v)}
                    <TextField label="Port" name="port" id="smtp-port" kind="number" maxlength=5 value=port
                        on_input=move |text| { port.set(text); form.clear_error("port") } error=field_error(form.error, "port")/>
                    <Field label="Security" name="security" for_id="smtp-security" error=field_error(form.error, "security")>
                        <select id="smtp-security" on:change=move |ev| {
                            let chosen = match event_target_value(&ev).as_str() { "none" => SmtpSecurity::None, "tls" => SmtpSecurity::Tls, _ => SmtpSecurity::StartTls };
                            form.draft.update(|d| d.security = chosen)
                        }>
                            <option value="starttls" selected=move || security() == SmtpSecurity::StartTls>"STARTTLS (usually port 587)"</option>
                            <option value="tls" selected=move || security() == SmtpSecurity::Tls>"TLS (usually port 465)"</option>
                            <option value="none" selected=move || security() == SmtpSecurity::None>"None (trusted network only)"</option>
                        </select>
                    </Field>
                    {form.field_with_id("smtp-from", "From address", "from", "email", limits::EMAIL, |s| &s.from, |s, v| s.from = v)}
                    {form.field_with_id("smtp-username", "User name", "username", "text", limits::EMAIL, |s| &s.username, |s, v| s.username = v)}
                    {form.field_with_id("smtp-password", "Password", "password", "password", 500, |s| &s.password, |s, v| s.password = v)}
                </div>
                <ErrorBanner error=form.error/>
                <div class="actions">
                    <button type="submit" class="primary" id="save-smtp" disabled=move || form.saving.get()>"Save"</button>
                    {move || saved.get().then(|| view! { <span class="ok" id="smtp-saved" role="status">"Saved."</span> })}
                </div>
            </form>
        </section>
    }
}

/// "Sent 2 · 1 failed · 3 waiting", and the last error if there was one.
pub fn round_message(round: &OutboxRound) -> String {
    let mut text = format!("Sent {} · {} failed · {} waiting.", round.sent, round.failed, round.pending);
    if let Some(error) = &round.last_error {
        text.push_str(&format!(" Last error: {error}"));
    }
    text
}

/// The invitations waiting to be sent and those sent, with "Send now".
#[component]
fn OutboxCard() -> impl IntoView {
    let items = LocalResource::new(api::outbox_list);
    let round = RwSignal::new(None::<OutboxRound>);
    let error = RwSignal::new(None::<ApiError>);
    let sending = RwSignal::new(false);
    let send = move |_| {
        sending.set(true);
        spawn_local(async move {
            let result = api::outbox_send_now().await;
            let _ = sending.try_set(false);
            match result {
                Ok(done) => {
                    let _ = error.try_set(None);
                    let _ = round.try_set(Some(done));
                }
                Err(e) => drop(error.try_set(Some(e))),
            }
            items.refetch();
        })
    };
    view! {
        <section class="card wide" id="outbox">
            <div class="card-head">
                <h2>"Outbox"</h2>
                <button id="send-now" disabled=move || sending.get() on:click=send>{move || if sending.get() { "Sending…" } else { "Send now" }}</button>
            </div>
            {move || round.get().map(|round| view! {
                <p class={if round.failed > 0 { "warn" } else { "ok" }} id="send-result" role="status">{round_message(&round)}</p>
            })}
            <ErrorBanner error/>
            {move || items.get().map(|result| match result {
                Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
                Ok(items) if items.is_empty() => view! { <p class="muted">"No invitations yet."</p> }.into_any(),
                Ok(items) => view! {
                    <div class="table-wrap">
                    <table class="list compact" id="outbox-table">
                        <thead><tr><th>"To"</th><th>"Subject"</th><th>"Status"</th><th class="num">"Attempts"</th><th>"Last error"</th><th>"Next attempt"</th></tr></thead>
                        <tbody>
                            {items.into_iter().map(|item| view! {
                                <tr data-outbox=item.id.to_string() data-sent=item.sent.to_string()>
                                    <td>{item.recipient}</td>
                                    <td>{(item.method == "CANCEL").then(|| view! { <span class="tag">"Cancellation"</span> " " })}{item.subject}</td>
                                    <td>{if item.sent {
                                        view! { <span class="badge status-done">"Sent"</span> }.into_any()
                                    } else {
                                        view! { <span class="badge status-open">"Waiting"</span> }.into_any()
                                    }}</td>
                                    <td class="num">{item.attempts}</td>
                                    <td class="error" title=item.last_error.clone().unwrap_or_default()>{item.last_error.clone().unwrap_or_default()}</td>
                                    <td>{match (&item.sent_at, item.sent) {
                                        (Some(at), true) => format!("sent {}", format::local_time(at)),
                                        _ => format::local_time(&item.next_attempt_at),
                                    }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                }.into_any(),
            })}
        </section>
    }
}
