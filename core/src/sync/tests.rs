//! Replicas on real SQLite exchanging their change logs through a simulated server log (the
//! order a real server gives: each device's changes in the order it pushed them), with pages
//! delivered twice, devices offline for rounds, concurrent edits and deletes.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use crm_model::{CompanyInput, NoteInput, NoteSubject};
use crm_sync::Change;
use uuid::Uuid;

use crate::{Store, demo::Rng, testing::store};

/// A laptop: its store and how far it has pushed and pulled.
struct Laptop {
    store: Store,
    pushed: i64,
    pulled: usize,
}

/// The server's log, in arrival order, without duplicates.
#[derive(Default)]
struct Server {
    log: Vec<Change>,
}

impl Server {
    fn push(&mut self, laptop: &mut Laptop) {
        for (seq, change) in laptop.store.changes_after(laptop.pushed, 10_000).unwrap() {
            if !self.log.iter().any(|c| c.change_id == change.change_id) {
                self.log.push(change);
            }
            laptop.pushed = seq;
        }
    }

    /// Pull in pages of `page`; with `again`, the last page is delivered twice (a lost ack).
    fn pull(&self, laptop: &mut Laptop, page: usize, again: bool) {
        while laptop.pulled < self.log.len() {
            let end = (laptop.pulled + page).min(self.log.len());
            let batch = &self.log[laptop.pulled..end];
            laptop.store.apply_remote(batch).unwrap();
            if again {
                let report = laptop.store.apply_remote(batch).unwrap();
                assert_eq!((report.applied, report.ignored), (0, 0), "a page delivered twice changes nothing");
            }
            laptop.pulled = end;
        }
    }
}

/// A laptop whose clock starts at `start` and moves a second per reading (laptops disagree).
fn laptop(start: u64) -> Laptop {
    let mut store = store();
    let tick = Arc::new(AtomicU64::new(start));
    store.set_wall_clock(Box::new(move || tick.fetch_add(1_000, Ordering::SeqCst)));
    Laptop { store, pushed: 0, pulled: 0 }
}

/// Everything a replica shows of the synced tables, derived columns included (they must follow),
/// each replica's own times left out.
fn snapshot(store: &Store) -> Vec<String> {
    let mut rows = Vec::new();
    for sql in [
        "SELECT id || '|' || customer_number || '|' || name || '|' || city || '|' || dedupe_key || '|' || ifnull(newest_note_at, 0) FROM company ORDER BY id",
        "SELECT id || '|' || subject_id || '|' || body FROM note ORDER BY id",
        "SELECT entity || '|' || tier || '|' || token || '|' || row_id FROM search_token WHERE entity = 'company' ORDER BY 1",
    ] {
        let mut select = store.conn.prepare(sql).unwrap();
        rows.extend(select.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap));
    }
    rows
}

fn company_ids(store: &Store) -> Vec<Uuid> {
    let mut select = store.conn.prepare("SELECT id FROM company ORDER BY id").unwrap();
    select.query_map([], |r| r.get::<_, String>(0)).unwrap().map(|id| Uuid::parse_str(&id.unwrap()).unwrap()).collect()
}

const CITIES: [&str; 4] = ["Austin", "Berlin", "Lyon", "Osaka"];

/// One random local edit, as a user of that laptop would make it.
fn edit(rng: &mut Rng, laptop: &mut Laptop) {
    let store = &mut laptop.store;
    let ids = company_ids(store);
    match (rng.below(10), ids.is_empty()) {
        (0..=2, _) | (_, true) => {
            let name = format!("Company {}", rng.below(1000));
            store.company_create(CompanyInput { name, city: CITIES[rng.below(4)].into(), ..CompanyInput::default() }).unwrap();
        }
        (3..=5, false) => {
            let id = ids[rng.below(ids.len())];
            let mut input = store.company_get(id).unwrap().fields;
            if rng.below(2) == 0 {
                input.city = CITIES[rng.below(4)].into();
            } else {
                input.name = format!("Renamed {}", rng.below(1000));
            }
            store.company_update(id, input).unwrap();
        }
        (6..=8, false) => {
            let id = ids[rng.below(ids.len())];
            store.note_create(NoteInput { subject: NoteSubject::Company(id), body: format!("Call {}", rng.below(100)), note_type_id: None, author_id: None }).unwrap();
        }
        _ => {
            let id = ids[rng.below(ids.len())];
            store.write(|w| w.delete(crate::company::TABLE, id)).unwrap();
        }
    }
}

