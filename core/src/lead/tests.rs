use crm_model::{
    CompanyInput, ErrorKind, LeadCodeInput, LeadCodeKind, LeadCreate, LeadFilter, LeadInput, LeadMoveInput, LeadState, ListQuery, NoteInput,
    NoteSubject, SortDir, UserInput,
};
use uuid::Uuid;

use super::pipeline;
use crate::{
    Store,
    testing::{acme, assert_invalid, change_log, stepping_clock, store},
};

const NEW_BUSINESS: &str = "00000000-0000-7000-8000-000000000401";
const SERVICE: &str = "00000000-0000-7000-8000-000000000402";
const COLD_CALL: &str = "00000000-0000-7000-8000-000000000501";
const WEBSITE: &str = "00000000-0000-7000-8000-000000000502";

fn id(text: &str) -> Uuid {
    Uuid::parse_str(text).unwrap()
}

/// A store with two reps and two customers (Acme in TX with both reps, Beta in OH with none).
struct Fixture {
    store: Store,
    ann: Uuid,
    bob: Uuid,
    acme: Uuid,
    beta: Uuid,
}

fn fixture() -> Fixture {
    let mut store = store();
    let ann = store.user_create(UserInput { name: "Ann Inside".into(), email: String::new(), active: true }).unwrap().id;
    let bob = store.user_create(UserInput { name: "Bob Outside".into(), email: String::new(), active: true }).unwrap().id;
    let acme = store.company_create(CompanyInput { isr_id: Some(ann), osr_id: Some(bob), ..acme() }).unwrap().id;
    let beta = store.company_create(CompanyInput { name: "Beta Labs".into(), region: "OH".into(), ..CompanyInput::default() }).unwrap().id;
    Fixture { store, ann, bob, acme, beta }
}

fn lead(store: &mut Store, company: Uuid, program: &str) -> crm_model::Lead {
    store.lead_create(LeadCreate { company_id: company, program_id: id(program) }).unwrap()
}

fn to(state: LeadState) -> LeadMoveInput {
    LeadMoveInput { to: state, assign_to: None, reason: String::new() }
}

#[test]
fn a_lead_is_spun_off_a_customer_numbered_one_by_one_pending_with_its_reps() {
    let mut f = fixture();
    let first = lead(&mut f.store, f.acme, NEW_BUSINESS);
    let second = lead(&mut f.store, f.beta, SERVICE);
    assert_eq!((first.lead_number.as_str(), second.lead_number.as_str()), ("A1", "A2"));
    assert_eq!(first.state, LeadState::Pending);
    assert_eq!((first.fields.isr_id, first.fields.osr_id, first.fields.assigned_id), (Some(f.ann), Some(f.bob), Some(f.bob)));
    assert_eq!((first.company_name.as_str(), first.program.as_str()), ("Acme Tools", "New business"));
    assert_eq!(first.allowed_moves, [LeadState::Development, LeadState::Inactive]);
    assert_eq!(second.fields.assigned_id, None, "a customer without reps gives a lead nobody is assigned to yet");

    let missing = f.store.lead_create(LeadCreate { company_id: Uuid::now_v7(), program_id: id(NEW_BUSINESS) }).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    f.store.lead_code_save(LeadCodeKind::Program, Some(id(SERVICE)), LeadCodeInput { name: "Service contracts".into(), active: false }).unwrap();
    let inactive = f.store.lead_create(LeadCreate { company_id: f.acme, program_id: id(SERVICE) });
    assert_invalid(inactive, &["program_id"]);
    assert_eq!(f.store.lead_get(second.id).unwrap().program, "Service contracts", "a deactivated program stays on its leads");
    f.store.lead_update(second.id, LeadInput { title: "kept".into(), ..second.fields.clone() }).unwrap();
}

