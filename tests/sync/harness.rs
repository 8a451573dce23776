//! Real parts for the sync tests: the `crm-server` binary on 127.0.0.1 (SQLite file or a
//! PostgreSQL database), laptops that are real SQLite files opened by the core, and a transport
//! that loses, repeats and reorders messages on purpose.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Mutex,
};

use crm_core::{
    Store,
    demo::Rng,
    sync::{HttpTransport, Transport, TransportError},
};
use crm_model::SyncLogin;
use crm_sync::protocol::{PullResponse, paths};
use serde_json::Value;

pub const PASSWORD: &str = "correct horse battery staple";

/// The server binary, built by cargo next to this test (building it first when missing).
pub fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let binary = dir.join("crm-server");
    if !binary.exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let status = Command::new(env!("CARGO")).args(["build", "-p", "crm-server"]).current_dir(root).status().unwrap();
        assert!(status.success(), "cargo build -p crm-server");
    }
    binary
}

/// Where a server keeps its data: a SQLite file, or a fresh database on the test PostgreSQL.
#[derive(Clone)]
pub struct Backend {
    pub url: String,
}

impl Backend {
    pub fn sqlite(dir: &Path) -> Backend {
        Backend { url: dir.join("server.sqlite3").display().to_string() }
    }

    /// A new, empty database on the PostgreSQL server of `CRM_TEST_POSTGRES_URL`; `None` when the
    /// variable is unset (the test command always sets it).
    pub fn postgres(name: &str) -> Option<Backend> {
        let base = std::env::var("CRM_TEST_POSTGRES_URL").ok()?;
        let database = format!("sync_{name}_{}", std::process::id());
        let psql = |sql: &str| {
            let out = Command::new("psql").args([base.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]).output().expect("psql");
            assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        };
        psql(&format!("DROP DATABASE IF EXISTS {database}"));
        psql(&format!("CREATE DATABASE {database}"));
        let (prefix, _) = base.rsplit_once('/').unwrap();
        Some(Backend { url: format!("{prefix}/{database}") })
    }
}

/// A running `crm-server serve`.
pub struct Server {
    pub backend: Backend,
    pub url: String,
    port: u16,
    child: Child,
}

impl Server {
    pub fn start(backend: &Backend) -> Server {
        Self::spawn(backend, "127.0.0.1:0")
    }

