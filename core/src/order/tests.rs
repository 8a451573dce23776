use crm_model::{CompanyInput, ErrorKind, Estimate, OrderStatus};
use rusqlite::types::Value;
use uuid::Uuid;

use super::{WonOrder, order_from_won_lead};
use crate::{
    CoreError, Result, Store,
    estimate::tests::{estimate, lead, line, set_state},
    testing::{acme, change_log, count, store},
    write::text,
};

const CURRENT: &str = "00000000-0000-7000-8000-000000000201";
const NEW_ACCOUNT: &str = "00000000-0000-7000-8000-000000000202";
const PAST_DUE: &str = "00000000-0000-7000-8000-000000000203";
const CREDIT_HOLD: &str = "00000000-0000-7000-8000-000000000204";

/// A company with the seeded credit code `credit` (or none) and one lead of it.
fn customer_with_lead(store: &mut Store, credit: Option<&str>) -> (Uuid, Uuid) {
    let credit_code_id = credit.map(|id| Uuid::parse_str(id).unwrap());
    let company = store.company_create(CompanyInput { credit_code_id, ..acme() }).unwrap().id;
    (company, lead(store, company))
}

/// Give the lead a one-line estimate (one hour of labour at 1.00).
fn quote(store: &mut Store, lead_id: Uuid) -> Estimate {
    store.estimate_save(lead_id, None, estimate("T", 0, vec![line("Labour", 1_000, 100, 0)])).unwrap()
}

/// A customer with credit code `credit` and a lead with one estimate.
fn quoted_customer(store: &mut Store, credit: Option<&str>) -> (Uuid, Uuid) {
    let (company, lead_id) = customer_with_lead(store, credit);
    quote(store, lead_id);
    (company, lead_id)
}

/// Win the lead as the lead module does: inside one write, which a refusal rolls back.
fn win(store: &mut Store, lead_id: Uuid, company_id: Uuid) -> Result<Option<WonOrder>> {
    store.write(|w| {
        w.update("lead", lead_id, &[("state", text("customer"))])?;
        order_from_won_lead(w, lead_id, company_id)
    })
}

fn lead_state(store: &Store, lead_id: Uuid) -> String {
    store.conn.query_row("SELECT state FROM lead WHERE id = ?1", [lead_id.to_string()], |r| r.get(0)).unwrap()
}

/// A lead whose estimates are all unchosen (which only an unusual history, such as synced edits,
/// leaves behind: the commands always keep one chosen).
fn unchoose_all(store: &mut Store, lead_id: Uuid) {
    let estimates = store.estimates_of_lead(lead_id).unwrap();
    store.write(|w| estimates.iter().try_for_each(|e| w.update("estimate", e.id, &[("chosen", Value::Integer(0))]).map(drop))).unwrap();
}

#[test]
fn a_current_customer_gets_an_open_copy_of_the_chosen_estimate() {
    let mut store = store();
    let (company, lead_id) = customer_with_lead(&mut store, Some(CURRENT));
    store.estimate_save(lead_id, None, estimate("Option A", 0, vec![line("Labour", 1_000, 100, 0)])).unwrap();
    let chosen = store.estimate_save(lead_id, None, estimate("Option B", 825, vec![line("Labour", 1_500, 1_001, 0), line("Parts", 2_000, 5_000, 1_000)])).unwrap();
    store.estimate_choose(chosen.id).unwrap();

    let won = win(&mut store, lead_id, company).unwrap().expect("an order");
    assert_eq!(won.warning, None);
    assert_eq!((won.row.order_number.as_str(), won.row.lead_number.as_deref(), won.row.status), ("A1001", Some("A1"), OrderStatus::Open));
    assert_eq!(won.row.id.get_version_num(), 7);
    let order = store.order_get(won.row.id).unwrap();
    assert_eq!((order.company_id, order.company_name.as_str(), order.lead_id, order.estimate_id), (company, "Acme Tools", Some(lead_id), Some(chosen.id)));
    assert_eq!(order.lines, chosen.lines, "lines and their totals are copied");
    assert_eq!((order.tax_rate_bp, order.subtotal_cents, order.tax_cents, order.total_cents), (825, 10_502, 866, 11_368));
    assert_eq!((order.warning.as_str(), order.created_at.as_str()), ("", won.row.created_at.as_str()));
    assert_eq!(store.orders_of_company(company).unwrap(), [won.row]);
}

#[test]
fn the_order_keeps_its_copy_when_the_estimate_changes_later() {
    let mut store = store();
    let (company, lead_id) = customer_with_lead(&mut store, None);
    let saved = quote(&mut store, lead_id);
    let won = store.write(|w| order_from_won_lead(w, lead_id, company)).unwrap().unwrap();
    store.estimate_save(lead_id, Some(saved.id), estimate("T", 0, vec![line("Labour", 9_000, 100, 0)])).unwrap();
    let order = store.order_get(won.row.id).unwrap();
    assert_eq!((order.lines, order.total_cents), (saved.lines, 100));
}

