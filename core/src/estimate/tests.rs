use crm_model::{Estimate, EstimateInput, EstimateLineInput, ErrorKind, limits};
use rusqlite::types::Value;
use uuid::Uuid;

use super::types::totals;
use crate::{
    Store,
    numbering::NumberKind,
    testing::{acme, assert_invalid, change_log, count, store},
    write::text,
};

/// A lead of `company_id` in the pending state, written through the write path (the lead module's
/// own commands are not needed to test estimates).
pub(crate) fn lead(store: &mut Store, company_id: Uuid) -> Uuid {
    let id = Uuid::now_v7();
    store
        .write(|w| {
            let number = w.allocate_number(NumberKind::Lead)?;
            w.insert(
                "lead",
                id,
                &[("lead_number", text(&number)), ("company_id", text(&company_id.to_string())), ("program_id", text("00000000-0000-7000-8000-000000000401"))],
            )
        })
        .unwrap();
    id
}

/// Move a lead straight to `state` (no transition rules: those are the lead module's).
pub(crate) fn set_state(store: &mut Store, lead_id: Uuid, state: &str) {
    store.write(|w| w.update("lead", lead_id, &[("state", text(state))])).unwrap();
}

/// A line of `quantity_milli` thousandths at `unit_price_cents`, less `discount_bp`.
pub(crate) fn line(description: &str, quantity_milli: i64, unit_price_cents: i64, discount_bp: i64) -> EstimateLineInput {
    EstimateLineInput { description: description.into(), quantity_milli, unit_price_cents, discount_bp }
}

pub(crate) fn estimate(title: &str, tax_rate_bp: i64, lines: Vec<EstimateLineInput>) -> EstimateInput {
    EstimateInput { title: title.into(), tax_rate_bp, lines }
}

/// A store with a company and one of its leads.
pub(crate) fn store_with_lead() -> (Store, Uuid, Uuid) {
    let mut store = store();
    let company = store.company_create(acme()).unwrap().id;
    let lead_id = lead(&mut store, company);
    (store, company, lead_id)
}

fn chosen(store: &Store, lead_id: Uuid) -> Vec<(String, bool)> {
    store.estimates_of_lead(lead_id).unwrap().into_iter().map(|e| (e.estimate_number, e.chosen)).collect()
}

/// `lines` as `(quantity_milli, unit_price_cents, discount_bp)`, the tax rate, and the expected
/// `(line totals, subtotal, tax, total)` in cents.
fn check(lines: &[(i64, i64, i64)], tax_rate_bp: i64, expect: (&[i128], i128, i128, i128)) {
    let lines: Vec<EstimateLineInput> = lines.iter().map(|&(q, p, d)| line("x", q, p, d)).collect();
    let money = totals(&lines, tax_rate_bp);
    assert_eq!((money.lines.as_slice(), money.subtotal, money.tax, money.total), expect, "{lines:?} at {tax_rate_bp} bp");
}

#[test]
fn line_totals_round_half_up_to_the_cent() {
    check(&[(500, 1, 0)], 0, (&[1], 1, 0, 1)); // 0.5 cent rounds up
    check(&[(499, 1, 0)], 0, (&[0], 0, 0, 0)); // 0.499 cent rounds down
    check(&[(1_500, 1_001, 0)], 0, (&[1_502], 1_502, 0, 1_502)); // 1.5 x 10.01 = 15.015
    check(&[(1_000, 999, 2_500)], 0, (&[749], 749, 0, 749)); // 9.99 less 25 % = 7.4925
    check(&[(1_000, 4, 1_250)], 0, (&[4], 4, 0, 4)); // 0.04 less 12.5 % = 0.035
    check(&[(3_000, 1_999, 0), (1, 100, 0)], 0, (&[5_997, 0], 5_997, 0, 5_997));
}

