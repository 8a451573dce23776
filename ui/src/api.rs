//! Typed calls to the desktop core. Every Tauri command the UI uses has exactly one function here;
//! components never pass command names or JSON around themselves.

use crm_model::{
    ApiError, AppInfo, CodeInput, CodeKind, CodeLists, Company, CompanyFilter, CompanyInput, CompanyRow, Contact, ContactFilter, ContactInput, ContactRow, Count,
    ErrorKind, HistoryEntry, Id, ListQuery, Note, NoteHit, NoteInput, NoteSubject, Page, User, UserInput,
};
use crm_model::import::{ImportPreview, ImportReport, ImportRequest, ImportTarget};
use crm_model::{
    ChartScope, ChartSvg, Estimate, EstimateInput, Lead, LeadChartKind, LeadCode, LeadCodeInput, LeadCodeKind, LeadCodeStats, LeadCreate, LeadFilter, LeadInput,
    LeadMoveInput, LeadMoveOutcome, LeadRow, LeadState, Order, OrderRow, Pipeline,
};
use crm_model::{
    DueReminder, FollowUpInput, MyDay, OutboxItem, OutboxRound, Profile, SmtpSettings, Task, TaskFilter, TaskInput, TaskPage, TaskQuery, TaskSaved, TaskStatus, Workload,
    WorkloadColumn,
};
use crm_model::{SyncLogin, SyncRound, SyncStatus};
use serde::{Serialize, de::DeserializeOwned};

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(target_arch = "wasm32")]
mod bridge {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// `window.__TAURI__.core.invoke`, present because `app.withGlobalTauri` is on.
        #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
        pub async fn invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;
    }
}

#[cfg(target_arch = "wasm32")]
async fn call<A: Serialize, T: DeserializeOwned>(command: &str, args: &A) -> ApiResult<T> {
    use serde_wasm_bindgen::{Serializer, from_value};
    let internal = |message: String| ApiError::new(ErrorKind::Internal, message);
    // Plain JS objects (not `Map`s) are what Tauri's JSON bridge expects.
    let args = args.serialize(&Serializer::json_compatible()).map_err(|e| internal(format!("Cannot send {command}: {e}")))?;
    match bridge::invoke(command, args).await {
        Ok(value) => from_value(value).map_err(|e| internal(format!("Unexpected reply to {command}: {e}"))),
        // Our commands reject with a serialised `ApiError`; Tauri itself rejects with a string
        // (for example when a permission is missing).
        Err(error) => Err(from_value::<ApiError>(error.clone())
            .unwrap_or_else(|_| internal(error.as_string().unwrap_or_else(|| format!("{command} failed: {error:?}"))))),
    }
}

/// Outside the desktop window (native component tests) there is no Tauri to call.
#[cfg(not(target_arch = "wasm32"))]
async fn call<A: Serialize, T: DeserializeOwned>(command: &str, _args: &A) -> ApiResult<T> {
    Err(ApiError::new(ErrorKind::Internal, format!("{command}: not running inside the desktop app")))
}

/// Whether the UI runs inside the desktop window (with Tauri to call), so that timers polling the
/// core start only there: not in the native tests, not in a plain browser.
pub fn in_desktop() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        let tauri = js_sys::Reflect::get(&js_sys::global(), &wasm_bindgen::JsValue::from_str("__TAURI__"));
        tauri.is_ok_and(|value| !value.is_undefined() && !value.is_null())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        false
    }
}

#[derive(Serialize)]
struct NoArgs {}
#[derive(Serialize)]
struct ById {
    id: Id,
}
#[derive(Serialize)]
struct Create<'a, T> {
    input: &'a T,
}
#[derive(Serialize)]
struct Update<'a, T> {
    id: Id,
    input: &'a T,
}

pub async fn app_info() -> ApiResult<AppInfo> {
    call("app_info", &NoArgs {}).await
}

pub async fn demo_load() -> ApiResult<AppInfo> {
    call("demo_load", &NoArgs {}).await
}

#[derive(Serialize)]
struct FilteredQuery<'a, F> {
    query: &'a ListQuery,
    filter: &'a F,
}

pub async fn company_list(query: &ListQuery, filter: &CompanyFilter) -> ApiResult<Page<CompanyRow>> {
    call("company_list", &FilteredQuery { query, filter }).await
}

