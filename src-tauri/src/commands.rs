//! Tauri commands: each is a thin adapter that locks the store, calls one `crm_core` method and
//! turns its error into the `{kind, message, fields}` wire error. No rule or SQL lives here.
//!
//! Commands are `async` so Tauri runs them on its thread pool rather than on the window's main
//! thread: a slow query can never freeze the window.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crm_core::{Store, export::ExportOptions};
use crm_model::import::{ImportPreview, ImportReport, ImportRequest, ImportTarget};
use crm_model::{
    ApiError, AppInfo, CodeInput, CodeKind, CodeLists, Company, CompanyFilter, CompanyInput, CompanyRow, Contact, ContactFilter, ContactInput, ContactRow, Count,
    HistoryEntry, Id, ListQuery, Note, NoteHit, NoteInput, NoteSubject, Page, ShipTo, ShipToInput, User, UserInput,
};
use crm_model::{
    ChartScope, ChartSvg, Estimate, EstimateInput, Lead, LeadChartKind, LeadCode, LeadCodeInput, LeadCodeKind, LeadCodeStats, LeadCreate, LeadFilter, LeadInput,
    LeadMoveInput, LeadMoveOutcome, LeadRow, LeadState, Order, OrderRow, Pipeline,
};
use crm_model::{
    DueReminder, FollowUpInput, MyDay, OutboxItem, OutboxRound, Profile, SmtpSettings, Task, TaskFilter, TaskInput, TaskPage, TaskQuery, TaskSaved, TaskStatus, Workload,
    WorkloadColumn,
};
use tauri::State;

type Reply<T> = Result<T, ApiError>;

pub(crate) struct AppState {
    /// The open store, or the reason it could not be opened (shown by every command).
    store: Result<Mutex<Store>, ApiError>,
}

impl AppState {
    pub fn new(store: Result<Mutex<Store>, ApiError>) -> Self {
        Self { store }
    }

    pub(crate) fn with<T>(&self, call: impl FnOnce(&mut Store) -> crm_core::Result<T>) -> Reply<T> {
        let store = self.store.as_ref().map_err(Clone::clone)?;
        // A panic while holding the lock leaves SQLite itself consistent (the transaction rolls
        // back), so a poisoned lock is safe to keep using.
        let mut store = store.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        call(&mut store).map_err(ApiError::from)
    }
}

#[tauri::command]
pub(crate) async fn app_info(state: State<'_, AppState>) -> Reply<AppInfo> {
    state.with(|store| store.info())
}

/// Fill the database with demo data; refused when it already holds companies.
#[tauri::command]
pub(crate) async fn demo_load(state: State<'_, AppState>) -> Reply<AppInfo> {
    state.with(|store| {
        if store.info()?.company_count > 0 {
            return Err(crm_core::CoreError::Conflict("Demo data can only be loaded into an empty database.".into()));
        }
        store.load_demo(crate::options::DEMO_SEED, crate::options::DEMO_COMPANIES)?;
        store.info()
    })
}

#[tauri::command]
pub(crate) async fn company_list(state: State<'_, AppState>, query: ListQuery, filter: Option<CompanyFilter>) -> Reply<Page<CompanyRow>> {
    state.with(|store| store.company_list_filtered(&query, &filter.unwrap_or_default()))
}

/// How many companies match the list's search and filters (asked for beside the page, so that
/// paging never waits for a count).
#[tauri::command]
pub(crate) async fn company_count(state: State<'_, AppState>, search: String, filter: Option<CompanyFilter>) -> Reply<Count> {
    state.with(|store| store.company_count(&search, &filter.unwrap_or_default()))
}

#[tauri::command]
pub(crate) async fn ship_to_save(state: State<'_, AppState>, id: Option<Id>, input: ShipToInput) -> Reply<ShipTo> {
    state.with(|store| store.ship_to_save(id, input))
}