fn run_seed(seed: u64) {
    let mut rng = Rng::new(seed);
    let n = 3 + rng.below(2);
    // Clocks up to an hour apart.
    let mut laptops: Vec<Laptop> = (0..n).map(|_| laptop(1_800_000_000_000 + rng.below(3_600) as u64 * 1_000)).collect();
    // The server gives each device its own number series, so customer numbers never collide.
    for (laptop, series) in laptops.iter_mut().zip(["A", "B", "C", "D"]) {
        laptop.store.set_number_series(series).unwrap();
    }
    let mut server = Server::default();
    for _round in 0..12 {
        for laptop in laptops.iter_mut() {
            // Offline for this round about a third of the time: edits pile up.
            let online = rng.below(3) > 0;
            for _ in 0..rng.below(4) {
                edit(&mut rng, laptop);
            }
            if online {
                server.push(laptop);
                let page = 1 + rng.below(7);
                let again = rng.below(4) == 0;
                server.pull(laptop, page, again);
            }
        }
    }
    // The network heals: everyone pushes, then everyone pulls.
    for laptop in laptops.iter_mut() {
        server.push(laptop);
    }
    for laptop in laptops.iter_mut() {
        server.pull(laptop, 50, false);
    }
    let first = snapshot(&laptops[0].store);
    for (i, laptop) in laptops.iter().enumerate().skip(1) {
        let other = snapshot(&laptop.store);
        assert!(first == other, "seed {seed}: laptop {i} differs from laptop 0\n{first:#?}\n{other:#?}");
    }
}

#[test]
fn replicas_that_exchange_their_logs_end_with_the_same_data() {
    let seeds: u64 = std::env::var("CRM_SYNC_SEEDS").ok().and_then(|n| n.parse().ok()).unwrap_or(40);
    for seed in 0..seeds {
        run_seed(seed);
    }
}

/// Two laptops, one company, edited offline on both.
fn pair() -> (Laptop, Laptop, Server, Uuid) {
    // b's clock runs a minute ahead: of two edits made "at the same time", b's is the later.
    let (mut a, mut b) = (laptop(1_800_000_000_000), laptop(1_800_000_060_000));
    b.store.set_number_series("B").unwrap();
    let mut server = Server::default();
    let id = a.store.company_create(CompanyInput { name: "Acme".into(), city: "Austin".into(), ..CompanyInput::default() }).unwrap().id;
    server.push(&mut a);
    server.pull(&mut b, 10, false);
    server.pull(&mut a, 10, false);
    (a, b, server, id)
}

fn exchange(a: &mut Laptop, b: &mut Laptop, server: &mut Server) {
    server.push(a);
    server.push(b);
    server.pull(a, 10, false);
    server.pull(b, 10, false);
}

#[test]
fn edits_of_different_fields_both_survive_and_the_later_edit_of_one_field_wins() {
    let (mut a, mut b, mut server, id) = pair();
    let update = |laptop: &mut Laptop, change: &dyn Fn(&mut CompanyInput)| {
        let mut input = laptop.store.company_get(id).unwrap().fields;
        change(&mut input);
        laptop.store.company_update(id, input).unwrap();
    };
    update(&mut a, &|c| c.city = "Berlin".into());
    update(&mut b, &|c| c.phone = "+49 30 1234".into());
    exchange(&mut a, &mut b, &mut server);
    for laptop in [&a, &b] {
        let company = laptop.store.company_get(id).unwrap();
        assert_eq!((company.fields.city.as_str(), company.fields.phone.as_str()), ("Berlin", "+49 30 1234"));
    }
    // The same field on both: b's edit is the later one, so its value wins everywhere.
    update(&mut a, &|c| c.city = "Lyon".into());
    update(&mut b, &|c| c.city = "Osaka".into());
    exchange(&mut a, &mut b, &mut server);
    assert_eq!(a.store.company_get(id).unwrap().fields.city, "Osaka");
    assert_eq!(b.store.company_get(id).unwrap().fields.city, "Osaka");
    // Search follows a synced rename.
    update(&mut a, &|c| c.name = "Zenith Tools".into());
    exchange(&mut a, &mut b, &mut server);
    assert_eq!(b.store.company_list(&crm_model::ListQuery { search: "zeni".into(), ..Default::default() }).unwrap().rows.len(), 1);
}