#[derive(Serialize)]
struct CountQuery<'a, F> {
    search: &'a str,
    filter: &'a F,
}

pub async fn company_count(search: &str, filter: &CompanyFilter) -> ApiResult<Count> {
    call("company_count", &CountQuery { search, filter }).await
}

pub async fn contact_count(search: &str, filter: &ContactFilter) -> ApiResult<Count> {
    call("contact_count", &CountQuery { search, filter }).await
}

#[derive(Serialize)]
struct SaveShipTo<'a> {
    id: Option<Id>,
    input: &'a crm_model::ShipToInput,
}

pub async fn ship_to_save(id: Option<Id>, input: &crm_model::ShipToInput) -> ApiResult<crm_model::ShipTo> {
    call("ship_to_save", &SaveShipTo { id, input }).await
}

pub async fn ship_to_delete(id: Id) -> ApiResult<()> {
    call("ship_to_delete", &ById { id }).await
}

pub async fn company_get(id: Id) -> ApiResult<Company> {
    call("company_get", &ById { id }).await
}

pub async fn company_create(input: &CompanyInput) -> ApiResult<Company> {
    call("company_create", &Create { input }).await
}

pub async fn company_update(id: Id, input: &CompanyInput) -> ApiResult<Company> {
    call("company_update", &Update { id, input }).await
}

pub async fn company_history(id: Id) -> ApiResult<Vec<HistoryEntry>> {
    call("company_history", &ById { id }).await
}

pub async fn company_contacts(id: Id) -> ApiResult<Vec<ContactRow>> {
    call("company_contacts", &ById { id }).await
}

pub async fn contact_list(query: &ListQuery, filter: &ContactFilter) -> ApiResult<Page<ContactRow>> {
    call("contact_list", &FilteredQuery { query, filter }).await
}

pub async fn contact_get(id: Id) -> ApiResult<Contact> {
    call("contact_get", &ById { id }).await
}

pub async fn contact_create(input: &ContactInput) -> ApiResult<Contact> {
    call("contact_create", &Create { input }).await
}

pub async fn contact_update(id: Id, input: &ContactInput) -> ApiResult<Contact> {
    call("contact_update", &Update { id, input }).await
}

pub async fn contact_history(id: Id) -> ApiResult<Vec<HistoryEntry>> {
    call("contact_history", &ById { id }).await
}

#[derive(Serialize)]
struct SaveCode<'a> {
    kind: CodeKind,
    id: Option<Id>,
    input: &'a CodeInput,
}
#[derive(Serialize)]
struct BySubject {
    subject: NoteSubject,
}
#[derive(Serialize)]
struct Search<'a> {
    text: &'a str,
}

pub async fn code_lists() -> ApiResult<CodeLists> {
    call("code_lists", &NoArgs {}).await
}

pub async fn code_save(kind: CodeKind, id: Option<Id>, input: &CodeInput) -> ApiResult<CodeLists> {
    call("code_save", &SaveCode { kind, id, input }).await
}

pub async fn user_create(input: &UserInput) -> ApiResult<User> {
    call("user_create", &Create { input }).await
}

pub async fn user_update(id: Id, input: &UserInput) -> ApiResult<User> {
    call("user_update", &Update { id, input }).await
}

pub async fn note_create(input: &NoteInput) -> ApiResult<Note> {
    call("note_create", &Create { input }).await
}

pub async fn note_list(subject: NoteSubject) -> ApiResult<Vec<Note>> {
    call("note_list", &BySubject { subject }).await
}

