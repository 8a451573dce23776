use std::sync::atomic::AtomicBool;

use crm_model::import::{ImportRequest, ImportTarget, OnDuplicate};
use crm_model::{CompanyInput, ListQuery};

use super::{read_csv_bytes, suggest_mapping};
use crate::{
    Store,
    testing::{change_log, count, store},
};

/// A store in a file, as the app has it: imports check on a second connection while writing.
fn file_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("crm.sqlite3")).unwrap();
    store.set_actor("tester");
    (dir, store)
}

fn request(target: ImportTarget, csv: &str, on_duplicate: OnDuplicate) -> (super::Table, ImportRequest) {
    let table = read_csv_bytes(csv.as_bytes()).unwrap();
    let mapping = suggest_mapping(target, &table.headers);
    (table, ImportRequest { target, mapping, on_duplicate })
}

fn apply(store: &mut Store, target: ImportTarget, csv: &str, on_duplicate: OnDuplicate) -> crm_model::import::ImportReport {
    let (table, request) = request(target, csv, on_duplicate);
    store.import_apply("test.csv", &table, &request, &mut |_| {}, &AtomicBool::new(false)).unwrap()
}

fn names(store: &Store) -> Vec<String> {
    store.company_list(&ListQuery::default()).unwrap().rows.into_iter().map(|r| r.name).collect()
}

const COMPANIES: &str = "Company Name,Phone,E-mail,Zip,State,Credit Limit,Tags
Acme Tools,+1 (512) 555-0100,sales@acme.example,78701,TX,\"12,500.00\",Key account; Trade show
Beta Labs,,hi@beta.example,10115,BE,,
";

#[test]
fn a_clean_file_imports_every_row_searchable_and_tagged() {
    let (_dir, mut store) = file_store();
    let report = apply(&mut store, ImportTarget::Companies, COMPANIES, OnDuplicate::Skip);
    assert!(report.applied && report.problems.is_empty(), "{report:?}");
    assert_eq!((report.rows, report.created), (2, 2));
    assert_eq!(names(&store), ["Acme Tools", "Beta Labs"]);
    let acme = store.company_list(&ListQuery { search: "5125550100".into(), ..ListQuery::default() }).unwrap().rows;
    let acme = store.company_get(acme[0].id).unwrap();
    assert_eq!(acme.fields.credit_limit_cents, Some(1_250_000));
    assert_eq!(acme.fields.tags, ["Key account", "Trade show"]);
    assert!(acme.customer_number.starts_with('A'), "imported companies get numbers from the device's series");
}

/// A database in memory has no second connection: its imports check first, then write.
#[test]
fn in_memory_imports_check_first_and_write_the_same() {
    let mut store = store();
    let report = apply(&mut store, ImportTarget::Companies, COMPANIES, OnDuplicate::Skip);
    assert!(report.applied && report.problems.is_empty(), "{report:?}");
    assert_eq!(names(&store), ["Acme Tools", "Beta Labs"]);
    let again = apply(&mut store, ImportTarget::Companies, "Name,Email,City\nAcme Tools,sales@acme.example,Dallas\nGamma,,\n", OnDuplicate::Update);
    assert_eq!((again.created, again.updated), (1, 1));
    let refused = apply(&mut store, ImportTarget::Companies, "Name,Email\nDelta,not-an-email\n", OnDuplicate::Skip);
    assert!(!refused.applied);
    assert_eq!(names(&store), ["Acme Tools", "Beta Labs", "Gamma"]);
}

/// The check runs ahead of the writes: by the time it meets a bad row thousands of rows down,
/// the rows before it are written, and must all go again.
#[test]
fn a_bad_row_far_down_a_long_file_takes_back_what_was_written_meanwhile() {
    use std::fmt::Write as _;
    let (_dir, mut store) = file_store();
    let log_before = change_log(&store).len();
    let mut csv = String::from("Name,Email,Tags\n");
    for i in 0..20_000 {
        let _ = writeln!(csv, "Company {i},c{i}@co.example,Imported");
    }
    csv.push_str("Last One,not-an-email,\n");
    let (table, request) = request(ImportTarget::Companies, &csv, OnDuplicate::Skip);
    let mut written = 0;
    let report = store.import_apply("test.csv", &table, &request, &mut |done| written = written.max(done), &AtomicBool::new(false)).unwrap();
    assert!(written >= 1_000, "rows were written while the check went on (progress reached {written})");
    assert!(!report.applied);
    let problems: Vec<(u64, &str)> = report.problems.iter().map(|p| (p.line, p.field.as_str())).collect();
    assert_eq!(problems, [(20_002, "email")]);
    assert_eq!((report.created, report.batch_id), (0, None));
    for table in ["company", "company_tag", "tag", "import_batch", "import_row", "search_token"] {
        assert_eq!(count(&store, table), 0, "{table}");
    }
    assert_eq!(change_log(&store).len(), log_before);
    // The connection is usable and the same file imports once mended.
    let mended = apply(&mut store, ImportTarget::Companies, &csv.replace("not-an-email", "last@co.example"), OnDuplicate::Skip);
    assert_eq!((mended.applied, mended.created), (true, 20_001));
    assert_eq!(count(&store, "company_tag"), 20_000);
}

