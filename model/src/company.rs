//! Companies (customers, vendors, any organisation the user does business with).

use serde::{Deserialize, Serialize};

use crate::Id;

/// What the company form sends, for both create and update. Empty strings mean "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyInput {
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub postcode: String,
    /// State, province or region of the billing address.
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub country: String,
    /// Terms of business (a `TermsCode` id).
    #[serde(default)]
    pub terms_code_id: Option<Id>,
    /// Credit standing (a `CreditCode` id); its behaviour governs order entry.
    #[serde(default)]
    pub credit_code_id: Option<Id>,
    /// Credit limit in minor units (cents); `None` means no limit is set.
    #[serde(default)]
    pub credit_limit_cents: Option<i64>,
    /// Payment period in days; `None` means "as the terms code says".
    #[serde(default)]
    pub payment_days: Option<u32>,
    #[serde(default)]
    pub price_code: String,
    /// Default invoice discount in basis points: 250 is 2.50 %.
    #[serde(default)]
    pub invoice_discount_bp: u32,
    /// Inside sales rep (a `User` id).
    #[serde(default)]
    pub isr_id: Option<Id>,
    /// Outside sales rep (a `User` id).
    #[serde(default)]
    pub osr_id: Option<Id>,
    /// The parent in an account hierarchy (a head office above its branches).
    #[serde(default)]
    pub parent_id: Option<Id>,
    /// Free labels ("Key account", "Trade show 2026"); new names become tags of their own.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A company as the detail screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Company {
    pub id: Id,
    /// Human-readable, unique across every synced device (e.g. `A1001`).
    pub customer_number: String,
    #[serde(flatten)]
    pub fields: CompanyInput,
    pub contact_count: u32,
    /// The credit code and what it means for transactions, for the badge.
    pub credit: Option<crate::CreditStanding>,
    /// Display names of the coded fields above.
    pub terms_code: Option<String>,
    pub isr_name: Option<String>,
    pub osr_name: Option<String>,
    /// When the newest note about this company was written (RFC 3339).
    pub newest_note_at: Option<String>,
    pub parent: Option<crate::CompanyRef>,
    /// Companies whose parent this one is.
    pub children: Vec<crate::CompanyRef>,
    pub ship_tos: Vec<ShipTo>,
    /// RFC 3339 timestamps.
    pub created_at: String,
    pub updated_at: String,
}

/// A company as the list shows it: only what the columns need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyRow {
    pub id: Id,
    pub customer_number: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub city: String,
    pub region: String,
    pub country: String,
    pub newest_note_at: Option<String>,
}

impl From<&Company> for CompanyRow {
    fn from(company: &Company) -> Self {
        let f = &company.fields;
        Self {
            id: company.id,
            customer_number: company.customer_number.clone(),
            name: f.name.clone(),
            phone: f.phone.clone(),
            email: f.email.clone(),
            city: f.city.clone(),
            region: f.region.clone(),
            country: f.country.clone(),
            newest_note_at: company.newest_note_at.clone(),
        }
    }
}

/// Sortable columns of the company list, as accepted in `ListQuery::sort`.
pub const COMPANY_SORTS: &[&str] =
    &["customer_number", "name", "phone", "email", "city", "region", "country", "newest_note_at"];

/// The customer list's filters (seed 001: newest note, ISR, OSR, state), combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyFilter {
    #[serde(default)]
    pub isr_id: Option<Id>,
    #[serde(default)]
    pub osr_id: Option<Id>,
    /// State / region, matched whole and case-insensitively.
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub credit_code_id: Option<Id>,
    /// Newest note on or after this day (`YYYY-MM-DD`, UTC).
    #[serde(default)]
    pub newest_note_from: Option<String>,
    /// Newest note on or before this day (`YYYY-MM-DD`, UTC, inclusive).
    #[serde(default)]
    pub newest_note_to: Option<String>,
    /// Only companies with this tag (matched whole, any case).
    #[serde(default)]
    pub tag: String,
}

/// A delivery address of a company. One of them may be the default for new orders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipToInput {
    pub company_id: Id,
    /// What the address is called in pickers ("Warehouse", "Plant 2").
    pub label: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipTo {
    pub id: Id,
    #[serde(flatten)]
    pub fields: ShipToInput,
}
