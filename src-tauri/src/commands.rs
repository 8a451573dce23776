//! Tauri commands: each is a thin adapter that locks the store, calls one `crm_core` method and
//! turns its error into the `{kind, message, fields}` wire error. No rule or SQL lives here.
//!
//! Commands are `async` so Tauri runs them on its thread pool rather than on the window's main
//! thread: a slow query can never freeze the window.

use std::sync::Mutex;

use crm_core::Store;
use crm_model::{
    ApiError, AppInfo, CodeInput, CodeKind, CodeLists, Company, CompanyFilter, CompanyInput, CompanyRow, Contact, ContactFilter, ContactInput, ContactRow, Count,
    HistoryEntry, Id, ListQuery, Note, NoteHit, NoteInput, NoteSubject, Page, ShipTo, ShipToInput, User, UserInput,
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

    fn with<T>(&self, call: impl FnOnce(&mut Store) -> crm_core::Result<T>) -> Reply<T> {
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
        let mut handler: Vec<String> = block.split("commands::").skip(1).map(|rest| rest.split(',').next().unwrap().trim().to_owned()).collect();
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