#[tauri::command]
pub(crate) async fn ship_to_delete(state: State<'_, AppState>, id: Id) -> Reply<()> {
    state.with(|store| store.ship_to_delete(id))
}

#[tauri::command]
pub(crate) async fn company_get(state: State<'_, AppState>, id: Id) -> Reply<Company> {
    state.with(|store| store.company_get(id))
}

#[tauri::command]
pub(crate) async fn company_create(state: State<'_, AppState>, input: CompanyInput) -> Reply<Company> {
    state.with(|store| store.company_create(input))
}

#[tauri::command]
pub(crate) async fn company_update(state: State<'_, AppState>, id: Id, input: CompanyInput) -> Reply<Company> {
    state.with(|store| store.company_update(id, input))
}

#[tauri::command]
pub(crate) async fn company_history(state: State<'_, AppState>, id: Id) -> Reply<Vec<HistoryEntry>> {
    state.with(|store| store.company_history(id))
}

#[tauri::command]
pub(crate) async fn company_contacts(state: State<'_, AppState>, id: Id) -> Reply<Vec<ContactRow>> {
    state.with(|store| store.contacts_of_company(id))
}

#[tauri::command]
pub(crate) async fn contact_list(state: State<'_, AppState>, query: ListQuery, filter: Option<ContactFilter>) -> Reply<Page<ContactRow>> {
    state.with(|store| store.contact_list_filtered(&query, &filter.unwrap_or_default()))
}

#[tauri::command]
pub(crate) async fn contact_count(state: State<'_, AppState>, search: String, filter: Option<ContactFilter>) -> Reply<Count> {
    state.with(|store| store.contact_count(&search, &filter.unwrap_or_default()))
}

#[tauri::command]
pub(crate) async fn contact_get(state: State<'_, AppState>, id: Id) -> Reply<Contact> {
    state.with(|store| store.contact_get(id))
}

#[tauri::command]
pub(crate) async fn contact_create(state: State<'_, AppState>, input: ContactInput) -> Reply<Contact> {
    state.with(|store| store.contact_create(input))
}

#[tauri::command]
pub(crate) async fn contact_update(state: State<'_, AppState>, id: Id, input: ContactInput) -> Reply<Contact> {
    state.with(|store| store.contact_update(id, input))
}

#[tauri::command]
pub(crate) async fn contact_history(state: State<'_, AppState>, id: Id) -> Reply<Vec<HistoryEntry>> {
    state.with(|store| store.contact_history(id))
}

#[tauri::command]
pub(crate) async fn code_lists(state: State<'_, AppState>) -> Reply<CodeLists> {
    state.with(|store| store.code_lists())
}

#[tauri::command]
pub(crate) async fn code_save(state: State<'_, AppState>, kind: CodeKind, id: Option<Id>, input: CodeInput) -> Reply<CodeLists> {
    state.with(|store| store.code_save(kind, id, input))
}

#[tauri::command]
pub(crate) async fn user_create(state: State<'_, AppState>, input: UserInput) -> Reply<User> {
    state.with(|store| store.user_create(input))
}

#[tauri::command]
pub(crate) async fn user_update(state: State<'_, AppState>, id: Id, input: UserInput) -> Reply<User> {
    state.with(|store| store.user_update(id, input))
}

#[tauri::command]
pub(crate) async fn note_create(state: State<'_, AppState>, input: NoteInput) -> Reply<Note> {
    state.with(|store| store.note_create(input))
}

#[tauri::command]
pub(crate) async fn note_list(state: State<'_, AppState>, subject: NoteSubject) -> Reply<Vec<Note>> {
    state.with(|store| store.notes_of(subject))
}

