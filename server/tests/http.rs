//! End-to-end tests: the real `crm-server` binary on a temporary SQLite file, spoken to over
//! HTTP like the desktop app does.

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, ChildStdout, Command, Stdio},
    time::{SystemTime, UNIX_EPOCH},
};

use crm_sync::{
    Change, Op, Replica, Stamp,
    protocol::{MAX_BODY_BYTES, MAX_PUSH_CHANGES, PROTOCOL_VERSION, paths},
    schema::SCHEMA_VERSION,
    stamp::pack,
};
use reqwest::blocking::Client;

/// A plain-HTTP client. In a workspace build reqwest's features unify with the desktop core's
/// (`rustls-no-provider`), and then every client needs a process-wide crypto provider, even one
/// that never speaks TLS.
fn client() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::new()
}
use serde_json::{Value, json};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_crm-server");
const PASSWORD: &str = "correct horse battery";

/// A running server; killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    url: String,
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Start the binary with the fast test hash on `db`, plus `extra` arguments.
    fn start(db: &Path, extra: &[&str]) -> Server {
        Self::spawn(db, &[&["--test-fast-hash"], extra].concat())
    }

    /// Start the binary on `db` with exactly `args` besides the listen address.
    fn spawn(db: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start crm-server");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server {
            child,
            url,
            _stdout: stdout,
        }
    }

    fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.post_raw(path, token, serde_json::to_vec(body).unwrap())
    }

    fn post_raw(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> Answer {
        let mut request = client()
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Answer::from(request.send().expect("request"))
    }

    fn hello(&self) -> Value {
        let answer = self.post(paths::HELLO, None, &json!({"protocol": PROTOCOL_VERSION, "schema_version": SCHEMA_VERSION, "device": Uuid::now_v7()}));
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body
    }

    fn login(&self, email: &str, device: Uuid) -> Answer {
        self.post(paths::LOGIN, None, &json!({"email": email, "password": PASSWORD, "device": device, "device_name": "test laptop"}))
    }

    /// Log in and return the token.
    fn token(&self, email: &str, device: Uuid) -> String {
        let answer = self.login(email, device);
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body["token"].as_str().unwrap().to_owned()
    }

    fn push(&self, token: &str, device: Uuid, changes: &[Change]) -> Answer {
        self.post(
            paths::PUSH,
            Some(token),
            &json!({"schema_version": SCHEMA_VERSION, "device": device, "changes": changes}),
        )
    }

    fn pull(&self, token: &str, after: u64, limit: u32) -> Answer {
        self.post(
            paths::PULL,
            Some(token),
            &json!({"schema_version": SCHEMA_VERSION, "after": after, "limit": limit}),
        )
    }

    fn head(&self) -> u64 {
        self.hello()["head"].as_u64().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
}

impl From<reqwest::blocking::Response> for Answer {
    fn from(response: reqwest::blocking::Response) -> Self {
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.text().unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text:?}"))
        };
        Answer {
            status,
            retry_after,
            body,
        }
    }
}

impl Answer {
    /// Assert an error answer with this status and code; returns its message.
    fn error(&self, status: u16, code: &str) -> &str {
        assert_eq!(
            (self.status, self.body["code"].as_str()),
            (status, Some(code)),
            "{self:?}"
        );
        self.body["message"].as_str().unwrap()
    }
}

