//! Sync between real processes (issue 6): the `crm-server` binary on 127.0.0.1 with port 0, on a
//! SQLite file and on PostgreSQL, and laptops that are real SQLite databases driven by the core's
//! sync client over HTTP.
//!
//! - Scenarios: edits of different fields and of the same field, delete against edit, number
//!   series, two laptops choosing different default ship-to addresses offline, an app of another
//!   schema version refused with its changes kept, a server restored from a backup, a server killed with SIGKILL, a laptop process
//!   killed with SIGKILL in the middle of applying a page.
//! - A deterministic randomized simulation: 3 to 6 laptops with clocks up to 24 h apart, offline
//!   periods, concurrent edits and deletes, lost, repeated and reordered messages, laptops that
//!   die mid-apply and restart, the server killed with SIGKILL and restarted, and restored from a
//!   backup. After the network heals every laptop and the server hold the same data and every
//!   change any laptop made is on the server. `CRM_SYNC_PROCESS_SEEDS` seeds on SQLite (500 by default; the
//!   soak command `cargo xtask soak-sync` runs 20,000) and `CRM_SYNC_POSTGRES_SEEDS` on
//!   PostgreSQL (60; the soak runs 2,000); a failing seed prints how to replay it.
//!
//! PostgreSQL runs when `CRM_TEST_POSTGRES_URL` is set (the test command starts one).

mod harness;

use std::{collections::BTreeSet, process::Command, time::Duration};

use crm_core::demo::Rng;
use crm_model::{CompanyInput, ContactInput, NoteInput, NoteSubject, ShipToInput};
use rusqlite::OptionalExtension;
use harness::{Backend, Faults, Laptop, Server, as_a_laptop_shows, first_difference};
use uuid::Uuid;

const HOUR_MS: i64 = 3_600_000;

fn company(laptop: &mut Laptop, name: &str, city: &str) -> Uuid {
    laptop.store.company_create(CompanyInput { name: name.into(), city: city.into(), ..CompanyInput::default() }).unwrap().id
}

fn update(laptop: &mut Laptop, id: Uuid, change: impl FnOnce(&mut CompanyInput)) {
    let mut input = laptop.store.company_get(id).unwrap().fields;
    change(&mut input);
    laptop.store.company_update(id, input).unwrap();
}

fn synced(laptop: &mut Laptop) {
    laptop.sync().unwrap_or_else(|e| panic!("sync of {}: {e}", laptop.path.display()));
}

/// Every laptop and the server hold the same data, and the server's merged copy is what the
/// merge rules make of its log.
fn assert_converged(label: &str, server: &Server, laptops: &[Laptop]) {
    let first = laptops[0].data();
    for (i, laptop) in laptops.iter().enumerate().skip(1) {
        if let Some(difference) = first_difference(&first, &laptop.data()) {
            panic!("{label}: laptop {i} differs from laptop 0: {difference}");
        }
    }
    let snapshot = server.snapshot();
    // The server's merge (SQL) against the reference model over its own log.
    let mut model = crm_sync::Replica::new();
    for change in server.log() {
        model.apply(&change);
    }
    if let Some(difference) = first_difference(&first, &as_a_laptop_shows(&model, &laptops[0].path)) {
        panic!("{label}: the server differs from laptop 0: {difference}");
    }
    let expected = crm_server::db::Snapshot::of(&model);
    assert!(expected.rows == snapshot.rows, "{label}: the server's data is not what the merge rules make of its log: {:?}", first_difference(&expected.rows, &snapshot.rows));
    assert_eq!(expected.tombstones, snapshot.tombstones, "{label}: tombstones");
}

/// Every change a laptop made itself is in the server's log: nothing acknowledged was lost.
fn assert_nothing_lost(label: &str, server: &Server, laptops: &[Laptop]) {
    let on_server: BTreeSet<Uuid> = server.log().iter().map(|c| c.change_id).collect();
    for (i, laptop) in laptops.iter().enumerate() {
        let device = laptop.store.device_id();
        for (_, change) in laptop.store.changes_after(0, u32::MAX).unwrap() {
            if change.stamp.device == device {
                assert!(on_server.contains(&change.change_id), "{label}: laptop {i}'s change {} ({} {}) is not on the server", change.change_id, change.table, change.row_id);
            }
        }
    }
}

