//! The synced tables and columns of the current schema version, the one both sides of a
//! connection must have (see [`crate::protocol`]).
//!
//! The desktop core derives its schema from its migrations; a core test checks that it is exactly
//! this list, and prints the new list when a migration changes it. The server validates every
//! pushed change against it, so it needs no knowledge of the desktop's SQL.

use crate::change::Schema;

/// Raised by one with every release whose migrations change this list.
pub const SCHEMA_VERSION: u32 = 10;

/// Each synced table with the columns a patch may carry.
pub const TABLES: &[(&str, &[&str])] = &[
    ("app_user", &["active", "email", "name"]),
    ("company", &["city", "country", "credit_code_id", "credit_limit_cents", "customer_number", "email", "invoice_discount_bp", "isr_id", "name", "osr_id", "parent_id", "payment_days", "phone", "postcode", "price_code", "region", "street", "terms_code_id", "website"]),
    ("company_tag", &["company_id", "tag_id"]),
    ("contact", &["city", "country", "email", "email_consent", "first_name", "job_title", "last_name", "mobile_phone", "office_phone", "postcode", "region", "sms_consent", "street"]),
    ("contact_channel", &["contact_id", "kind", "label", "position", "sms_capable", "value"]),
    ("contact_company", &["company_id", "contact_id", "role"]),
    ("credit_code", &["active", "behaviour", "code", "description"]),
    ("estimate", &["chosen", "estimate_number", "lead_id", "tax_rate_bp", "title"]),
    ("estimate_line", &["description", "discount_bp", "estimate_id", "position", "quantity_milli", "unit_price_cents"]),
    ("lead", &["assigned_id", "company_id", "expected_close", "isr_id", "lead_number", "lost_reason", "osr_id", "probability", "program_id", "source_id", "state", "title", "value_cents"]),
    ("lead_move", &["assigned_id", "from_state", "lead_id", "moved_by", "reason", "to_state"]),
    ("lead_program", &["active", "name"]),
    ("lead_source", &["active", "name"]),
    ("lead_transition", &["from_state", "to_state"]),
    ("merged_record", &["from_id", "into_id", "table_name"]),
    ("note", &["author_id", "body", "note_type_id", "subject_id", "subject_table"]),
    ("note_type", &["active", "name"]),
    ("order_line", &["description", "discount_bp", "line_total_cents", "order_id", "position", "quantity_milli", "unit_price_cents"]),
    ("sales_order", &["company_id", "estimate_id", "lead_id", "order_number", "status", "subtotal_cents", "tax_cents", "tax_rate_bp", "total_cents", "warning"]),
    ("ship_to", &["city", "company_id", "country", "is_default", "label", "postcode", "region", "street"]),
    ("tag", &["name"]),
    ("task", &["assignee_id", "completed_at", "due_local", "duration_min", "ics_sequence", "ics_uid", "note_id", "notes", "priority", "reminder_min", "status", "subject_id", "subject_table", "time_zone", "title"]),
    ("terms_code", &["active", "code", "days", "description"]),
];

/// [`TABLES`] as a [`Schema`] of [`SCHEMA_VERSION`].
pub fn current() -> Schema {
    TABLES.iter().fold(Schema::new(SCHEMA_VERSION), |schema, (table, columns)| schema.with_table(table, columns.iter().copied()))
}