#[test]
fn the_header_is_validated_all_at_once_and_a_rejected_save_writes_nothing() {
    let mut f = fixture();
    let lead = lead(&mut f.store, f.acme, NEW_BUSINESS);
    let before = change_log(&f.store);
    let bad = LeadInput {
        program_id: None,
        source_id: Some(Uuid::now_v7()),
        probability: 101,
        value_cents: -1,
        expected_close: "31/12/2026".into(),
        assigned_id: Some(Uuid::now_v7()),
        ..lead.fields.clone()
    };
    let messages = assert_invalid(f.store.lead_update(lead.id, bad), &["program_id", "source_id", "assigned_id", "probability", "value_cents", "expected_close"]);
    assert_eq!(messages[3], "Must be between 0 and 100.");
    assert!(messages[5].contains("not a date like 2026-03-31"), "{}", messages[5]);
    assert_eq!(change_log(&f.store), before);

    let good = LeadInput {
        source_id: Some(id(WEBSITE)),
        title: "  Press line retrofit ".into(),
        probability: 40,
        value_cents: 1_250_050,
        expected_close: "2026-12-15".into(),
        ..lead.fields.clone()
    };
    let saved = f.store.lead_update(lead.id, good).unwrap();
    assert_eq!(saved.fields.title, "Press line retrofit");
    assert_eq!(saved.source.as_deref(), Some("Website"));
    assert_eq!(saved.weighted_cents, 500_020, "12,500.50 x 40 % = 5,000.20");
}

#[test]
fn moves_follow_the_transition_table_and_record_who_when_from_to_and_the_new_assignee() {
    let mut f = fixture();
    let lead = lead(&mut f.store, f.acme, NEW_BUSINESS);
    let refused = f.store.lead_move(lead.id, to(LeadState::Quoting)).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Conflict);
    assert_eq!(refused.to_string(), "A lead in Pending qualification cannot move to Quoting. Allowed: Development, Inactive.");

    f.store.set_actor("maria");
    let moved = f.store.lead_move(lead.id, LeadMoveInput { to: LeadState::Development, assign_to: Some(f.ann), reason: String::new() }).unwrap().lead;
    assert_eq!(moved.state, LeadState::Development);
    assert_eq!(moved.fields.assigned_id, Some(f.ann));
    assert_eq!(moved.allowed_moves, [LeadState::Pending, LeadState::Quoting, LeadState::Inactive]);
    let step = &moved.moves[0];
    assert_eq!((step.from, step.to, step.by.as_str(), step.assigned_to.as_deref()), (LeadState::Pending, LeadState::Development, "maria", Some("Ann Inside")));

    assert_invalid(f.store.lead_move(lead.id, to(LeadState::Inactive)), &["reason"]);
    let lost = f.store.lead_move(lead.id, LeadMoveInput { to: LeadState::Inactive, assign_to: None, reason: "Went with a competitor".into() }).unwrap().lead;
    assert_eq!((lost.state, lost.lost_reason.as_str(), lost.moves.len()), (LeadState::Inactive, "Went with a competitor", 2));
    assert!(!lost.state.is_open());
    assert_eq!(lost.fields.assigned_id, Some(f.ann), "a move without a new assignee keeps the current one");
}

#[test]
fn the_transition_table_is_editable_and_enforced_as_edited() {
    let mut f = fixture();
    let lead = lead(&mut f.store, f.acme, NEW_BUSINESS);
    let table = f.store.lead_transitions().unwrap();
    assert_eq!(table.len(), 9);
    assert!(table.contains(&(LeadState::Quoting, LeadState::Customer)));
    assert!(!table.iter().any(|(from, _)| *from == LeadState::Customer), "won is the end of the workflow");

    f.store.lead_transition_set(LeadState::Pending, LeadState::Quoting, true).unwrap();
    f.store.lead_transition_set(LeadState::Pending, LeadState::Inactive, false).unwrap();
    assert_eq!(f.store.lead_get(lead.id).unwrap().allowed_moves, [LeadState::Development, LeadState::Quoting]);
    f.store.lead_move(lead.id, to(LeadState::Quoting)).unwrap();
    assert_eq!(f.store.lead_transition_set(LeadState::Quoting, LeadState::Quoting, true).unwrap_err().kind(), ErrorKind::Invalid);
}

