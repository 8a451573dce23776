//! Sync with the team's server: the status bar every screen shows, and the Sync card of Settings
//! (log in, sync now, cancel, log out).
//!
//! Both read one context value, [`SyncState`], whose status is polled every 2 seconds in the
//! desktop window, so a round started by the background thread shows its progress too.

use std::time::Duration;

use crm_model::{ApiError, SyncLogin, SyncPhase, SyncProgress, SyncRound, SyncStatus, limits};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api,
    app::{View, use_nav},
    components::{ErrorBanner, Form, TextField, field_error},
    format,
};

/// How often the status bar asks the shell where sync stands.
const SYNC_POLL: Duration = Duration::from_secs(2);

/// The device name the login form starts with.
const DEFAULT_DEVICE: &str = "My laptop";

/// Longest server address the form takes (the shell checks the address itself).
const URL_MAX: usize = 2048;

/// What the status bar and the Sync card share, provided once by the shell.
#[derive(Clone, Copy)]
pub struct SyncState {
    nav: RwSignal<View>,
    /// The newest status; `None` until the first answer (and always outside the window).
    pub status: RwSignal<Option<SyncStatus>>,
    /// Why the last poll failed, if it did.
    pub poll_error: RwSignal<Option<ApiError>>,
    /// A poll is under way: a slow answer (the store busy with a round) must not pile polls up.
    polling: RwSignal<bool>,
    /// Set by the status bar: the Sync card scrolls itself into view once it is on screen.
    reveal: RwSignal<bool>,
}

impl SyncState {
    pub fn new(nav: RwSignal<View>) -> Self {
        SyncState {
            nav,
            status: RwSignal::new(None),
            poll_error: RwSignal::new(None),
            polling: RwSignal::new(false),
            reveal: RwSignal::new(false),
        }
    }

    /// Ask for the status now (skipped while a poll is still waiting).
    pub fn refresh(self) {
        if self.polling.get_untracked() {
            return;
        }
        self.polling.set(true);
        spawn_local(async move {
            let result = api::sync_status().await;
            let _ = self.polling.try_set(false);
            match result {
                Ok(status) => {
                    let _ = self.poll_error.try_set(None);
                    let _ = self.status.try_set(Some(status));
                }
                Err(error) => drop(self.poll_error.try_set(Some(error))),
            }
        });
    }

    /// Show the Sync card of Settings. Already on Settings, only scroll: navigating again would
    /// rebuild the screen under the card that is to scroll.
    pub fn open_card(self) {
        self.reveal.set(true);
        if self.nav.get_untracked() != View::Settings {
            self.nav.set(View::Settings);
        }
    }
}

/// Puts the [`SyncState`] in context and starts polling. Call once, in the shell, after the
/// navigation signal is provided.
pub fn provide_sync_state() {
    let state = SyncState::new(use_nav());
    provide_context(state);
    // Effects run in the window only, and the poll starts only with Tauri to ask: the native
    // tests and a plain browser start no timer.
    Effect::new(move |_| {
        if api::in_desktop() {
            state.refresh();
            // The shell lives as long as the window: the timer is never stopped.
            let _ = set_interval_with_handle(move || state.refresh(), SYNC_POLL);
        }
    });
}

pub fn sync_state() -> SyncState {
    expect_context::<SyncState>()
}

// Pure pieces, tested in tests.rs.

/// "Connecting…", "Sending 120 of 5,000", "Receiving 3,400 of 100,000".
pub fn progress_text(progress: &SyncProgress) -> String {
    let counted = |verb: &str| match progress.total {
        0 => format!("{verb}…"),
        total => format!("{verb} {} of {}", format::count(progress.done.min(total)), format::count(total)),
    };
    match progress.phase {
        SyncPhase::Connecting => "Connecting…".into(),
        SyncPhase::Sending => counted("Sending"),
        SyncPhase::Receiving => counted("Receiving"),
        SyncPhase::Indexing => "Indexing for search…".into(),
    }
}

/// The `<progress>` element's `(max, value)`: the current phase's share done. Connecting has
/// nothing counted yet, so it shows empty.
pub fn progress_bar(progress: &SyncProgress) -> (u64, u64) {
    match progress.total {
        0 => (1, 0),
        total => (total, progress.done.min(total)),
    }
}

/// What the status bar says: "Sync off", the running phase, "Synced 14:05 · 3 waiting" or
/// "Not synced: <why>". `now_ms` decides how much of the date the sync time needs.
pub fn status_text(status: &SyncStatus, now_ms: i64) -> String {
    if !status.enabled {
        return "Sync off".into();
    }
    if status.running {
        return status.progress.as_ref().map_or_else(|| "Syncing…".into(), progress_text);
    }
    if let Some(error) = &status.last_error {
        return format!("Not synced: {error}");
    }
    let synced = match status.last_sync_ms {
        Some(ms) => format!("Synced {}", format::moment_short(ms, now_ms)),
        None => "Not synced yet".into(),
    };
    match status.pending {
        0 => synced,
        pending => format!("{synced} · {} waiting", format::count(pending)),
    }
}