pub async fn note_search(text: &str) -> ApiResult<Vec<NoteHit>> {
    call("note_search", &Search { text }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportArgs<'a, F> {
    path: &'a str,
    query: &'a ListQuery,
    filter: &'a F,
    utc_offset_minutes: i32,
}

/// Export the customer list as filtered and sorted; resolves when the file is written.
pub async fn company_export(path: &str, query: &ListQuery, filter: &CompanyFilter) -> ApiResult<u64> {
    call("company_export", &ExportArgs { path, query, filter, utc_offset_minutes: utc_offset_minutes() }).await
}

pub async fn contact_export(path: &str, query: &ListQuery, filter: &ContactFilter) -> ApiResult<u64> {
    call("contact_export", &ExportArgs { path, query, filter, utc_offset_minutes: utc_offset_minutes() }).await
}

/// Minutes east of UTC, so exported dates are the user's calendar days.
fn utc_offset_minutes() -> i32 {
    #[cfg(target_arch = "wasm32")]
    {
        -(js_sys::Date::new_0().get_timezone_offset() as i32)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

#[derive(Serialize)]
struct ExportPathArgs<'a> {
    list: &'a str,
    format: &'a str,
}

pub async fn export_default_path(list: &str, format: &str) -> ApiResult<String> {
    call("export_default_path", &ExportPathArgs { list, format }).await
}

pub async fn job_progress() -> ApiResult<u64> {
    call("job_progress", &NoArgs {}).await
}

pub async fn job_cancel() -> ApiResult<()> {
    call("job_cancel", &NoArgs {}).await
}

#[derive(Serialize)]
struct PreviewArgs<'a> {
    path: &'a str,
    target: ImportTarget,
}

pub async fn import_preview(path: &str, target: ImportTarget) -> ApiResult<ImportPreview> {
    call("import_preview", &PreviewArgs { path, target }).await
}

#[derive(Serialize)]
struct ImportArgs<'a> {
    path: &'a str,
    request: &'a ImportRequest,
}

pub async fn import_check(path: &str, request: &ImportRequest) -> ApiResult<ImportReport> {
    call("import_check", &ImportArgs { path, request }).await
}

pub async fn import_apply(path: &str, request: &ImportRequest) -> ApiResult<ImportReport> {
    call("import_apply", &ImportArgs { path, request }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UndoArgs {
    batch_id: Id,
}

pub async fn import_undo(batch_id: Id) -> ApiResult<u64> {
    call("import_undo", &UndoArgs { batch_id }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MergeArgs {
    keep_id: Id,
    remove_id: Id,
}

pub async fn company_merge(keep_id: Id, remove_id: Id) -> ApiResult<Company> {
    call("company_merge", &MergeArgs { keep_id, remove_id }).await
}

pub async fn contact_merge(keep_id: Id, remove_id: Id) -> ApiResult<Contact> {
    call("contact_merge", &MergeArgs { keep_id, remove_id }).await
}

// Leads and the pipeline.

#[derive(Serialize)]
struct CreateLead<'a> {
    request: &'a LeadCreate,
}

pub async fn lead_create(request: &LeadCreate) -> ApiResult<Lead> {
    call("lead_create", &CreateLead { request }).await
}

pub async fn lead_get(id: Id) -> ApiResult<Lead> {
    call("lead_get", &ById { id }).await
}

pub async fn lead_update(id: Id, input: &LeadInput) -> ApiResult<Lead> {
    call("lead_update", &Update { id, input }).await
}

pub async fn lead_move(id: Id, input: &LeadMoveInput) -> ApiResult<LeadMoveOutcome> {
    call("lead_move", &Update { id, input }).await
}

pub async fn lead_list(query: &ListQuery, filter: &LeadFilter) -> ApiResult<Page<LeadRow>> {
    call("lead_list", &FilteredQuery { query, filter }).await
}

pub async fn lead_count(search: &str, filter: &LeadFilter) -> ApiResult<Count> {
    call("lead_count", &CountQuery { search, filter }).await
}

pub async fn lead_export(path: &str, query: &ListQuery, filter: &LeadFilter) -> ApiResult<u64> {
    call("lead_export", &ExportArgs { path, query, filter, utc_offset_minutes: utc_offset_minutes() }).await
}

pub async fn lead_transitions() -> ApiResult<Vec<(LeadState, LeadState)>> {
    call("lead_transitions", &NoArgs {}).await
}

#[derive(Serialize)]
struct SetTransition {
    from: LeadState,
    to: LeadState,
    allowed: bool,
}

pub async fn lead_transition_set(from: LeadState, to: LeadState, allowed: bool) -> ApiResult<Vec<(LeadState, LeadState)>> {
    call("lead_transition_set", &SetTransition { from, to, allowed }).await
}

#[derive(Serialize)]
struct ByKind {
    kind: LeadCodeKind,
}
#[derive(Serialize)]
struct SaveLeadCode<'a> {
    kind: LeadCodeKind,
    id: Option<Id>,
    input: &'a LeadCodeInput,
}
#[derive(Serialize)]
struct KindAndId {
    kind: LeadCodeKind,
    id: Id,
}

pub async fn lead_codes(kind: LeadCodeKind) -> ApiResult<Vec<LeadCode>> {
    call("lead_codes", &ByKind { kind }).await
}

pub async fn lead_code_save(kind: LeadCodeKind, id: Option<Id>, input: &LeadCodeInput) -> ApiResult<LeadCode> {
    call("lead_code_save", &SaveLeadCode { kind, id, input }).await
}

pub async fn lead_code_stats(kind: LeadCodeKind, id: Id) -> ApiResult<LeadCodeStats> {
    call("lead_code_stats", &KindAndId { kind, id }).await
}

pub async fn pipeline() -> ApiResult<Pipeline> {
    call("pipeline", &NoArgs {}).await
}

#[derive(Serialize)]
struct ChartArgs<'a> {
    kind: LeadChartKind,
    scope: ChartScope,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

pub async fn lead_chart(kind: LeadChartKind, scope: ChartScope) -> ApiResult<ChartSvg> {
    call("lead_chart", &ChartArgs { kind, scope, path: None }).await
}

pub async fn lead_chart_png(kind: LeadChartKind, scope: ChartScope, path: &str) -> ApiResult<()> {
    call("lead_chart_png", &ChartArgs { kind, scope, path: Some(path) }).await
}

// Estimates and orders.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ByLead {
    lead_id: Id,
}
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SaveEstimate<'a> {
    lead_id: Id,
    id: Option<Id>,
    input: &'a EstimateInput,
}
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ByCompany {
    company_id: Id,
}

