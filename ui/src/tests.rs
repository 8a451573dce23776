//! Component tests: components render natively to HTML (`--features ssr`) and the markup is checked.

use crm_model::{ApiError, CompanyRow, ErrorKind, FieldError, ListQuery, SortDir};
use leptos::prelude::*;

use crate::{companies::CompanyTable, components::{TextField, field_error}};

fn row(number: &str, name: &str) -> CompanyRow {
    CompanyRow {
        id: uuid::Uuid::nil(),
        customer_number: number.into(),
        name: name.into(),
        phone: "+1 555 0100".into(),
        email: "a@b.example".into(),
        city: "Austin".into(),
        region: "TX".into(),
        country: "United States".into(),
        newest_note_at: Some("2026-11-20T09:30:00.000Z".into()),
    }
}

#[test]
fn company_table_renders_rows_and_marks_the_sorted_column() {
    let owner = Owner::new();
    owner.set();
    let query = RwSignal::new(ListQuery { sort: Some("city".into()), dir: SortDir::Desc, ..ListQuery::default() });
    let html = view! {
        <CompanyTable rows=vec![row("A1001", "Acme & Sons"), row("A1002", "Beta Labs")] query on_open=Callback::new(|_| {})/>
    }
    .to_html();
    assert!(html.contains("A1001") && html.contains("Beta Labs"), "{html}");
    assert!(html.contains("Acme &amp; Sons"), "text is escaped: {html}");
    assert_eq!(html.matches("class=\"row\"").count(), 2);
    assert!(html.contains(r#"<th aria-sort="descending"><button data-sort="city""#), "{html}");
    assert_eq!(html.matches(r#"aria-sort="descending""#).count(), 1, "only the sorted column is marked");
    assert!(html.contains("▼") && !html.contains("▲"), "{html}");
    assert!(!html.contains("No company matches"));
    let empty = view! { <CompanyTable rows=vec![] query on_open=Callback::new(|_| {})/> }.to_html();
    assert!(empty.contains("No company matches your search."));
}

#[test]
fn text_field_shows_the_core_error_next_to_the_field() {
    let owner = Owner::new();
    owner.set();
    let error = RwSignal::new(Some(ApiError {
        kind: ErrorKind::Invalid,
        message: "email: not an email".into(),
        fields: vec![FieldError { field: "email".into(), message: "\"x\" is not an email address like name@example.com.".into() }],
    }));
    let html = view! {
        <TextField label="Email" name="email" kind="email" maxlength=254 value="x".to_string() on_input=|_| {} error=field_error(error, "email")/>
        <TextField label="Name" name="name" maxlength=200 value="Acme".to_string() on_input=|_| {} error=field_error(error, "name") required=true/>
    }
    .to_html();
    let email_part = &html[..html.find("field-name").unwrap()];
    assert!(email_part.contains("class=\"field invalid\""), "{html}");
    assert!(email_part.contains("aria-invalid=\"true\""), "{html}");
    assert!(email_part.contains("is not an email address like name@example.com."), "{html}");
    assert!(email_part.contains(r#"maxlength="254""#), "{html}");
    let name_part = &html[html.find("field-name").unwrap()..];
    assert!(!name_part.contains("invalid\""), "the name field has no error: {name_part}");
    assert!(name_part.contains("req"), "required fields are marked");
}

#[test]
fn counts_are_grouped() {
    assert_eq!(crate::format::count(0), "0");
    assert_eq!(crate::format::count(999), "999");
    assert_eq!(crate::format::count(1_234_567), "1,234,567");
    assert_eq!(crate::format::person("", "Prince"), "Prince");
}