/// The status bar's `data-state`, for styling and the end-to-end test: `off`, `running`, `error`
/// or `synced`.
pub fn status_state(status: &SyncStatus) -> &'static str {
    match status {
        SyncStatus { enabled: false, .. } => "off",
        SyncStatus { running: true, .. } => "running",
        SyncStatus { last_error: Some(_), .. } => "error",
        _ => "synced",
    }
}

/// "Syncing with https://crm.example.com as ada@example.com (device My laptop, number series B)".
pub fn account_text(status: &SyncStatus) -> String {
    let or_unknown = |value: &Option<String>| value.clone().unwrap_or_else(|| "?".into());
    format!(
        "Syncing with {} as {} (device {}, number series {})",
        or_unknown(&status.server_url),
        or_unknown(&status.email),
        or_unknown(&status.device_name),
        status.series
    )
}

/// "No changes", "1 change", "3,000 changes".
pub fn pending_text(pending: u64) -> String {
    match pending {
        0 => "No changes".into(),
        1 => "1 change".into(),
        n => format!("{} changes", format::count(n)),
    }
}

/// What "Sync now" did: "Sent 3 · received 10, 7 changed here.", or that another round was
/// running.
pub fn round_text(round: Option<&SyncRound>) -> String {
    let Some(round) = round else {
        return "A sync was already running; its result is shown above.".into();
    };
    let mut text = format!("Sent {} · received {}, {} changed here.", format::count(round.sent), format::count(round.received), format::count(round.applied));
    if round.started_over {
        text.push_str(" The server was new or restored from a backup, so everything was sent again.");
    }
    text
}

// The status bar.

/// Where sync stands, at the bottom of every screen; a click opens the Sync card. Built once:
/// each poll only changes its text and attributes, so keyboard focus on it survives.
#[component]
pub fn SyncBar() -> impl IntoView {
    let state = sync_state();
    let cancel = move |_| {
        spawn_local(async move {
            if let Err(error) = api::sync_cancel().await {
                let _ = state.poll_error.try_set(Some(error));
            }
            state.refresh();
        })
    };
    let text = move || match state.status.get() {
        Some(status) => status_text(&status, format::now_ms()),
        // Not known yet (or not in the desktop window): the bar still leads to the settings.
        None => state.poll_error.with(|e| e.as_ref().map_or_else(|| "Sync".to_owned(), |e| format!("Sync status unknown: {}", e.message))),
    };
    let data_state = move || state.status.with(|s| s.as_ref().map_or("unknown", status_state));
    let warn = move || data_state() == "error";
    // The full error in the tooltip: the bar may have to cut it short.
    let title = move || state.status.with(|s| s.as_ref().and_then(|s| s.last_error.clone()).filter(|_| warn())).unwrap_or_else(text);
    let running = Memo::new(move |_| data_state() == "running");
    let bar = move || state.status.with(|s| s.as_ref().and_then(|s| s.progress).map_or((1, 0), |p| progress_bar(&p)));
    view! {
        <footer class="statusbar" id="sync-status" data-state=data_state>
            <button class="link sync-summary" class:warn=warn class:muted=move || matches!(data_state(), "off" | "unknown") id="sync-open" title=title
                on:click=move |_| state.open_card()>{text}</button>
            {move || running.get().then(|| view! {
                <progress id="sync-progress" max=move || bar().0 value=move || bar().1 aria-label="Sync progress"></progress>
                <button class="ghost small" id="sync-bar-cancel" data-sync-action="cancel" on:click=cancel>"Cancel"</button>
            })}
        </footer>
    }
}

// The Sync card of Settings.

/// Log in to the team's server, or, once logged in, where sync stands with Sync now, Cancel and
/// Log out.
#[component]
pub fn SyncCard() -> impl IntoView {
    let state = sync_state();
    if api::in_desktop() {
        state.refresh();
    }
    // Only a login or a logout swaps the form for the account: the polls in between must not
    // rebuild the form (and lose what is typed).
    let enabled = Memo::new(move |_| state.status.with(|s| s.as_ref().map(|s| s.enabled)));
    Effect::new(move |_| {
        if state.reveal.get() {
            state.reveal.set(false);
            if let Some(card) = document().get_element_by_id("sync") {
                card.scroll_into_view();
            }
        }
    });
    view! {
        <section class="card wide" id="sync">
            <h2>"Sync"</h2>
            <p class="muted">"Everything works offline: changes are kept on this device and sent to your team's server whenever it can be reached."</p>
            {move || match enabled.get() {
                Some(true) => SyncAccount().into_any(),
                Some(false) => SyncLoginForm().into_any(),
                None => view! {
                    <ErrorBanner error=state.poll_error/>
                    <p class="muted" id="sync-loading">"Asking where sync stands…"</p>
                }
                .into_any(),
            }}
        </section>
    }
}

