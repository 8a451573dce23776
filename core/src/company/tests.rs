use crm_model::{CompanyInput, ErrorKind, ListQuery, Page, PageAt, SortDir, limits};
use expect_test::expect;
use rusqlite::types::Value;
use uuid::Uuid;

use crate::{
    CoreError, Store,
    numbering::NumberKind,
    testing::{acme, assert_invalid, change_log, count, store},
};

fn with(edit: impl FnOnce(&mut CompanyInput)) -> CompanyInput {
    let mut input = acme();
    edit(&mut input);
    input
}

#[test]
fn create_trims_input_and_numbers_customers_one_by_one() {
    let mut store = store();
    let first = store.company_create(with(|c| c.name = "  Acme Tools \u{a0}".into())).unwrap();
    let second = store.company_create(with(|c| c.name = "Beta Labs".into())).unwrap();
    assert_eq!(first.fields.name, "Acme Tools");
    assert_eq!((first.customer_number.as_str(), second.customer_number.as_str()), ("A1001", "A1002"));
    assert_eq!(first.id.get_version_num(), 7, "row ids are UUIDv7");
    assert_eq!(store.company_get(first.id).unwrap(), first);
    assert!(first.created_at.ends_with('Z') && first.created_at == first.updated_at);
}

/// Each case: the edit that breaks a rule, and the one field that must be reported.
#[test]
fn every_validation_rule_rejects_and_saves_nothing() {
    let long = |n: usize| "x".repeat(n);
    type Case = (&'static str, Box<dyn Fn(&mut CompanyInput)>);
    let cases: Vec<Case> = vec![
        ("name", Box::new(|c| c.name = String::new())),
        ("name", Box::new(|c| c.name = "   ".into())),
        ("name", Box::new(move |c| c.name = long(limits::NAME + 1))),
        ("name", Box::new(|c| c.name = "Acme\nTools".into())),
        ("email", Box::new(|c| c.email = "sales".into())),
        ("email", Box::new(|c| c.email = "sales@".into())),
        ("email", Box::new(|c| c.email = "sales@acme".into())),
        ("email", Box::new(|c| c.email = "two words@acme.example".into())),
        ("email", Box::new(|c| c.email = "a@@acme.example".into())),
        ("email", Box::new(move |c| c.email = format!("{}@acme.example", long(limits::EMAIL)))),
        ("phone", Box::new(|c| c.phone = "call me".into())),
        ("phone", Box::new(|c| c.phone = "()".into())),
        ("phone", Box::new(move |c| c.phone = "1".repeat(limits::PHONE + 1))),
        ("website", Box::new(|c| c.website = "acme dot com".into())),
        ("website", Box::new(|c| c.website = "localhost".into())),
        ("street", Box::new(move |c| c.street = long(limits::STREET + 1))),
        ("city", Box::new(move |c| c.city = long(limits::CITY + 1))),
        ("postcode", Box::new(move |c| c.postcode = long(limits::POSTCODE + 1))),
        ("region", Box::new(move |c| c.region = long(limits::REGION + 1))),
        ("country", Box::new(move |c| c.country = long(limits::COUNTRY + 1))),
    ];
    let mut store = store();
    let existing = store.company_create(acme()).unwrap();
    let log_before = change_log(&store);
    for (field, edit) in &cases {
        let input = with(|c| edit(c));
        assert_invalid(store.company_create(input.clone()), &[field]);
        assert_invalid(store.company_update(existing.id, input), &[field]);
    }
    assert_eq!(count(&store, "company"), 1);
    assert_eq!(store.company_get(existing.id).unwrap(), existing, "a rejected update changes nothing");
    assert_eq!(change_log(&store), log_before, "a rejected write logs nothing");
    let next = store.company_create(with(|c| c.name = "Next".into())).unwrap();
    assert_eq!(next.customer_number, "A1002", "rejected creates do not use up numbers");
}

#[test]
fn all_failing_fields_are_reported_together_with_readable_messages() {
    let mut store = store();
    let input = CompanyInput { name: "".into(), email: "nope".into(), phone: "abc".into(), ..acme() };
    let messages = assert_invalid(store.company_create(input), &["name", "phone", "email"]);
    assert_eq!(messages[0], "Required.");
    assert!(messages[2].contains("name@example.com"), "{}", messages[2]);
    let error = store.company_create(CompanyInput { name: "x".repeat(300), ..acme() }).unwrap_err();
    assert_eq!(error.to_string(), "name: Too long: 300 characters, at most 200.");
}

#[test]
fn valid_edge_values_are_accepted() {
    let mut store = store();
    let company = store
        .company_create(CompanyInput {
            name: "x".repeat(limits::NAME),
            phone: "+49 (89) 123-456 x12".into(),
            email: "o'brien+crm@mail.acme.example".into(),
            website: "https://acme.example/contact".into(),
            ..CompanyInput::default()
        })
        .unwrap();
    assert_eq!(company.fields.name.chars().count(), limits::NAME);
    let only_name = store.company_create(CompanyInput { name: "Ünïcödé GmbH".into(), ..CompanyInput::default() }).unwrap();
    assert_eq!(only_name.fields.email, "");
}

#[test]
fn unknown_ids_are_not_found() {
    let mut store = store();
    let id = Uuid::now_v7();
    assert_eq!(store.company_get(id).unwrap_err().kind(), ErrorKind::NotFound);
    let error = store.company_update(id, acme()).unwrap_err();
    assert!(matches!(error, CoreError::NotFound { entity: "company", .. }), "{error}");
    assert_eq!(store.company_history(id).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(count(&store, "change_log"), 0);
}

#[test]
fn create_logs_every_column_in_one_stamped_transaction() {
    let mut store = store();
    let company = store.company_create(acme()).unwrap();
    let log = change_log(&store);
    assert_eq!(log.len(), 19, "eighteen form fields and the customer number");
    assert!(log.iter().all(|(table, _, _)| table == "company"));
    assert!(log.contains(&("company".into(), Some("customer_number".into()), Value::Text("A1001".into()))));
    assert!(log.contains(&("company".into(), Some("name".into()), Value::Text("Acme Tools".into()))));
    let (distinct_hlc, device, user, row): (i64, String, String, String) = store
        .conn
        .query_row("SELECT count(DISTINCT hlc), max(device_id), max(user_id), max(row_id) FROM change_log", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!(distinct_hlc, 1, "one transaction, one timestamp");
    assert_eq!((device, user, row), (store.device_id().to_string(), "tester".into(), company.id.to_string()));
    let (records, change_ids): (i64, i64) =
        store.conn.query_row("SELECT count(*), count(DISTINCT change_id) FROM change_log", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(records, 1, "one row write, one log record holding every column");
    assert_eq!(change_ids, 1, "with its own id (sync applies each exactly once)");
}

#[test]
fn update_logs_only_changed_fields_and_reads_back_as_history() {
    let mut store = store();
    let company = store.company_create(acme()).unwrap();
    store.set_actor("maria");
    let updated = store.company_update(company.id, with(|c| {
        c.phone = "+1 555 999 0000".into();
        c.city = "Dallas".into();
    }))
    .unwrap();
    assert_eq!(updated.fields.city, "Dallas");
    assert_eq!(updated.customer_number, company.customer_number, "an update keeps the number");
    assert!(updated.updated_at >= company.updated_at);
    let unchanged = store.company_update(company.id, updated.fields.clone()).unwrap();
    assert_eq!(unchanged.updated_at, updated.updated_at, "saving without changes writes nothing");

    store.company_update(company.id, CompanyInput { website: String::new(), ..updated.fields.clone() }).unwrap();

    let history = store.company_history(company.id).unwrap();
    let summary: Vec<(&str, &str, Option<&str>, Option<&str>)> =
        history.iter().map(|h| (h.user.as_str(), h.op.as_str(), h.field.as_deref(), h.value.as_deref())).collect();
    assert_eq!(&summary[..3], &[
        ("maria", "set", Some("website"), None),
        ("maria", "set", Some("city"), Some("Dallas")),
        ("maria", "set", Some("phone"), Some("+1 555 999 0000")),
    ]);
    assert_eq!(summary.len(), 13, "the ten creating changes follow");
    assert!(summary[3..].iter().all(|(user, op, _, _)| *user == "tester" && *op == "create"));

    // A create with empty fields lists only what was filled in; the log itself keeps every column.
    let sparse = store.company_create(CompanyInput { name: "Sparse".into(), ..CompanyInput::default() }).unwrap();
    let fields: Vec<Option<String>> = store.company_history(sparse.id).unwrap().into_iter().map(|h| h.field).collect();
    assert_eq!(fields, [Some("customer_number".to_owned()), Some("name".to_owned())]);
    let logged: i64 = store
        .conn
        .query_row("SELECT count(*) FROM change_log, json_each(patch) WHERE row_id = ?1", [sparse.id.to_string()], |r| r.get(0))
        .unwrap();
    assert_eq!(logged, 19);
}

fn names(store: &Store, query: ListQuery) -> Vec<String> {
    store.company_list(&query).unwrap().rows.into_iter().map(|r| r.name).collect()
}

fn demo_list_store() -> Store {
    let mut store = store();
    for (name, city, email) in [
        ("beta Labs", "Zurich", "hi@beta.example"),
        ("Acme Tools", "Austin", "sales@acme.example"),
        ("100% Cotton", "Lyon", "x@cotton.example"),
        ("Acme_Underscore", "Berlin", ""),
        ("Castle Works", "austin", "castle@works.example"),
    ] {
        store.company_create(CompanyInput { name: name.into(), city: city.into(), email: email.into(), ..CompanyInput::default() }).unwrap();
    }
    store
}

/// Search tokens and dedupe keys as the write path keeps them, record by record, are exactly what
/// a whole rebuild derives, including for records new in the transaction (whose old tokens the
/// write path does not look for) and a new record renamed before its transaction ends.
#[test]
fn tokens_and_dedupe_keys_kept_row_by_row_equal_a_rebuild() {
    let mut store = demo_list_store();
    let (renamed, alone, edited) = (Uuid::now_v7(), Uuid::now_v7(), store.company_list(&ListQuery::default()).unwrap().rows[0].id);
    store
        .write(|w| {
            for (id, name, number) in [(renamed, "First Name Inc", "Z1"), (alone, "Alone Co", "Z2")] {
                let mut row = super::columns(&CompanyInput { name: name.into(), phone: "+1 512 555 0100".into(), ..CompanyInput::default() });
                row.push(("customer_number", crate::write::text(number)));
                w.insert(super::TABLE, id, &row)?;
            }
            w.update(super::TABLE, renamed, &[("name", crate::write::text("Second Name Ltd"))])?;
            w.update(super::TABLE, edited, &[("name", crate::write::text("Edited Works"))])?;
            Ok(())
        })
        .unwrap();
    let snapshot = |store: &Store| {
        let rows = |sql: &str| -> Vec<String> {
            store.conn.prepare(sql).unwrap().query_map([], |r| r.get::<_, String>(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
        };
        (
            rows("SELECT entity || tier || token || row_id FROM search_token ORDER BY 1"),
            rows("SELECT row_id || tokens FROM search_row ORDER BY 1"),
            rows("SELECT id || ':' || dedupe_key FROM company ORDER BY 1"),
        )
    };
    let kept = snapshot(&store);
    assert!(kept.2.contains(&format!("{renamed}:second name")), "the new record's key follows its rename: {:?}", kept.2);
    crate::search::mark_stale(&store.conn).unwrap();
    crate::search::ensure_current(&mut store.conn).unwrap();
    assert_eq!(snapshot(&store), kept);
}

#[test]
fn list_sorts_case_insensitively_in_both_directions() {
    let store = demo_list_store();
    let query = |sort: &str, dir| ListQuery { sort: Some(sort.into()), dir, ..ListQuery::default() };
    expect![[r#"["100% Cotton", "Acme Tools", "Acme_Underscore", "beta Labs", "Castle Works"]"#]]
        .assert_eq(&format!("{:?}", names(&store, ListQuery::default())));
    expect![[r#"["Castle Works", "beta Labs", "Acme_Underscore", "Acme Tools", "100% Cotton"]"#]]
        .assert_eq(&format!("{:?}", names(&store, query("name", SortDir::Desc))));
    expect![[r#"["Acme Tools", "Castle Works", "Acme_Underscore", "100% Cotton", "beta Labs"]"#]]
        .assert_eq(&format!("{:?}", names(&store, query("city", SortDir::Asc))));
    let by_number = names(&store, query("customer_number", SortDir::Desc));
    assert_eq!(by_number.first().map(String::as_str), Some("Castle Works"));
    for sort in crm_model::company::COMPANY_SORTS {
        assert!(store.company_list(&query(sort, SortDir::Desc)).is_ok(), "{sort} is advertised to the UI but refused");
    }
    assert_invalid(store.company_list(&query("name; DROP TABLE company", SortDir::Asc)), &["sort"]);
}

#[test]
fn list_search_matches_word_prefixes_of_name_number_email_and_phone_ranked() {
    let mut store = demo_list_store();
    store.company_create(CompanyInput { name: "Tool Depot".into(), phone: "+1 (512) 555-0199".into(), ..CompanyInput::default() }).unwrap();
    store.company_create(CompanyInput { name: "Müller Ça Va GmbH".into(), ..CompanyInput::default() }).unwrap();
    let search = |text: &str| names(&store, ListQuery { search: text.into(), ..ListQuery::default() });
    assert_eq!(search("ac"), ["Acme Tools", "Acme_Underscore"]);
    assert_eq!(search("  BETA "), ["beta Labs"]);
    assert_eq!(search("A1003"), ["100% Cotton"]);
    assert_eq!(search("castle@"), ["Castle Works"]);
    assert_eq!(search("castle@works.ex"), ["Castle Works"], "an email prefix as typed");
    assert_eq!(search("100%"), ["100% Cotton"], "% is a literal, not a wildcard");
    assert_eq!(search("%"), Vec::<String>::new(), "punctuation alone finds nothing");
    assert_eq!(search("tool"), ["Tool Depot", "Acme Tools"], "a name that starts with it first, then a later word");
    assert_eq!(search("acme t"), ["Acme Tools"], "several words match in order");
    assert_eq!(search("ools"), Vec::<String>::new(), "word prefixes, not substrings");
    assert_eq!(search("mueller"), Vec::<String>::new());
    assert_eq!(search("muller ca"), ["Müller Ça Va GmbH"], "accents are folded");
    for phone in ["512 555 01", "5125550199", "(512) 555-0199", "+15125550199", "555-0199"] {
        assert_eq!(search(phone), ["Tool Depot"], "{phone} finds the number whatever its format");
    }
    // The index follows edits.
    let depot = store.company_list(&ListQuery { search: "tool d".into(), ..ListQuery::default() }).unwrap().rows[0].id;
    let mut input = store.company_get(depot).unwrap().fields;
    input.name = "Hammer Depot".into();
    store.company_update(depot, input).unwrap();
    assert_eq!(names(&store, ListQuery { search: "tool".into(), ..ListQuery::default() }), ["Acme Tools"]);
    assert_eq!(names(&store, ListQuery { search: "hammer".into(), ..ListQuery::default() }), ["Hammer Depot"]);
    let tokens = |sql: &str| -> i64 { store.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let listed = tokens("SELECT sum(json_array_length(tokens)) FROM search_row");
    assert_eq!(tokens("SELECT count(*) FROM search_token"), listed, "each record lists exactly its tokens, none left behind");
    // A sort turns relevance order into column order over the same matches.
    let sorted = ListQuery { search: "ac".into(), sort: Some("name".into()), dir: SortDir::Desc, ..ListQuery::default() };
    assert_eq!(names(&store, sorted), ["Acme_Underscore", "Acme Tools"]);
    let numbers = ListQuery { search: "a".into(), sort: Some("name".into()), ..ListQuery::default() };
    assert_eq!(names(&store, numbers).len(), 7, "every customer number starts with A");
    assert_eq!(store.company_count("ac", &Default::default()).unwrap(), crm_model::Count { rows: 2, capped: false });
    assert_eq!(store.company_count("", &Default::default()).unwrap().rows, 7);
}

#[test]
fn search_ranking_and_paging_stay_in_the_index() {
    let mut store = store();
    for name in ["Zeta Mark", "Mark Zeta", "Marker Labs", "Omark", "Beta Markets"] {
        store.company_create(CompanyInput { name: name.into(), email: format!("{}@mark.example", name.len()), ..CompanyInput::default() }).unwrap();
    }
    let query = ListQuery { search: "mark".into(), limit: 2, ..ListQuery::default() };
    let first = store.company_list(&query).unwrap();
    assert_eq!(first.rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Mark Zeta", "Marker Labs"]);
    let second = store.company_list(&ListQuery { at: PageAt::After(first.next.clone().unwrap()), ..query.clone() }).unwrap();
    assert_eq!(second.rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Zeta Mark", "Beta Markets"], "later words next, in word order");
    assert_eq!(second.next, None, "Omark matches no word prefix and its email starts with a digit");
    let back = store.company_list(&ListQuery { at: PageAt::Before(second.prev.unwrap()), ..query.clone() }).unwrap();
    assert_eq!(back.rows, first.rows);
    assert_invalid(store.company_list(&ListQuery { at: PageAt::Last, ..query }), &["at"]);
}

#[test]
fn list_pages_by_keyset_in_both_directions() {
    let store = demo_list_store();
    let query = ListQuery { limit: 2, ..ListQuery::default() };
    let names_of = |page: &Page<crm_model::CompanyRow>| page.rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
    let first = store.company_list(&query).unwrap();
    assert_eq!((names_of(&first), first.prev.is_some()), (vec!["100% Cotton".to_owned(), "Acme Tools".to_owned()], false));
    let second = store.company_list(&ListQuery { at: PageAt::After(first.next.clone().unwrap()), ..query.clone() }).unwrap();
    assert_eq!(names_of(&second), ["Acme_Underscore", "beta Labs"]);
    let third = store.company_list(&ListQuery { at: PageAt::After(second.next.clone().unwrap()), ..query.clone() }).unwrap();
    assert_eq!((names_of(&third), third.next.clone()), (vec!["Castle Works".to_owned()], None));
    let back = store.company_list(&ListQuery { at: PageAt::Before(third.prev.clone().unwrap()), ..query.clone() }).unwrap();
    assert_eq!(names_of(&back), names_of(&second));
    let last = store.company_list(&ListQuery { at: PageAt::Last, ..query.clone() }).unwrap();
    assert_eq!((names_of(&last), last.next.is_none(), last.prev.is_some()), (vec!["beta Labs".to_owned(), "Castle Works".to_owned()], true, true));
    // Reading back from the last page ends at a full first page, not a half-empty one.
    let before_last = store.company_list(&ListQuery { at: PageAt::Before(last.prev.unwrap()), ..query.clone() }).unwrap();
    assert_eq!(names_of(&before_last), ["Acme Tools", "Acme_Underscore"]);
    let start = store.company_list(&ListQuery { at: PageAt::Before(before_last.prev.unwrap()), ..query.clone() }).unwrap();
    assert_eq!((names_of(&start), start.prev), (vec!["100% Cotton".to_owned(), "Acme Tools".to_owned()], None));
    // Descending, and by a column with empty values and ties.
    let desc = ListQuery { sort: Some("email".into()), dir: SortDir::Desc, ..query.clone() };
    let mut seen = Vec::new();
    let mut at = PageAt::First;
    loop {
        let page = store.company_list(&ListQuery { at, ..desc.clone() }).unwrap();
        seen.extend(names_of(&page));
        match page.next {
            Some(next) => at = PageAt::After(next),
            None => break,
        }
    }
    assert_eq!(seen, ["100% Cotton", "Acme Tools", "beta Labs", "Castle Works", "Acme_Underscore"], "x@, sales@, hi@, castle@, none");
    assert_invalid(store.company_list(&ListQuery { at: PageAt::After("k[1]".into()), ..query.clone() }), &["at"]);
    assert_invalid(store.company_list(&ListQuery { at: PageAt::After("garbage".into()), ..query.clone() }), &["at"]);
    assert_invalid(store.company_list(&ListQuery { limit: 0, ..ListQuery::default() }), &["limit"]);
    assert_invalid(store.company_list(&ListQuery { limit: limits::PAGE_MAX + 1, ..ListQuery::default() }), &["limit"]);
}

#[test]
fn customer_numbers_sort_by_length_first() {
    let mut store = store();
    store.set_number_series("Z").unwrap();
    for i in 0..3 {
        store.company_create(with(|c| c.name = format!("N{i}"))).unwrap();
    }
    store.conn.execute("UPDATE company SET customer_number = 'Z1' || substr(customer_number, 2) WHERE name = 'N2'", []).unwrap();
    let query = ListQuery { sort: Some("customer_number".into()), ..ListQuery::default() };
    let numbers: Vec<String> = store.company_list(&query).unwrap().rows.into_iter().map(|r| r.customer_number).collect();
    assert_eq!(numbers, ["Z1001", "Z1002", "Z11003"], "Z11003 is the larger number");
}

#[test]
fn tags_parent_company_and_ship_to_addresses() {
    use crm_model::ShipToInput;
    let mut store = store();
    let head = store
        .company_create(with(|c| {
            c.name = "Head Office".into();
            c.tags = vec!["Key account".into(), " key  ACCOUNT ".into(), "Trade show".into(), "".into()];
        }))
        .unwrap();
    assert_eq!(head.fields.tags, ["Key account", "Trade show"], "blank and same-but-for-case tags are dropped");
    let branch = store
        .company_create(with(|c| {
            c.name = "Branch".into();
            c.parent_id = Some(head.id);
            c.tags = vec!["key account".into()];
        }))
        .unwrap();
    assert_eq!(branch.parent.as_ref().map(|p| p.name.as_str()), Some("Head Office"));
    assert_eq!(branch.fields.tags, ["Key account"], "an existing tag is reused whatever its case");
    assert_eq!(store.company_get(head.id).unwrap().children.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Branch"]);
    let tag_filter = |store: &Store, tag: &str| {
        let filter = crm_model::CompanyFilter { tag: tag.into(), ..Default::default() };
        store.company_list_filtered(&ListQuery::default(), &filter).unwrap().rows.len()
    };
    assert_eq!((tag_filter(&store, "KEY ACCOUNT"), tag_filter(&store, "Trade show"), tag_filter(&store, "none")), (2, 1, 0));

    // A hierarchy is a tree: no company above itself.
    let mut looped = store.company_get(head.id).unwrap().fields;
    looped.parent_id = Some(branch.id);
    assert_invalid(store.company_update(head.id, looped.clone()), &["parent_id"]);
    looped.parent_id = Some(head.id);
    assert_invalid(store.company_update(head.id, looped), &["parent_id"]);
    assert_invalid(store.company_create(with(|c| c.tags = vec!["x".repeat(51)])), &["tags"]);

    // Removing a tag removes the link, not the tag.
    let mut input = store.company_get(head.id).unwrap().fields;
    input.tags = vec!["Trade show".into()];
    assert_eq!(store.company_update(head.id, input).unwrap().fields.tags, ["Trade show"]);
    assert_eq!(tag_filter(&store, "Key account"), 1);

    let address = |label: &str, is_default| ShipToInput { company_id: head.id, label: label.into(), city: "Austin".into(), is_default, ..Default::default() };
    let dock = store.ship_to_save(None, address("Loading dock", true)).unwrap();
    let plant = store.ship_to_save(None, address("Plant 2", false)).unwrap();
    assert!(dock.fields.is_default && !plant.fields.is_default);
    store.ship_to_save(Some(plant.id), address("Plant 2", true)).unwrap();
    let defaults: Vec<(String, bool)> = store.company_get(head.id).unwrap().ship_tos.into_iter().map(|s| (s.fields.label, s.fields.is_default)).collect();
    assert_eq!(defaults, [("Plant 2".to_owned(), true), ("Loading dock".to_owned(), false)], "one default, listed first");
    assert_invalid(store.ship_to_save(None, address("", false)), &["label"]);
    assert_invalid(store.ship_to_save(None, ShipToInput { company_id: Uuid::now_v7(), ..address("Nowhere", false) }), &["company_id"]);
    store.ship_to_delete(dock.id).unwrap();
    assert_eq!(store.company_get(head.id).unwrap().ship_tos.len(), 1);
}

#[test]
fn numbers_from_a_rolled_back_transaction_are_reused() {
    let mut store = store();
    let failed: crate::Result<()> = store.write(|w| {
        assert_eq!(w.allocate_number(NumberKind::Customer)?, "A1001");
        Err(CoreError::Conflict("simulated failure after allocating".into()))
    });
    assert!(failed.is_err());
    assert_eq!(store.company_create(acme()).unwrap().customer_number, "A1001");
}

#[test]
fn two_devices_with_their_own_series_never_collide() {
    let mut laptop_a = store();
    let mut laptop_b = store();
    laptop_b.set_number_series("B").unwrap();
    let mut numbers = std::collections::BTreeSet::new();
    for i in 0..200 {
        let device = if i % 3 == 0 { &mut laptop_a } else { &mut laptop_b };
        let company = device.company_create(with(|c| c.name = format!("Company {i}"))).unwrap();
        assert!(numbers.insert(company.customer_number.clone()), "{} was handed out twice", company.customer_number);
    }
    assert!(numbers.contains("A1001") && numbers.contains("B1001") && numbers.contains("B1133"));
    assert_invalid(laptop_a.set_number_series("b1"), &["number_series"]);
    assert_invalid(laptop_a.set_number_series(""), &["number_series"]);
    assert_eq!(laptop_a.number_series(), "A");
}

#[test]
fn data_survives_reopening_the_file_in_wal_mode_with_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("crm.sqlite3");
    let (id, device, last_hlc) = {
        let mut store = Store::open(&path).unwrap();
        let id = store.company_create(acme()).unwrap().id;
        (id, store.device_id(), store.clock.last())
    };
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.company_get(id).unwrap().fields.name, "Acme Tools");
    assert_eq!(store.device_id(), device, "the device id is stable across restarts");
    let mode: String = store.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    let foreign_keys: i64 = store.conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
    assert_eq!((mode.as_str(), foreign_keys), ("wal", 1));

    // The wall clock now reads 1970: timestamps must still move forward from the persisted HLC.
    store.set_wall_clock(Box::new(|| 0));
    store.company_create(with(|c| c.name = "After restart".into())).unwrap();
    let newest: i64 = store.conn.query_row("SELECT max(hlc) FROM change_log", [], |r| r.get(0)).unwrap();
    assert!(newest as u64 > last_hlc);
    assert_eq!(store.company_create(acme()).unwrap().customer_number, "A1003");
}

#[test]
fn an_unusable_path_is_a_clear_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = Store::open(dir.path()).err().expect("a folder is not a database");
    assert_eq!(error.kind(), ErrorKind::Storage);
    assert!(error.to_string().contains(&dir.path().display().to_string()), "{error}");
    let garbage = dir.path().join("garbage.sqlite3");
    std::fs::write(&garbage, vec![0x42u8; 8192]).unwrap();
    let error = Store::open(&garbage).err().expect("random bytes are not a database");
    assert!(error.to_string().contains("garbage.sqlite3"), "{error}");
}

#[test]
fn the_customer_list_filters_by_rep_state_credit_code_and_newest_note() {
    use crm_model::{CompanyFilter, NoteInput, NoteSubject, UserInput};
    let mut store = store();
    crate::testing::stepping_clock(&mut store);
    let maria = store.user_create(UserInput { name: "Maria".into(), ..Default::default() }).unwrap().id;
    let bob = store.user_create(UserInput { name: "Bob".into(), ..Default::default() }).unwrap().id;
    let hold = store.code_lists().unwrap().credit.into_iter().find(|c| c.code == "Credit Hold").unwrap().id;
    let a = store.company_create(CompanyInput { name: "Alpha".into(), region: "TX".into(), isr_id: Some(maria), osr_id: Some(bob), ..CompanyInput::default() }).unwrap();
    store.company_create(CompanyInput { name: "Bravo".into(), region: "tx".into(), isr_id: Some(bob), credit_code_id: Some(hold), ..CompanyInput::default() }).unwrap();
    store.company_create(CompanyInput { name: "Charlie".into(), region: "OH".into(), isr_id: Some(maria), ..CompanyInput::default() }).unwrap();
    store.note_create(NoteInput { subject: NoteSubject::Company(a.id), body: "called".into(), note_type_id: None, author_id: None }).unwrap();
    let newest = store.company_get(a.id).unwrap().newest_note_at.unwrap();
    let day = &newest[..10];

    let names = |filter: CompanyFilter| -> Vec<String> {
        let page = store.company_list_filtered(&ListQuery::default(), &filter).unwrap();
        assert_eq!(store.company_count("", &filter).unwrap().rows as usize, page.rows.len(), "the count counts the filtered rows");
        page.rows.into_iter().map(|r| r.name).collect()
    };
    assert_eq!(names(CompanyFilter { isr_id: Some(maria), ..Default::default() }), ["Alpha", "Charlie"]);
    assert_eq!(names(CompanyFilter { osr_id: Some(bob), ..Default::default() }), ["Alpha"]);
    assert_eq!(names(CompanyFilter { region: " TX ".into(), ..Default::default() }), ["Alpha", "Bravo"], "state matches whole, any case");
    assert_eq!(names(CompanyFilter { credit_code_id: Some(hold), ..Default::default() }), ["Bravo"]);
    assert_eq!(names(CompanyFilter { region: "tx".into(), isr_id: Some(maria), ..Default::default() }), ["Alpha"], "filters combine with AND");
    assert_eq!(names(CompanyFilter { newest_note_from: Some(day.into()), newest_note_to: Some(day.into()), ..Default::default() }), ["Alpha"], "the end day is inclusive");
    assert_eq!(names(CompanyFilter { newest_note_to: Some("2000-01-01".into()), ..Default::default() }), Vec::<String>::new());
    let searched = store.company_list_filtered(&ListQuery { search: "br".into(), ..ListQuery::default() }, &CompanyFilter { region: "TX".into(), ..Default::default() }).unwrap();
    assert_eq!(searched.rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Bravo"], "search and filters combine");
    assert_invalid(store.company_list_filtered(&ListQuery::default(), &CompanyFilter { newest_note_from: Some("23/11/2026".into()), ..Default::default() }), &["newest_note_from"]);
}

#[test]
fn the_filtered_sorted_list_exports_every_row_typed_to_xlsx_and_csv() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    use std::sync::atomic::AtomicBool;
    let mut store = store();
    for i in 0..1_203 {
        let region = if i % 3 == 0 { "TX" } else { "OH" };
        store.company_create(with(|c| {
            c.name = format!("Company {i:04}");
            c.region = region.into();
            c.credit_limit_cents = Some(i * 100 + 50);
        }))
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.xlsx");
    let query = ListQuery { sort: Some("name".into()), dir: SortDir::Desc, ..ListQuery::default() };
    let filter = crm_model::CompanyFilter { region: "tx".into(), ..Default::default() };
    let mut reports = Vec::new();
    let cancel = AtomicBool::new(false);
    let progress = crate::export::Progress { report: &mut |n| reports.push(n), cancel: &cancel };
    let written = store.company_export(&path, &query, &filter, &Default::default(), progress).unwrap();
    assert_eq!(written, 401, "every filtered row, past the 500-row page size of the list");
    assert_eq!(reports.last(), Some(&401));
    let mut workbook: Xlsx<_> = open_workbook(&path).unwrap();
    let sheet = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&sheet).unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), 402);
    assert_eq!(rows[0][1], Data::String("Name".into()));
    assert_eq!(rows[1][1], Data::String("Company 1200".into()), "sorted as the list is");
    assert_eq!(rows[1][12], Data::Float(1200.5), "money is a number");
    assert_eq!(rows[401][1], Data::String("Company 0000".into()));
    assert!(matches!(rows[1][18], Data::DateTime(_)), "dates are dates: {:?}", rows[1][18]);

    let csv_path = dir.path().join("customers.csv");
    let progress = crate::export::Progress { report: &mut |_| {}, cancel: &cancel };
    store.company_export(&csv_path, &query, &filter, &Default::default(), progress).unwrap();
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert!(text.starts_with("\u{feff}Customer number,Name"), "UTF-8 with a BOM for Excel");
    assert_eq!(text.lines().count(), 402);
    let progress = crate::export::Progress { report: &mut |_| {}, cancel: &cancel };
    assert_invalid(store.company_export(&dir.path().join("x.pdf"), &query, &filter, &Default::default(), progress), &["path"]);
}
