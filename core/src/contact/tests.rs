use crm_model::{ContactInput, ErrorKind, ListQuery, limits};
use rusqlite::types::Value;
use uuid::Uuid;

use crate::testing::{acme, assert_invalid, change_log, count, store};

fn ada(company_ids: Vec<Uuid>) -> ContactInput {
    ContactInput {
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: "ada@acme.example".into(),
        office_phone: "+44 20 7946 0018".into(),
        mobile_phone: "+44 7700 900123".into(),
        job_title: "Chief Analyst".into(),
        company_ids,
        ..ContactInput::default()
    }
}

#[test]
fn a_contact_links_to_zero_or_more_companies() {
    let mut store = store();
    let acme = store.company_create(acme()).unwrap();
    let beta = store.company_create(crm_model::CompanyInput { name: "Beta Labs".into(), ..Default::default() }).unwrap();
    let loner = store.contact_create(ada(vec![])).unwrap();
    assert!(loner.companies.is_empty());
    let both = store.contact_create(ContactInput { first_name: "Grace".into(), ..ada(vec![beta.id, acme.id, beta.id]) }).unwrap();
    let linked: Vec<&str> = both.companies.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(linked, ["Acme Tools", "Beta Labs"], "sorted by name, duplicates dropped");
    assert_eq!(store.company_get(acme.id).unwrap().contact_count, 1);
    let of_acme = store.contacts_of_company(acme.id).unwrap();
    assert_eq!(of_acme.len(), 1);
    assert_eq!(of_acme[0].companies, "Acme Tools, Beta Labs");
}

#[test]
fn updating_links_adds_and_removes_exactly_the_difference_and_logs_it() {
    let mut store = store();
    let acme = store.company_create(acme()).unwrap();
    let beta = store.company_create(crm_model::CompanyInput { name: "Beta Labs".into(), ..Default::default() }).unwrap();
    let contact = store.contact_create(ada(vec![acme.id])).unwrap();
    let log_before = change_log(&store).len();
    let moved = store.contact_update(contact.id, ada(vec![beta.id])).unwrap();
    assert_eq!(moved.companies.iter().map(|c| c.id).collect::<Vec<_>>(), [beta.id]);
    let new_entries = &change_log(&store)[log_before..];
    let summary: Vec<(&str, Option<&str>)> = new_entries.iter().map(|(t, c, _)| (t.as_str(), c.as_deref())).collect();
    assert_eq!(
        summary,
        [
            ("contact_company", None),
            ("contact_company", Some("contact_id")),
            ("contact_company", Some("company_id")),
            ("contact_company", Some("role"))
        ],
        "a tombstone for the removed link, the new link's columns, nothing for unchanged contact fields"
    );
    assert_eq!(new_entries[2].2, Value::Text(beta.id.to_string()));
    assert_eq!(store.company_get(acme.id).unwrap().contact_count, 0);
}

#[test]
fn every_validation_rule_rejects_and_saves_nothing() {
    let mut store = store();
    let existing = store.contact_create(ada(vec![])).unwrap();
    let log_before = change_log(&store);
    let cases: Vec<(&[&str], ContactInput)> = vec![
        (&["last_name"], ContactInput { first_name: " ".into(), last_name: "".into(), ..ada(vec![]) }),
        (&["first_name"], ContactInput { first_name: "A".repeat(limits::PERSON_NAME + 1), ..ada(vec![]) }),
        (&["email"], ContactInput { email: "ada at acme".into(), ..ada(vec![]) }),
        (&["office_phone"], ContactInput { office_phone: "ext".into(), ..ada(vec![]) }),
        (&["mobile_phone"], ContactInput { mobile_phone: "9".repeat(limits::PHONE + 1), ..ada(vec![]) }),
        (&["job_title"], ContactInput { job_title: "J".repeat(limits::JOB_TITLE + 1), ..ada(vec![]) }),
        (&["first_name", "email"], ContactInput { first_name: "Tab\there".into(), email: "@".into(), ..ada(vec![]) }),
        (&["company_ids"], ada(vec![Uuid::now_v7()])),
    ];
    for (fields, input) in cases {
        assert_invalid(store.contact_create(input.clone()), fields);
        assert_invalid(store.contact_update(existing.id, input), fields);
    }
    assert_eq!(count(&store, "contact"), 1);
    assert_eq!(count(&store, "contact_company"), 0);
    assert_eq!(store.contact_get(existing.id).unwrap(), existing);
    assert_eq!(change_log(&store), log_before);
}

#[test]
fn one_name_is_enough() {
    let mut store = store();
    let mononym = store.contact_create(ContactInput { first_name: "".into(), last_name: "Prince".into(), ..Default::default() }).unwrap();
    assert_eq!(mononym.last_name, "Prince");
}

