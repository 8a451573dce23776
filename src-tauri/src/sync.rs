//! Sync commands and the background sync thread. The round itself is the core's
//! (`crm_core::sync::sync_round`); this module only decides when it runs, lets one run at a time,
//! keeps its progress for the status bar and passes the user's Cancel on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crm_core::sync::{HttpTransport, Watch, sync_round};
use crm_model::{ApiError, ErrorKind, SyncLogin, SyncProgress, SyncRound, SyncStatus};
use tauri::{AppHandle, Manager, State};

use crate::commands::{AppState, Locked};

type Reply<T> = Result<T, ApiError>;

/// How often the background thread syncs while logged in.
const EVERY: Duration = Duration::from_secs(60);

/// The one sync round that may run at a time, and what the status bar shows of it.
#[derive(Default)]
pub(crate) struct SyncState {
    running: Mutex<bool>,
    finished: Condvar,
    cancel: AtomicBool,
    progress: Mutex<Option<SyncProgress>>,
    /// Set by "Sync now" and after a login, so the background thread runs without waiting.
    wake: (Mutex<bool>, Condvar),
}

fn transport() -> Reply<HttpTransport> {
    HttpTransport::new().map_err(|e| ApiError::new(ErrorKind::Internal, format!("The HTTP client could not start: {e}")))
}

impl SyncState {
    /// Run one round unless one is running already (then wait for that one and report it as
    /// nothing done: its outcome is in the status).
    fn round(&self, state: &AppState) -> Reply<Option<SyncRound>> {
        {
            let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
            if *running {
                while *running {
                    running = self.finished.wait(running).unwrap_or_else(|p| p.into_inner());
                }
                return Ok(None);
            }
            *running = true;
        }
        self.cancel.store(false, Ordering::SeqCst);
        let transport = transport();
        let outcome = transport.and_then(|transport| {
            let watch = Watch { cancel: &self.cancel, report: |p: SyncProgress| *self.progress.lock().unwrap_or_else(|e| e.into_inner()) = Some(p) };
            sync_round(&mut Locked(state), &transport, &watch).map_err(ApiError::from)
        });
        *self.progress.lock().unwrap_or_else(|p| p.into_inner()) = None;
        *self.running.lock().unwrap_or_else(|p| p.into_inner()) = false;
        self.finished.notify_all();
        outcome
    }

    fn wake(&self) {
        *self.wake.0.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.wake.1.notify_all();
    }

    /// Sleep until woken or `timeout` passes.
    fn sleep(&self, timeout: Duration) {
        let guard = self.wake.0.lock().unwrap_or_else(|p| p.into_inner());
        let (mut woken, _) = self.wake.1.wait_timeout_while(guard, timeout, |woken| !*woken).unwrap_or_else(|p| p.into_inner());
        *woken = false;
    }
}

pub(crate) fn start(app: AppHandle) {
    std::thread::Builder::new()
        .name("sync".into())
        .spawn(move || {
            // Give the window a moment to paint before the first round.
            std::thread::sleep(Duration::from_secs(2));
            loop {
                let (state, sync) = (app.state::<AppState>(), app.state::<SyncState>());
                if let Err(error) = sync.round(&state) {
                    eprintln!("sync: {}", error.message);
                }
                sync.sleep(EVERY);
            }
        })
        .expect("start the sync thread");
}

#[tauri::command]
pub(crate) async fn sync_status(state: State<'_, AppState>, sync: State<'_, SyncState>) -> Reply<SyncStatus> {
    let mut status = state.with(|store| store.sync_status())?;
    status.running = *sync.running.lock().unwrap_or_else(|p| p.into_inner());
    status.progress = *sync.progress.lock().unwrap_or_else(|p| p.into_inner());
    Ok(status)
}

/// Log in and start syncing at once (the first round shows its progress in the status bar).
#[tauri::command]
pub(crate) async fn sync_login(app: AppHandle, login: SyncLogin) -> Reply<SyncStatus> {
    blocking(app, move |app| {
        let transport = transport()?;
        // The store is held only to read the device and to store the result, never while the
        // server is being asked: a slow server does not freeze the window.
        let status = crm_core::sync::client::sync_login(&mut Locked(&app.state::<AppState>()), &transport, &login).map_err(ApiError::from)?;
        app.state::<SyncState>().wake();
        Ok(status)
    })
    .await
}

#[tauri::command]
pub(crate) async fn sync_logout(app: AppHandle) -> Reply<SyncStatus> {
    app.state::<SyncState>().cancel.store(true, Ordering::SeqCst);
    blocking(app, |app| {
        let transport = transport()?;
        crm_core::sync::client::sync_logout(&mut Locked(&app.state::<AppState>()), &transport).map_err(ApiError::from)
    })
    .await
}

/// Run `work` on a thread that may block: the HTTP client is blocking, and blocking inside an
/// async command would stall (and in reqwest's case panic) the async runtime.
async fn blocking<T: Send + 'static>(app: AppHandle, work: impl FnOnce(&AppHandle) -> Reply<T> + Send + 'static) -> Reply<T> {
    tauri::async_runtime::spawn_blocking(move || work(&app)).await.map_err(|e| ApiError::new(ErrorKind::Internal, e.to_string()))?
}

/// Run a round now and wait for it (the status bar polls `sync_status` for its progress).
#[tauri::command]
pub(crate) async fn sync_now(app: AppHandle) -> Reply<Option<SyncRound>> {
    blocking(app, |app| app.state::<SyncState>().round(&app.state::<AppState>())).await
}

#[tauri::command]
pub(crate) async fn sync_cancel(sync: State<'_, SyncState>) -> Reply<()> {
    sync.cancel.store(true, Ordering::SeqCst);
    Ok(())
}