/// The login form: server address, email, password and this device's name.
#[component]
fn SyncLoginForm() -> impl IntoView {
    let state = sync_state();
    let form = Form::<SyncLogin>::new();
    // Start from what the device used last (kept after a logout), else a device name to edit.
    let last = state.status.get_untracked().unwrap_or_default();
    form.draft.set(SyncLogin {
        server_url: last.server_url.unwrap_or_default(),
        email: last.email.unwrap_or_default(),
        password: String::new(),
        device_name: last.device_name.filter(|name| !name.is_empty()).unwrap_or_else(|| DEFAULT_DEVICE.into()),
    });
    let submit = form.on_submit(
        move |login: SyncLogin| async move { api::sync_login(&login).await },
        move |status| {
            form.error.set(None);
            form.draft.update(|d| d.password.clear());
            state.status.set(Some(status));
        },
    );
    let field = move |id: &'static str, label: &'static str, name: &'static str, kind: &'static str, maxlength: usize, placeholder: &'static str, get: fn(&SyncLogin) -> &String, set: fn(&mut SyncLogin, String)| {
        view! {
            <TextField id label name kind maxlength placeholder required=true
                value=Signal::derive(move || form.draft.with(|d| get(d).clone()))
                on_input=move |text| {
                    form.draft.update(|d| set(d, text));
                    form.clear_error(name);
                }
                error=field_error(form.error, name)
            />
        }
    };
    view! {
        <form id="sync-form" on:submit=submit novalidate>
            <ErrorBanner error=form.error/>
            <div class="grid">
                {field("sync-url", "Server address", "server_url", "url", URL_MAX, "https://crm.example.com", |l| &l.server_url, |l, v| l.server_url = v)}
                {field("sync-email", "Email", "email", "email", limits::EMAIL, "", |l| &l.email, |l, v| l.email = v)}
                {field("sync-password", "Password", "password", "password", 500, "", |l| &l.password, |l, v| l.password = v)}
                {field("sync-device", "This device's name", "device_name", "text", limits::PERSON_NAME, "", |l| &l.device_name, |l, v| l.device_name = v)}
            </div>
            <div class="actions">
                <button type="submit" class="primary" id="sync-login" disabled=move || form.saving.get()>
                    {move || if form.saving.get() { "Logging in…" } else { "Log in" }}
                </button>
            </div>
        </form>
    }
}

/// The account this device syncs with, the last round, and the buttons.
#[component]
fn SyncAccount() -> impl IntoView {
    let state = sync_state();
    let error = RwSignal::new(None::<ApiError>);
    let result = RwSignal::new(None::<String>);
    // "Sync now" waits for its round; the status may report it running a moment later.
    let syncing = RwSignal::new(false);
    let status = move || state.status.get().unwrap_or_default();
    let running = move || syncing.get() || state.status.with(|s| s.as_ref().is_some_and(|s| s.running));
    let sync_now = move |_| {
        syncing.set(true);
        result.set(None);
        spawn_local(async move {
            let round = api::sync_now().await;
            let _ = syncing.try_set(false);
            match round {
                Ok(round) => {
                    let _ = error.try_set(None);
                    let _ = result.try_set(Some(round_text(round.as_ref())));
                }
                // A failed round is recorded in the status, shown above as "The last sync failed".
                Err(e) if e.kind == crm_model::ErrorKind::Unavailable => drop(error.try_set(None)),
                Err(e) => drop(error.try_set(Some(e))),
            }
            state.refresh();
        })
    };
    let cancel = move |_| {
        spawn_local(async move {
            if let Err(e) = api::sync_cancel().await {
                let _ = error.try_set(Some(e));
            }
            state.refresh();
        })
    };
    let logout = move |_| {
        spawn_local(async move {
            match api::sync_logout().await {
                Ok(status) => {
                    let _ = error.try_set(None);
                    let _ = state.status.try_set(Some(status));
                }
                Err(e) => drop(error.try_set(Some(e))),
            }
        })
    };
    view! {
        <p id="sync-account" class="strong">{move || account_text(&status())}</p>
        <dl class="facts">
            <dt>"Last sync"</dt>
            <dd id="sync-last">{move || status().last_sync_ms.map_or_else(|| "Never".to_owned(), format::moment)}</dd>
            <dt>"Waiting to be sent"</dt>
            <dd id="sync-pending">{move || pending_text(status().pending)}</dd>
        </dl>
        {move || status().last_error.map(|message| view! {
            <div class="banner error" id="sync-error" role="alert">{format!("The last sync failed: {message}")}</div>
        })}
        {move || status().progress.filter(|_| running()).map(|progress| view! {
            <p class="muted" id="sync-phase">{progress_text(&progress)}</p>
        })}
        <ErrorBanner error/>
        {move || result.get().map(|text| view! { <p class="ok" id="sync-result" role="status">{text}</p> })}
        <div class="actions">
            <button class="primary" id="sync-now" disabled=running on:click=sync_now>"Sync now"</button>
            {move || running().then(|| view! {
                <button id="sync-cancel" data-sync-action="cancel" on:click=cancel>"Cancel"</button>
            })}
            <button class="ghost" id="sync-logout" on:click=logout>"Log out"</button>
        </div>
    }
}
