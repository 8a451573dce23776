//! `--sync`: the sync issue's numbers on loopback, with the release `crm-server` binary.
//!
//! - First sync of 100k companies (every company column, about 1.9M field values with the empty
//!   ones): one laptop sends them all, a second, empty laptop receives them all.
//! - 10k changes (one field each) sent by one laptop and received by another.
//! - Server ingest: 20 clients pushing at once, in changes per second, on SQLite and on
//!   PostgreSQL (a throw-away cluster from scripts/postgres.sh).

use std::{
    cell::RefCell,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Instant,
};

use crm_core::{
    Store,
    demo::Scale,
    sync::{HttpTransport, Quiet, RoundObserver, Transport, sync_round},
};
use crm_model::{SyncLogin, SyncPhase, SyncProgress};
use crm_sync::{
    Change, Op, Patch, Stamp,
    protocol::{LoginRequest, LoginResponse, PushRequest, paths},
    schema::SCHEMA_VERSION,
};
use uuid::Uuid;

const PASSWORD: &str = "bench password";

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_binary() -> PathBuf {
    let status = Command::new(env!("CARGO")).args(["build", "--release", "-p", "crm-server"]).status().expect("cargo");
    assert!(status.success(), "cargo build --release -p crm-server");
    PathBuf::from("target/release/crm-server")
}