#[test]
fn discounts_and_zero_prices() {
    check(&[(2_000, 5_000, 10_000)], 2_000, (&[0], 0, 0, 0)); // 100 % off
    check(&[(7_000, 0, 0)], 825, (&[0], 0, 0, 0)); // free of charge
    check(&[(1_000, 10_000, 0), (1_000, 10_000, 10_000)], 0, (&[10_000, 0], 10_000, 0, 10_000));
}

#[test]
fn tax_rounds_half_up_on_the_subtotal_of_rounded_lines() {
    check(&[(1_500, 1_001, 0)], 825, (&[1_502], 1_502, 124, 1_626)); // 8.25 % of 15.02 = 1.23915
    check(&[(1_000, 10, 0)], 500, (&[10], 10, 1, 11)); // 5 % of 0.10 = 0.005
    check(&[(1_000, 10, 0)], 499, (&[10], 10, 0, 10));
    // Each line rounds first: 0.5 + 0.5 cents make 2 cents, not a rounded 1.
    check(&[(500, 1, 0), (500, 1, 0)], 10_000, (&[1, 1], 2, 2, 4));
}

#[test]
fn the_largest_amounts_do_not_overflow() {
    let most = (limits::QUANTITY_MILLI, limits::VALUE_CENTS, 0);
    let line_total = 100_000_000_000_000_000_000_000_i128; // 10^9 units x 10^14 cents
    check(&[most], 10_000, (&[line_total], line_total, line_total, 2 * line_total));
    let lines = vec![most; limits::ESTIMATE_LINES];
    let money = totals(&lines.iter().map(|&(q, p, d)| line("x", q, p, d)).collect::<Vec<_>>(), 10_000);
    assert_eq!(money.total, 2 * 500 * line_total);
}

#[test]
fn the_first_estimate_is_numbered_trimmed_priced_and_chosen() {
    let (mut store, _, lead_id) = store_with_lead();
    let first = store
        .estimate_save(lead_id, None, estimate("  Press retrofit ", 825, vec![line(" Labour ", 1_500, 1_001, 0), line("Parts", 2_000, 5_000, 1_000)]))
        .unwrap();
    assert_eq!((first.estimate_number.as_str(), first.title.as_str(), first.chosen), ("A1", "Press retrofit", true));
    assert_eq!(first.id.get_version_num(), 7);
    assert_eq!(first.lines.iter().map(|l| (l.line.description.as_str(), l.total_cents)).collect::<Vec<_>>(), [("Labour", 1_502), ("Parts", 9_000)]);
    assert_eq!((first.subtotal_cents, first.tax_cents, first.total_cents), (10_502, 866, 11_368));
    assert!(first.created_at.ends_with('Z'));
    let second = store.estimate_save(lead_id, None, estimate("Option B", 0, vec![line("Labour", 1_000, 100, 0)])).unwrap();
    assert_eq!((second.estimate_number.as_str(), second.chosen), ("A2", false));
    assert_eq!(store.estimates_of_lead(lead_id).unwrap(), [first, second], "oldest first, read back as saved");
}

#[test]
fn saving_replaces_header_and_lines_and_logs_only_changes() {
    let (mut store, _, lead_id) = store_with_lead();
    let lines = vec![line("A", 1_000, 100, 0), line("B", 1_000, 200, 0), line("C", 1_000, 300, 0)];
    let saved = store.estimate_save(lead_id, None, estimate("T", 0, lines.clone())).unwrap();
    let log = change_log(&store);
    assert_eq!(store.estimate_save(lead_id, Some(saved.id), estimate("T", 0, lines)).unwrap(), saved);
    assert_eq!(change_log(&store), log, "saving an unchanged estimate writes nothing");

    let changed = store.estimate_save(lead_id, Some(saved.id), estimate("T", 1_000, vec![line("A", 1_000, 100, 0), line("B2", 2_000, 200, 0)])).unwrap();
    assert_eq!(changed.estimate_number, saved.estimate_number);
    assert_eq!((changed.lines.len(), changed.subtotal_cents, changed.tax_cents), (2, 500, 50));
    let new_records: Vec<_> = change_log(&store)[log.len()..].iter().map(|(table, column, _)| (table.clone(), column.clone())).collect();
    let expected = [("estimate", Some("tax_rate_bp")), ("estimate_line", Some("description")), ("estimate_line", Some("quantity_milli")), ("estimate_line", None)];
    assert_eq!(new_records, expected.map(|(t, c)| (t.to_owned(), c.map(str::to_owned))));
    assert_eq!(count(&store, "estimate_line"), 2);
}