#[test]
fn the_pipeline_sums_stay_equal_to_a_full_recomputation_through_every_kind_of_write() {
    let mut f = fixture();
    stepping_clock(&mut f.store);
    let programs = [id(NEW_BUSINESS), id(SERVICE)];
    let sources = [None, Some(id(COLD_CALL)), Some(id(WEBSITE))];
    let users = [None, Some(f.ann), Some(f.bob)];
    let mut leads = Vec::new();
    // A deterministic walk over creates, header edits and moves (xorshift, no external crate).
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for step in 0..300 {
        match next(4) {
            0 | 1 if leads.len() < 40 || step < 10 => {
                let company = if next(2) == 0 { f.acme } else { f.beta };
                leads.push(lead(&mut f.store, company, if next(2) == 0 { NEW_BUSINESS } else { SERVICE }).id);
            }
            2 if !leads.is_empty() => {
                let lead = leads[next(leads.len() as u64) as usize];
                let header = LeadInput {
                    program_id: Some(programs[next(2) as usize]),
                    source_id: sources[next(3) as usize],
                    assigned_id: users[next(3) as usize],
                    probability: next(101) as i64,
                    value_cents: next(10_000_000) as i64,
                    expected_close: if next(4) == 0 { String::new() } else { format!("2026-{:02}-15", 1 + next(12)) },
                    ..f.store.lead_get(lead).unwrap().fields
                };
                f.store.lead_update(lead, header).unwrap();
            }
            _ if !leads.is_empty() => {
                let lead = f.store.lead_get(leads[next(leads.len() as u64) as usize]).unwrap();
                if let Some(&state) = lead.allowed_moves.get(next(lead.allowed_moves.len().max(1) as u64) as usize) {
                    f.store.lead_move(lead.id, LeadMoveInput { to: state, assign_to: users[next(3) as usize], reason: "lost".into() }).unwrap();
                }
            }
            _ => {}
        }
        if step % 50 == 0 {
            assert_eq!(pipeline::stored(&f.store.conn).unwrap(), pipeline::recompute(&f.store.conn).unwrap(), "after step {step}");
        }
    }
    assert_eq!(pipeline::stored(&f.store.conn).unwrap(), pipeline::recompute(&f.store.conn).unwrap());

    // The summary agrees with the leads themselves, read plainly.
    let summary = f.store.pipeline().unwrap();
    let open: Vec<(i64, i64)> = f
        .store
        .conn
        .prepare("SELECT value_cents, probability FROM lead WHERE state IN ('pending', 'development', 'quoting')")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(summary.open_leads, open.len() as i64);
    assert_eq!(summary.value_cents, open.iter().map(|(v, _)| v).sum::<i64>());
    let exact: i64 = open.iter().map(|(v, p)| v * p).sum();
    assert_eq!(summary.weighted_cents, (exact + 50) / 100, "summed exactly, rounded once");
    for breakdown in [&summary.by_state, &summary.by_rep, &summary.by_program, &summary.by_source, &summary.by_month] {
        assert_eq!(breakdown.iter().map(|l| l.leads).sum::<i64>(), summary.open_leads);
        assert_eq!(breakdown.iter().map(|l| l.value_cents).sum::<i64>(), summary.value_cents);
    }
    assert!(!summary.trend.is_empty());
    assert_eq!(summary.trend.last().unwrap().1, summary.weighted_cents, "today's trend point is the current total");
}

