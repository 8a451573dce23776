//! Importing companies and contacts from CSV and .xlsx files: the wire types of the mapping step.
//!
//! The import runs in three steps. The core reads the file into a table and suggests which column
//! feeds which field (an [`ImportPreview`]); the user corrects that suggestion (a
//! [`ColumnMapping`]); the core then validates every row and writes all of them or none.
//!
//! The importable fields live here, in one table per target ([`COMPANY_FIELDS`],
//! [`CONTACT_FIELDS`]), because both sides need them: the UI lists them in the mapping dropdowns
//! and the core matches headers against their aliases. Adding an importable field means adding
//! one line to one of those tables (and teaching the core's import to write it).

use serde::{Deserialize, Serialize};

/// What an import creates or updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportTarget {
    Companies,
    Contacts,
}

impl ImportTarget {
    /// The fields a column can be mapped to, in the order the mapping dropdown lists them.
    pub fn fields(self) -> &'static [TargetField] {
        fields(self)
    }

    /// The field with this key, if the target has one.
    pub fn field(self, key: &str) -> Option<&'static TargetField> {
        self.fields().iter().find(|field| field.key == key)
    }

    /// Fields of which at least one must be mapped (a contact needs a first or a last name, but
    /// neither alone is required). Empty when every requirement is a plain `required` flag.
    pub fn one_of_required(self) -> &'static [&'static str] {
        match self {
            ImportTarget::Companies => &[],
            ImportTarget::Contacts => &["first_name", "last_name"],
        }
    }

    /// The singular noun for messages: "every company needs one".
    pub fn noun(self) -> &'static str {
        match self {
            ImportTarget::Companies => "company",
            ImportTarget::Contacts => "contact",
        }
    }
}

/// One field a source column can be mapped to.
///
/// Only `Serialize`: the tables are `'static` constants compiled into both the UI and the core,
/// so nothing ever needs to deserialise one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TargetField {
    /// The stable name the mapping uses, e.g. `"email"`.
    pub key: &'static str,
    /// What the mapping dropdown shows, e.g. `"Email"`.
    pub label: &'static str,
    /// Every imported row needs a value here, so the mapping must name a column for it.
    pub required: bool,
    /// How the values must be written, when that is not obvious from the label. Empty otherwise.
    pub help: &'static str,
    /// Header names that mean this field, besides the key and the label. Matching compares
    /// [`match_key`]s, so "E-mail address" matches "Email Address". Names must be unique within
    /// one target (a test checks this).
    pub aliases: &'static [&'static str],
}

/// Shorthand for the tables below, which would otherwise be mostly field names.
const fn field(
    key: &'static str,
    label: &'static str,
    required: bool,
    help: &'static str,
    aliases: &'static [&'static str],
) -> TargetField {
    TargetField { key, label, required, help, aliases }
}

const PHONE_HELP: &str = "Digits, spaces and + ( ) - . / only.";
const STREET_ALIASES: &[&str] =
    &["Address", "Street Address", "Address 1", "Address Line 1", "Street 1", "Street Line 1", "Street Address 1"];
const CITY_ALIASES: &[&str] = &["Town", "Town/City", "City/Town"];
const POSTCODE_ALIASES: &[&str] = &[
    "Post Code",
    "Postal Code",
    "Zip",
    "Zip Code",
    "Zipcode",
    "Zip/Postal Code",
    "Postal/Zip Code",
    "Postcode/Zip",
];
const REGION_ALIASES: &[&str] =
    &["State", "Region", "Province", "County", "State/Province", "State or Province", "Province/State", "State/County"];
const COUNTRY_ALIASES: &[&str] = &["Country/Region", "Nation"];
const EMAIL_ALIASES: &[&str] = &["E-mail", "Email Address", "E-mail Address", "Mail", "Email 1", "E-mail 1 Address"];

