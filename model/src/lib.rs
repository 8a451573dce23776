//! Wire types: everything that crosses the Tauri IPC boundary between the Leptos UI (wasm32) and
//! the desktop shell (native).
//!
//! This crate is deliberately tiny (serde and uuid only) so that it compiles to wasm quickly and so
//! that nothing of the store (rusqlite) or of the shell (tauri) can leak into the UI. The core
//! converts its domain rows into these types at its public boundary.
//!
//! One module per CRM entity, each holding the input type (what a form sends), the record type
//! (what a detail screen shows) and the row type (what a list shows).

pub mod chart;
pub mod codes;
pub mod company;
pub mod contact;
pub mod error;
pub mod estimate;
pub mod history;
pub mod import;
pub mod lead;
pub mod list;
pub mod money;
pub mod note;
pub mod sync;
pub mod task;
pub mod user;

pub use codes::{CodeInput, CodeKind, CodeLists, CreditBehaviour, CreditCode, CreditStanding, NoteType, OrderEntry, TermsCode};
pub use company::{Company, CompanyFilter, CompanyInput, CompanyRow, ShipTo, ShipToInput};
pub use chart::{ChartScope, ChartSvg, LeadChartKind};
pub use contact::{Channel, ChannelKind, CompanyRef, Contact, ContactFilter, ContactInput, ContactRow};
pub use error::{ApiError, ErrorKind, FieldError};
pub use estimate::{Estimate, EstimateInput, EstimateLine, EstimateLineInput, Order, OrderRow, OrderStatus};
pub use history::{AppInfo, HistoryEntry};
pub use lead::{Lead, LeadCode, LeadCodeInput, LeadCodeKind, LeadCodeStats, LeadCreate, LeadFilter, LeadInput, LeadMove, LeadMoveInput, LeadMoveOutcome, LeadRow, LeadState, Pipeline, PipelineLine, StateCounts};
pub use list::{Count, ListQuery, Page, PageAt, SortDir};
pub use note::{Note, NoteHit, NoteInput, NoteSubject};
pub use task::{
    DueReminder, FollowUpInput, InvitationOutcome, MyDay, OutboxItem, OutboxRound, Priority, Profile, SmtpSecurity, SmtpSettings, Task, TaskFilter, TaskInput, TaskPage,
    TaskQuery, TaskSaved, TaskStatus, Workload, WorkloadColumn, WorkloadRow,
};
pub use sync::{SyncLogin, SyncPhase, SyncProgress, SyncRound, SyncStatus};
pub use user::{User, UserInput};

/// Row identifiers are UUIDv7 (time-ordered, generated on any device without coordination).
pub type Id = uuid::Uuid;

/// Field length limits, shared so that the UI can set `maxlength` and the core can enforce the
/// same numbers. The core is the authority: the UI limits are a convenience only.
pub mod limits {
    pub const NAME: usize = 200;
    pub const PERSON_NAME: usize = 100;
    pub const EMAIL: usize = 254;
    pub const PHONE: usize = 40;
    pub const WEBSITE: usize = 255;
    pub const STREET: usize = 200;
    pub const CITY: usize = 100;
    pub const POSTCODE: usize = 20;
    pub const REGION: usize = 100;
    pub const COUNTRY: usize = 100;
    pub const JOB_TITLE: usize = 100;
    pub const CODE: usize = 40;
    pub const DESCRIPTION: usize = 200;
    pub const PRICE_CODE: usize = 20;
    pub const TAG: usize = 50;
    pub const TAGS_PER_COMPANY: usize = 20;
    pub const LABEL: usize = 50;
    pub const ROLE: usize = 100;
    pub const CHANNELS_PER_CONTACT: usize = 20;
    /// A note can hold a long meeting report, not a document.
    pub const NOTE_BODY: usize = 20_000;
    /// Largest credit limit: one trillion in major units, far below i64 overflow in sums.
    pub const CREDIT_LIMIT_CENTS: i64 = 100_000_000_000_000;
    pub const PAYMENT_DAYS: u32 = 3650;
    /// Largest page a list command returns; the UI shows what is visible, the core pages.
    pub const PAGE_MAX: u32 = 500;
    pub const TASK_TITLE: usize = 200;
    pub const TASK_NOTES: usize = 5_000;
    /// Four weeks: the longest reminder offset.
    pub const REMINDER_MINUTES: u32 = 40_320;
    pub const TASK_DURATION_MINUTES: u32 = 1_440;
    pub const SMTP_HOST: usize = 253;
    pub const LEAD_TITLE: usize = 200;
    pub const LOST_REASON: usize = 500;
    /// Largest lead or order value, as for credit limits.
    pub const VALUE_CENTS: i64 = 100_000_000_000_000;
    pub const ESTIMATE_LINES: usize = 500;
    /// Largest quantity on a line: one billion units (in thousandths).
    pub const QUANTITY_MILLI: i64 = 1_000_000_000_000;
}