#[test]
fn weighted_sums_by_state_rep_program_source_and_month() {
    let mut f = fixture();
    let header = |program: &str, source: Option<&str>, rep: Option<Uuid>, probability: i64, value_cents: i64, close: &str| LeadInput {
        program_id: Some(id(program)),
        source_id: source.map(id),
        assigned_id: rep,
        probability,
        value_cents,
        expected_close: close.into(),
        ..LeadInput::default()
    };
    let a = lead(&mut f.store, f.acme, NEW_BUSINESS);
    f.store.lead_update(a.id, header(NEW_BUSINESS, Some(COLD_CALL), Some(f.ann), 50, 100_000, "2026-01-20")).unwrap();
    let b = lead(&mut f.store, f.acme, NEW_BUSINESS);
    f.store.lead_update(b.id, header(SERVICE, Some(COLD_CALL), Some(f.bob), 25, 40_001, "2026-02-03")).unwrap();
    f.store.lead_move(b.id, to(LeadState::Development)).unwrap();
    let c = lead(&mut f.store, f.beta, NEW_BUSINESS);
    f.store.lead_update(c.id, header(NEW_BUSINESS, None, None, 10, 7_000, "")).unwrap();
    let lost = lead(&mut f.store, f.beta, NEW_BUSINESS);
    f.store.lead_update(lost.id, header(NEW_BUSINESS, None, None, 90, 1_000_000, "2026-01-01")).unwrap();
    f.store.lead_move(lost.id, LeadMoveInput { to: LeadState::Inactive, assign_to: None, reason: "budget".into() }).unwrap();

    let p = f.store.pipeline().unwrap();
    let show = |lines: &[crm_model::PipelineLine]| lines.iter().map(|l| format!("{} {} {} {}", l.label, l.leads, l.value_cents, l.weighted_cents)).collect::<Vec<_>>();
    assert_eq!((p.open_leads, p.value_cents, p.weighted_cents), (3, 147_001, 60_700), "50,000 + 10,000.25 + 700, rounded once");
    assert_eq!(show(&p.by_state), ["Pending qualification 2 107000 50700", "Development 1 40001 10000"]);
    assert_eq!(show(&p.by_rep), ["Ann Inside 1 100000 50000", "Bob Outside 1 40001 10000", "Unassigned 1 7000 700"]);
    assert_eq!(show(&p.by_program), ["New business 2 107000 50700", "Service contracts 1 40001 10000"]);
    assert_eq!(show(&p.by_source), ["Cold call 2 140001 60000", "No source 1 7000 700"]);
    assert_eq!(show(&p.by_month), ["2026-01 1 100000 50000", "2026-02 1 40001 10000", "No date 1 7000 700"]);
}

fn numbers(store: &Store, query: ListQuery, filter: &LeadFilter) -> Vec<String> {
    store.lead_list(&query, filter).unwrap().rows.into_iter().map(|r| r.lead_number).collect()
}