/// Each case: the input that breaks rules, and exactly the fields that must be reported.
#[test]
fn every_validation_rule_names_its_field_and_writes_nothing() {
    let ok = || line("Labour", 1_000, 100, 0);
    let cases: Vec<(EstimateInput, &[&str])> = vec![
        (estimate("T", 0, vec![]), &["lines"]),
        (estimate("T", 0, vec![ok(); limits::ESTIMATE_LINES + 1]), &["lines"]),
        (estimate(&"x".repeat(limits::LEAD_TITLE + 1), 0, vec![ok()]), &["title"]),
        (estimate("T", -1, vec![ok()]), &["tax_rate"]),
        (estimate("T", 10_001, vec![ok()]), &["tax_rate"]),
        (estimate("T", 0, vec![ok(), line("  ", 1_000, 100, 0)]), &["lines[1].description"]),
        (estimate("T", 0, vec![line(&"x".repeat(limits::DESCRIPTION + 1), 1_000, 100, 0)]), &["lines[0].description"]),
        (estimate("T", 0, vec![line("A", 0, 100, 0)]), &["lines[0].quantity"]),
        (estimate("T", 0, vec![line("A", limits::QUANTITY_MILLI + 1, 100, 0)]), &["lines[0].quantity"]),
        (estimate("T", 0, vec![line("A", 1_000, -1, 0)]), &["lines[0].unit_price"]),
        (estimate("T", 0, vec![line("A", 1_000, limits::VALUE_CENTS + 1, 0)]), &["lines[0].unit_price"]),
        (estimate("T", 0, vec![line("A", 1_000, 100, 10_001)]), &["lines[0].discount"]),
        (estimate("T", 0, vec![line("A", 1_000, 100, -1)]), &["lines[0].discount"]),
        (estimate("T", 0, vec![line("A", 2_000, limits::VALUE_CENTS, 0)]), &["lines"]),
        (estimate("T", -5, vec![ok(), line("", -1, -1, -1), ok()]), &["tax_rate", "lines[1].description", "lines[1].quantity", "lines[1].unit_price", "lines[1].discount"]),
        (estimate("T", 0, vec![line("A", 0, 100, 0), ok(), line("C", 1_000, 100, 20_000)]), &["lines[0].quantity", "lines[2].discount"]),
    ];
    let (mut store, _, lead_id) = store_with_lead();
    let existing = store.estimate_save(lead_id, None, estimate("T", 0, vec![ok()])).unwrap();
    let log = change_log(&store);
    for (input, fields) in cases {
        assert_invalid(store.estimate_save(lead_id, None, input.clone()), fields);
        assert_invalid(store.estimate_save(lead_id, Some(existing.id), input), fields);
    }
    assert_eq!(change_log(&store), log);
    assert_eq!(store.estimates_of_lead(lead_id).unwrap(), [existing]);
}

