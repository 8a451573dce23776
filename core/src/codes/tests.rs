use crm_model::{CodeInput, CompanyInput, CreditBehaviour, ErrorKind, OrderEntry};
use uuid::Uuid;

use super::CodeKind;
use crate::testing::{acme, assert_invalid, store};

#[test]
fn the_seeded_lists_match_the_seed_documents_on_every_device() {
    let first = store().code_lists().unwrap();
    let second = store().code_lists().unwrap();
    assert_eq!(first, second, "seeded rows have the same ids everywhere, so synced laptops share them");
    let credit: Vec<(&str, CreditBehaviour)> = first.credit.iter().map(|c| (c.code.as_str(), c.behaviour)).collect();
    assert_eq!(credit, [
        ("Credit Hold", CreditBehaviour::Block),
        ("Current", CreditBehaviour::Normal),
        ("New Account", CreditBehaviour::Approval),
        ("Past Due", CreditBehaviour::Warn),
    ]);
    let terms: Vec<(&str, u32)> = first.terms.iter().map(|t| (t.code.as_str(), t.days)).collect();
    assert_eq!(terms, [("COD", 0), ("NET15", 15), ("NET30", 30), ("NET60", 60)]);
    assert!(first.note_types.iter().any(|t| t.name == "Meeting"));
}

#[test]
fn code_lists_are_editable_with_unique_codes() {
    let mut store = store();
    let lists = store.code_save(CodeKind::Terms, None, CodeInput { code: "NET45".into(), days: 45, active: true, ..Default::default() }).unwrap();
    let net45 = lists.terms.iter().find(|t| t.code == "NET45").unwrap().clone();
    assert_eq!(net45.days, 45);
    assert_invalid(store.code_save(CodeKind::Terms, None, CodeInput { code: "net45".into(), active: true, ..Default::default() }), &["code"]);
    let renamed = store.code_save(CodeKind::Terms, Some(net45.id), CodeInput { code: "NET45".into(), days: 40, active: false, ..Default::default() }).unwrap();
    let changed = renamed.terms.iter().find(|t| t.id == net45.id).unwrap();
    assert_eq!((changed.days, changed.active), (40, false), "saving a code under its own name is not a duplicate");
    assert_invalid(store.code_save(CodeKind::Credit, None, CodeInput { code: "Watch".into(), active: true, ..Default::default() }), &["behaviour"]);
    assert_invalid(store.code_save(CodeKind::Terms, None, CodeInput { code: "".into(), days: 99_999, active: true, ..Default::default() }), &["code", "days"]);
    let types = store.code_save(CodeKind::NoteType, None, CodeInput { code: "Site visit".into(), active: true, ..Default::default() }).unwrap();
    assert!(types.note_types.iter().any(|t| t.name == "Site visit"));
    assert_eq!(store.code_save(CodeKind::NoteType, Some(Uuid::now_v7()), CodeInput { code: "X".into(), active: true, ..Default::default() }).unwrap_err().kind(), ErrorKind::NotFound);
}

/// Each seeded credit code, and no code at all, against the rule order entry calls.
#[test]
fn the_credit_rule_follows_the_credit_code() {
    let mut store = store();
    let lists = store.code_lists().unwrap();
    let code = |name: &str| lists.credit.iter().find(|c| c.code == name).map(|c| c.id);
    let company = |store: &mut crate::Store, credit: Option<Uuid>| {
        store.company_create(CompanyInput { credit_code_id: credit, ..acme() }).unwrap().id
    };
    let none = company(&mut store, None);
    let current = company(&mut store, code("Current"));
    let new_account = company(&mut store, code("New Account"));
    let past_due = company(&mut store, code("Past Due"));
    let hold = company(&mut store, code("Credit Hold"));
    assert_eq!(store.order_entry_check(none).unwrap(), OrderEntry::Allowed);
    assert_eq!(store.order_entry_check(current).unwrap(), OrderEntry::Allowed);
    assert!(matches!(store.order_entry_check(new_account).unwrap(), OrderEntry::NeedsApproval(m) if m.contains("approval")));
    assert!(matches!(store.order_entry_check(past_due).unwrap(), OrderEntry::AllowedWithWarning(m) if m.contains("Past Due")));
    let blocked = store.order_entry_check(hold).unwrap_err();
    assert_eq!(blocked.kind(), ErrorKind::Blocked);
    assert_eq!(blocked.to_string(), "Acme Tools is on Credit Hold: order entry is blocked until the credit code changes.");
    let standing = store.company_get(hold).unwrap().credit.unwrap();
    assert_eq!((standing.code.as_str(), standing.behaviour), ("Credit Hold", CreditBehaviour::Block));
}