#[tauri::command]
pub(crate) async fn note_search(state: State<'_, AppState>, text: String) -> Reply<Vec<NoteHit>> {
    state.with(|store| store.note_search(&text, 50))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_model::ErrorKind;

    /// The command list exists three times (the handler in lib.rs, the permission list in
    /// build.rs, the grant in the capability): they must agree, or a command is either not
    /// callable or not registered.
    #[test]
    fn handler_permissions_and_capability_list_the_same_commands() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap();
        let lib = read("src/lib.rs");
        let block = &lib[lib.find("generate_handler![").unwrap()..];
        let block = &block[..block.find(']').unwrap()];
        // Every `module::command` entry of the handler list, by its command name.
        let block = &block["generate_handler![".len()..];
        let mut handler: Vec<String> =
            block.split(',').map(str::trim).filter(|entry| !entry.is_empty()).map(|entry| entry.rsplit("::").next().unwrap().to_owned()).collect();
        let build = read("build.rs");
        let list = &build[build.find("const COMMANDS").unwrap()..];
        let list = &list[..list.find("];").unwrap()];
        let mut declared: Vec<String> = list.split('"').skip(1).step_by(2).map(str::to_owned).collect();
        let capability: serde_json::Value = serde_json::from_str(&read("capabilities/main.json")).unwrap();
        let mut granted: Vec<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().trim_start_matches("allow-").replace('-', "_"))
            .collect();
        for list in [&mut handler, &mut declared, &mut granted] {
            list.sort();
        }
        assert!(declared.len() >= 20, "{declared:?}");
        assert_eq!(handler, declared, "generate_handler! and build.rs COMMANDS differ");
        assert_eq!(granted, declared, "capabilities/main.json and build.rs COMMANDS differ");
    }

    #[test]
    fn a_store_that_failed_to_open_answers_every_command_with_its_reason() {
        let state = AppState::new(Err(ApiError::new(ErrorKind::Storage, "The database at /x cannot be opened: locked")));
        let error = state.with(|store| store.info()).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Storage);
        assert!(error.message.contains("/x"));
    }

    #[test]
    fn core_errors_cross_as_kind_message_and_fields() {
        let state = AppState::new(Ok(Mutex::new(Store::open_in_memory().unwrap())));
        let error = state.with(|store| store.company_create(CompanyInput::default())).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Invalid);
        assert_eq!(error.field("name"), Some("Required."));
        let missing = state.with(|store| store.company_get(Id::nil())).unwrap_err();
        assert_eq!(missing.kind, ErrorKind::NotFound);
    }
}

/// Progress and cancellation of the one long job (export or import) that may run at a time.
/// Polled by the UI while the job's command is pending; never behind the store lock, so it
/// answers while the job works.
#[derive(Default)]
pub(crate) struct Job {
    done: AtomicU64,
    cancel: AtomicBool,
}

pub(crate) type SharedJob = Arc<Job>;

impl Job {
    fn start(&self) {
        self.done.store(0, Ordering::Relaxed);
        self.cancel.store(false, Ordering::Relaxed);
    }

    fn report(&self, done: u64) {
        self.done.store(done, Ordering::Relaxed);
    }
}

/// Rows the running export or import has done so far.
#[tauri::command]
pub(crate) async fn job_progress(job: State<'_, SharedJob>) -> Reply<u64> {
    Ok(job.done.load(Ordering::Relaxed))
}

/// Ask the running export or import to stop; it then writes nothing.
#[tauri::command]
pub(crate) async fn job_cancel(job: State<'_, SharedJob>) -> Reply<()> {
    job.cancel.store(true, Ordering::Relaxed);
    Ok(())
}