/// Every credit code that lets the order through, and no code at all: the status and warning.
#[test]
fn the_credit_code_decides_status_and_warning() {
    let past_due = "Acme Tools has credit code Past Due: check the unresolved balance before confirming.";
    let cases = [
        (None, OrderStatus::Open, None),
        (Some(CURRENT), OrderStatus::Open, None),
        (Some(NEW_ACCOUNT), OrderStatus::AwaitingApproval, None),
        (Some(PAST_DUE), OrderStatus::Open, Some(past_due)),
    ];
    for (credit, status, warning) in cases {
        let mut store = store();
        let (company, lead_id) = quoted_customer(&mut store, credit);
        let won = win(&mut store, lead_id, company).unwrap().unwrap();
        assert_eq!((won.row.status, won.warning.as_deref()), (status, warning), "{credit:?}");
        assert_eq!(store.order_get(won.row.id).unwrap().warning, warning.unwrap_or_default(), "kept on the order");
    }
}

#[test]
fn an_order_awaiting_approval_is_approved_once() {
    let mut store = store();
    let (company, lead_id) = quoted_customer(&mut store, Some(NEW_ACCOUNT));
    let won = win(&mut store, lead_id, company).unwrap().unwrap();
    assert_eq!(store.order_approve(won.row.id).unwrap().status, OrderStatus::Open);
    let log = change_log(&store);
    let again = store.order_approve(won.row.id).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Conflict);
    assert_eq!(again.to_string(), "Order A1001 is open: only an order awaiting approval can be approved.");
    assert_eq!(change_log(&store), log);
    assert_eq!(store.order_approve(Uuid::now_v7()).unwrap_err().kind(), ErrorKind::NotFound);

    // A customer put on Credit Hold after the order was made: approval is refused too.
    let (held, lead_id) = quoted_customer(&mut store, Some(NEW_ACCOUNT));
    let waiting = win(&mut store, lead_id, held).unwrap().unwrap();
    let fields = store.company_get(held).unwrap().fields;
    store.company_update(held, CompanyInput { credit_code_id: Some(Uuid::parse_str(CREDIT_HOLD).unwrap()), ..fields }).unwrap();
    assert_eq!(store.order_approve(waiting.row.id).unwrap_err().kind(), ErrorKind::Blocked);
    assert_eq!(store.order_get(waiting.row.id).unwrap().status, OrderStatus::AwaitingApproval);
}

#[test]
fn credit_hold_blocks_the_order_and_the_win_rolls_back() {
    let mut store = store();
    let (company, lead_id) = quoted_customer(&mut store, Some(CREDIT_HOLD));
    let log = change_log(&store);
    let Err(error) = win(&mut store, lead_id, company) else { panic!("credit hold must refuse") };
    assert!(matches!(error, CoreError::Blocked(ref m) if m == "Acme Tools is on Credit Hold: order entry is blocked until the credit code changes."), "{error}");
    assert_eq!(lead_state(&store, lead_id), "pending", "the lead stays unwon");
    assert_eq!((count(&store, "sales_order"), count(&store, "order_line")), (0, 0));
    assert_eq!(change_log(&store), log);

    // Once the hold is lifted the order gets the first number: the refused one was given back.
    store.company_update(company, CompanyInput { credit_code_id: Some(Uuid::parse_str(CURRENT).unwrap()), ..acme() }).unwrap();
    assert_eq!(win(&mut store, lead_id, company).unwrap().unwrap().row.order_number, "A1001");
}

#[test]
fn which_estimate_becomes_the_order() {
    let mut store = store();
    let (company, lead_id) = customer_with_lead(&mut store, None);
    let log = change_log(&store);
    assert!(win(&mut store, lead_id, company).unwrap().is_none(), "no estimate, no order");
    assert_eq!(change_log(&store)[log.len()..].len(), 1, "only the lead's own move is written");
    set_state(&mut store, lead_id, "quoting");

    let only = quote(&mut store, lead_id);
    quote(&mut store, lead_id);
    unchoose_all(&mut store, lead_id);
    let log = change_log(&store);
    let Err(error) = win(&mut store, lead_id, company) else { panic!("an estimate must be chosen") };
    assert!(matches!(&error, CoreError::Invalid(fields) if fields[0].field == "estimate" && fields[0].message == "Choose which estimate becomes the order."), "{error}");
    assert_eq!(change_log(&store), log);

    // A lone estimate needs no choosing.
    let second = store.estimates_of_lead(lead_id).unwrap()[1].id;
    store.estimate_delete(second).unwrap();
    unchoose_all(&mut store, lead_id);
    let won = win(&mut store, lead_id, company).unwrap().unwrap();
    assert_eq!(store.order_get(won.row.id).unwrap().estimate_id, Some(only.id));
}

#[test]
fn a_customers_orders_are_listed_newest_first() {
    let mut store = store();
    crate::testing::stepping_clock(&mut store);
    let (company, first_lead) = customer_with_lead(&mut store, None);
    let second_lead = lead(&mut store, company);
    for lead_id in [first_lead, second_lead] {
        quote(&mut store, lead_id);
        win(&mut store, lead_id, company).unwrap().unwrap();
    }
    let numbers: Vec<String> = store.orders_of_company(company).unwrap().into_iter().map(|o| o.order_number).collect();
    assert_eq!(numbers, ["A1002", "A1001"]);
    let other = store.company_create(CompanyInput { name: "Other Co".into(), ..acme() }).unwrap().id;
    assert!(store.orders_of_company(other).unwrap().is_empty());
    assert_eq!(store.orders_of_company(Uuid::now_v7()).unwrap_err().kind(), ErrorKind::NotFound);
}