/// What a company import can fill. Keep in step with `CompanyInput`.
pub const COMPANY_FIELDS: &[TargetField] = &[
    field(
        "customer_number",
        "Customer number",
        false,
        "When it matches an existing customer, that customer is updated; when empty, a new number is given.",
        &["Customer No", "Customer #", "Customer ID", "Customer Code", "Account Number", "Account No", "Account #", "Cust No"],
    ),
    field(
        "name",
        "Name",
        true,
        "",
        &[
            "Company",
            "Company Name",
            "Account Name",
            "Account",
            "Organisation",
            "Organization",
            "Organisation Name",
            "Organization Name",
            "Business Name",
            "Customer",
            "Customer Name",
            "Client",
            "Client Name",
        ],
    ),
    field(
        "phone",
        "Phone",
        false,
        PHONE_HELP,
        &["Telephone", "Tel", "Phone Number", "Telephone Number", "Main Phone", "Office Phone", "Business Phone"],
    ),
    field("email", "Email", false, "", EMAIL_ALIASES),
    field("website", "Website", false, "", &["Web Site", "Web", "URL", "Homepage", "Home Page", "Website URL", "Web Address"]),
    field("street", "Street", false, "", STREET_ALIASES),
    field("city", "City", false, "", CITY_ALIASES),
    field("postcode", "Postcode", false, "", POSTCODE_ALIASES),
    field("region", "State/Region", false, "", REGION_ALIASES),
    field("country", "Country", false, "", COUNTRY_ALIASES),
    field("credit_limit", "Credit limit", false, "An amount such as 12,500.00.", &["Credit Line"]),
    field(
        "payment_days",
        "Payment days",
        false,
        "Whole days, e.g. 30.",
        &["Payment Terms", "Payment Terms Days", "Terms", "Terms Days", "Net Days", "Days"],
    ),
    field("price_code", "Price code", false, "", &["Price Level", "Price List", "Price Group"]),
    field("tags", "Tags", false, "Several tags separated by ; or ,.", &["Tag", "Labels", "Label", "Categories", "Keywords"]),
];

/// What a contact import can fill. Keep in step with `ContactInput`. A contact needs a first or a
/// last name (see [`ImportTarget::one_of_required`]), so neither is `required` on its own.
pub const CONTACT_FIELDS: &[TargetField] = &[
    field("first_name", "First name", false, "", &["Firstname", "Given Name", "Forename", "First"]),
    field("last_name", "Last name", false, "", &["Lastname", "Surname", "Family Name", "Last"]),
    field("email", "Email", false, "", EMAIL_ALIASES),
    field(
        "office_phone",
        "Office phone",
        false,
        PHONE_HELP,
        &["Phone", "Telephone", "Tel", "Work Phone", "Business Phone", "Phone Number", "Direct Line", "Direct Phone"],
    ),
    field(
        "mobile_phone",
        "Mobile phone",
        false,
        PHONE_HELP,
        &["Mobile", "Mobile Number", "Mobile Phone Number", "Cell", "Cell Phone", "Cellphone", "Cell Phone Number"],
    ),
    field("job_title", "Job title", false, "", &["Title", "Position", "Role", "Job", "Job Role"]),
    field(
        "company",
        "Company",
        false,
        "The company's name or customer number; it must exist already or be in the same import.",
        &[
            "Company Name",
            "Account Name",
            "Account",
            "Organisation",
            "Organization",
            "Employer",
            "Associated Company",
            "Customer",
            "Customer Name",
            "Customer Number",
            "Customer #",
            "Account Number",
        ],
    ),
    field("street", "Street", false, "", STREET_ALIASES),
    field("city", "City", false, "", CITY_ALIASES),
    field("postcode", "Postcode", false, "", POSTCODE_ALIASES),
    field("region", "State/Region", false, "", REGION_ALIASES),
    field("country", "Country", false, "", COUNTRY_ALIASES),
];

/// The fields a column can be mapped to for `target`.
pub fn fields(target: ImportTarget) -> &'static [TargetField] {
    match target {
        ImportTarget::Companies => COMPANY_FIELDS,
        ImportTarget::Contacts => CONTACT_FIELDS,
    }
}

/// The form in which header names and field names are compared: lower case, letters and digits
/// only, with `#` read as "number" and `&` as "and". "E-mail Address", "email address" and
/// "EMAIL_ADDRESS" all become `emailaddress`; "Customer #" becomes `customernumber`.
pub fn match_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for character in name.chars() {
        match character {
            '#' => key.push_str("number"),
            '&' => key.push_str("and"),
            _ if character.is_alphanumeric() => key.extend(character.to_lowercase()),
            _ => {}
        }
    }
    key
}

/// How many data rows the preview shows.
pub const PREVIEW_ROWS: usize = 20;

/// Which field each source column feeds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// One entry per source column, in file order: the target field key, or `None` to ignore the
    /// column.
    pub columns: Vec<Option<String>>,
}