pub async fn estimates_of_lead(lead_id: Id) -> ApiResult<Vec<Estimate>> {
    call("estimates_of_lead", &ByLead { lead_id }).await
}

pub async fn estimate_save(lead_id: Id, id: Option<Id>, input: &EstimateInput) -> ApiResult<Estimate> {
    call("estimate_save", &SaveEstimate { lead_id, id, input }).await
}

pub async fn estimate_choose(id: Id) -> ApiResult<Estimate> {
    call("estimate_choose", &ById { id }).await
}

pub async fn estimate_delete(id: Id) -> ApiResult<()> {
    call("estimate_delete", &ById { id }).await
}

pub async fn orders_of_company(company_id: Id) -> ApiResult<Vec<OrderRow>> {
    call("orders_of_company", &ByCompany { company_id }).await
}

pub async fn order_approve(id: Id) -> ApiResult<Order> {
    call("order_approve", &ById { id }).await
}

// Tasks, reminders, invitations and the device's profile.

#[derive(Serialize)]
struct SaveProfile<'a> {
    profile: &'a Profile,
}

pub async fn profile_get() -> ApiResult<Profile> {
    call("profile_get", &NoArgs {}).await
}

pub async fn profile_save(profile: &Profile) -> ApiResult<Profile> {
    call("profile_save", &SaveProfile { profile }).await
}

/// Every IANA time-zone name the core knows.
pub async fn time_zones() -> ApiResult<Vec<String>> {
    call("time_zones", &NoArgs {}).await
}

pub async fn task_create(input: &TaskInput) -> ApiResult<TaskSaved> {
    call("task_create", &Create { input }).await
}

pub async fn task_update(id: Id, input: &TaskInput) -> ApiResult<TaskSaved> {
    call("task_update", &Update { id, input }).await
}

#[derive(Serialize)]
struct SetStatus {
    id: Id,
    status: TaskStatus,
}

pub async fn task_set_status(id: Id, status: TaskStatus) -> ApiResult<TaskSaved> {
    call("task_set_status", &SetStatus { id, status }).await
}

pub async fn task_get(id: Id) -> ApiResult<Task> {
    call("task_get", &ById { id }).await
}

#[derive(Serialize)]
struct ListTasks<'a> {
    query: &'a TaskQuery,
}

/// One page of tasks in due order; pass the page's `next` as `query.after` for the following one.
pub async fn task_list(query: &TaskQuery) -> ApiResult<TaskPage> {
    call("task_list", &ListTasks { query }).await
}