/// Run an admin command on `db` and return its standard output.
fn admin(db: &Path, args: &[&str], password: Option<&str>) -> String {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .arg("--db")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("CRM_SERVER_PASSWORD");
    if let Some(password) = password {
        command.env("CRM_SERVER_PASSWORD", password);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn add_user(db: &Path, email: &str) -> Uuid {
    Uuid::parse_str(&admin(
        db,
        &[
            "user-add",
            "--email",
            email,
            "--name",
            "Test User",
            "--test-fast-hash",
        ],
        Some(PASSWORD),
    ))
    .unwrap()
}

/// A temporary directory with a database file path in it and one user, `maria@example.com`.
fn fresh() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite3");
    add_user(&db, "maria@example.com");
    (dir, db)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn set(device: Uuid, row: Uuid, counter: u16, patch: Value) -> Change {
    let Value::Object(patch) = patch else {
        panic!("a patch is an object")
    };
    Change {
        change_id: Uuid::now_v7(),
        table: "company".into(),
        row_id: row.to_string(),
        op: Op::Set(patch),
        stamp: Stamp::new(pack(now_ms(), counter), device),
        user: "maria".into(),
    }
}

fn ids(changes: &[Change]) -> Vec<Value> {
    changes.iter().map(|c| json!(c.change_id)).collect()
}

#[test]
fn hello_checks_versions_and_every_error_is_json() {
    let (_dir, db) = fresh();
    let server = Server::start(&db, &[]);
    let info = server.hello();
    assert_eq!(
        (
            info["protocol"].as_u64(),
            info["schema_version"].as_u64(),
            info["head"].as_u64()
        ),
        (Some(1), Some(u64::from(SCHEMA_VERSION)), Some(0))
    );
    assert!(info["time_ms"].as_u64().unwrap().abs_diff(now_ms()) < 60_000);
    assert!(Uuid::parse_str(info["server_id"].as_str().unwrap()).is_ok());

    let device = Uuid::now_v7();
    let message = server
        .post(
            paths::HELLO,
            None,
            &json!({"protocol": 2, "schema_version": SCHEMA_VERSION, "device": device}),
        )
        .error(400, "protocol_mismatch")
        .to_owned();
    assert!(message.contains('1') && message.contains('2'), "{message}");
    let message = server
        .post(
            paths::HELLO,
            None,
            &json!({"protocol": 1, "schema_version": SCHEMA_VERSION + 1, "device": device}),
        )
        .error(409, "schema_mismatch")
        .to_owned();
    assert!(
        message.contains(&SCHEMA_VERSION.to_string())
            && message.contains(&(SCHEMA_VERSION + 1).to_string()),
        "{message}"
    );

    server
        .post("/v1/nothing", None, &json!({}))
        .error(404, "not_found");
    server.post("/", None, &json!({})).error(404, "not_found");
    let get = Answer::from(
        client()
            .get(format!("{}{}", server.url, paths::HELLO))
            .send()
            .unwrap(),
    );
    get.error(404, "not_found");
    server
        .post_raw(paths::HELLO, None, b"{not json".to_vec())
        .error(422, "invalid_change");
    server
        .post(paths::HELLO, None, &json!({"protocol": 1}))
        .error(422, "invalid_change");
    let no_type = Answer::from(
        client()
            .post(format!("{}{}", server.url, paths::HELLO))
            .body("{}")
            .send()
            .unwrap(),
    );
    no_type.error(422, "invalid_change");

    // Over the limit: refused by its Content-Length before the body is read.
    let mut huge = br#"{"protocol":1,"schema_version":9,"device":""#.to_vec();
    huge.resize(MAX_BODY_BYTES + 1, b'x');
    server
        .post_raw(paths::HELLO, None, huge)
        .error(413, "payload_too_large");
}

#[test]
fn login_tokens_logout_and_revocation() {
    let (_dir, db) = fresh();
    let server = Server::start(&db, &[]);
    let device = Uuid::now_v7();
    let wrong = server.post(paths::LOGIN, None, &json!({"email": "maria@example.com", "password": "nope", "device": device, "device_name": "x"}));
    wrong.error(401, "unauthorized");
    server
        .login("nobody@example.com", device)
        .error(401, "unauthorized");

    let answer = server.login("MARIA@example.com", device);
    assert_eq!(answer.status, 200, "{answer:?}");
    let token = answer.body["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 64);
    assert_eq!(answer.body["series"], "A");

    let pull = |token: Option<&str>| {
        server.post(
            paths::PULL,
            token,
            &json!({"schema_version": SCHEMA_VERSION, "after": 0, "limit": 10}),
        )
    };
    assert_eq!(pull(Some(&token)).status, 200);
    pull(None).error(401, "unauthorized");
    pull(Some("not-a-token")).error(401, "unauthorized");

    let logout = server.post_raw(paths::LOGOUT, Some(&token), Vec::new());
    assert_eq!((logout.status, logout.body.clone()), (204, Value::Null));
    pull(Some(&token)).error(401, "unauthorized");
    server
        .post_raw(paths::LOGOUT, Some(&token), Vec::new())
        .error(401, "unauthorized");

    let first = server.token("maria@example.com", device);
    let second = server.token("maria@example.com", device);
    let other = server.token("maria@example.com", Uuid::now_v7());
    assert_eq!(
        admin(
            &db,
            &["revoke-device", "--device", &device.to_string()],
            None
        ),
        "2"
    );
    pull(Some(&first)).error(401, "unauthorized");
    pull(Some(&second)).error(401, "unauthorized");
    assert_eq!(
        pull(Some(&other)).status,
        200,
        "other devices keep their tokens"
    );
    assert_eq!(
        pull(Some(&server.token("maria@example.com", device))).status,
        200,
        "a revoked device may log in again"
    );
}

#[test]
fn failed_logins_are_rate_limited() {
    let (_dir, db) = fresh();
    add_user(&db, "bob@example.com");
    let server = Server::start(&db, &["--login-limit", "3", "--login-limit-address", "5"]);
    let device = Uuid::now_v7();
    let attempt = |email: &str, password: &str| {
        server.post(
            paths::LOGIN,
            None,
            &json!({"email": email, "password": password, "device": device, "device_name": "x"}),
        )
    };
    assert_eq!(
        attempt("maria@example.com", PASSWORD).status,
        200,
        "successes do not count"
    );
    for _ in 0..3 {
        attempt("maria@example.com", "wrong").error(401, "unauthorized");
    }
    let limited = attempt("maria@example.com", PASSWORD);
    limited.error(429, "rate_limited");
    let seconds: u64 = limited
        .retry_after
        .as_deref()
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=900).contains(&seconds), "{seconds}");
    attempt("Maria@Example.com", PASSWORD).error(429, "rate_limited");

    assert_eq!(
        attempt("bob@example.com", PASSWORD).status,
        200,
        "other accounts are not locked by it"
    );
    attempt("bob@example.com", "wrong").error(401, "unauthorized");
    attempt("nobody@example.com", "wrong").error(401, "unauthorized");
    let limited = attempt("bob@example.com", PASSWORD);
    limited.error(429, "rate_limited");
    assert!(limited.retry_after.is_some());
}

#[test]
fn push_and_pull_round_trip() {
    let (_dir, db) = fresh();
    let server = Server::start(&db, &[]);
    let device = Uuid::now_v7();
    let token = server.token("maria@example.com", device);
    let server_id = server.hello()["server_id"].clone();

    let row = Uuid::now_v7();
    let mut changes: Vec<Change> = (0..7)
        .map(|n| {
            set(
                device,
                row,
                n,
                json!({"name": format!("Acme {n}"), "city": "Dallas"}),
            )
        })
        .collect();
    changes.push(Change {
        op: Op::Delete,
        ..set(device, Uuid::now_v7(), 7, json!({}))
    });
    let answer = server.push(&token, device, &changes);
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["accepted"], Value::Array(ids(&changes)));
    assert_eq!(answer.body["server_id"], server_id);
    assert_eq!(answer.body["appended"], json!([1, 8]));
    assert_eq!(server.head(), 8);

    // Again, with one new change in the middle: all acknowledged, only the new one stored.
    let extra = set(device, row, 9, json!({"phone": "555"}));
    let mut again = changes.clone();
    again.insert(3, extra.clone());
    let answer = server.push(&token, device, &again);
    assert_eq!(answer.body["accepted"], Value::Array(ids(&again)));
    assert_eq!(answer.body["appended"], json!([9, 9]));
    assert_eq!(server.head(), 9);

    // Pages of three.
    let mut pulled = Vec::new();
    let mut after = 0;
    let mut pages = Vec::new();
    loop {
        let page = server.pull(&token, after, 3);
        assert_eq!(page.status, 200, "{page:?}");
        assert_eq!(page.body["server_id"], server_id);
        let items = page.body["changes"].as_array().unwrap().clone();
        pages.push((
            items.len(),
            page.body["next"].clone(),
            page.body["remaining"].as_u64().unwrap(),
        ));
        for item in &items {
            pulled.push((
                item["seq"].as_u64().unwrap(),
                serde_json::from_value::<Change>(item["change"].clone()).unwrap(),
            ));
        }
        match page.body["next"].as_u64() {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(
        pages,
        [(3, json!(3), 6), (3, json!(6), 3), (3, Value::Null, 0)]
    );
    let mut expected = changes.clone();
    expected.push(extra);
    assert_eq!(
        pulled.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        (1..=9).collect::<Vec<_>>()
    );
    assert_eq!(
        pulled.into_iter().map(|(_, c)| c).collect::<Vec<_>>(),
        expected,
        "log order is arrival order"
    );

    // The limit is raised to 1 and lowered to the maximum page.
    let one = server.pull(&token, 0, 0);
    assert_eq!(
        (
            one.body["changes"].as_array().unwrap().len(),
            one.body["next"].as_u64()
        ),
        (1, Some(1))
    );
    assert_eq!(
        server.pull(&token, 0, u32::MAX).body["changes"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    server
        .post(
            paths::PULL,
            Some(&token),
            &json!({"schema_version": SCHEMA_VERSION - 1, "after": 0, "limit": 10}),
        )
        .error(409, "schema_mismatch");

    // The merged data is what the reference model says.
    let mut replica = Replica::new();
    for change in &expected {
        replica.apply(change);
    }
    let dump: Value = serde_json::from_str(&admin(&db, &["dump"], None)).unwrap();
    let rows = dump["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["row_id"], json!(row.to_string()));
    let model = &replica.rows[&("company".to_owned(), row.to_string())].columns;
    assert_eq!(
        rows[0]["columns"],
        Value::Object(
            model
                .iter()
                .map(|(c, cell)| (c.clone(), cell.value.clone()))
                .collect()
        )
    );
    assert_eq!(rows[0]["columns"]["name"], "Acme 6");
    assert_eq!(dump["tombstones"].as_array().unwrap().len(), 1);
    assert_eq!(dump["head"], 9);
}

#[test]
fn refused_pushes_store_nothing() {
    let (_dir, db) = fresh();
    let server = Server::start(&db, &[]);
    let device = Uuid::now_v7();
    let token = server.token("maria@example.com", device);
    let good = set(device, Uuid::now_v7(), 0, json!({"name": "Acme"}));

    server
        .push(&token, Uuid::now_v7(), std::slice::from_ref(&good))
        .error(403, "forbidden");

    let bad = set(device, Uuid::now_v7(), 0, json!({"search_tokens": "acme"}));
    let message = server
        .push(&token, device, &[good.clone(), bad.clone()])
        .error(422, "invalid_change")
        .to_owned();
    assert!(
        message.contains(&bad.change_id.to_string()) && message.contains("search_tokens"),
        "{message}"
    );

    let mut ahead = set(device, Uuid::now_v7(), 0, json!({"name": "Future"}));
    ahead.stamp.hlc = pack(now_ms() + 25 * 3600 * 1000, 0);
    let message = server
        .push(&token, device, &[good.clone(), ahead])
        .error(422, "clock_skew")
        .to_owned();
    assert!(
        message.contains("ahead") && message.contains("24 h 1 min"),
        "{message}"
    );

    let stale = server.post(
        paths::PUSH,
        Some(&token),
        &json!({"schema_version": SCHEMA_VERSION + 1, "device": device, "changes": [good]}),
    );
    stale.error(409, "schema_mismatch");

    let many: Vec<Change> = (0..=MAX_PUSH_CHANGES).map(|_| good.clone()).collect();
    server
        .push(&token, device, &many)
        .error(413, "payload_too_large");

    assert_eq!(server.head(), 0, "nothing of any refused batch was stored");
    let dump: Value = serde_json::from_str(&admin(&db, &["dump"], None)).unwrap();
    assert_eq!(
        (
            dump["rows"].as_array().unwrap().len(),
            dump["tombstones"].as_array().unwrap().len()
        ),
        (0, 0)
    );
    assert_eq!(server.push(&token, device, &[good]).status, 200);
    assert_eq!(server.head(), 1);
}

#[test]
fn series_per_device_are_stable() {
    let (_dir, db) = fresh();
    add_user(&db, "bob@example.com");
    let server = Server::start(&db, &[]);
    let (laptop, desktop) = (Uuid::now_v7(), Uuid::now_v7());
    let series = |email: &str, device: Uuid| {
        let answer = server.login(email, device);
        assert_eq!(answer.status, 200, "{answer:?}");
        answer.body["series"].as_str().unwrap().to_owned()
    };
    assert_eq!(series("maria@example.com", laptop), "A");
    assert_eq!(series("bob@example.com", desktop), "B");
    assert_eq!(series("maria@example.com", laptop), "A");
    assert_eq!(series("bob@example.com", desktop), "B");
    assert_eq!(series("maria@example.com", Uuid::now_v7()), "C");
}

#[test]
fn new_identity_and_durability_across_a_kill() {
    let (_dir, db) = fresh();
    let device = Uuid::now_v7();
    let change = set(device, Uuid::now_v7(), 0, json!({"name": "Durable"}));
    let first_id = {
        let server = Server::start(&db, &[]);
        let token = server.token("maria@example.com", device);
        let answer = server.push(&token, device, std::slice::from_ref(&change));
        assert_eq!(answer.status, 200);
        answer.body["server_id"].clone()
        // Dropping the server SIGKILLs it right after the acknowledgement.
    };
    let server = Server::start(&db, &[]);
    let info = server.hello();
    assert_eq!(
        (info["server_id"].clone(), info["head"].as_u64()),
        (first_id.clone(), Some(1))
    );
    let token = server.token("maria@example.com", device);
    let page = server.pull(&token, 0, 10);
    assert_eq!(
        serde_json::from_value::<Change>(page.body["changes"][0]["change"].clone()).unwrap(),
        change
    );

    // While it runs: the next hello shows the new identity, and the log is kept.
    let new_id = admin(&db, &["new-identity"], None);
    assert_ne!(json!(new_id), first_id);
    let info = server.hello();
    assert_eq!(
        (info["server_id"].clone(), info["head"].as_u64()),
        (json!(new_id), Some(1))
    );
}

#[test]
fn production_password_hashes_and_admin_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite3");
    // The password from standard input, hashed with the real (default) parameters.
    let mut child = Command::new(BIN)
        .args([
            "user-add",
            "--email",
            "ann@example.com",
            "--name",
            "Ann",
            "--db",
        ])
        .arg(&db)
        .env_remove("CRM_SERVER_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    // Without the test flag: unknown emails check a dummy hash of full cost too.
    let server = Server::spawn(&db, &[]);
    let answer = server.login("ann@example.com", Uuid::now_v7());
    assert_eq!(answer.status, 200, "{answer:?}");
    server
        .login("nobody@example.com", Uuid::now_v7())
        .error(401, "unauthorized");

    let duplicate = Command::new(BIN)
        .args([
            "user-add",
            "--email",
            "ANN@example.com",
            "--name",
            "Ann",
            "--test-fast-hash",
            "--db",
        ])
        .arg(&db)
        .env("CRM_SERVER_PASSWORD", "x")
        .output()
        .unwrap();
    assert!(!duplicate.status.success(), "emails are unique");
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for command in [
        "serve",
        "user-add",
        "revoke-device",
        "new-identity",
        "dump",
        "--test-fast-hash",
        "CRM_SERVER_PASSWORD",
    ] {
        assert!(help.contains(command), "--help mentions {command}");
    }
}

#[test]
fn the_clock_offset_moves_the_skew_bound() {
    let (_dir, db) = fresh();
    let two_days = (48 * 3600 * 1000).to_string();
    let server = Server::start(&db, &["--clock-offset-ms", &two_days]);
    assert!(server.hello()["time_ms"].as_u64().unwrap() > now_ms() + 47 * 3600 * 1000);
    let device = Uuid::now_v7();
    let token = server.token("maria@example.com", device);
    let mut ahead = set(device, Uuid::now_v7(), 0, json!({"name": "Tomorrow"}));
    ahead.stamp.hlc = pack(now_ms() + 25 * 3600 * 1000, 0);
    assert_eq!(
        server.push(&token, device, &[ahead]).status,
        200,
        "25 h ahead of the real clock is the past of this server's"
    );
}

/// Behind a TLS proxy every client arrives from the proxy's address. A trusted proxy's
/// `X-Forwarded-For` names the client, so one person's failures do not lock out the office; an
/// untrusted client's header is ignored, so it cannot dodge the limit by inventing addresses.
#[test]
fn login_limits_count_the_address_a_trusted_proxy_forwards() {
    let (_dir, db) = fresh();
    let limits = ["--login-limit", "0", "--login-limit-address", "2"];
    let attempt = |server: &Server, forwarded_for: &str| {
        let body = json!({"email": "maria@example.com", "password": "wrong", "device": Uuid::now_v7(), "device_name": "x"});
        Answer::from(
            client()
                .post(format!("{}{}", server.url, paths::LOGIN))
                .header("x-forwarded-for", forwarded_for)
                .json(&body)
                .send()
                .unwrap(),
        )
    };

    let proxied = Server::start(&db, &[&limits[..], &["--trust-proxy", "10.9.9.9, 127.0.0.1"]].concat());
    for _ in 0..2 {
        attempt(&proxied, "203.0.113.7").error(401, "unauthorized");
    }
    attempt(&proxied, "203.0.113.7").error(429, "rate_limited");
    attempt(&proxied, "203.0.113.8").error(401, "unauthorized");
    attempt(&proxied, "203.0.113.7, 127.0.0.1").error(429, "rate_limited");
    drop(proxied);

    let direct = Server::start(&db, &limits);
    attempt(&direct, "198.51.100.1").error(401, "unauthorized");
    attempt(&direct, "198.51.100.2").error(401, "unauthorized");
    attempt(&direct, "198.51.100.3").error(429, "rate_limited");

    let bad = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--trust-proxy", "proxy.example"])
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an IP address: proxy.example"));
}

/// A client that announces a body and sends it too slowly (or never) gets a JSON `timeout`
/// answer at the deadline instead of holding the connection open.
#[test]
fn a_body_sent_too_slowly_gets_a_timeout_error() {
    use std::io::Read;
    let (_dir, db) = fresh();
    let server = Server::start(&db, &["--request-timeout", "1"]);
    let address = server.url.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let started = std::time::Instant::now();
    write!(
        stream,
        "POST {} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"email\":",
        paths::LOGIN
    )
    .unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("}") {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "closed without an answer");
        answer.extend_from_slice(&buffer[..n]);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"timeout""#), "{answer}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(server.hello()["schema_version"], SCHEMA_VERSION, "other requests go on");
}