impl ColumnMapping {
    /// A mapping that ignores all `column_count` columns.
    pub fn ignore_all(column_count: usize) -> Self {
        ColumnMapping { columns: vec![None; column_count] }
    }

    /// The field key source column `index` feeds, if any.
    pub fn field_at(&self, index: usize) -> Option<&str> {
        self.columns.get(index).and_then(|key| key.as_deref())
    }

    /// The source column that feeds field `key`, if one does (the first, if the mapping is
    /// invalid and names it twice).
    pub fn column_of(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|mapped| mapped.as_deref() == Some(key))
    }
}

/// What the mapping step shows after a file was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub target: ImportTarget,
    /// The header row, trimmed; one entry per column.
    pub headers: Vec<String>,
    /// The first [`PREVIEW_ROWS`] data rows, each exactly as wide as `headers`.
    pub sample: Vec<Vec<String>>,
    /// For each sample row, its line number in the file (or row number in the spreadsheet), so
    /// the preview can show the same numbers that error messages use.
    pub sample_lines: Vec<u64>,
    /// Data rows in the whole file (blank rows not counted).
    pub total_rows: u64,
    /// The suggested mapping, from the header names.
    pub mapping: ColumnMapping,
}

/// What to do with a row that matches a record already in the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// Leave the existing record alone and drop the row.
    #[default]
    Skip,
    /// Fill the existing record with the row's non-empty values.
    Update,
    /// Create a new record anyway.
    CreateAnyway,
}

/// The mapping step's answer: which columns feed which fields, and what to do with duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRequest {
    pub target: ImportTarget,
    pub mapping: ColumnMapping,
    #[serde(default)]
    pub on_duplicate: OnDuplicate,
}

/// A value of one row that cannot be imported, with the line the user finds it on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    pub line: u64,
    /// The target field's key (`"email"`), or `"row"` for the row as a whole.
    pub field: String,
    pub message: String,
}

/// A row that looks like a record already in the database (or an earlier row of the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateRow {
    pub line: u64,
    /// The existing record, `None` when the match is an earlier row of the same file.
    pub existing_id: Option<crate::Id>,
    /// How the existing record is shown ("Acme Tools (A1001)", or "line 7").
    pub existing: String,
    /// Why they match: "same email", "same phone", "similar name and same postcode".
    pub reason: String,
}

/// What an import did, or would do (`applied` false: a check, or refused for `problems`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    /// Every problem in the file; when there is any, nothing is imported.
    pub problems: Vec<RowProblem>,
    pub duplicates: Vec<DuplicateRow>,
    pub applied: bool,
    /// The batch to hand to undo, once applied.
    pub batch_id: Option<crate::Id>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The core matches headers against each field's key, label and aliases by their
    /// [`match_key`]. Two fields of one target sharing a name would make
    /// the suggestion depend on table order, so that is forbidden.
    #[test]
    fn names_are_unique_within_each_target() {
        for target in [ImportTarget::Companies, ImportTarget::Contacts] {
            let mut seen = std::collections::HashMap::new();
            for field in target.fields() {
                for name in [field.key, field.label].iter().chain(field.aliases) {
                    if let Some(other) = seen.insert(match_key(name), field.key) {
                        assert_eq!(other, field.key, "{target:?}: {name:?} names both {other} and {}", field.key);
                    }
                }
            }
            for key in target.one_of_required() {
                assert!(target.field(key).is_some(), "{key}");
            }
        }
    }

    #[test]
    fn match_keys_ignore_case_spaces_and_punctuation() {
        assert_eq!(match_key(" E-mail Address "), "emailaddress");
        assert_eq!(match_key("EMAIL_ADDRESS"), "emailaddress");
        assert_eq!(match_key("Customer #"), "customernumber");
        assert_eq!(match_key("Zip/Postal Code"), "zippostalcode");
        assert_eq!(match_key("Straße"), "straße");
    }

    #[test]
    fn wire_format_is_stable() {
        let mapping = ColumnMapping { columns: vec![Some("name".into()), None] };
        let json = serde_json::to_string(&(ImportTarget::Contacts, &mapping)).unwrap();
        assert_eq!(json, r#"["contacts",{"columns":["name",null]}]"#);
        assert_eq!(mapping.column_of("name"), Some(0));
        assert_eq!(mapping.field_at(1), None);
    }
}