#[test]
fn the_lead_list_filters_by_every_seed_filter_and_sorts_both_ways() {
    let mut f = fixture();
    stepping_clock(&mut f.store);
    let a1 = lead(&mut f.store, f.acme, NEW_BUSINESS);
    let a2 = lead(&mut f.store, f.beta, SERVICE);
    let a3 = lead(&mut f.store, f.acme, SERVICE);
    f.store.lead_update(a1.id, LeadInput { value_cents: 300, source_id: Some(id(WEBSITE)), ..a1.fields.clone() }).unwrap();
    f.store.lead_update(a2.id, LeadInput { value_cents: 100, assigned_id: Some(f.ann), ..a2.fields.clone() }).unwrap();
    f.store.lead_update(a3.id, LeadInput { value_cents: 200, ..a3.fields.clone() }).unwrap();
    f.store.lead_move(a3.id, LeadMoveInput { to: LeadState::Inactive, assign_to: None, reason: "no budget".into() }).unwrap();
    f.store.note_create(NoteInput { subject: NoteSubject::Lead(a2.id), body: "called".into(), note_type_id: None, author_id: None }).unwrap();
    assert!(f.store.lead_get(a2.id).unwrap().newest_note_at.is_some(), "a lead note moves the lead's newest-note date");

    let all = LeadFilter::default();
    let page = ListQuery { limit: 50, ..ListQuery::default() };
    assert_eq!(numbers(&f.store, page.clone(), &all), ["A1", "A2", "A3"]);
    let by = |sort: &str, dir: SortDir| ListQuery { sort: Some(sort.into()), dir, ..page.clone() };
    assert_eq!(numbers(&f.store, by("value_cents", SortDir::Desc), &all), ["A1", "A3", "A2"]);
    assert_eq!(numbers(&f.store, by("value_cents", SortDir::Asc), &all), ["A2", "A3", "A1"]);
    assert_eq!(numbers(&f.store, by("newest_note_at", SortDir::Desc), &all)[0], "A2");
    assert_eq!(numbers(&f.store, by("lead_number", SortDir::Desc), &all), ["A3", "A2", "A1"]);

    let cases: Vec<(LeadFilter, &[&str])> = vec![
        (LeadFilter { customer: "acm".into(), ..all.clone() }, &["A1", "A3"]),
        (LeadFilter { region: "oh".into(), ..all.clone() }, &["A2"]),
        (LeadFilter { isr_id: Some(f.ann), ..all.clone() }, &["A1", "A3"]),
        (LeadFilter { osr_id: Some(f.bob), ..all.clone() }, &["A1", "A3"]),
        (LeadFilter { assigned_id: Some(f.ann), ..all.clone() }, &["A2"]),
        (LeadFilter { state: Some(LeadState::Inactive), ..all.clone() }, &["A3"]),
        (LeadFilter { program_id: Some(id(SERVICE)), ..all.clone() }, &["A2", "A3"]),
        (LeadFilter { source_id: Some(id(WEBSITE)), ..all.clone() }, &["A1"]),
        (LeadFilter { open: Some(true), ..all.clone() }, &["A1", "A2"]),
        (LeadFilter { open: Some(false), ..all.clone() }, &["A3"]),
        (LeadFilter { company_id: Some(f.beta), ..all.clone() }, &["A2"]),
        (LeadFilter { newest_note_from: Some("2000-01-01".into()), ..all.clone() }, &["A2"]),
    ];
    for (filter, expected) in cases {
        assert_eq!(numbers(&f.store, page.clone(), &filter), expected, "{filter:?}");
        assert_eq!(f.store.lead_count("", &filter).unwrap().rows, expected.len() as u64, "{filter:?}");
    }
    assert_eq!(numbers(&f.store, ListQuery { search: "a2".into(), ..page.clone() }, &all), ["A2"], "a lead number finds its lead");
    assert_eq!(numbers(&f.store, ListQuery { search: "beta".into(), ..page.clone() }, &all), ["A2"], "so does its customer");
    assert_eq!(f.store.lead_list(&by("region", SortDir::Asc), &all).unwrap_err().kind(), ErrorKind::Invalid);

    // Every shown name sorts, through the names copied onto the lead, and follows a rename.
    assert_eq!(numbers(&f.store, by("company_name", SortDir::Asc), &all), ["A1", "A3", "A2"]);
    assert_eq!(numbers(&f.store, by("program", SortDir::Desc), &all), ["A3", "A2", "A1"], "ties in id order, reversed too");
    assert_eq!(numbers(&f.store, by("weighted", SortDir::Desc), &all), ["A1", "A3", "A2"]);
    assert_eq!(numbers(&f.store, by("source", SortDir::Desc), &all)[0], "A1");
    assert_eq!(numbers(&f.store, by("assigned", SortDir::Asc), &all)[0], "A2");
    f.store.company_update(f.acme, CompanyInput { name: "Zenith Tools".into(), isr_id: Some(f.ann), osr_id: Some(f.bob), ..acme() }).unwrap();
    assert_eq!(numbers(&f.store, by("company_name", SortDir::Asc), &all), ["A2", "A1", "A3"]);
    let row = f.store.lead_list(&page, &LeadFilter { company_id: Some(f.acme), ..all.clone() }).unwrap().rows;
    assert!(row.iter().all(|r| r.company_name == "Zenith Tools"), "{row:?}");
    f.store.lead_code_save(LeadCodeKind::Program, Some(id(SERVICE)), LeadCodeInput { name: "Aftercare".into(), active: true }).unwrap();
    assert_eq!(f.store.lead_get(a2.id).unwrap().program, "Aftercare");
    assert_eq!(f.store.lead_list(&page, &all).unwrap().rows.iter().find(|r| r.id == a2.id).unwrap().program, "Aftercare");
}