/// A server with one user, and two laptops logged in as that user.
fn two_laptops(backend: &Backend, dir: &std::path::Path) -> (Server, Laptop, Laptop) {
    let server = Server::start(backend);
    server.add_user("maria@example.com");
    let mut a = Laptop::new(dir, "a", 1, 0);
    let mut b = Laptop::new(dir, "b", 2, 0);
    a.login(&server, "maria@example.com");
    b.login(&server, "maria@example.com");
    (server, a, b)
}

#[test]
fn offline_edits_of_two_laptops_merge_field_by_field_and_a_delete_wins() {
    for_each_backend("fields", |backend, dir| {
        let (server, mut a, mut b) = two_laptops(backend, dir);
        let id = company(&mut a, "Acme", "Austin");
        let round = a.sync().unwrap();
        assert_eq!((round.sent, round.received), (1, 0), "a laptop does not download what it just sent");
        let round = b.sync().unwrap();
        assert_eq!((round.sent, round.received), (0, 1));
        assert_eq!(b.store.company_get(id).unwrap().fields.name, "Acme");

        // Offline, different fields: both edits survive.
        update(&mut a, id, |c| c.city = "Berlin".into());
        update(&mut b, id, |c| c.phone = "+49 30 1234".into());
        synced(&mut a);
        synced(&mut b);
        synced(&mut a);
        for laptop in [&a, &b] {
            let fields = laptop.store.company_get(id).unwrap().fields;
            assert_eq!((fields.city.as_str(), fields.phone.as_str()), ("Berlin", "+49 30 1234"));
        }

        // Offline, the same field: the later edit (b's) wins on every replica, whoever syncs first.
        update(&mut a, id, |c| c.city = "Lyon".into());
        std::thread::sleep(Duration::from_millis(5));
        update(&mut b, id, |c| c.city = "Osaka".into());
        synced(&mut b);
        synced(&mut a);
        synced(&mut b);
        assert_eq!(a.store.company_get(id).unwrap().fields.city, "Osaka");
        assert_eq!(b.store.company_get(id).unwrap().fields.city, "Osaka");

        // Delete against a concurrent edit: the delete wins (crm_sync::merge, "Why delete wins").
        a.store.write(|w| w.delete("company", id)).unwrap();
        update(&mut b, id, |c| c.city = "Rome".into());
        synced(&mut b);
        synced(&mut a);
        synced(&mut b);
        assert!(a.store.company_get(id).is_err() && b.store.company_get(id).is_err(), "deleted everywhere");
        let laptops = [a, b];
        assert_converged("fields", &server, &laptops);
        assert_nothing_lost("fields", &server, &laptops);
    });
}

/// Runs `test` on a SQLite server and, when one is available, a PostgreSQL one.
fn for_each_backend(name: &str, test: impl Fn(&Backend, &std::path::Path)) {
    let dir = tempfile::tempdir().unwrap();
    let on_sqlite = dir.path().join("sqlite");
    std::fs::create_dir(&on_sqlite).unwrap();
    test(&Backend::sqlite(&on_sqlite), &on_sqlite);
    if let Some(postgres) = Backend::postgres(name) {
        let on_postgres = dir.path().join("postgres");
        std::fs::create_dir(&on_postgres).unwrap();
        test(&postgres, &on_postgres);
    }
}

#[test]
fn numbers_made_offline_on_two_laptops_stay_unique() {
    for_each_backend("series", |backend, dir| {
        let server = Server::start(backend);
        server.add_user("maria@example.com");
        let mut a = Laptop::new(dir, "a", 1, 0);
        let mut b = Laptop::new(dir, "b", 2, 0);
        // Both worked standalone first: both numbered their first customer A1001.
        let first_a = company(&mut a, "Acme", "Austin");
        let first_b = company(&mut b, "Bolt", "Berlin");
        assert_eq!(b.store.company_get(first_b).unwrap().customer_number, "A1001");
        a.login(&server, "maria@example.com");
        b.login(&server, "maria@example.com");
        assert_eq!(a.store.number_series(), "A");
        assert_eq!(b.store.number_series(), "B", "the second device gets its own series");
        assert_eq!(b.store.company_get(first_b).unwrap().customer_number, "B1001", "renumbered before it was ever sent");
        let second_b = company(&mut b, "Crane", "Cairo");
        synced(&mut a);
        synced(&mut b);
        synced(&mut a);
        let numbers: BTreeSet<String> = [first_a, first_b, second_b].iter().map(|id| a.store.company_get(*id).unwrap().customer_number).collect();
        assert_eq!(numbers, BTreeSet::from(["A1001".to_owned(), "B1001".to_owned(), "B1002".to_owned()]));
        // Logging in again keeps the series.
        b.login(&server, "maria@example.com");
        assert_eq!(b.store.number_series(), "B");
        assert_converged("series", &server, &[a, b]);
    });
}