/// Where an export goes unless the user types another path: the Documents folder (or home),
/// named after the list and the day.
#[tauri::command]
pub(crate) async fn export_default_path(list: String, format: String) -> Reply<String> {
    let dirs = directories::UserDirs::new();
    let folder = dirs
        .as_ref()
        .and_then(|d| d.document_dir().map(Path::to_path_buf))
        .or_else(|| dirs.as_ref().map(|d| d.home_dir().to_path_buf()))
        .unwrap_or_default();
    // Only known names reach the file system: a list, or a chart saved as an image.
    let list = match list.as_str() {
        "contacts" | "leads" | "chart" | "task" | "tasks" => list.as_str(),
        _ => "customers",
    };
    let format = match format.as_str() {
        "csv" | "png" | "ics" => format.as_str(),
        _ => "xlsx",
    };
    Ok(folder.join(format!("{list}-{}.{format}", chrono::Local::now().format("%Y-%m-%d"))).display().to_string())
}

/// Run an export on a worker thread over a second connection to the same database file, so the
/// window and every other command stay responsive however long it takes (SQLite's WAL mode lets
/// this reader run beside the writer).
async fn run_export(
    state: &AppState,
    job: &SharedJob,
    write: impl FnOnce(&Store, crm_core::export::Progress<'_>) -> crm_core::Result<u64> + Send + 'static,
) -> Reply<u64> {
    let path = state
        .with(|store| Ok(store.path().map(Path::to_path_buf)))?
        .ok_or_else(|| ApiError::from(crm_core::CoreError::Conflict("An in-memory database cannot be exported.".into())))?;
    job.start();
    let job = Arc::clone(job);
    tauri::async_runtime::spawn_blocking(move || {
        let reader = Store::open(&path)?;
        let mut report = |done| job.report(done);
        write(&reader, crm_core::export::Progress { report: &mut report, cancel: &job.cancel })
    })
    .await
    .map_err(|e| ApiError::from(crm_core::CoreError::Conflict(format!("The export stopped unexpectedly: {e}"))))?
    .map_err(ApiError::from)
}

fn export_options(utc_offset_minutes: i32, sheet: &str) -> ExportOptions {
    ExportOptions { sheet_name: sheet.into(), utc_offset_minutes }
}

/// Export the customer list as filtered and sorted on screen, every row.
#[tauri::command]
pub(crate) async fn company_export(
    state: State<'_, AppState>,
    job: State<'_, SharedJob>,
    path: String,
    query: ListQuery,
    filter: CompanyFilter,
    utc_offset_minutes: i32,
) -> Reply<u64> {
    run_export(&state, &job, move |store, progress| {
        store.company_export(Path::new(&path), &query, &filter, &export_options(utc_offset_minutes, "Customers"), progress)
    })
    .await
}

#[tauri::command]
pub(crate) async fn contact_export(
    state: State<'_, AppState>,
    job: State<'_, SharedJob>,
    path: String,
    query: ListQuery,
    filter: ContactFilter,
    utc_offset_minutes: i32,
) -> Reply<u64> {
    run_export(&state, &job, move |store, progress| {
        store.contact_export(Path::new(&path), &query, &filter, &export_options(utc_offset_minutes, "Contacts"), progress)
    })
    .await
}

/// Read a file to import and suggest how its columns map to fields.
#[tauri::command]
pub(crate) async fn import_preview(path: String, target: ImportTarget) -> Reply<ImportPreview> {
    let table = crm_core::import::read_file(Path::new(&path))?;
    Ok(crm_core::import::preview(target, &table))
}

/// The dry run: every row checked and every duplicate found, nothing written.
#[tauri::command]
pub(crate) async fn import_check(state: State<'_, AppState>, path: String, request: ImportRequest) -> Reply<ImportReport> {
    let table = crm_core::import::read_file(Path::new(&path))?;
    state.with(|store| store.import_check(&table, &request))
}

/// Import every row or none; progress through `job_progress`, stopped by `job_cancel`.
#[tauri::command]
pub(crate) async fn import_apply(state: State<'_, AppState>, job: State<'_, SharedJob>, path: String, request: ImportRequest) -> Reply<ImportReport> {
    let table = crm_core::import::read_file(Path::new(&path))?;
    let file_name = Path::new(&path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    job.start();
    state.with(|store| store.import_apply(&file_name, &table, &request, &mut |done| job.report(done), &job.cancel))
}

#[tauri::command]
pub(crate) async fn import_undo(state: State<'_, AppState>, batch_id: Id) -> Reply<u64> {
    state.with(|store| store.import_undo(batch_id))
}

/// Merge company `remove_id` into `keep_id`: links, notes and addresses move, gaps are filled,
/// `remove_id` is deleted.
#[tauri::command]
pub(crate) async fn company_merge(state: State<'_, AppState>, keep_id: Id, remove_id: Id) -> Reply<Company> {
    state.with(|store| store.company_merge(keep_id, remove_id))
}

#[tauri::command]
pub(crate) async fn contact_merge(state: State<'_, AppState>, keep_id: Id, remove_id: Id) -> Reply<Contact> {
    state.with(|store| store.contact_merge(keep_id, remove_id))
}

// Leads and the pipeline.

#[tauri::command]
pub(crate) async fn lead_create(state: State<'_, AppState>, request: LeadCreate) -> Reply<Lead> {
    state.with(|store| store.lead_create(request))
}

#[tauri::command]
pub(crate) async fn lead_get(state: State<'_, AppState>, id: Id) -> Reply<Lead> {
    state.with(|store| store.lead_get(id))
}

#[tauri::command]
pub(crate) async fn lead_update(state: State<'_, AppState>, id: Id, input: LeadInput) -> Reply<Lead> {
    state.with(|store| store.lead_update(id, input))
}

#[tauri::command]
pub(crate) async fn lead_move(state: State<'_, AppState>, id: Id, input: LeadMoveInput) -> Reply<LeadMoveOutcome> {
    state.with(|store| store.lead_move(id, input))
}

#[tauri::command]
pub(crate) async fn lead_list(state: State<'_, AppState>, query: ListQuery, filter: Option<LeadFilter>) -> Reply<Page<LeadRow>> {
    state.with(|store| store.lead_list(&query, &filter.unwrap_or_default()))
}

#[tauri::command]
pub(crate) async fn lead_count(state: State<'_, AppState>, search: String, filter: Option<LeadFilter>) -> Reply<Count> {
    state.with(|store| store.lead_count(&search, &filter.unwrap_or_default()))
}

#[tauri::command]
pub(crate) async fn lead_export(
    state: State<'_, AppState>,
    job: State<'_, SharedJob>,
    path: String,
    query: ListQuery,
    filter: LeadFilter,
    utc_offset_minutes: i32,
) -> Reply<u64> {
    run_export(&state, &job, move |store, progress| {
        store.lead_export(Path::new(&path), &query, &filter, &export_options(utc_offset_minutes, "Leads"), progress)
    })
    .await
}

#[tauri::command]
pub(crate) async fn lead_transitions(state: State<'_, AppState>) -> Reply<Vec<(LeadState, LeadState)>> {
    state.with(|store| store.lead_transitions())
}

#[tauri::command]
pub(crate) async fn lead_transition_set(state: State<'_, AppState>, from: LeadState, to: LeadState, allowed: bool) -> Reply<Vec<(LeadState, LeadState)>> {
    state.with(|store| store.lead_transition_set(from, to, allowed))
}

#[tauri::command]
pub(crate) async fn lead_codes(state: State<'_, AppState>, kind: LeadCodeKind) -> Reply<Vec<LeadCode>> {
    state.with(|store| store.lead_codes(kind))
}

#[tauri::command]
pub(crate) async fn lead_code_save(state: State<'_, AppState>, kind: LeadCodeKind, id: Option<Id>, input: LeadCodeInput) -> Reply<LeadCode> {
    state.with(|store| store.lead_code_save(kind, id, input))
}

#[tauri::command]
pub(crate) async fn lead_code_stats(state: State<'_, AppState>, kind: LeadCodeKind, id: Id) -> Reply<LeadCodeStats> {
    state.with(|store| store.lead_code_stats(kind, id))
}

#[tauri::command]
pub(crate) async fn pipeline(state: State<'_, AppState>) -> Reply<Pipeline> {
    state.with(|store| store.pipeline())
}

#[tauri::command]
pub(crate) async fn lead_chart(state: State<'_, AppState>, kind: LeadChartKind, scope: ChartScope) -> Reply<ChartSvg> {
    state.with(|store| store.lead_chart(kind, scope))
}

#[tauri::command]
pub(crate) async fn lead_chart_png(state: State<'_, AppState>, kind: LeadChartKind, scope: ChartScope, path: String) -> Reply<()> {
    state.with(|store| store.lead_chart_png(kind, scope, Path::new(&path)))
}

// Estimates and orders.

#[tauri::command]
pub(crate) async fn estimates_of_lead(state: State<'_, AppState>, lead_id: Id) -> Reply<Vec<Estimate>> {
    state.with(|store| store.estimates_of_lead(lead_id))
}

#[tauri::command]
pub(crate) async fn estimate_save(state: State<'_, AppState>, lead_id: Id, id: Option<Id>, input: EstimateInput) -> Reply<Estimate> {
    state.with(|store| store.estimate_save(lead_id, id, input))
}

#[tauri::command]
pub(crate) async fn estimate_choose(state: State<'_, AppState>, id: Id) -> Reply<Estimate> {
    state.with(|store| store.estimate_choose(id))
}

#[tauri::command]
pub(crate) async fn estimate_delete(state: State<'_, AppState>, id: Id) -> Reply<()> {
    state.with(|store| store.estimate_delete(id))
}

#[tauri::command]
pub(crate) async fn order_get(state: State<'_, AppState>, id: Id) -> Reply<Order> {
    state.with(|store| store.order_get(id))
}

#[tauri::command]
pub(crate) async fn orders_of_company(state: State<'_, AppState>, company_id: Id) -> Reply<Vec<OrderRow>> {
    state.with(|store| store.orders_of_company(company_id))
}

#[tauri::command]
pub(crate) async fn order_approve(state: State<'_, AppState>, id: Id) -> Reply<Order> {
    state.with(|store| store.order_approve(id))
}

// Tasks, reminders and invitations.

#[tauri::command]
pub(crate) async fn profile_get(state: State<'_, AppState>) -> Reply<Profile> {
    state.with(|store| store.profile())
}

#[tauri::command]
pub(crate) async fn profile_save(state: State<'_, AppState>, profile: Profile) -> Reply<Profile> {
    state.with(|store| store.profile_save(profile))
}

#[tauri::command]
pub(crate) async fn time_zones() -> Reply<Vec<&'static str>> {
    Ok(Store::time_zones())
}

#[tauri::command]
pub(crate) async fn task_create(state: State<'_, AppState>, input: TaskInput) -> Reply<TaskSaved> {
    state.with(|store| store.task_create(input))
}

#[tauri::command]
pub(crate) async fn task_update(state: State<'_, AppState>, id: Id, input: TaskInput) -> Reply<TaskSaved> {
    state.with(|store| store.task_update(id, input))
}

#[tauri::command]
pub(crate) async fn task_set_status(state: State<'_, AppState>, id: Id, status: TaskStatus) -> Reply<TaskSaved> {
    state.with(|store| store.task_set_status(id, status))
}

#[tauri::command]
pub(crate) async fn task_get(state: State<'_, AppState>, id: Id) -> Reply<Task> {
    state.with(|store| store.task_get(id))
}

#[tauri::command]
pub(crate) async fn task_list(state: State<'_, AppState>, query: TaskQuery) -> Reply<TaskPage> {
    state.with(|store| store.task_list(&query))
}

#[tauri::command]
pub(crate) async fn tasks_of(state: State<'_, AppState>, subject: NoteSubject) -> Reply<Vec<Task>> {
    state.with(|store| store.tasks_of(subject))
}

#[tauri::command]
pub(crate) async fn my_day(state: State<'_, AppState>, user: Option<Id>) -> Reply<MyDay> {
    state.with(|store| store.my_day(user))
}

#[tauri::command]
pub(crate) async fn workload(state: State<'_, AppState>) -> Reply<Workload> {
    state.with(|store| store.workload())
}

#[tauri::command]
pub(crate) async fn workload_filter(state: State<'_, AppState>, user: Option<Id>, column: WorkloadColumn) -> Reply<TaskFilter> {
    state.with(|store| store.workload_filter(user, column))
}

#[tauri::command]
pub(crate) async fn workload_chart(state: State<'_, AppState>) -> Reply<ChartSvg> {
    state.with(|store| store.workload_chart())
}

#[tauri::command]
pub(crate) async fn follow_up_create(state: State<'_, AppState>, input: FollowUpInput) -> Reply<TaskSaved> {
    state.with(|store| store.follow_up_create(input))
}

#[tauri::command]
pub(crate) async fn reminders_due(state: State<'_, AppState>) -> Reply<Vec<DueReminder>> {
    state.with(|store| store.reminders_due())
}

#[tauri::command]
pub(crate) async fn reminder_snooze(state: State<'_, AppState>, task_id: Id, minutes: u32) -> Reply<()> {
    state.with(|store| store.reminder_snooze(task_id, minutes))
}

#[tauri::command]
pub(crate) async fn reminder_dismiss(state: State<'_, AppState>, task_id: Id) -> Reply<()> {
    state.with(|store| store.reminder_dismiss(task_id))
}

#[tauri::command]
pub(crate) async fn task_ics_save(state: State<'_, AppState>, id: Id, path: String) -> Reply<()> {
    state.with(|store| store.task_ics_save(id, Path::new(&path)))
}

#[tauri::command]
pub(crate) async fn tasks_ics_save(state: State<'_, AppState>, user: Option<Id>, path: String) -> Reply<u64> {
    state.with(|store| store.tasks_ics_save(user, Path::new(&path)))
}

#[tauri::command]
pub(crate) async fn smtp_settings_get(state: State<'_, AppState>) -> Reply<SmtpSettings> {
    state.with(|store| store.smtp_settings())
}

#[tauri::command]
pub(crate) async fn smtp_settings_save(state: State<'_, AppState>, settings: SmtpSettings) -> Reply<SmtpSettings> {
    state.with(|store| store.smtp_settings_save(settings))
}

#[tauri::command]
pub(crate) async fn outbox_list(state: State<'_, AppState>) -> Reply<Vec<OutboxItem>> {
    state.with(|store| store.outbox_list(100))
}

/// "Send now": every waiting invitation is due at once, then one send round runs. The network
/// is only used outside the store's lock (see [`send_round`]).
#[tauri::command]
pub(crate) async fn outbox_send_now(state: State<'_, AppState>) -> Reply<OutboxRound> {
    state.with(|store| store.outbox_retry_now())?;
    send_round(&state)
}

/// One round of the outbox (`crm_core::mail::outbox::send_round`), taking the store's lock for
/// each step only: a slow or unreachable SMTP server never blocks the window.
pub(crate) fn send_round(state: &AppState) -> Reply<OutboxRound> {
    crm_core::mail::outbox::send_round(&mut Locked(state)).map_err(ApiError::from)
}

/// The app's store, locked for one call at a time.
pub(crate) struct Locked<'a>(pub(crate) &'a AppState);

impl crm_core::mail::outbox::StoreAccess for Locked<'_> {
    fn with<T>(&mut self, call: impl FnOnce(&mut Store) -> crm_core::Result<T>) -> crm_core::Result<T> {
        let store = self.0.store.as_ref().map_err(|error| crm_core::CoreError::Conflict(error.message.clone()))?;
        call(&mut store.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}