#[test]
fn a_delete_wins_over_a_concurrent_edit() {
    let (mut a, mut b, mut server, id) = pair();
    a.store.write(|w| w.delete(crate::company::TABLE, id)).unwrap();
    let mut input = b.store.company_get(id).unwrap().fields;
    input.city = "Berlin".into();
    b.store.company_update(id, input).unwrap();
    b.store.note_create(NoteInput { subject: NoteSubject::Company(id), body: "made while a deleted it".into(), note_type_id: None, author_id: None }).unwrap();
    exchange(&mut a, &mut b, &mut server);
    exchange(&mut a, &mut b, &mut server);
    for laptop in [&a, &b] {
        assert!(laptop.store.company_get(id).is_err(), "deleted everywhere");
    }
    assert_eq!(snapshot(&a.store), snapshot(&b.store), "the same data on both, the note included");
}

#[test]
fn a_change_stamped_a_day_ahead_is_refused_and_nothing_is_applied() {
    let (mut a, mut b, _, id) = pair();
    let mut input = a.store.company_get(id).unwrap().fields;
    input.city = "Berlin".into();
    a.store.company_update(id, input).unwrap();
    let mut changes: Vec<Change> = a.store.changes_after(0, 100).unwrap().into_iter().map(|(_, c)| c).collect();
    let last = changes.last_mut().unwrap();
    last.stamp.hlc += (25 * 60 * 60 * 1000) << 16;
    last.change_id = Uuid::now_v7();
    let before = b.store.changes_after(0, 1000).unwrap().len();
    let error = b.store.apply_remote(&changes).unwrap_err();
    assert!(error.to_string().contains("ahead"), "{error}");
    assert_eq!(b.store.changes_after(0, 1000).unwrap().len(), before);
    assert_eq!(b.store.company_get(id).unwrap().fields.city, "Austin");
}

#[test]
fn every_change_the_app_logs_is_in_the_sync_schema() {
    let mut store = store();
    store.load_demo(7, 12).unwrap();
    let schema = super::SyncSchema::get(&store.conn).unwrap().wire(0);
    let changes = store.changes_after(0, 1_000_000).unwrap();
    assert!(changes.len() > 100);
    for (_, change) in changes {
        change.validate(&schema).unwrap_or_else(|e| panic!("{e}: {change:?}"));
    }
}

/// The server validates changes against `crm_sync::schema`, which must be exactly what this
/// build's migrations sync. When a migration changes a synced table, this test prints the new
/// table list to paste into `sync/src/schema.rs` (and the schema version goes up by one).
#[test]
fn the_shared_schema_is_what_the_migrations_sync() {
    let store = store();
    let ours = crate::sync::SyncSchema::get(&store.conn).unwrap().wire(crm_sync::schema::SCHEMA_VERSION);
    if ours != crm_sync::schema::current() {
        let mut text = String::new();
        for (table, columns) in &ours.tables {
            let list: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
            text.push_str(&format!("    (\"{table}\", &[{}]),\n", list.join(", ")));
        }
        panic!("sync/src/schema.rs is out of date; its TABLES should be:\n{text}");
    }
}

/// One laptop moves a task to 09:00, another moves it to New York: the moment every replica
/// computes is 09:00 New York time, not what either laptop computed alone.
#[test]
fn a_tasks_moment_follows_its_merged_wall_time_and_zone() {
    let (mut a, mut b, mut server, _) = pair();
    let input = |due_local: &str, time_zone: &str| crm_model::TaskInput {
        title: "Call Acme".into(),
        due_local: due_local.into(),
        time_zone: time_zone.into(),
        duration_minutes: 30,
        ..crm_model::TaskInput::default()
    };
    let id = a.store.task_create(input("2027-03-10T15:00", "Europe/Berlin")).unwrap().task.id;
    exchange(&mut a, &mut b, &mut server);
    a.store.task_update(id, input("2027-03-10T09:00", "Europe/Berlin")).unwrap();
    b.store.task_update(id, input("2027-03-10T15:00", "America/New_York")).unwrap();
    exchange(&mut a, &mut b, &mut server);
    exchange(&mut a, &mut b, &mut server);
    for laptop in [&a, &b] {
        let task = laptop.store.task_get(id).unwrap();
        assert_eq!((task.due_local.as_str(), task.time_zone.as_str()), ("2027-03-10T09:00", "America/New_York"));
        assert_eq!(task.due_at, "2027-03-10T14:00:00.000Z", "09:00 in New York (EST, UTC-5)");
    }
}