#[test]
fn two_laptops_choosing_different_default_addresses_offline_end_with_the_later_choice() {
    for_each_backend("defaults", |backend, dir| {
        let (server, mut a, mut b) = two_laptops(backend, dir);
        let id = company(&mut a, "Acme", "Austin");
        let dock = |label: &str, is_default: bool| ShipToInput { company_id: id, label: label.into(), is_default, ..ShipToInput::default() };
        let main = a.store.ship_to_save(None, dock("Main", true)).unwrap().id;
        let north = a.store.ship_to_save(None, dock("North", false)).unwrap().id;
        let south = a.store.ship_to_save(None, dock("South", false)).unwrap().id;
        synced(&mut a);
        synced(&mut b);
        let default_of = |laptop: &Laptop| -> Vec<Uuid> { laptop.store.company_get(id).unwrap().ship_tos.into_iter().filter(|s| s.fields.is_default).map(|s| s.id).collect() };

        // Offline, a makes North the default, then b makes South the default: b chose last.
        a.store.ship_to_save(Some(north), dock("North", true)).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        b.store.ship_to_save(Some(south), dock("South", true)).unwrap();
        synced(&mut b);
        synced(&mut a);
        synced(&mut b);
        assert_eq!(default_of(&a), vec![south], "one default, the later choice, whoever synced first");
        assert_eq!(default_of(&b), vec![south]);
        let laptops = [a, b];
        assert_converged("defaults", &server, &laptops);
        let [mut a, mut b] = laptops;

        // The chosen default is deleted: North, a's choice, is the one the data now says.
        b.store.ship_to_delete(south).unwrap();
        synced(&mut b);
        synced(&mut a);
        assert_eq!(default_of(&a), vec![north]);
        assert_eq!(default_of(&b), vec![north]);
        // A laptop that joins later reaches the same from the log.
        let mut c = Laptop::new(dir, "c", 3, 0);
        c.login(&server, "maria@example.com");
        synced(&mut c);
        assert_eq!(default_of(&c), vec![north]);
        assert!(!default_of(&c).contains(&main));
        assert_converged("defaults", &server, &[a, b, c]);
    });
}

/// An app of another release (another schema version) is refused by the real server before
/// anything is applied: the laptop says what to update, keeps every waiting change, and sends
/// them once the versions match.
#[test]
fn a_schema_mismatch_is_refused_before_anything_moves_and_the_changes_wait() {
    for_each_backend("schema", |backend, dir| {
        let (server, mut a, mut b) = two_laptops(backend, dir);
        let id = company(&mut a, "Acme", "Austin");
        let pending = a.store.sync_status().unwrap().pending;
        assert!(pending > 0);
        for (version, advice) in [(crm_sync::schema::SCHEMA_VERSION - 1, "update the app"), (crm_sync::schema::SCHEMA_VERSION + 1, "the server needs an update")] {
            a.transport.faults.lock().unwrap().schema_version = Some(version);
            let error = a.sync().unwrap_err();
            assert!(error.contains(advice) && error.contains("your changes wait on this computer"), "{error}");
            let status = a.store.sync_status().unwrap();
            assert_eq!(status.pending, pending, "nothing was sent");
            assert!(status.last_error.is_some_and(|e| e.contains(advice)), "the status shows it");
        }
        assert!(server.log().is_empty(), "the server took nothing");
        a.transport.faults.lock().unwrap().schema_version = None;
        synced(&mut a);
        synced(&mut b);
        assert_eq!(b.store.company_get(id).unwrap().fields.name, "Acme");
        assert_converged("schema", &server, &[a, b]);
    });
}

