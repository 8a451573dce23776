//! The column-mapping step: which source column feeds which field.
//!
//! The suggestion matches header names against each field's key, label and aliases (the tables
//! in `crm_model::import`), ignoring case, spaces and punctuation. Exports from other CRMs prefix
//! address columns ("Billing City", "Mailing Street"), so a second, weaker pass drops one known
//! prefix word; exact names always win over prefixed ones, and "Shipping City" is deliberately
//! not a match, since the billing address is the one a customer record holds. Each field is
//! suggested for at most one column: the first best match. The user corrects the rest, and
//! [`check_mapping`] makes sure the result can be imported.

use std::collections::HashSet;

use crm_model::FieldError;
use crm_model::import::{ColumnMapping, ImportPreview, ImportTarget, PREVIEW_ROWS, TargetField, match_key};

use super::Table;
use crate::{CoreError, Result};

/// Words that may stand before a field name without changing what it means, per target. The
/// company words are not used for contacts, where "Company Phone" is not the person's phone.
fn prefix_words(target: ImportTarget) -> &'static [&'static str] {
    match target {
        ImportTarget::Companies => {
            &["billing", "mailing", "business", "work", "primary", "main", "office", "company", "account", "customer"]
        }
        ImportTarget::Contacts => &["billing", "mailing", "business", "work", "primary", "main", "office", "contact"],
    }
}

/// The field a header names exactly (by key, label or alias), if any.
fn exact_field(target: ImportTarget, header: &str) -> Option<&'static TargetField> {
    let wanted = match_key(header);
    if wanted.is_empty() {
        return None;
    }
    target.fields().iter().find(|field| {
        match_key(field.key) == wanted
            || match_key(field.label) == wanted
            || field.aliases.iter().any(|alias| match_key(alias) == wanted)
    })
}

/// The field a header names after dropping one leading prefix word ("Billing Zip/Postal Code").
fn prefixed_field(target: ImportTarget, header: &str) -> Option<&'static TargetField> {
    let header = header.trim_start();
    let first_word_end = header.find(|c: char| !c.is_alphanumeric()).unwrap_or(header.len());
    let (first_word, rest) = header.split_at(first_word_end);
    if prefix_words(target).contains(&first_word.to_lowercase().as_str()) {
        exact_field(target, rest)
    } else {
        None
    }
}

/// Suggest a field for each header. Exact names are placed first, then prefixed ones, each pass
/// left to right; a field already taken is not suggested again.
pub fn suggest_mapping(target: ImportTarget, headers: &[String]) -> ColumnMapping {
    let mut mapping = ColumnMapping::ignore_all(headers.len());
    let mut taken = HashSet::new();
    let passes: [fn(ImportTarget, &str) -> Option<&'static TargetField>; 2] = [exact_field, prefixed_field];
    for pass in passes {
        for (column_index, header) in headers.iter().enumerate() {
            if mapping.columns[column_index].is_some() {
                continue;
            }
            if let Some(field) = pass(target, header)
                && taken.insert(field.key)
            {
                mapping.columns[column_index] = Some(field.key.to_owned());
            }
        }
    }
    mapping
}

/// Check a mapping before rows are validated: one entry per column, only known fields, no field
/// fed by two columns, and every required field fed. All problems are reported together, each on
/// the field `"mapping"`.
pub fn check_mapping(target: ImportTarget, mapping: &ColumnMapping, headers: &[String]) -> Result<()> {
    let problem = |message: String| FieldError { field: "mapping".into(), message };
    if mapping.columns.len() != headers.len() {
        return Err(CoreError::Invalid(vec![problem(format!(
            "The mapping lists {} columns, but the file has {}. Read the file again.",
            mapping.columns.len(),
            headers.len()
        ))]));
    }
    let mut problems = Vec::new();
    let noun = target.noun();
    for (column_index, key) in mapping.columns.iter().enumerate() {
        let Some(key) = key else { continue };
        let header = &headers[column_index];
        let Some(field) = target.field(key) else {
            problems.push(problem(format!(
                "Column \"{header}\" is mapped to \"{key}\", which is not a {noun} field. Choose another field or \"Ignore\"."
            )));
            continue;
        };
        if let Some(first) = mapping.column_of(key)
            && first < column_index
        {
            problems.push(problem(format!(
                "Columns \"{}\" and \"{header}\" are both mapped to {}. Set one of them to \"Ignore\".",
                headers[first], field.label
            )));
        }
    }
    for field in target.fields().iter().filter(|field| field.required) {
        if mapping.column_of(field.key).is_none() {
            problems.push(problem(format!("Map a column to {}: every {noun} needs one.", field.label)));
        }
    }
    let one_of = target.one_of_required();
    if !one_of.is_empty() && one_of.iter().all(|key| mapping.column_of(key).is_none()) {
        let labels: Vec<&str> = one_of.iter().filter_map(|key| target.field(key)).map(|field| field.label).collect();
        problems.push(problem(format!("Map a column to {}: every {noun} needs one of them.", labels.join(" or "))));
    }
    if problems.is_empty() { Ok(()) } else { Err(CoreError::Invalid(problems)) }
}

/// What the mapping step shows: the headers, the first rows, the row count and a suggestion.
pub fn preview(target: ImportTarget, table: &Table) -> ImportPreview {
    let sample = &table.rows[..table.rows.len().min(PREVIEW_ROWS)];
    ImportPreview {
        target,
        headers: table.headers.clone(),
        sample: sample.iter().map(|row| row.cells.clone()).collect(),
        sample_lines: sample.iter().map(|row| row.line).collect(),
        total_rows: table.rows.len() as u64,
        mapping: suggest_mapping(target, &table.headers),
    }
}
