//! Field validation shared by every entity. Inputs are normalised (trimmed) first; every problem is
//! collected so the form can show all of them at once; nothing is written unless all pass.

use crm_model::FieldError;
use email_address::EmailAddress;

use crate::{CoreError, Result};

#[derive(Default)]
pub(crate) struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        if !self.errors.iter().any(|e| e.field == field) {
            self.errors.push(FieldError { field: field.into(), message: message.into() });
        }
    }

    /// Trim `value` in place and check its length and characters.
    pub fn text(&mut self, field: &str, value: &mut String, max_chars: usize) {
        let trimmed = value.trim();
        if trimmed.len() != value.len() {
            *value = trimmed.to_owned();
        }
        let n_chars = value.chars().count();
        if n_chars > max_chars {
            self.fail(field, format!("Too long: {n_chars} characters, at most {max_chars}."));
        } else if value.chars().any(char::is_control) {
            self.fail(field, "Contains a control character (such as a tab or line break).");
        }
    }

    /// Like [`Validator::text`] but for a text area: line breaks and tabs are allowed.
    pub fn multiline(&mut self, field: &str, value: &mut String, max_chars: usize) {
        self.optional_multiline(field, value, max_chars);
        if value.is_empty() {
            self.fail(field, "Required.");
        }
    }

    /// [`Validator::multiline`] for a text area that may stay empty.
    pub fn optional_multiline(&mut self, field: &str, value: &mut String, max_chars: usize) {
        let trimmed = value.trim();
        if trimmed.len() != value.len() {
            *value = trimmed.to_owned();
        }
        let n_chars = value.chars().count();
        if n_chars > max_chars {
            self.fail(field, format!("Too long: {n_chars} characters, at most {max_chars}."));
        } else if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            self.fail(field, "Contains a control character.");
        }
    }

    /// A time-zone name (trimmed in place), and the zone when it is one.
    pub fn zone(&mut self, field: &str, name: &mut String) -> Option<chrono_tz::Tz> {
        *name = name.trim().to_owned();
        self.value(crate::time::zone(field, name)).ok().flatten()
    }

    /// The value of a check that may fail with `Invalid`: its problems are reported with the
    /// others (`None`); any other error is returned as it is.
    pub fn value<T>(&mut self, result: Result<T>) -> Result<Option<T>> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(CoreError::Invalid(problems)) => {
                problems.into_iter().for_each(|p| self.fail(&p.field, p.message));
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    /// `id`, when set, must name a row of `table`.
    pub fn reference(&mut self, conn: &rusqlite::Connection, field: &str, table: &str, id: Option<uuid::Uuid>, what: &str) -> Result<()> {
        if let Some(id) = id
            && !crate::sql::exists(conn, table, id)? {
                self.fail(field, format!("No {what} with id {id} exists; it may have been deleted."));
            }
        Ok(())
    }

    /// A whole number in `range`.
    pub fn range<T: PartialOrd + std::fmt::Display>(&mut self, field: &str, value: T, range: std::ops::RangeInclusive<T>) {
        if !range.contains(&value) {
            self.fail(field, format!("Must be between {} and {}.", range.start(), range.end()));
        }
    }

    /// The five fields of a postal address (companies' billing address, ship-to addresses and
    /// contacts' addresses share them and their limits).
    pub fn address(&mut self, street: &mut String, city: &mut String, postcode: &mut String, region: &mut String, country: &mut String) {
        self.text("street", street, crm_model::limits::STREET);
        self.text("city", city, crm_model::limits::CITY);
        self.text("postcode", postcode, crm_model::limits::POSTCODE);
        self.text("region", region, crm_model::limits::REGION);
        self.text("country", country, crm_model::limits::COUNTRY);
    }

    pub fn required(&mut self, field: &str, value: &mut String, max_chars: usize) {
        self.text(field, value, max_chars);
        if value.is_empty() {
            self.fail(field, "Required.");
        }
    }

    pub fn email(&mut self, field: &str, value: &mut String, max_chars: usize) {
        self.text(field, value, max_chars);
        if !value.is_empty() && !is_plausible_email(value) {
            self.fail(field, format!("{value:?} is not an email address like name@example.com."));
        }
    }

    pub fn phone(&mut self, field: &str, value: &mut String, max_chars: usize) {
        self.text(field, value, max_chars);
        // An `x` introduces an extension: "+1 555 010 2030 x12".
        let allowed = |c: char| c.is_ascii_digit() || " +-().x".contains(c);
        if !value.is_empty() && (!value.chars().all(allowed) || !value.chars().any(|c| c.is_ascii_digit())) {
            self.fail(field, "Use digits, spaces and + - ( ) . (x for an extension), e.g. +1 (555) 010-2030 x12.");
        }
    }

    pub fn website(&mut self, field: &str, value: &mut String, max_chars: usize) {
        self.text(field, value, max_chars);
        if !value.is_empty() && (value.contains(char::is_whitespace) || !value.contains('.')) {
            self.fail(field, "Not a web address like example.com.");
        }
    }

    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.fail(field, message);
    }

    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() { Ok(()) } else { Err(CoreError::Invalid(self.errors)) }
    }
}

/// RFC 5321 syntax (via `email_address`) plus a dot in the domain: an address without one is
/// legal on an intranet but is almost always a typo in a CRM.
fn is_plausible_email(value: &str) -> bool {
    EmailAddress::parse_with_options(value, email_address::Options::default().without_display_text())
        .map(|address| address.domain().contains('.') && !address.domain().ends_with('.'))
        .unwrap_or(false)
}