#[test]
fn a_server_killed_after_acknowledging_keeps_every_change() {
    for_each_backend("kill", |backend, dir| {
        let mut server = Server::start(backend);
        server.add_user("maria@example.com");
        let mut a = Laptop::new(dir, "a", 1, 0);
        a.login(&server, "maria@example.com");
        let ids: Vec<Uuid> = (0..50).map(|i| company(&mut a, &format!("Company {i}"), "Austin")).collect();
        synced(&mut a);
        assert_eq!(a.store.sync_status().unwrap().pending, 0);
        server.kill();
        let error = a.sync().unwrap_err();
        assert!(error.contains("cannot be reached"), "{error}");
        assert!(a.store.sync_status().unwrap().last_error.is_some(), "the status shows the error");
        server.restart();
        let mut b = Laptop::new(dir, "b", 2, 0);
        b.login(&server, "maria@example.com");
        synced(&mut b);
        for id in ids {
            b.store.company_get(id).unwrap();
        }
        synced(&mut a);
        assert!(a.store.sync_status().unwrap().last_error.is_none(), "a good round clears the error");
        assert_converged("kill", &server, &[a, b]);
    });
}

#[test]
fn a_server_restored_from_an_old_backup_gets_everything_back_from_the_laptops() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::sqlite(dir.path());
    let mut server = Server::start(&backend);
    server.add_user("maria@example.com");
    let mut a = Laptop::new(dir.path(), "a", 1, 0);
    let mut b = Laptop::new(dir.path(), "b", 2, 0);
    a.login(&server, "maria@example.com");
    b.login(&server, "maria@example.com");
    let early = company(&mut a, "Early", "Austin");
    synced(&mut a);
    synced(&mut b);
    // The nightly backup.
    server.kill();
    let backup = dir.path().join("backup");
    std::fs::create_dir(&backup).unwrap();
    copy_sqlite(dir.path(), &backup);
    server.restart();
    // A day of work, acknowledged by the server, then the server's disk dies. A laptop that
    // joined that day got series C, which the restored server no longer knows it gave out.
    let late_a = company(&mut a, "Late A", "Berlin");
    let late_b = company(&mut b, "Late B", "Lyon");
    let mut d = Laptop::new(dir.path(), "d", 4, 0);
    d.login(&server, "maria@example.com");
    assert_eq!(d.store.number_series(), "C");
    let from_d = company(&mut d, "From D", "Rome");
    synced(&mut a);
    synced(&mut b);
    synced(&mut d);
    server.kill();
    copy_sqlite(&backup, dir.path());
    let before = server.admin(&["new-identity"]);
    assert!(!before.trim().is_empty());
    server.restart();
    // A laptop that never synced before, and the old ones, in an unlucky order: the new one is
    // given series C again and numbers a customer C1001, as d did.
    let mut c = Laptop::new(dir.path(), "c", 3, 0);
    c.login(&server, "maria@example.com");
    assert_eq!(c.store.number_series(), "C");
    let from_c = company(&mut c, "From C", "Osaka");
    synced(&mut c);
    synced(&mut a);
    synced(&mut b);
    assert!(d.sync().is_err(), "the restored server does not know d's login");
    d.login(&server, "maria@example.com");
    synced(&mut d);
    synced(&mut c);
    synced(&mut a);
    synced(&mut b);
    synced(&mut d);
    for id in [early, late_a, late_b, from_c, from_d] {
        c.store.company_get(id).unwrap();
    }
    // Both customers numbered C1001 stay; one of them is renumbered, the same on every laptop.
    let numbers: BTreeSet<String> = [from_c, from_d].iter().map(|id| a.store.company_get(*id).unwrap().customer_number).collect();
    assert_eq!(numbers.len(), 2, "{numbers:?}");
    assert!(numbers.contains("C1001"), "{numbers:?}");
    let laptops = [a, b, c, d];
    assert_converged("restore", &server, &laptops);
    assert_nothing_lost("restore", &server, &laptops);
}

/// Copy a stopped server's SQLite files (the database and its write-ahead log).
fn copy_sqlite(from: &std::path::Path, to: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let name = format!("server.sqlite3{suffix}");
        let source = from.join(&name);
        let target = to.join(&name);
        if source.exists() {
            std::fs::copy(&source, &target).unwrap();
        } else if target.exists() {
            std::fs::remove_file(&target).unwrap();
        }
    }
}