#[test]
fn unknown_contact_ids_are_not_found() {
    let mut store = store();
    let id = Uuid::now_v7();
    assert_eq!(store.contact_get(id).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.contact_update(id, ada(vec![])).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.contacts_of_company(id).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(count(&store, "change_log"), 0);
}

#[test]
fn list_searches_first_last_full_name_and_email() {
    let mut store = store();
    let acme = store.company_create(acme()).unwrap();
    store.contact_create(ada(vec![acme.id])).unwrap();
    store.contact_create(ContactInput { first_name: "Alan".into(), last_name: "Turing".into(), email: "alan@bletchley.example".into(), ..Default::default() }).unwrap();
    let search = |text: &str| -> Vec<String> {
        store.contact_list(&ListQuery { search: text.into(), ..ListQuery::default() }).unwrap().rows.into_iter().map(|r| r.last_name).collect()
    };
    assert_eq!(search(""), ["Lovelace", "Turing"]);
    assert_eq!(search("a"), ["Lovelace", "Turing"]);
    assert_eq!(search("ada l"), ["Lovelace"]);
    assert_eq!(search("tur"), ["Turing"]);
    assert_eq!(search("alan@"), ["Turing"]);
    let page = store.contact_list(&ListQuery::default()).unwrap();
    assert_eq!(page.rows[0].companies, "Acme Tools");
    assert_eq!(page.rows[1].companies, "");
}

#[test]
fn demo_data_is_deterministic_and_valid() {
    let mut first = store();
    let mut second = store();
    let summary = first.load_demo(7, 12).unwrap();
    assert_eq!(summary, second.load_demo(7, 12).unwrap());
    let names = |s: &crate::Store| -> Vec<String> {
        s.company_list(&ListQuery { limit: 100, ..ListQuery::default() }).unwrap().rows.into_iter().map(|r| r.name).collect()
    };
    assert_eq!(names(&first), names(&second));
    assert_eq!(summary.companies, 12);
    assert!(summary.contacts >= 12 && summary.contacts <= 36);
    assert_eq!(count(&first, "contact") as usize, summary.contacts);
}

#[test]
fn channels_roles_address_and_consent_round_trip_and_are_searchable() {
    use crm_model::{Channel, ChannelKind, ContactFilter, PageAt};
    let mut store = store();
    let acme = store.company_create(acme()).unwrap();
    let channel = |kind, label: &str, value: &str, sms_capable| Channel { kind, label: label.into(), value: value.into(), sms_capable };
    let mut input = ada(vec![acme.id]);
    input.roles.insert(acme.id, "Decision maker".into());
    input.roles.insert(Uuid::now_v7(), "ignored: not linked".into());
    input.city = "London".into();
    input.region = "Greater London".into();
    input.email_consent = true;
    input.channels = vec![
        channel(ChannelKind::Phone, "mobile", "+44 7700 900999", true),
        channel(ChannelKind::Email, "home", "ada@home.example", false),
        channel(ChannelKind::Phone, "fax", "  ", false),
    ];
    let ada = store.contact_create(input).unwrap();
    assert_eq!(ada.companies[0].role, "Decision maker");
    assert_eq!(ada.channels.len(), 2, "an empty channel is dropped");
    assert!(ada.email_consent && !ada.sms_consent);
    assert_eq!(ada.to_input().roles.len(), 1);

    let find = |store: &crate::Store, text: &str| -> Vec<String> {
        let query = ListQuery { search: text.into(), ..ListQuery::default() };
        store.contact_list(&query).unwrap().rows.into_iter().map(|r| format!("{} {}", r.first_name, r.last_name)).collect()
    };
    assert_eq!(find(&store, "lovelace a"), ["Ada Lovelace"], "surname first");
    assert_eq!(find(&store, "ada@home"), ["Ada Lovelace"], "an extra email");
    assert_eq!(find(&store, "07700 900999"), Vec::<String>::new(), "a trunk zero is not part of the stored number");
    assert_eq!(find(&store, "7700 900999"), ["Ada Lovelace"], "an extra phone, whatever its format");

    // Edits reuse channel rows by position; removing one removes it from the search too.
    let mut edit = ada.to_input();
    edit.channels.truncate(1);
    edit.channels[0].value = "+44 7700 900111".into();
    let edited = store.contact_update(ada.id, edit).unwrap();
    assert_eq!(edited.channels.len(), 1);
    assert_eq!(find(&store, "ada@home"), Vec::<String>::new());
    assert_eq!(find(&store, "7700900111"), ["Ada Lovelace"]);

    let mut bad = ada.to_input();
    bad.channels = vec![channel(ChannelKind::Email, "pager", "not an email", true)];
    assert_invalid(store.contact_update(ada.id, bad), &["channels.0"]);

    let filter = ContactFilter { region: "greater london".into(), company_id: Some(acme.id), ..Default::default() };
    let page = store.contact_list_filtered(&ListQuery { sort: Some("newest_note_at".into()), at: PageAt::First, ..ListQuery::default() }, &filter).unwrap();
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].region, "Greater London");
    assert_eq!(store.contact_count("", &ContactFilter { region: "Paris".into(), ..Default::default() }).unwrap().rows, 0);
    for sort in crm_model::contact::CONTACT_SORTS {
        let query = ListQuery { sort: Some((*sort).into()), ..ListQuery::default() };
        assert!(store.contact_list_filtered(&query, &filter).is_ok(), "{sort} is advertised to the UI but refused");
    }
}

#[test]
fn the_search_index_is_rebuilt_when_missing() {
    let mut store = store();
    store.contact_create(ada(vec![])).unwrap();
    store.conn.execute("DELETE FROM search_token", []).unwrap();
    store.conn.execute("DELETE FROM local_state WHERE key = 'search_index_version'", []).unwrap();
    crate::search::ensure_current(&mut store.conn).unwrap();
    let query = ListQuery { search: "ada".into(), ..ListQuery::default() };
    assert_eq!(store.contact_list(&query).unwrap().rows.len(), 1);
}