#[test]
fn programs_and_sources_are_editable_lists_with_counts_and_stats_tables() {
    let mut f = fixture();
    let expo = f.store.lead_code_save(LeadCodeKind::Source, None, LeadCodeInput { name: "Expo 2026".into(), active: true }).unwrap();
    assert_invalid(f.store.lead_code_save(LeadCodeKind::Source, None, LeadCodeInput { name: "expo 2026".into(), active: true }), &["name"]);
    assert_invalid(f.store.lead_code_save(LeadCodeKind::Program, None, LeadCodeInput { name: " ".into(), active: true }), &["name"]);
    let a = lead(&mut f.store, f.acme, NEW_BUSINESS);
    f.store.lead_update(a.id, LeadInput { source_id: Some(expo.id), ..a.fields.clone() }).unwrap();
    let b = lead(&mut f.store, f.acme, NEW_BUSINESS);
    f.store.lead_update(b.id, LeadInput { source_id: Some(expo.id), ..b.fields.clone() }).unwrap();
    f.store.lead_move(b.id, LeadMoveInput { to: LeadState::Inactive, assign_to: None, reason: "no".into() }).unwrap();
    lead(&mut f.store, f.beta, NEW_BUSINESS);

    let programs = f.store.lead_codes(LeadCodeKind::Program).unwrap();
    let new_business = programs.iter().find(|p| p.name == "New business").unwrap();
    assert_eq!((new_business.open_leads, new_business.closed_leads), (2, 1));
    let sources = f.store.lead_codes(LeadCodeKind::Source).unwrap();
    assert_eq!(sources.iter().find(|s| s.name == "Expo 2026").map(|s| (s.open_leads, s.closed_leads)), Some((1, 1)));

    let stats = f.store.lead_code_stats(LeadCodeKind::Program, id(NEW_BUSINESS)).unwrap();
    assert_eq!((stats.by_state.by_state, stats.by_state.total), ([2, 0, 0, 0, 1], 3));
    let other: Vec<(&str, [i64; 5])> = stats.by_other.iter().map(|r| (r.label.as_str(), r.by_state)).collect();
    assert_eq!(other, [("(none)", [1, 0, 0, 0, 0]), ("Expo 2026", [1, 0, 0, 0, 1])]);
    let by_program = f.store.lead_code_stats(LeadCodeKind::Source, expo.id).unwrap().by_other;
    assert_eq!(by_program.iter().map(|r| (r.label.as_str(), r.total)).collect::<Vec<_>>(), [("New business", 2)]);

    let renamed = f.store.lead_code_save(LeadCodeKind::Source, Some(expo.id), LeadCodeInput { name: "Expo".into(), active: false }).unwrap();
    assert_eq!((renamed.name.as_str(), renamed.active, renamed.open_leads), ("Expo", false, 1));
}