/// The child process of [`a_laptop_killed_while_applying_a_page_loses_nothing`]: sync rounds on
/// the database named by `CRM_SYNC_CHILD_DB` until killed. The first rounds receive about 20,000
/// changes in pages, which takes seconds: the kills land in the middle of applying them.
#[test]
#[ignore = "run by a_laptop_killed_while_applying_a_page_loses_nothing"]
fn child_sync_forever() {
    let Ok(path) = std::env::var("CRM_SYNC_CHILD_DB") else { return };
    let mut store = crm_core::Store::open(std::path::Path::new(&path)).unwrap();
    let transport = crm_core::sync::HttpTransport::new().unwrap();
    loop {
        let _ = crm_core::sync::sync_round(&mut store, &transport, &crm_core::sync::Quiet);
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_laptop_killed_while_applying_a_page_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::sqlite(dir.path());
    let server = Server::start(&backend);
    server.add_user("maria@example.com");
    let mut a = Laptop::new(dir.path(), "a", 1, 0);
    a.login(&server, "maria@example.com");
    a.store.load_demo(3, 1_500).unwrap();
    synced(&mut a);
    let mut b = Laptop::new(dir.path(), "b", 2, 0);
    b.login(&server, "maria@example.com");
    let path = b.path.clone();
    drop(b);
    let mut rng = Rng::new(7);
    let exe = std::env::current_exe().unwrap();
    let total = a.store.changes_after(0, u32::MAX).unwrap().len() as i64;
    let (mut kills, mut killed_midway, mut killed_stale) = (0, 0, 0);
    while kills < 5 && held_changes(&path) < total {
        let mut child = Command::new(&exe)
            .args(["--exact", "child_sync_forever", "--ignored", "--nocapture"])
            .env("CRM_SYNC_CHILD_DB", &path)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill once the child has committed another page (or after a while), a little later
        // than that: in the middle of applying the next one.
        let before = held_changes(&path);
        let started = std::time::Instant::now();
        while held_changes(&path) == before && started.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let delay = rng.below(300) as u64;
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        let conn = rusqlite::Connection::open(&path).unwrap();
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        let held = held_changes(&path);
        eprintln!("killed {delay} ms after a page: {held} of {total} changes held");
        if held > 0 && held < total {
            killed_midway += 1;
        }
        let search_version: Option<i64> = conn.query_row("SELECT value FROM local_state WHERE key = 'search_index_version'", [], |r| r.get(0)).optional().unwrap();
        let deferred: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM local_state WHERE key = 'sync_deferred_indexes')", [], |r| r.get(0)).unwrap();
        if search_version == Some(-1) && deferred {
            killed_stale += 1;
        }
    }
    assert!(kills >= 3, "only {kills} kills");
    assert!(killed_midway > 0, "no kill landed while the laptop was still receiving; the test proves nothing");
    let mut b = Laptop::new(dir.path(), "b", 2, 0);
    synced(&mut b);
    synced(&mut a);
    // b's pulls were larger than what it held, so they were written in bulk: search and list
    // indexes were left for one rebuild at the end, and the kills came before it. They were made
    // again when b started.
    assert!(killed_stale > 0, "no kill left b's search and list indexes waiting for their rebuild");
    assert_eq!(search_index(&b.path), search_index(&a.path), "b's search index is the one a built record by record");
    assert_eq!(schema(&b.path), schema(&a.path), "b has every index again");
    let laptops = [a, b];
    assert_converged("killed laptop", &server, &laptops);
    assert_nothing_lost("killed laptop", &server, &laptops);
}