    fn spawn(backend: &Backend, listen: &str) -> Server {
        let mut child = Command::new(server_binary())
            .args(["serve", "--db", &backend.url, "--listen", listen, "--test-fast-hash"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start crm-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("crm-server said {line:?}")).to_owned();
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Server { backend: backend.clone(), url, port, child }
    }

    /// SIGKILL: no shutdown, no flushing; whatever was acknowledged must still be there.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Start again on the same data and the same port (laptops keep the address they logged in with).
    pub fn restart(&mut self) {
        let listen = format!("127.0.0.1:{}", self.port);
        // The port is free again as soon as the old process is gone; retry briefly if not.
        for attempt in 0.. {
            let result = std::panic::catch_unwind(|| Self::spawn(&self.backend, &listen));
            match result {
                Ok(server) => {
                    *self = server;
                    return;
                }
                Err(_) if attempt < 20 => std::thread::sleep(std::time::Duration::from_millis(50)),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    }

    /// Run a `crm-server` admin command on this server's data.
    pub fn admin(&self, args: &[&str]) -> String {
        admin(&self.backend, args)
    }

    pub fn add_user(&self, email: &str) {
        self.admin(&["user-add", "--email", email, "--name", email, "--test-fast-hash"]);
    }

    /// The server's merged data and its whole log, read from its storage.
    pub fn snapshot(&self) -> crm_server::db::Snapshot {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let db = crm_server::db::Db::open(&self.backend.url).await.unwrap();
            db.snapshot().await.unwrap()
        })
    }

    pub fn log(&self) -> Vec<crm_sync::Change> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let db = crm_server::db::Db::open(&self.backend.url).await.unwrap();
            let mut all = Vec::new();
            loop {
                let (page, remaining) = db.pull(all.len() as u64, 5_000).await.unwrap();
                all.extend(page.into_iter().map(|s| s.change));
                if remaining == 0 {
                    return all;
                }
            }
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn admin(backend: &Backend, args: &[&str]) -> String {
    let mut full = vec![args[0], "--db", &backend.url];
    full.extend(&args[1..]);
    let out = Command::new(server_binary()).args(&full).env("CRM_SERVER_PASSWORD", PASSWORD).output().unwrap();
    assert!(out.status.success(), "crm-server {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// What can go wrong between a laptop and the server.
#[derive(Clone, Copy, Default)]
pub struct Faults {
    /// Per mille of requests lost before they reach the server.
    pub drop_request: u32,
    /// Per mille of answers lost after the server acted on the request.
    pub drop_answer: u32,
    /// Per mille of requests the network delivers twice.
    pub duplicate: u32,
    /// Per mille of pushes held back and delivered again later, after newer ones.
    pub delay_push: u32,
    /// Per mille of pulled pages that the laptop dies applying (a change it cannot write is
    /// added at the end of the page, so the page's transaction fails after applying the rest).
    pub die_mid_apply: u32,
    /// Every request claims this schema version instead of the app's, as an app of another
    /// release would.
    pub schema_version: Option<u32>,
}

/// A push held back by the network: base URL, path, token and body.
type HeldPush = (String, String, Option<String>, Vec<u8>);

/// The real HTTP transport with [`Faults`] in front of it.
pub struct FaultyTransport {
    inner: HttpTransport,
    pub faults: Mutex<Faults>,
    rng: Mutex<Rng>,
    held: Mutex<Vec<HeldPush>>,
}

impl FaultyTransport {
    pub fn new(seed: u64) -> Self {
        FaultyTransport { inner: HttpTransport::new().unwrap(), faults: Mutex::new(Faults::default()), rng: Mutex::new(Rng::new(seed)), held: Mutex::default() }
    }

    fn roll(&self, per_mille: u32) -> bool {
        per_mille > 0 && (self.rng.lock().unwrap().below(1000) as u32) < per_mille
    }
}

impl Transport for FaultyTransport {
    fn post(&self, base: &str, path: &str, token: Option<&str>, body: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        let faults = *self.faults.lock().unwrap();
        let body = match faults.schema_version {
            Some(version) => {
                let mut request: Value = serde_json::from_slice(&body).unwrap();
                if let Some(claimed) = request.get_mut("schema_version") {
                    *claimed = Value::from(version);
                }
                serde_json::to_vec(&request).unwrap()
            }
            None => body,
        };
        let lost = || Err(TransportError::Unreachable { url: base.to_owned(), detail: "simulated network loss".into() });
        // A push held back earlier arrives now, after newer ones.
        if path == paths::PUSH && self.roll(300) {
            let held = std::mem::take(&mut *self.held.lock().unwrap());
            for (base, path, token, body) in held {
                let _ = self.inner.post(&base, &path, token.as_deref(), body);
            }
        }
        if self.roll(faults.drop_request) {
            return lost();
        }
        if path == paths::PUSH && self.roll(faults.delay_push) {
            self.held.lock().unwrap().push((base.to_owned(), path.to_owned(), token.map(str::to_owned), body.clone()));
        }
        let mut answer = self.inner.post(base, path, token, body.clone());
        if self.roll(faults.duplicate) {
            answer = self.inner.post(base, path, token, body);
        }
        if self.roll(faults.drop_answer) {
            return lost();
        }
        if path == paths::PULL
            && let Ok(bytes) = &answer
            && self.roll(faults.die_mid_apply)
        {
            let mut page: PullResponse = serde_json::from_slice(bytes).unwrap();
            if let Some(last) = page.changes.last().cloned() {
                page.changes.push(unwritable(last.seq + 1, &last.change));
                return Ok(serde_json::to_vec(&page).unwrap());
            }
        }
        answer
    }
}

/// A change that passes validation but fails in SQL: a new company whose name is empty, which the
/// table's CHECK constraint refuses.
fn unwritable(seq: u64, like: &crm_sync::Change) -> crm_sync::protocol::Sequenced {
    let mut patch = crm_sync::Patch::new();
    patch.insert("name".into(), Value::from(""));
    patch.insert("customer_number".into(), Value::from(format!("Z{seq}")));
    let change = crm_sync::Change {
        change_id: uuid::Uuid::now_v7(),
        table: "company".into(),
        row_id: uuid::Uuid::now_v7().to_string(),
        op: crm_sync::Op::Set(patch),
        stamp: like.stamp,
        user: "fault".into(),
    };
    crm_sync::protocol::Sequenced { seq, change }
}

/// A laptop: a real database file, reopened when it "restarts".
pub struct Laptop {
    pub path: PathBuf,
    pub store: Store,
    pub transport: FaultyTransport,
    pub clock_offset_ms: i64,
}

impl Laptop {
    pub fn new(dir: &Path, name: &str, seed: u64, clock_offset_ms: i64) -> Laptop {
        let path = dir.join(format!("{name}.sqlite3"));
        let mut store = Store::open(&path).unwrap();
        set_clock(&mut store, clock_offset_ms);
        Laptop { path, store, transport: FaultyTransport::new(seed), clock_offset_ms }
    }

    pub fn login(&mut self, server: &Server, email: &str) {
        let login = SyncLogin { server_url: server.url.clone(), email: email.into(), password: PASSWORD.into(), device_name: self.path.display().to_string() };
        let faults = std::mem::take(&mut *self.transport.faults.lock().unwrap());
        self.store.sync_login(&self.transport, &login).unwrap();
        *self.transport.faults.lock().unwrap() = faults;
    }

    /// One round; errors are part of the simulation (the status records them).
    pub fn sync(&mut self) -> Result<crm_model::SyncRound, String> {
        crm_core::sync::sync_round(&mut self.store, &self.transport, &crm_core::sync::Quiet).map(|r| r.unwrap_or_default()).map_err(|e| e.to_string())
    }

    /// The process dies and starts again: only what is on disk remains.
    pub fn restart(&mut self) {
        let placeholder = Store::open_in_memory().unwrap();
        drop(std::mem::replace(&mut self.store, placeholder));
        self.store = Store::open(&self.path).unwrap();
        set_clock(&mut self.store, self.clock_offset_ms);
    }

    pub fn data(&self) -> Data {
        synced_data(&self.path)
    }
}

fn set_clock(store: &mut Store, offset_ms: i64) {
    store.set_wall_clock(Box::new(move || {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        (now + offset_ms) as u64
    }));
}

/// Synced rows: `(table, id)` to column values, as JSON like the change log writes them.
pub type Data = BTreeMap<(String, String), BTreeMap<String, Value>>;

/// Every synced table's rows of a laptop's database file, each with the columns some change in
/// its log wrote (what the server can know of the row). Rows no change ever wrote are the
/// migrations' built-in rows (credit codes, note types, …), the same on every install and never
/// sent; they are left out.
pub fn synced_data(path: &Path) -> Data {
    synced_and_built_in(path).0
}

fn synced_and_built_in(path: &Path) -> (Data, BTreeSet<(String, String)>) {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut logged: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut select = conn.prepare("SELECT c.table_name, c.row_id, j.key FROM change_log c, json_each(c.patch) j WHERE c.op = 'set'").unwrap();
    let mut rows = select.query([]).unwrap();
    while let Some(row) = rows.next().unwrap() {
        logged.entry((row.get(0).unwrap(), row.get(1).unwrap())).or_default().insert(row.get(2).unwrap());
    }
    let mut data = Data::new();
    let mut built_in = BTreeSet::new();
    for (table, columns) in crm_sync::schema::TABLES {
        let sql = format!("SELECT id, {} FROM {table}", columns.join(", "));
        let mut select = conn.prepare(&sql).unwrap();
        let mut rows = select.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let key = ((*table).to_owned(), row.get::<_, String>(0).unwrap());
            let Some(written) = logged.get(&key) else {
                built_in.insert(key);
                continue;
            };
            let values = columns.iter().enumerate().filter(|(_, c)| written.contains(**c)).map(|(i, column)| ((*column).to_owned(), json(row.get_ref(i + 1).unwrap()))).collect();
            data.insert(key, values);
        }
    }
    (data, built_in)
}

fn json(value: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::from(n),
        ValueRef::Real(x) => Value::from(x),
        ValueRef::Text(text) => Value::from(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(_) => panic!("no synced column holds a blob"),
    }
}

/// The merged data (`model`, the merge rules over the server's log) as a laptop shows it: a
/// laptop's foreign keys remove the rows whose parent is gone (cascade, or an insert the key
/// refused) and empty the `SET NULL` references, a unique clash keeps the row with the smaller
/// id, and a company has one default ship-to. The server keeps rows as the merge rules leave them
/// and knows nothing of the desktop's keys.
pub fn as_a_laptop_shows(model: &crm_sync::Replica, laptop_db: &Path) -> Data {
    let snapshot = &crm_server::db::Snapshot::of(model);
    let conn = rusqlite::Connection::open_with_flags(laptop_db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut keys: BTreeMap<String, Vec<(String, String, bool)>> = BTreeMap::new();
    for (table, _) in crm_sync::schema::TABLES {
        // A key is emptied (not its row removed) for `SET NULL`, and for an optional key without
        // `ON DELETE` (core/src/sync/apply.rs, `delete_with_dependents`).
        let mut select = conn
            .prepare(&format!(
                "SELECT k.\"from\", k.\"table\", k.on_delete = 'SET NULL' OR (k.on_delete <> 'CASCADE' AND c.\"notnull\" = 0)
                 FROM pragma_foreign_key_list('{table}') k JOIN pragma_table_info('{table}') c ON c.name = k.\"from\""
            ))
            .unwrap();
        let list = select
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        keys.insert((*table).to_owned(), list);
    }
    let mut unique: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for (table, _) in crm_sync::schema::TABLES {
        let mut select = conn.prepare(&format!("SELECT name FROM pragma_index_list('{table}') WHERE \"unique\" = 1 AND origin <> 'pk' AND partial = 0")).unwrap();
        let indexes: Vec<String> = select.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        for index in indexes {
            let mut select = conn.prepare(&format!("SELECT name FROM pragma_index_info('{index}') ORDER BY seqno")).unwrap();
            let columns: Vec<String> = select.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
            unique.entry((*table).to_owned()).or_default().push(columns);
        }
    }
    let mut data: Data = snapshot.rows.clone();
    // Built-in rows exist everywhere without a change, unless a change deleted them.
    let (_, built_in) = synced_and_built_in(laptop_db);
    let built_in: BTreeSet<(String, String)> = built_in.into_iter().filter(|key| !snapshot.tombstones.contains_key(key)).collect();
    // A merged-away record's forwarding row: the one with the smallest id (core/src/merge.rs).
    let mut forward: BTreeMap<(String, String), String> = BTreeMap::new();
    for ((table, _), values) in data.iter().rev() {
        if table == "merged_record" {
            let text = |column: &str| values[column].as_str().unwrap().to_owned();
            forward.insert((text("table_name"), text("from_id")), text("into_id"));
        }
    }
    loop {
        let mut changed = false;
        let live: BTreeSet<(String, String)> = data.keys().cloned().chain(built_in.iter().cloned()).collect();
        // Where a row pointing at a gone record belongs: the live record it was merged into.
        let kept = |table: &str, id: &str| -> Option<String> {
            let mut current = id.to_owned();
            for _ in 0..32 {
                let next = forward.get(&(table.to_owned(), current))?;
                if live.contains(&(table.to_owned(), next.clone())) {
                    return Some(next.clone());
                }
                current = next.clone();
            }
            None
        };
        let mut gone = Vec::new();
        for ((table, id), values) in data.iter_mut() {
            // A note's or task's record is a key SQLite cannot enforce: the laptop follows a merge,
            // else drops the note or empties the task's link (core/src/write.rs, `delete`).
            if matches!(table.as_str(), "note" | "task")
                && let (Some(Value::String(subject_table)), Some(Value::String(subject))) = (values.get("subject_table"), values.get("subject_id"))
                && !live.contains(&(subject_table.clone(), subject.clone()))
            {
                match kept(subject_table, subject) {
                    Some(to) => {
                        values.insert("subject_id".into(), Value::from(to));
                    }
                    None if table == "note" => gone.push((table.clone(), id.clone())),
                    None => {
                        values.insert("subject_table".into(), Value::Null);
                        values.insert("subject_id".into(), Value::Null);
                    }
                }
                changed = true;
            }
            for (column, parent, set_null) in &keys[table] {
                let Some(Value::String(parent_id)) = values.get(column) else { continue };
                if live.contains(&(parent.clone(), parent_id.clone())) {
                    continue;
                }
                if let Some(to) = kept(parent, parent_id) {
                    values.insert(column.clone(), Value::from(to));
                    changed = true;
                    continue;
                }
                if *set_null {
                    values.insert(column.clone(), Value::Null);
                } else {
                    gone.push((table.clone(), id.clone()));
                }
                changed = true;
            }
        }
        // Two records with one human-readable number: the smaller id keeps it, the other gets it
        // suffixed with the end of its id (core/src/numbering.rs, `clash_suffixed`).
        for (table, indexes) in &unique {
            for columns in indexes {
                let [column] = columns.as_slice() else { continue };
                if !column.ends_with("_number") {
                    continue;
                }
                let mut holders: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for ((t, id), values) in data.iter() {
                    if t == table && let Some(Value::String(number)) = values.get(column) {
                        holders.entry(number.clone()).or_default().push(id.clone());
                    }
                }
                for (number, ids) in holders.into_iter().filter(|(_, ids)| ids.len() > 1) {
                    for id in ids.iter().filter(|id| **id != *ids.iter().min().unwrap()) {
                        let simple = uuid::Uuid::parse_str(id).unwrap().simple().to_string();
                        let renamed = format!("{number}-{}", &simple[simple.len() - 6..]);
                        data.get_mut(&(table.clone(), id.clone())).unwrap().insert(column.clone(), Value::from(renamed));
                        changed = true;
                    }
                }
            }
        }
        // Rows that clash on a unique index: the one with the smallest id stays (core/src/sync/apply.rs).
        for (table, indexes) in &unique {
            let mut holders: BTreeMap<(usize, String), String> = BTreeMap::new();
            for ((t, id), values) in data.iter() {
                if t != table || gone.iter().any(|(gt, gid)| gt == t && gid == id) {
                    continue;
                }
                for (i, columns) in indexes.iter().enumerate() {
                    let key: Option<Vec<Value>> = columns.iter().map(|c| values.get(c).filter(|v| !v.is_null()).cloned()).collect();
                    let Some(key) = key.map(|k| Value::from(k).to_string()) else { continue };
                    match holders.get(&(i, key.clone())) {
                        Some(holder) => {
                            gone.push((table.clone(), id.clone().max(holder.clone())));
                            let keep = id.clone().min(holder.clone());
                            holders.insert((i, key), keep);
                            changed = true;
                        }
                        None => {
                            holders.insert((i, key), id.clone());
                        }
                    }
                }
            }
        }
        for key in gone {
            data.remove(&key);
        }
        if !changed {
            break;
        }
    }
    // Of a company's addresses merged as default, the one whose flag was written last is
    // (core/src/company/commands.rs, `settle_default_ship_to`).
    let mut defaults: BTreeMap<String, (crm_sync::Version, String)> = BTreeMap::new();
    for ((table, id), values) in &data {
        if table != "ship_to" || values.get("is_default") != Some(&Value::from(1)) {
            continue;
        }
        let version = model.rows[&(table.clone(), id.clone())].columns["is_default"].version;
        let company = values["company_id"].as_str().unwrap().to_owned();
        if defaults.get(&company).is_none_or(|(known, _)| *known < version) {
            defaults.insert(company, (version, id.clone()));
        }
    }
    for ((table, id), values) in data.iter_mut() {
        if table == "ship_to" && values.get("is_default") == Some(&Value::from(1)) && defaults[values["company_id"].as_str().unwrap()].1 != *id {
            values.insert("is_default".into(), Value::from(0));
        }
    }
    data
}

/// The first difference between two data sets, for a readable failure.
pub fn first_difference(a: &Data, b: &Data) -> Option<String> {
    for (key, values) in a {
        match b.get(key) {
            None => return Some(format!("{key:?} only on the first: {values:?}")),
            Some(other) if other != values => return Some(format!("{key:?} differs:\n  {values:?}\n  {other:?}")),
            _ => {}
        }
    }
    b.keys().find(|key| !a.contains_key(*key)).map(|key| format!("{key:?} only on the second: {:?}", b[key]))
}
