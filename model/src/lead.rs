//! Leads and the sales pipeline: a lead is spun off a customer with a lead program, moves through
//! five states along an editable transition table, and carries a value and a probability whose
//! product is its weighted pipeline value.

use serde::{Deserialize, Serialize};

use crate::Id;

/// The five lead states of the seed's workflow. Customer (won) and inactive (lost or parked) are
/// closed; the others are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadState {
    Pending,
    Development,
    Quoting,
    Customer,
    Inactive,
}

impl LeadState {
    /// In workflow order: the board's columns, the tables' rows.
    pub const ALL: [LeadState; 5] = [LeadState::Pending, LeadState::Development, LeadState::Quoting, LeadState::Customer, LeadState::Inactive];

    pub fn as_str(self) -> &'static str {
        match self {
            LeadState::Pending => "pending",
            LeadState::Development => "development",
            LeadState::Quoting => "quoting",
            LeadState::Customer => "customer",
            LeadState::Inactive => "inactive",
        }
    }

    pub fn parse(text: &str) -> Option<LeadState> {
        LeadState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            LeadState::Pending => "Pending qualification",
            LeadState::Development => "Development",
            LeadState::Quoting => "Quoting",
            LeadState::Customer => "Customer (won)",
            LeadState::Inactive => "Inactive",
        }
    }

    pub fn is_open(self) -> bool {
        !matches!(self, LeadState::Customer | LeadState::Inactive)
    }
}

/// The editable header of the lead worksheet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadInput {
    pub program_id: Option<Id>,
    #[serde(default)]
    pub source_id: Option<Id>,
    /// A short description for cards and lists ("Press line retrofit").
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub isr_id: Option<Id>,
    #[serde(default)]
    pub osr_id: Option<Id>,
    #[serde(default)]
    pub assigned_id: Option<Id>,
    /// Conversion probability, 0 to 100.
    #[serde(default)]
    pub probability: i64,
    /// Net potential sale value in cents.
    #[serde(default)]
    pub value_cents: i64,
    /// Estimated conversion date, `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub expected_close: String,
}

/// What the customer screen sends: the customer and the chosen program. The rest starts from the
/// customer (its reps) and the defaults (pending qualification, 10 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadCreate {
    pub company_id: Id,
    pub program_id: Id,
}

/// One move along the workflow, as the worksheet lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadMove {
    pub from: LeadState,
    pub to: LeadState,
    pub by: String,
    /// RFC 3339.
    pub at: String,
    pub assigned_to: Option<String>,
    pub reason: String,
}

/// A request to move a lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadMoveInput {
    pub to: LeadState,
    /// Hand the lead to this user with the move; `None` keeps the current assignee.
    #[serde(default)]
    pub assign_to: Option<Id>,
    /// Why the lead was lost; required when moving to inactive.
    #[serde(default)]
    pub reason: String,
}

/// The lead worksheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lead {
    pub id: Id,
    pub lead_number: String,
    pub company_id: Id,
    pub company_name: String,
    pub customer_number: String,
    pub fields: LeadInput,
    pub state: LeadState,
    pub program: String,
    pub source: Option<String>,
    pub isr: Option<String>,
    pub osr: Option<String>,
    pub assigned: Option<String>,
    /// value x probability, in cents, rounded half up.
    pub weighted_cents: i64,
    pub newest_note_at: Option<String>,
    pub lost_reason: String,
    pub created_at: String,
    pub updated_at: String,
    /// The states this lead may move to now, by the transition table.
    pub allowed_moves: Vec<LeadState>,
    /// Newest first.
    pub moves: Vec<LeadMove>,
}

/// One line of the lead list (and one card of the board).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadRow {
    pub id: Id,
    pub lead_number: String,
    pub title: String,
    pub company_id: Id,
    pub company_name: String,
    pub region: String,
    pub state: LeadState,
    pub program: String,
    pub source: String,
    pub isr: String,
    pub osr: String,
    pub assigned: String,
    pub probability: i64,
    pub value_cents: i64,
    pub weighted_cents: i64,
    pub expected_close: String,
    pub newest_note_at: Option<String>,
}

/// The lead list's filters (all optional, combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadFilter {
    /// Customer name, matched from its start, any case.
    #[serde(default)]
    pub customer: String,
    #[serde(default)]
    pub company_id: Option<Id>,
    #[serde(default)]
    pub newest_note_from: Option<String>,
    #[serde(default)]
    pub newest_note_to: Option<String>,
    #[serde(default)]
    pub isr_id: Option<Id>,
    #[serde(default)]
    pub osr_id: Option<Id>,
    /// The customer's state / region.
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub state: Option<LeadState>,
    #[serde(default)]
    pub source_id: Option<Id>,
    #[serde(default)]
    pub program_id: Option<Id>,
    #[serde(default)]
    pub assigned_id: Option<Id>,
    /// `Some(true)` open leads only, `Some(false)` closed only.
    #[serde(default)]
    pub open: Option<bool>,
}

/// Lead programs and lead sources are both editable lists of names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadCodeKind {
    Program,
    Source,
}

/// A lead program or source with its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadCode {
    pub id: Id,
    pub name: String,
    pub active: bool,
    pub open_leads: i64,
    pub closed_leads: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadCodeInput {
    pub name: String,
    pub active: bool,
}

/// One row of a stats table: a label and the number of leads in each state (in
/// [`LeadState::ALL`] order), with the row's total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCounts {
    pub label: String,
    pub by_state: [i64; 5],
    pub total: i64,
}

/// The screen of one program (or source): its leads by state, and by source (or program).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadCodeStats {
    pub code: LeadCode,
    pub by_state: StateCounts,
    /// By source for a program, by program for a source.
    pub by_other: Vec<StateCounts>,
}

/// One line of a weighted-pipeline breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineLine {
    /// What the line is: a state label, a user's name, a program, a source or a month `YYYY-MM`.
    pub label: String,
    pub leads: i64,
    pub value_cents: i64,
    pub weighted_cents: i64,
}

/// The weighted pipeline of the open leads, kept current on every write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    pub open_leads: i64,
    pub value_cents: i64,
    pub weighted_cents: i64,
    pub by_state: Vec<PipelineLine>,
    pub by_rep: Vec<PipelineLine>,
    pub by_program: Vec<PipelineLine>,
    pub by_source: Vec<PipelineLine>,
    pub by_month: Vec<PipelineLine>,
    /// The open weighted total at the end of each of the last days it changed, oldest first:
    /// `(YYYY-MM-DD, cents)`.
    pub trend: Vec<(String, i64)>,
}

/// What a move did: the lead as it is now and, when it was won, the order its estimate became
/// (with the customer's credit warning, if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadMoveOutcome {
    pub lead: Lead,
    pub order: Option<crate::OrderRow>,
    pub warning: Option<String>,
}