/// A database's tables and indexes with their SQL.
fn schema(path: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut select = conn.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name").unwrap();
    select.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

/// A laptop's search tokens, sorted.
fn search_index(path: &std::path::Path) -> Vec<(String, i64, String, String)> {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut select = conn.prepare("SELECT entity, tier, token, row_id FROM search_token ORDER BY 1, 2, 3, 4").unwrap();
    let tokens: Vec<_> = select.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect();
    assert!(!tokens.is_empty(), "{} has a search index", path.display());
    tokens
}

/// How many change-log records a laptop's database holds (read without disturbing its writer).
fn held_changes(path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row("SELECT count(*) FROM change_log", [], |r| r.get(0)).unwrap()
}

const CITIES: [&str; 5] = ["Austin", "Berlin", "Lyon", "Osaka", "Rome"];

fn ids(laptop: &Laptop, table: &str) -> Vec<Uuid> {
    let conn = rusqlite::Connection::open_with_flags(&laptop.path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut select = conn.prepare(&format!("SELECT id FROM {table} ORDER BY id")).unwrap();
    select.query_map([], |r| r.get::<_, String>(0)).unwrap().map(|id| Uuid::parse_str(&id.unwrap()).unwrap()).collect()
}

fn ship_to_company(laptop: &Laptop, id: Uuid) -> Uuid {
    let conn = rusqlite::Connection::open_with_flags(&laptop.path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let company: String = conn.query_row("SELECT company_id FROM ship_to WHERE id = ?1", [id.to_string()], |r| r.get(0)).unwrap();
    Uuid::parse_str(&company).unwrap()
}

/// One random edit, as a user of that laptop would make it.
fn edit(rng: &mut Rng, laptop: &mut Laptop) {
    let companies = ids(laptop, "company");
    let contacts = ids(laptop, "contact");
    let ship_tos = ids(laptop, "ship_to");
    let pick = |rng: &mut Rng, list: &[Uuid]| list[rng.below(list.len())];
    let store = &mut laptop.store;
    match rng.below(27) {
        _ if companies.is_empty() => {
            store.company_create(CompanyInput { name: format!("Company {}", rng.below(1000)), city: CITIES[rng.below(5)].into(), ..CompanyInput::default() }).unwrap();
        }
        0..=3 => {
            store.company_create(CompanyInput { name: format!("Company {}", rng.below(1000)), city: CITIES[rng.below(5)].into(), ..CompanyInput::default() }).unwrap();
        }
        4..=8 => {
            let id = pick(rng, &companies);
            let mut input = store.company_get(id).unwrap().fields;
            match rng.below(3) {
                0 => input.city = CITIES[rng.below(5)].into(),
                1 => input.name = format!("Renamed {}", rng.below(1000)),
                _ => input.phone = format!("+1 555 {:04}", rng.below(10_000)),
            }
            store.company_update(id, input).unwrap();
        }
        9..=11 => {
            let id = pick(rng, &companies);
            store.note_create(NoteInput { subject: NoteSubject::Company(id), body: format!("Called about order {}", rng.below(100)), note_type_id: None, author_id: None }).unwrap();
        }
        12..=14 => {
            let linked = vec![pick(rng, &companies)];
            store.contact_create(ContactInput { first_name: "Ana".into(), last_name: format!("Lima {}", rng.below(100)), company_ids: linked, ..ContactInput::default() }).unwrap();
        }
        15..=16 if !contacts.is_empty() => {
            let id = pick(rng, &contacts);
            let mut input = store.contact_get(id).unwrap().to_input();
            input.job_title = format!("Buyer {}", rng.below(10));
            if rng.below(2) == 0 {
                input.company_ids = vec![pick(rng, &companies)];
            }
            store.contact_update(id, input).unwrap();
        }
        20..=21 => {
            let input = ShipToInput { company_id: pick(rng, &companies), label: format!("Dock {}", rng.below(10)), is_default: rng.below(2) == 0, ..ShipToInput::default() };
            store.ship_to_save(None, input).unwrap();
        }
        // "Make default", the choice two laptops can make differently offline.
        22..=23 if !ship_tos.is_empty() => {
            let id = pick(rng, &ship_tos);
            let company = ship_to_company(laptop, id);
            let store = &mut laptop.store;
            let mut input = store.company_get(company).unwrap().ship_tos.into_iter().find(|s| s.id == id).unwrap().fields;
            input.is_default = true;
            store.ship_to_save(Some(id), input).unwrap();
        }
        24 if !ship_tos.is_empty() => {
            store.ship_to_delete(pick(rng, &ship_tos)).unwrap();
        }
        // Merging moves contacts, addresses and notes onto the kept company (updates of unique
        // link rows that can meet a link another laptop made offline).
        25..=26 if companies.len() >= 2 => {
            let (keep, remove) = (pick(rng, &companies), pick(rng, &companies));
            if keep != remove {
                store.company_merge(keep, remove).unwrap();
            }
        }
        17 if !contacts.is_empty() => {
            let id = pick(rng, &contacts);
            store.write(|w| w.delete("contact", id)).unwrap();
        }
        _ => {
            let id = pick(rng, &companies);
            store.write(|w| w.delete("company", id)).unwrap();
        }
    }
}

fn random_faults(rng: &mut Rng) -> Faults {
    let mut per_mille = |max: usize| rng.below(max + 1) as u32;
    Faults { drop_request: per_mille(150), drop_answer: per_mille(150), duplicate: per_mille(150), delay_push: per_mille(150), die_mid_apply: per_mille(100), schema_version: None }
}

fn run_seed(seed: u64, backend: &Backend, dir: &std::path::Path, allow_restore: bool) {
    let label = format!("seed {seed}");
    let mut rng = Rng::new(seed);
    let mut server = Server::start(backend);
    server.add_user("maria@example.com");
    server.add_user("tom@example.com");
    let n = 3 + rng.below(4);
    let mut laptops: Vec<Laptop> = (0..n)
        .map(|i| {
            // Clocks up to 24 h behind or ahead of the server's.
            let offset = rng.below(48 * HOUR_MS as usize + 1) as i64 - 24 * HOUR_MS;
            let mut laptop = Laptop::new(dir, &format!("laptop{i}"), seed * 100 + i as u64, offset);
            for _ in 0..rng.below(3) {
                edit(&mut rng, &mut laptop);
            }
            laptop.login(&server, if i % 2 == 0 { "maria@example.com" } else { "tom@example.com" });
            *laptop.transport.faults.lock().unwrap() = random_faults(&mut rng);
            laptop
        })
        .collect();
    let backup = dir.join("backup");
    let mut backed_up = false;
    for _round in 0..8 {
        for laptop in laptops.iter_mut() {
            for _ in 0..rng.below(4) {
                edit(&mut rng, laptop);
            }
            // Offline about a third of the time.
            if rng.below(3) > 0 {
                let _ = laptop.sync();
            }
            if rng.below(12) == 0 {
                laptop.restart();
            }
        }
        match rng.below(16) {
            0 | 1 => {
                server.kill();
                server.restart();
            }
            2 if allow_restore && !backed_up => {
                server.kill();
                std::fs::create_dir_all(&backup).unwrap();
                copy_sqlite(dir, &backup);
                backed_up = true;
                server.restart();
            }
            3 if allow_restore && backed_up => {
                server.kill();
                copy_sqlite(&backup, dir);
                server.admin(&["new-identity"]);
                server.restart();
            }
            _ => {}
        }
    }
    // The network heals: two rounds each, everything sent, then everything received.
    for laptop in laptops.iter_mut() {
        *laptop.transport.faults.lock().unwrap() = Faults::default();
    }
    for pass in 0..2 {
        for (i, laptop) in laptops.iter_mut().enumerate() {
            if let Err(error) = laptop.sync() {
                panic!("{label}: laptop {i}, healing pass {pass}: {error}");
            }
        }
    }
    assert_converged(&label, &server, &laptops);
    assert_nothing_lost(&label, &server, &laptops);
}

/// Runs the seeds on two threads; the first failure names its seed.
fn run_seeds(seeds_variable: &str, default_seeds: u64, make_backend: impl Fn(u64, &std::path::Path) -> Option<Backend> + Sync, allow_restore: bool) {
    let seeds: Vec<u64> = match std::env::var("CRM_SYNC_SEED") {
        Ok(one) => vec![one.parse().expect("CRM_SYNC_SEED is a number")],
        Err(_) => (0..std::env::var(seeds_variable).ok().and_then(|n| n.parse().ok()).unwrap_or(default_seeds)).collect(),
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(&seed) = seeds.get(i) else { return };
                    let dir = tempfile::tempdir().unwrap();
                    let Some(backend) = make_backend(seed, dir.path()) else { return };
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_seed(seed, &backend, dir.path(), allow_restore)));
                    if let Err(panic) = outcome {
                        eprintln!("sync simulation failed at seed {seed}; replay it with\n  CRM_SYNC_SEED={seed} cargo test -p crm-tests --test sync -- randomized --nocapture");
                        next.store(usize::MAX / 2, std::sync::atomic::Ordering::SeqCst);
                        std::panic::resume_unwind(panic);
                    }
                }
            });
        }
    });
}

#[test]
fn randomized_faults_end_with_identical_data_on_every_laptop_and_the_server() {
    run_seeds("CRM_SYNC_PROCESS_SEEDS", 500, |_, dir| Some(Backend::sqlite(dir)), true);
}

#[test]
fn randomized_faults_on_postgres() {
    if std::env::var("CRM_TEST_POSTGRES_URL").is_err() {
        eprintln!("skipped: CRM_TEST_POSTGRES_URL is not set");
        return;
    }
    run_seeds("CRM_SYNC_POSTGRES_SEEDS", 60, |seed, _| Backend::postgres(&format!("seed{seed}")), false);
}