fn start_server(binary: &Path, db: &str) -> Server {
    let admin = Command::new(binary).args(["user-add", "--db", db, "--email", "bench@example.com", "--name", "Bench"]).env("CRM_SERVER_PASSWORD", PASSWORD).output().expect("user-add");
    assert!(admin.status.success(), "user-add: {}", String::from_utf8_lossy(&admin.stderr));
    let mut child = Command::new(binary).args(["serve", "--db", db, "--listen", "127.0.0.1:0"]).stdout(Stdio::piped()).spawn().expect("crm-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("listening line");
    let url = line.trim().strip_prefix("listening on ").expect("listening on …").to_owned();
    Server { child, url }
}

fn laptop(dir: &Path, name: &str, server: &Server, transport: &HttpTransport) -> Store {
    let path = dir.join(format!("{name}.sqlite3"));
    let _ = std::fs::remove_file(&path);
    let mut store = Store::open(&path).expect("laptop database");
    let login = SyncLogin { server_url: server.url.clone(), email: "bench@example.com".into(), password: PASSWORD.into(), device_name: name.into() };
    store.sync_login(transport, &login).expect("login");
    store
}

fn round(store: &mut Store, transport: &HttpTransport) -> crm_model::SyncRound {
    sync_round(store, transport, &Quiet).expect("sync round").expect("logged in")
}

/// Notes when each phase of a round began, for the breakdown of the first sync.
struct Phases(RefCell<Vec<(SyncPhase, Instant)>>);

impl RoundObserver for Phases {
    fn progress(&self, progress: SyncProgress) {
        let mut seen = self.0.borrow_mut();
        if seen.last().is_none_or(|(phase, _)| *phase != progress.phase) {
            seen.push((progress.phase, Instant::now()));
        }
    }
    fn cancelled(&self) -> bool {
        false
    }
}

/// A round, with how long each phase took ("sending 6.1 s, receiving 0.2 s").
fn timed_round(store: &mut Store, transport: &HttpTransport) -> (crm_model::SyncRound, String) {
    let phases = Phases(RefCell::new(Vec::new()));
    let round = sync_round(store, transport, &phases).expect("sync round").expect("logged in");
    let end = Instant::now();
    let seen = phases.0.into_inner();
    let ends = seen.iter().skip(1).map(|(_, at)| *at).chain([end]);
    let parts: Vec<String> = seen.iter().zip(ends).map(|((phase, start), end)| format!("{phase:?} {:.1} s", (end - *start).as_secs_f64()).to_lowercase()).collect();
    (round, parts.join(", "))
}

pub fn run() {
    let dir = PathBuf::from("target/bench/sync");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench folder");
    let binary = server_binary();
    let transport = HttpTransport::new().expect("http client");
    println!("| Sync measurement (loopback) | Result |");
    println!("| --- | --- |");

    let server = start_server(&binary, &dir.join("server.sqlite3").display().to_string());
    let mut a = laptop(&dir, "a", &server, &transport);
    // `CRM_BENCH_SYNC_COMPANIES` scales it down for profiling.
    let companies = std::env::var("CRM_BENCH_SYNC_COMPANIES").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    a.generate_demo(11, Scale { companies, contacts: 0, notes: 0 }, &mut |_| {}).expect("companies");
    let start = Instant::now();
    let (sent, send_phases) = timed_round(&mut a, &transport);
    let send_s = start.elapsed().as_secs_f64();
    let mut b = laptop(&dir, "b", &server, &transport);
    let start = Instant::now();
    let (received, receive_phases) = timed_round(&mut b, &transport);
    let receive_s = start.elapsed().as_secs_f64();
    println!("| First sync, {companies} companies: send ({} changes; {send_phases}) | {send_s:.1} s |", sent.sent);
    println!("| First sync, {companies} companies: receive into an empty laptop ({} changes; {receive_phases}) | {receive_s:.1} s |", received.received);
    println!("| First sync, {companies} companies: total | {:.1} s |", send_s + receive_s);

    // 10k changes of one field each, in one transaction as an import would make them.
    let ids: Vec<Uuid> = {
        let conn = rusqlite::Connection::open(dir.join("a.sqlite3")).expect("open");
        let mut select = conn.prepare("SELECT id FROM company ORDER BY id LIMIT 10000").expect("select");
        select.query_map([], |r| r.get::<_, String>(0)).expect("ids").map(|id| Uuid::parse_str(&id.expect("id")).expect("uuid")).collect()
    };
    a.write(|w| {
        for (i, id) in ids.iter().enumerate() {
            w.update("company", *id, &[("city", rusqlite::types::Value::Text(format!("Bench City {i}")))])?;
        }
        Ok(())
    })
    .expect("10k edits");
    let start = Instant::now();
    let sent = round(&mut a, &transport);
    let push_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let received = round(&mut b, &transport);
    let pull_s = start.elapsed().as_secs_f64();
    println!("| 10k changes: send ({}) | {push_s:.2} s |", sent.sent);
    println!("| 10k changes: receive ({}) | {pull_s:.2} s |", received.received);
    println!("| 10k changes: send and receive | {:.2} s |", push_s + pull_s);
    drop(server);

    let server = start_server(&binary, &dir.join("ingest.sqlite3").display().to_string());
    println!("| Server ingest, 20 clients, SQLite | {:.0} changes/s |", ingest(&server, &transport));
    drop(server);
    match postgres(&dir) {
        Some(url) => {
            let server = start_server(&binary, &url);
            println!("| Server ingest, 20 clients, PostgreSQL | {:.0} changes/s |", ingest(&server, &transport));
            drop(server);
            let _ = Command::new("bash").args(["scripts/postgres.sh", "stop"]).arg(dir.join("pg")).status();
        }
        None => println!("| Server ingest, 20 clients, PostgreSQL | not measured (scripts/postgres.sh failed) |"),
    }
}

fn postgres(dir: &Path) -> Option<String> {
    let out = Command::new("bash").args(["scripts/postgres.sh", "start"]).arg(dir.join("pg")).output().ok()?;
    String::from_utf8_lossy(&out.stdout).lines().find(|l| l.starts_with("postgres://")).map(str::to_owned)
}

/// 20 devices push 5,000 changes each (batches of 500, ten columns per change) at once.
fn ingest(server: &Server, transport: &HttpTransport) -> f64 {
    const CLIENTS: usize = 20;
    const PER_CLIENT: usize = 5_000;
    const BATCH: usize = 500;
    let tokens: Vec<(Uuid, String)> = (0..CLIENTS)
        .map(|i| {
            let device = Uuid::now_v7();
            let request = LoginRequest { email: "bench@example.com".into(), password: PASSWORD.into(), device, device_name: format!("client {i}") };
            let answer = transport.post(&server.url, paths::LOGIN, None, serde_json::to_vec(&request).expect("json")).expect("login");
            (device, serde_json::from_slice::<LoginResponse>(&answer).expect("login answer").token)
        })
        .collect();
    let bodies: Vec<Vec<Vec<u8>>> = tokens
        .iter()
        .map(|(device, _)| {
            let changes: Vec<Change> = (0..PER_CLIENT).map(|i| company_change(*device, i)).collect();
            changes.chunks(BATCH).map(|batch| serde_json::to_vec(&PushRequest { schema_version: SCHEMA_VERSION, device: *device, changes: batch.to_vec() }).expect("json")).collect()
        })
        .collect();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for ((_, token), bodies) in tokens.iter().zip(bodies) {
            let url = server.url.clone();
            scope.spawn(move || {
                let transport = HttpTransport::new().expect("http client");
                for body in bodies {
                    transport.post(&url, paths::PUSH, Some(token), body).expect("push");
                }
            });
        }
    });
    (CLIENTS * PER_CLIENT) as f64 / start.elapsed().as_secs_f64()
}

fn company_change(device: Uuid, i: usize) -> Change {
    let mut patch = Patch::new();
    for (column, value) in [
        ("name", format!("Ingest {i}")),
        ("customer_number", format!("X{i}-{device}")),
        ("city", "Austin".into()),
        ("street", format!("{i} Main St")),
        ("postcode", "73301".into()),
        ("region", "TX".into()),
        ("country", "US".into()),
        ("phone", "+1 555 0100".into()),
        ("email", format!("ingest{i}@example.com")),
        ("website", "example.com".into()),
    ] {
        patch.insert(column.into(), value.into());
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as u64;
    Change { change_id: Uuid::now_v7(), table: "company".into(), row_id: Uuid::now_v7().to_string(), op: Op::Set(patch), stamp: Stamp::new(crm_sync::stamp::pack(now, 0), device), user: "bench".into() }
}