/// A company merged away on one laptop while another laptop, offline, made a lead, a note, a
/// contact and an address for it (the lead's company is required and does not cascade; the
/// others cascade or have no key): nothing is lost, everything follows the merge to the kept
/// company on both laptops, whichever order they sync in, and a plain delete still wins.
#[test]
fn records_made_offline_for_a_company_merged_away_elsewhere_follow_it_to_the_kept_one() {
    for a_first in [true, false] {
        let (mut a, mut b, mut server, removed) = pair();
        let kept = a.store.company_create(CompanyInput { name: "Acme Holdings".into(), ..CompanyInput::default() }).unwrap().id;
        let dock = |company_id: Uuid, label: &str| crm_model::ShipToInput { company_id, label: label.into(), is_default: true, ..Default::default() };
        a.store.ship_to_save(None, dock(kept, "Main")).unwrap();
        exchange(&mut a, &mut b, &mut server);
        let program = Uuid::parse_str("00000000-0000-7000-8000-000000000401").unwrap();
        let lead = b.store.lead_create(crm_model::LeadCreate { company_id: removed, program_id: program }).unwrap().id;
        let note = b.store.note_create(crm_model::NoteInput { subject: crm_model::NoteSubject::Company(removed), body: "Wants a quote".into(), note_type_id: None, author_id: None }).unwrap().id;
        let ada = b.store.contact_create(crm_model::ContactInput { first_name: "Ada".into(), company_ids: vec![removed], ..Default::default() }).unwrap().id;
        let north = b.store.ship_to_save(None, dock(removed, "North")).unwrap().id;
        a.store.company_merge(kept, removed).unwrap();
        if a_first {
            exchange(&mut a, &mut b, &mut server);
        } else {
            exchange(&mut b, &mut a, &mut server);
        }
        exchange(&mut a, &mut b, &mut server);
        for laptop in [&a, &b] {
            assert!(laptop.store.company_get(removed).is_err(), "merged away everywhere");
            assert_eq!(laptop.store.lead_get(lead).unwrap().company_id, kept, "the lead follows the merge");
            assert_eq!(laptop.store.notes_of(crm_model::NoteSubject::Company(kept)).unwrap().iter().map(|n| n.id).collect::<Vec<_>>(), [note]);
            assert_eq!(laptop.store.contact_get(ada).unwrap().companies.iter().map(|c| c.id).collect::<Vec<_>>(), [kept]);
            let company = laptop.store.company_get(kept).unwrap();
            assert_eq!(company.ship_tos.len(), 2);
            assert_eq!(company.ship_tos.iter().filter(|s| s.fields.is_default).map(|s| s.id).collect::<Vec<_>>(), [north], "one default, the later choice");
            assert!(company.newest_note_at.is_some(), "the note's date moved with it");
        }
        assert_eq!(snapshot(&a.store), snapshot(&b.store));
    }
}

/// Two laptops merge the same company into two different ones at the same time, and a third
/// made a lead and a note for it offline. Whatever order the forwards and deletes arrive in, the
/// lead and the note end on one company, the same on every laptop.
#[test]
fn a_record_merged_twice_at_once_sends_what_followed_it_to_one_place() {
    for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
        let (a, b, mut server, removed) = pair();
        let mut laptops = [a, b, laptop(1_800_000_030_000)];
        laptops[2].store.set_number_series("C").unwrap();
        let into_a = laptops[0].store.company_create(CompanyInput { name: "Acme East".into(), ..CompanyInput::default() }).unwrap().id;
        let into_b = laptops[0].store.company_create(CompanyInput { name: "Acme West".into(), ..CompanyInput::default() }).unwrap().id;
        server.push(&mut laptops[0]);
        for laptop in laptops.iter_mut() {
            server.pull(laptop, 10, false);
        }
        let program = Uuid::parse_str("00000000-0000-7000-8000-000000000401").unwrap();
        let lead = laptops[2].store.lead_create(crm_model::LeadCreate { company_id: removed, program_id: program }).unwrap().id;
        laptops[2].store.note_create(NoteInput { subject: NoteSubject::Company(removed), body: "Quote sent".into(), note_type_id: None, author_id: None }).unwrap();
        laptops[0].store.company_merge(into_a, removed).unwrap();
        laptops[1].store.company_merge(into_b, removed).unwrap();
        for _ in 0..2 {
            for i in order {
                server.push(&mut laptops[i]);
                server.pull(&mut laptops[i], 3, false);
            }
        }
        let kept = laptops[0].store.lead_get(lead).unwrap().company_id;
        assert!(kept == into_a || kept == into_b);
        for laptop in &laptops {
            assert_eq!(laptop.store.lead_get(lead).unwrap().company_id, kept, "order {order:?}");
            assert_eq!(laptop.store.notes_of(NoteSubject::Company(kept)).unwrap().len(), 1, "order {order:?}");
        }
        assert_eq!(snapshot(&laptops[0].store), snapshot(&laptops[1].store));
        assert_eq!(snapshot(&laptops[0].store), snapshot(&laptops[2].store));
    }
}

