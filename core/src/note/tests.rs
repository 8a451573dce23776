use crm_model::{ContactInput, ErrorKind, ListQuery, NoteInput, NoteSubject, SortDir, UserInput};
use uuid::Uuid;

use crate::testing::{acme, assert_invalid, change_log, count, store};

fn note(subject: NoteSubject, body: &str) -> NoteInput {
    NoteInput { subject, body: body.into(), note_type_id: None, author_id: None }
}

#[test]
fn notes_record_type_author_and_time_and_move_the_newest_note_date() {
    let mut store = store();
    let company = store.company_create(acme()).unwrap();
    assert_eq!(company.newest_note_at, None);
    let maria = store.user_create(UserInput { name: "Maria Santos".into(), ..Default::default() }).unwrap();
    let meeting = store.code_lists().unwrap().note_types.into_iter().find(|t| t.name == "Meeting").unwrap();
    let first = store.note_create(NoteInput { note_type_id: Some(meeting.id), author_id: Some(maria.id), ..note(NoteSubject::Company(company.id), "Met the buyer.\nThey want a quote by Friday.") }).unwrap();
    assert_eq!((first.note_type.as_deref(), first.author.as_deref()), (Some("Meeting"), Some("Maria Santos")));
    assert!(first.body.contains('\n'), "line breaks are kept");
    let second = store.note_create(note(NoteSubject::Company(company.id), "Sent the quote.")).unwrap();
    let timeline: Vec<String> = store.notes_of(NoteSubject::Company(company.id)).unwrap().into_iter().map(|n| n.body).collect();
    assert_eq!(timeline, [second.body.clone(), first.body.clone()], "newest first");
    let reloaded = store.company_get(company.id).unwrap();
    assert_eq!(reloaded.newest_note_at.as_deref(), Some(second.created_at.as_str()));
    assert_eq!(reloaded.updated_at, company.updated_at, "a note does not edit the company");
    assert!(!change_log(&store).iter().any(|(_, column, _)| column.as_deref() == Some("newest_note_at")), "derived, never logged");
}

#[test]
fn the_lists_sort_by_newest_note() {
    let mut store = store();
    crate::testing::stepping_clock(&mut store);
    let quiet = store.company_create(crm_model::CompanyInput { name: "Quiet Co".into(), ..Default::default() }).unwrap();
    let busy = store.company_create(crm_model::CompanyInput { name: "Busy Co".into(), ..Default::default() }).unwrap();
    let older = store.company_create(crm_model::CompanyInput { name: "Older Co".into(), ..Default::default() }).unwrap();
    store.note_create(note(NoteSubject::Company(older.id), "first")).unwrap();
    store.note_create(note(NoteSubject::Company(busy.id), "second")).unwrap();
    let query = ListQuery { sort: Some("newest_note_at".into()), dir: SortDir::Desc, ..ListQuery::default() };
    let names: Vec<String> = store.company_list(&query).unwrap().rows.into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["Busy Co", "Older Co", "Quiet Co"], "no note sorts last when newest first");
    let _ = quiet;
}

#[test]
fn full_text_search_finds_prefixes_across_companies_and_contacts() {
    let mut store = store();
    let company = store.company_create(acme()).unwrap();
    let contact = store.contact_create(ContactInput { first_name: "Ada".into(), last_name: "Lovelace".into(), ..Default::default() }).unwrap();
    store.note_create(note(NoteSubject::Company(company.id), "Quarterly meeting about the café order")).unwrap();
    store.note_create(note(NoteSubject::Contact(contact.id), "Prefers email; meeting moved to Tuesday")).unwrap();
    store.note_create(note(NoteSubject::Contact(contact.id), "Unrelated")).unwrap();
    let hits = store.note_search("meet", 10).unwrap();
    let mut subjects: Vec<&str> = hits.iter().map(|h| h.subject_name.as_str()).collect();
    subjects.sort();
    assert_eq!(subjects, ["Acme Tools", "Ada Lovelace"]);
    assert!(hits.iter().all(|h| h.snippet.contains("[meeting]")), "{hits:?}");
    assert_eq!(store.note_search("meet tues", 10).unwrap().len(), 1, "every word must match");
    assert_eq!(store.note_search("cafe", 10).unwrap().len(), 1, "accents are folded");
    assert!(store.note_search("\"unbalanced ( OR", 10).is_ok(), "operators in user text are harmless");
    assert!(store.note_search("  ", 10).unwrap().is_empty());
}

#[test]
fn bad_notes_are_refused_and_change_nothing() {
    let mut store = store();
    let company = store.company_create(acme()).unwrap();
    let log = change_log(&store);
    let subject = NoteSubject::Company(company.id);
    assert_invalid(store.note_create(note(subject, "  \n ")), &["body"]);
    assert_invalid(store.note_create(note(subject, &"x".repeat(crm_model::limits::NOTE_BODY + 1))), &["body"]);
    assert_invalid(store.note_create(note(subject, "bell \u{7}")), &["body"]);
    assert_invalid(store.note_create(NoteInput { note_type_id: Some(Uuid::now_v7()), author_id: Some(Uuid::now_v7()), ..note(subject, "ok") }), &["note_type_id", "author_id"]);
    assert_eq!(store.note_create(note(NoteSubject::Contact(Uuid::now_v7()), "ok")).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(count(&store, "note"), 0);
    assert_eq!(change_log(&store), log);
    assert_eq!(store.company_get(company.id).unwrap().newest_note_at, None);
}
