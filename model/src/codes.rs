//! Editable code lists (terms codes, credit codes, note types) and the credit rule.

use serde::{Deserialize, Serialize};

use crate::{Id, User};

/// Which editable code list a call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    Terms,
    Credit,
    NoteType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditBehaviour {
    /// Transactions go ahead normally ("Current").
    Normal,
    /// Transactions wait for approval ("New Account").
    Approval,
    /// Transactions go ahead with a warning ("Past Due").
    Warn,
    /// Order entry is refused ("Credit Hold").
    Block,
}

impl CreditBehaviour {
    pub const ALL: [CreditBehaviour; 4] = [Self::Normal, Self::Approval, Self::Warn, Self::Block];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Approval => "approval",
            Self::Warn => "warn",
            Self::Block => "block",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == text)
    }

    /// What the behaviour means, in a user's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Normal => "Normal transactions",
            Self::Approval => "Transactions need approval",
            Self::Warn => "Warn before transacting",
            Self::Block => "Order entry blocked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsCode {
    pub id: Id,
    pub code: String,
    pub description: String,
    pub days: u32,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditCode {
    pub id: Id,
    pub code: String,
    pub description: String,
    pub behaviour: CreditBehaviour,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteType {
    pub id: Id,
    pub name: String,
    pub active: bool,
}

/// What a code-list editor sends. `days` is used by terms codes, `behaviour` by credit codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeInput {
    pub code: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub days: u32,
    #[serde(default)]
    pub behaviour: Option<CreditBehaviour>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Every list a company or note form picks from, in one round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeLists {
    pub terms: Vec<TermsCode>,
    pub credit: Vec<CreditCode>,
    pub note_types: Vec<NoteType>,
    pub users: Vec<User>,
}

/// A company's credit code, for the badge on the customer screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditStanding {
    pub code: String,
    pub behaviour: CreditBehaviour,
}

/// The answer of the credit rule when an order is entered for a customer. A blocked customer is
/// an error of kind `blocked`, not a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "message", rename_all = "snake_case")]
pub enum OrderEntry {
    Allowed,
    NeedsApproval(String),
    AllowedWithWarning(String),
}