/// Two laptops numbering in the same series (handed out twice, as a server restored from a
/// backup can): no customer is lost to the clash. The one with the smaller id keeps the number,
/// the other is renumbered with the end of its id, the same everywhere, and the next number
/// either laptop gives skips the ones already taken.
#[test]
fn a_number_given_twice_renumbers_one_customer_and_deletes_none() {
    for a_first in [true, false] {
        let (mut a, mut b, mut server, _) = pair();
        b.store.set_number_series("A").unwrap();
        let mine = a.store.company_create(CompanyInput { name: "Mine".into(), ..CompanyInput::default() }).unwrap();
        let theirs = b.store.company_create(CompanyInput { name: "Theirs".into(), ..CompanyInput::default() }).unwrap();
        let later = b.store.company_create(CompanyInput { name: "Later".into(), ..CompanyInput::default() }).unwrap();
        assert_eq!((mine.customer_number.as_str(), theirs.customer_number.as_str(), later.customer_number.as_str()), ("A1002", "A1002", "A1003"));
        if a_first {
            exchange(&mut a, &mut b, &mut server);
        } else {
            exchange(&mut b, &mut a, &mut server);
        }
        exchange(&mut a, &mut b, &mut server);
        let (keeps, renumbered) = if mine.id < theirs.id { (mine.id, theirs.id) } else { (theirs.id, mine.id) };
        for laptop in [&a, &b] {
            assert_eq!(laptop.store.company_get(keeps).unwrap().customer_number, "A1002");
            assert_eq!(laptop.store.company_get(renumbered).unwrap().customer_number, crate::numbering::clash_suffixed("A1002", renumbered));
            let search = crm_model::ListQuery { search: crate::numbering::clash_suffixed("A1002", renumbered), ..Default::default() };
            assert_eq!(laptop.store.company_list(&search).unwrap().rows.iter().map(|r| r.id).collect::<Vec<_>>(), [renumbered], "search finds the new number");
        }
        assert_eq!(snapshot(&a.store), snapshot(&b.store));
        let next = a.store.company_create(CompanyInput { name: "Next".into(), ..CompanyInput::default() }).unwrap();
        assert_eq!(next.customer_number, "A1004", "A1003 is b's");
    }
}

#[test]
fn a_bulk_pull_drops_only_list_indexes_and_makes_them_again() {
    let mut store = store();
    let indexes = |store: &Store| -> Vec<(String, Option<String>)> {
        let mut select = store.conn.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").unwrap();
        select.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    let before = indexes(&store);
    let tx = store.conn.transaction().unwrap();
    super::bulk::defer_indexes(&tx).unwrap();
    super::bulk::defer_indexes(&tx).unwrap(); // every page calls it: the second drops nothing more
    tx.commit().unwrap();
    let during: Vec<String> = indexes(&store).into_iter().map(|(name, _)| name).collect();
    for gone in ["company_name", "company_city", "company_number", "company_newest_note"] {
        assert!(!during.contains(&gone.to_owned()), "{gone} is dropped");
    }
    // Unique indexes decide merge clashes; those leading with a foreign key serve parent deletes.
    for kept in ["sqlite_autoindex_company_1", "company_parent", "company_isr"] {
        assert!(during.contains(&kept.to_owned()), "{kept} is kept");
    }
    assert!(super::bulk::indexes_deferred(&store.conn).unwrap());
    super::bulk::restore_indexes(&mut store.conn).unwrap();
    assert!(!super::bulk::indexes_deferred(&store.conn).unwrap());
    assert_eq!(indexes(&store), before, "every index is back, as it was");
}
