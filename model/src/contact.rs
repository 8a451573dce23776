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
    /// The person's role at each linked company ("Buyer", "Decision maker"); absent means none.
    #[serde(default)]
    pub roles: std::collections::BTreeMap<Id, String>,
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
    /// Consent to receive email and SMS, as the person gave it.
    #[serde(default)]
    pub email_consent: bool,
    #[serde(default)]
    pub sms_consent: bool,
    /// Further emails and phones, each with a label. The list replaces the previous one on update.
    #[serde(default)]
    pub channels: Vec<Channel>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    #[default]
    Email,
    Phone,
}

/// Labels of a contact's extra emails and phones (seed 001: office, mobile, fax; plus SMS).
pub const CHANNEL_LABELS: &[&str] = &["work", "home", "office", "mobile", "fax", "other"];

/// One extra email or phone of a contact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    pub kind: ChannelKind,
    /// One of [`CHANNEL_LABELS`].
    pub label: String,
    pub value: String,
    /// The phone number can receive text messages.
    #[serde(default)]
    pub sms_capable: bool,
}

/// A linked company, as shown on a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyRef {
    pub id: Id,
    pub customer_number: String,
    pub name: String,
    /// The contact's role there, when this is a contact's link.
    #[serde(default)]
    pub role: String,
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
    pub street: String,
    pub city: String,
    pub postcode: String,
    pub region: String,
    pub country: String,
    pub email_consent: bool,
    pub sms_consent: bool,
    pub channels: Vec<Channel>,
    pub newest_note_at: Option<String>,
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
            roles: self.companies.iter().filter(|c| !c.role.is_empty()).map(|c| (c.id, c.role.clone())).collect(),
            street: self.street.clone(),
            city: self.city.clone(),
            postcode: self.postcode.clone(),
            region: self.region.clone(),
            country: self.country.clone(),
            email_consent: self.email_consent,
            sms_consent: self.sms_consent,
            channels: self.channels.clone(),
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
    pub region: String,
    pub newest_note_at: Option<String>,
}

/// The contact list's filters, combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactFilter {
    /// State / region, matched whole and case-insensitively.
    #[serde(default)]
    pub region: String,
    /// Only people linked to this company.
    #[serde(default)]
    pub company_id: Option<Id>,
    #[serde(default)]
    pub newest_note_from: Option<String>,
    #[serde(default)]
    pub newest_note_to: Option<String>,
}

/// Sortable columns of the contact list.
pub const CONTACT_SORTS: &[&str] = &["last_name", "first_name", "email", "office_phone", "job_title", "region", "newest_note_at"];