/// A cancel while the check is still running stops both sides and writes nothing.
#[test]
fn a_cancel_half_way_through_a_long_import_writes_nothing() {
    use std::fmt::Write as _;
    let (_dir, mut store) = file_store();
    let mut csv = String::from("Name,Email\n");
    for i in 0..20_000 {
        let _ = writeln!(csv, "Company {i},c{i}@co.example");
    }
    let (table, request) = request(ImportTarget::Companies, &csv, OnDuplicate::Skip);
    let cancel = AtomicBool::new(false);
    let error = store
        .import_apply("test.csv", &table, &request, &mut |done| cancel.store(done >= 2_000, std::sync::atomic::Ordering::Relaxed), &cancel)
        .unwrap_err();
    assert_eq!(error.kind(), crm_model::ErrorKind::Blocked);
    assert_eq!((count(&store, "company"), count(&store, "import_batch")), (0, 0));
}

#[test]
fn one_bad_row_refuses_the_whole_file_with_line_numbers() {
    let (_dir, mut store) = file_store();
    let log_before = change_log(&store).len();
    let csv = "Name,Email,Credit limit,Payment days\nGood Co,good@co.example,,\n,no-name@co.example,,\nBad Mail,not-an-email,12x,soon\n";
    let report = apply(&mut store, ImportTarget::Companies, csv, OnDuplicate::Skip);
    assert!(!report.applied);
    let problems: Vec<(u64, &str)> = report.problems.iter().map(|p| (p.line, p.field.as_str())).collect();
    assert_eq!(problems, [(3, "name"), (4, "credit_limit"), (4, "payment_days"), (4, "email")]);
    assert_eq!((report.created, count(&store, "company")), (0, 0), "all or nothing");
    assert_eq!(change_log(&store).len(), log_before);
}

#[test]
fn duplicates_by_email_phone_or_similar_name_are_skipped_updated_or_created() {
    let (_dir, mut store) = file_store();
    apply(&mut store, ImportTarget::Companies, COMPANIES, OnDuplicate::Skip);
    let second = "Name,Phone,Email,Postcode,City
ACME TOOLS INC,,,78701,Austin
Acme Austin,512.555.0100,,,
Totally New,,SALES@ACME.EXAMPLE,,
Fresh Co,,fresh@co.example,,
Fresh Company,,fresh@co.example,,
";
    let (table, request) = request(ImportTarget::Companies, second, OnDuplicate::Skip);
    let check = store.import_check(&table, &request).unwrap();
    let reasons: Vec<(u64, &str, &str)> = check.duplicates.iter().map(|d| (d.line, d.existing.as_str(), d.reason.as_str())).collect();
    assert_eq!(reasons, [
        (2, "Acme Tools (A1001)", "similar name and same postcode"),
        (3, "Acme Tools (A1001)", "same phone number"),
        (4, "Acme Tools (A1001)", "same email"),
        (6, "line 5", "same email"),
    ]);
    assert_eq!((check.created, check.skipped, check.applied), (1, 4, false));
    assert_eq!(count(&store, "company"), 2, "a check writes nothing");

    let updated = apply(&mut store, ImportTarget::Companies, second, OnDuplicate::Update);
    assert_eq!((updated.created, updated.updated, updated.skipped), (1, 3, 1));
    let acme = store.company_get(store.company_list(&ListQuery { search: "sales@acme".into(), ..ListQuery::default() }).unwrap().rows[0].id).unwrap();
    assert_eq!(acme.fields.name, "Totally New", "rows that match one record update it in file order");
    assert_eq!(acme.fields.city, "Austin", "a value the row brings is filled in");
    assert_eq!(acme.fields.email, "SALES@ACME.EXAMPLE", "the last update wins");
    assert_eq!(acme.fields.phone, "512.555.0100");
    assert_eq!(acme.fields.tags, ["Key account", "Trade show"], "empty cells never blank a field");
    assert_eq!(store.import_undo(updated.batch_id.unwrap()).unwrap(), 2, "three rows updated one record, one row made another");
    let acme = store.company_get(acme.id).unwrap().fields;
    assert_eq!((acme.name.as_str(), acme.city.as_str(), acme.email.as_str(), acme.phone.as_str()), ("Acme Tools", "", "sales@acme.example", "+1 (512) 555-0100"), "undo takes the updates back, last first");

    let anyway = apply(&mut store, ImportTarget::Companies, "Name,Email\nBeta Labs,hi@beta.example\n", OnDuplicate::CreateAnyway);
    assert_eq!((anyway.created, anyway.duplicates.len()), (1, 1));
    assert_eq!(count(&store, "company"), 3);
}