#[test]
fn unknown_leads_and_estimates_are_not_found_and_foreign_estimates_conflict() {
    let (mut store, company, lead_id) = store_with_lead();
    let other_lead = lead(&mut store, company);
    let other = store.estimate_save(other_lead, None, estimate("T", 0, vec![line("A", 1_000, 1, 0)])).unwrap();
    let log = change_log(&store);
    let input = estimate("T", 0, vec![line("A", 1_000, 1, 0)]);
    assert_eq!(store.estimate_save(Uuid::now_v7(), None, input.clone()).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.estimate_save(lead_id, Some(Uuid::now_v7()), input.clone()).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.estimate_save(lead_id, Some(other.id), input).unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(store.estimate_choose(Uuid::now_v7()).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.estimate_delete(Uuid::now_v7()).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.estimates_of_lead(Uuid::now_v7()).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(change_log(&store), log);
}

#[test]
fn choosing_an_estimate_unchooses_the_others_in_one_write() {
    let (mut store, _, lead_id) = store_with_lead();
    let save = |store: &mut Store| -> Estimate { store.estimate_save(lead_id, None, estimate("T", 0, vec![line("A", 1_000, 1, 0)])).unwrap() };
    let (_first, second, _third) = (save(&mut store), save(&mut store), save(&mut store));
    assert_eq!(chosen(&store, lead_id), [("A1".to_owned(), true), ("A2".to_owned(), false), ("A3".to_owned(), false)]);
    let log = change_log(&store);
    assert!(store.estimate_choose(second.id).unwrap().chosen);
    assert_eq!(chosen(&store, lead_id), [("A1".to_owned(), false), ("A2".to_owned(), true), ("A3".to_owned(), false)]);
    let chosen_writes = &change_log(&store)[log.len()..];
    assert_eq!(chosen_writes.iter().map(|(_, _, value)| value.clone()).collect::<Vec<_>>(), [Value::Integer(0), Value::Integer(1)]);
    let log = change_log(&store);
    store.estimate_choose(second.id).unwrap();
    assert_eq!(change_log(&store), log, "choosing the chosen one again writes nothing");
}

#[test]
fn deleting_takes_the_lines_and_a_lone_estimate_left_becomes_chosen() {
    let (mut store, _, lead_id) = store_with_lead();
    let first = store.estimate_save(lead_id, None, estimate("T", 0, vec![line("A", 1_000, 1, 0), line("B", 1_000, 1, 0)])).unwrap();
    let second = store.estimate_save(lead_id, None, estimate("T", 0, vec![line("A", 1_000, 1, 0)])).unwrap();
    let third = store.estimate_save(lead_id, None, estimate("T", 0, vec![line("A", 1_000, 1, 0)])).unwrap();
    store.estimate_delete(third.id).unwrap();
    assert_eq!(chosen(&store, lead_id), [("A1".to_owned(), true), ("A2".to_owned(), false)]);
    store.estimate_delete(first.id).unwrap();
    assert_eq!(chosen(&store, lead_id), [("A2".to_owned(), true)]);
    assert_eq!(count(&store, "estimate_line"), 1, "lines go with their estimate");
    let log = change_log(&store);
    let tombstone = &log[log.len() - 2];
    assert_eq!((tombstone.0.as_str(), tombstone.1.as_deref()), ("estimate", None));
    store.estimate_delete(second.id).unwrap();
    assert!(store.estimates_of_lead(lead_id).unwrap().is_empty());
}

#[test]
fn closed_leads_refuse_every_estimate_change() {
    for (state, reason) in [("customer", "is won"), ("inactive", "is inactive")] {
        let (mut store, _, lead_id) = store_with_lead();
        let input = estimate("T", 0, vec![line("A", 1_000, 1, 0)]);
        let existing = store.estimate_save(lead_id, None, input.clone()).unwrap();
        set_state(&mut store, lead_id, state);
        let log = change_log(&store);
        let refusals = [
            store.estimate_save(lead_id, None, input.clone()).map(drop),
            store.estimate_save(lead_id, Some(existing.id), input).map(drop),
            store.estimate_choose(existing.id).map(drop),
            store.estimate_delete(existing.id),
        ];
        for refusal in refusals {
            let error = refusal.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Blocked);
            assert_eq!(error.to_string().split(':').next().unwrap(), format!("Lead A1 {reason}"));
        }
        assert_eq!(change_log(&store), log);
        assert_eq!(store.estimates_of_lead(lead_id).unwrap(), [existing], "still readable");
    }
}
