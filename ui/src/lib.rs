//! The Leptos UI (client-side rendered, compiled to wasm).
//!
//! - `api.rs` is the only place that talks to Tauri: one typed async function per command.
//! - `app.rs` is the shell: navigation and the current view.
//! - One module per CRM entity (`companies.rs`, `contacts.rs`, `leads.rs`, `tasks.rs`) with its list, detail and form.
//!   `tasks.rs` also holds My day, the workload, the follow-up form of a note and the reminders.
//! - `sync.rs` holds the sync status bar under every screen and the Sync card of Settings.
//! - `components.rs` holds the small pieces every screen shares (fields, sortable headers, pager).
//!
//! Architecture invariant: this crate depends on `crm-model` only. It never sees SQL or the store.

pub mod api;
pub mod app;
pub mod companies;
pub mod components;
pub mod contacts;
pub mod format;
pub mod leads;
pub mod notes;
pub mod settings;
pub mod sync;
pub mod tasks;
pub mod transfer;

pub use app::App;

#[cfg(test)]
mod tests;