/// The tasks about one record: open ones first, then the recently closed.
pub async fn tasks_of(subject: NoteSubject) -> ApiResult<Vec<Task>> {
    call("tasks_of", &BySubject { subject }).await
}

#[derive(Serialize)]
struct ByUser {
    user: Option<Id>,
}

/// `None` is this device's user (from the profile).
pub async fn my_day(user: Option<Id>) -> ApiResult<MyDay> {
    call("my_day", &ByUser { user }).await
}

pub async fn workload() -> ApiResult<Workload> {
    call("workload", &NoArgs {}).await
}

#[derive(Serialize)]
struct WorkloadCell {
    user: Option<Id>,
    column: WorkloadColumn,
}

/// The task-list filter behind one count of the workload table.
pub async fn workload_filter(user: Option<Id>, column: WorkloadColumn) -> ApiResult<TaskFilter> {
    call("workload_filter", &WorkloadCell { user, column }).await
}

pub async fn workload_chart() -> ApiResult<ChartSvg> {
    call("workload_chart", &NoArgs {}).await
}

pub async fn follow_up_create(input: &FollowUpInput) -> ApiResult<TaskSaved> {
    call("follow_up_create", &Create { input }).await
}

pub async fn reminders_due() -> ApiResult<Vec<DueReminder>> {
    call("reminders_due", &NoArgs {}).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Snooze {
    task_id: Id,
    minutes: u32,
}

pub async fn reminder_snooze(task_id: Id, minutes: u32) -> ApiResult<()> {
    call("reminder_snooze", &Snooze { task_id, minutes }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ByTask {
    task_id: Id,
}

pub async fn reminder_dismiss(task_id: Id) -> ApiResult<()> {
    call("reminder_dismiss", &ByTask { task_id }).await
}

#[derive(Serialize)]
struct SaveIcs<'a> {
    id: Id,
    path: &'a str,
}

/// Write one task's calendar event to an .ics file.
pub async fn task_ics_save(id: Id, path: &str) -> ApiResult<()> {
    call("task_ics_save", &SaveIcs { id, path }).await
}

#[derive(Serialize)]
struct SaveUserIcs<'a> {
    user: Option<Id>,
    path: &'a str,
}

/// Write a user's open tasks (`None`: this device's user) to one .ics file; resolves with how
/// many it holds.
pub async fn tasks_ics_save(user: Option<Id>, path: &str) -> ApiResult<u64> {
    call("tasks_ics_save", &SaveUserIcs { user, path }).await
}

#[derive(Serialize)]
struct SaveSmtp<'a> {
    settings: &'a SmtpSettings,
}

pub async fn smtp_settings_get() -> ApiResult<SmtpSettings> {
    call("smtp_settings_get", &NoArgs {}).await
}

pub async fn smtp_settings_save(settings: &SmtpSettings) -> ApiResult<SmtpSettings> {
    call("smtp_settings_save", &SaveSmtp { settings }).await
}

pub async fn outbox_list() -> ApiResult<Vec<OutboxItem>> {
    call("outbox_list", &NoArgs {}).await
}

/// Send what waits in the outbox now, without waiting for the next round.
pub async fn outbox_send_now() -> ApiResult<OutboxRound> {
    call("outbox_send_now", &NoArgs {}).await
}

// Sync with the team's server.

#[derive(Serialize)]
struct Login<'a> {
    login: &'a SyncLogin,
}

pub async fn sync_status() -> ApiResult<SyncStatus> {
    call("sync_status", &NoArgs {}).await
}

/// Log in to the server and start syncing; an unreachable server or a refused login is an
/// `Unavailable` error with the reason.
pub async fn sync_login(login: &SyncLogin) -> ApiResult<SyncStatus> {
    call("sync_login", &Login { login }).await
}

pub async fn sync_logout() -> ApiResult<SyncStatus> {
    call("sync_logout", &NoArgs {}).await
}

/// Run a round and wait for it; `None` when one was already running (its outcome is in the
/// status).
pub async fn sync_now() -> ApiResult<Option<SyncRound>> {
    call("sync_now", &NoArgs {}).await
}

/// Ask the running round to stop.
pub async fn sync_cancel() -> ApiResult<()> {
    call("sync_cancel", &NoArgs {}).await
}
