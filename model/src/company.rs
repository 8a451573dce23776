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
        }
    }
}

/// Sortable columns of the company list, as accepted in `ListQuery::sort`.
pub const COMPANY_SORTS: &[&str] = &["customer_number", "name", "city", "region", "country", "updated_at"];
