//! Contacts: people, linked to zero or more companies.

use serde::{Deserialize, Serialize};

use crate::Id;

/// What the contact form sends, for both create and update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactInput {
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub office_phone: String,
    #[serde(default)]
    pub mobile_phone: String,
    #[serde(default)]
    pub job_title: String,
    /// The companies this person works with. The set replaces the previous links on update.
    #[serde(default)]
    pub company_ids: Vec<Id>,
}

/// A linked company, as shown on a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyRef {
    pub id: Id,
    pub customer_number: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: Id,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub office_phone: String,
    pub mobile_phone: String,
    pub job_title: String,
    pub companies: Vec<CompanyRef>,
    pub created_at: String,
    pub updated_at: String,
}

impl Contact {
    /// The form input that would reproduce this contact (used to open the edit form).
    pub fn to_input(&self) -> ContactInput {
        ContactInput {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            office_phone: self.office_phone.clone(),
            mobile_phone: self.mobile_phone.clone(),
            job_title: self.job_title.clone(),
            company_ids: self.companies.iter().map(|c| c.id).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRow {
    pub id: Id,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub office_phone: String,
    pub job_title: String,
    /// Names of the linked companies, comma separated, for the list column.
    pub companies: String,
}

/// Sortable columns of the contact list.
pub const CONTACT_SORTS: &[&str] = &["last_name", "first_name", "email", "job_title", "updated_at"];