#[test]
fn undo_takes_back_the_latest_import_only_once() {
    let (_dir, mut store) = file_store();
    let first = apply(&mut store, ImportTarget::Companies, COMPANIES, OnDuplicate::Skip);
    let manual = store.company_create(CompanyInput { name: "Typed In".into(), ..CompanyInput::default() }).unwrap();
    let second = apply(&mut store, ImportTarget::Companies, "Name,Email,City\nAcme Tools,sales@acme.example,Dallas\nGamma,,\n", OnDuplicate::Update);
    assert_eq!((second.created, second.updated), (1, 1));
    assert!(store.import_undo(first.batch_id.unwrap()).is_err(), "an older import cannot be undone past a newer one");
    assert_eq!(store.import_undo(second.batch_id.unwrap()).unwrap(), 2);
    assert_eq!(names(&store), ["Acme Tools", "Beta Labs", "Typed In"]);
    let acme = store.company_list(&ListQuery { search: "acme".into(), ..ListQuery::default() }).unwrap().rows[0].id;
    assert_eq!(store.company_get(acme).unwrap().fields.city, "", "the replaced value is back");
    assert!(store.import_undo(second.batch_id.unwrap()).is_err(), "only once");
    assert_eq!(store.import_undo(first.batch_id.unwrap()).unwrap(), 2);
    assert_eq!(names(&store), ["Typed In"]);
    assert_eq!(store.company_get(manual.id).unwrap().fields.name, "Typed In");
    let tombstones: i64 = store.conn.query_row("SELECT count(*) FROM change_log WHERE op = 'delete' AND table_name = 'company'", [], |r| r.get(0)).unwrap();
    assert_eq!(tombstones, 3, "undo is an ordinary, synced change");
}

#[test]
fn a_cancelled_import_writes_nothing() {
    let (_dir, mut store) = file_store();
    let (table, request) = request(ImportTarget::Companies, COMPANIES, OnDuplicate::Skip);
    let error = store.import_apply("test.csv", &table, &request, &mut |_| {}, &AtomicBool::new(true)).unwrap_err();
    assert_eq!(error.kind(), crm_model::ErrorKind::Blocked);
    assert_eq!(count(&store, "company"), 0);
    assert_eq!(count(&store, "import_batch"), 0);
}

#[test]
fn contacts_link_to_companies_by_name_or_number() {
    let (_dir, mut store) = file_store();
    apply(&mut store, ImportTarget::Companies, COMPANIES, OnDuplicate::Skip);
    let csv = "First Name,Last Name,Email,Mobile,Company\nAda,Lovelace,ada@acme.example,+44 7700 900123,acme tools\nGrace,Hopper,,,A1002\nNo,Body,,,Nowhere Inc\n";
    let report = apply(&mut store, ImportTarget::Contacts, csv, OnDuplicate::Skip);
    assert_eq!(report.problems.len(), 1);
    assert_eq!((report.problems[0].line, report.problems[0].field.as_str()), (4, "company"));
    let csv = "First Name,Last Name,Email,Mobile,Company\nAda,Lovelace,ada@acme.example,+44 7700 900123,acme tools\nGrace,Hopper,,,A1002\n";
    let report = apply(&mut store, ImportTarget::Contacts, csv, OnDuplicate::Skip);
    assert_eq!(report.created, 2);
    let again = apply(&mut store, ImportTarget::Contacts, "First Name,Last Name,Mobile\nAda,L.,+44 7700-900-123\n", OnDuplicate::Skip);
    assert_eq!((again.skipped, again.duplicates[0].reason.as_str()), (1, "same phone number"));
    let ada = store.contact_list(&ListQuery { search: "ada".into(), ..ListQuery::default() }).unwrap().rows;
    assert_eq!(ada[0].companies, "Acme Tools");
}

/// An import writes with a larger page cache and without the automatic checkpoint; both are back
/// to the store's settings afterwards, whether the import went in, was undone or was refused.
#[test]
fn an_import_leaves_the_cache_and_checkpoint_settings_as_they_were() {
    let (dir, mut store) = file_store();
    let settings = |store: &Store| -> (i64, i64) {
        let pragma = |name: &str| store.conn.pragma_query_value(None, name, |r| r.get::<_, i64>(0)).unwrap();
        (pragma("cache_size"), pragma("wal_autocheckpoint"))
    };
    let before = settings(&store);
    assert_eq!(before, (crate::store::CACHE_KIB, 1000));
    let report = apply(&mut store, ImportTarget::Companies, COMPANIES, OnDuplicate::Skip);
    assert!(report.applied);
    assert_eq!(settings(&store), before);
    store.import_undo(report.batch_id.unwrap()).unwrap();
    assert_eq!(settings(&store), before);
    let refused = apply(&mut store, ImportTarget::Companies, "Company Name,Credit Limit\nAcme,lots\n", OnDuplicate::Skip);
    assert!(!refused.applied);
    assert_eq!(settings(&store), before);
    // The checkpoint thread opened its own connection; the data is the same through a new one.
    let again = apply(&mut store, ImportTarget::Companies, COMPANIES, OnDuplicate::Skip);
    assert!(again.applied);
    drop(store);
    let reopened = Store::open(&dir.path().join("crm.sqlite3")).unwrap();
    assert_eq!(names(&reopened), ["Acme Tools", "Beta Labs"]);
}