#[test]
fn winning_a_lead_turns_its_chosen_estimate_into_an_order_under_the_customer_credit_code() {
    use crm_model::{EstimateInput, EstimateLineInput, OrderStatus};
    const NEW_ACCOUNT: &str = "00000000-0000-7000-8000-000000000202";
    const CREDIT_HOLD: &str = "00000000-0000-7000-8000-000000000204";
    let mut f = fixture();
    let quoted = |f: &mut Fixture, company: Uuid| {
        let lead = lead(&mut f.store, company, NEW_BUSINESS);
        f.store.lead_update(lead.id, LeadInput { value_cents: 500_000, probability: 60, ..lead.fields.clone() }).unwrap();
        let line = EstimateLineInput { description: "Press".into(), quantity_milli: 2_000, unit_price_cents: 100_000, discount_bp: 500 };
        f.store.estimate_save(lead.id, None, EstimateInput { title: "Option A".into(), tax_rate_bp: 800, lines: vec![line] }).unwrap();
        f.store.lead_move(lead.id, to(LeadState::Development)).unwrap();
        f.store.lead_move(lead.id, to(LeadState::Quoting)).unwrap();
        lead.id
    };
    let acme = f.acme;
    let won = quoted(&mut f, acme);
    let weighted_before = f.store.pipeline().unwrap().weighted_cents;
    let outcome = f.store.lead_move(won, to(LeadState::Customer)).unwrap();
    let order = outcome.order.expect("the estimate became an order");
    assert_eq!((order.status, order.total_cents, outcome.warning), (OrderStatus::Open, 205_200, None), "2 x 1,000.00 - 5 % + 8 % tax");
    assert_eq!(outcome.lead.state, LeadState::Customer);
    assert_eq!(outcome.lead.fields.probability, 100);
    assert_eq!(f.store.orders_of_company(f.acme).unwrap()[0].order_number, order.order_number);
    assert_eq!(f.store.pipeline().unwrap().weighted_cents, weighted_before - 300_000, "a won lead leaves the open pipeline");

    let new_account = f.store.company_create(CompanyInput { name: "Gamma Co".into(), credit_code_id: Some(id(NEW_ACCOUNT)), ..CompanyInput::default() }).unwrap().id;
    let approval = quoted(&mut f, new_account);
    assert_eq!(f.store.lead_move(approval, to(LeadState::Customer)).unwrap().order.unwrap().status, OrderStatus::AwaitingApproval);

    let held = f.store.company_create(CompanyInput { name: "Delta Co".into(), credit_code_id: Some(id(CREDIT_HOLD)), ..CompanyInput::default() }).unwrap().id;
    let blocked = quoted(&mut f, held);
    let before = change_log(&f.store);
    let error = f.store.lead_move(blocked, to(LeadState::Customer)).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Blocked);
    assert!(error.to_string().contains("Credit Hold"), "{error}");
    assert_eq!(f.store.lead_get(blocked).unwrap().state, LeadState::Quoting, "nothing of the move happened");
    assert_eq!(change_log(&f.store), before);
    assert_eq!(pipeline::stored(&f.store.conn).unwrap(), pipeline::recompute(&f.store.conn).unwrap());
}

#[test]
fn demo_leads_are_deterministic_and_keep_the_sums_right() {
    let mut first = crate::testing::store();
    let mut second = crate::testing::store();
    for store in [&mut first, &mut second] {
        store.load_demo(3, 30).unwrap();
    }
    let rows = |store: &Store| numbers(store, ListQuery { limit: 500, ..ListQuery::default() }, &LeadFilter::default());
    assert_eq!(rows(&first).len(), 30);
    assert_eq!(first.pipeline().unwrap().by_state, second.pipeline().unwrap().by_state);
    assert_eq!(pipeline::stored(&first.conn).unwrap(), pipeline::recompute(&first.conn).unwrap());
    let states: std::collections::BTreeSet<LeadState> =
        first.lead_list(&ListQuery { limit: 500, ..ListQuery::default() }, &LeadFilter::default()).unwrap().rows.into_iter().map(|r| r.state).collect();
    assert!(states.len() >= 4, "the demo spreads leads over the workflow: {states:?}");
}

#[test]
fn sums_kept_by_another_version_are_rebuilt_from_the_leads_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crm.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        store.load_demo(5, 20).unwrap();
        store.conn.execute_batch("DELETE FROM pipeline_sum WHERE dim = 'close'; UPDATE local_state SET value = 1 WHERE key = 'pipeline_sums_version';").unwrap();
        assert_ne!(pipeline::stored(&store.conn).unwrap(), pipeline::recompute(&store.conn).unwrap());
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(pipeline::stored(&store.conn).unwrap(), pipeline::recompute(&store.conn).unwrap());
}
