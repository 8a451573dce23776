//! `crm-server`: the sync server and its admin commands. Run `crm-server --help`.

use std::{
    collections::HashMap,
    io::{BufRead, Write},
    process::ExitCode,
    time::Duration,
};

use crm_server::{Config, HashCost, LoginLimits, auth, db::Db};
use serde_json::{Value, json};
use uuid::Uuid;

const HELP: &str = "\
crm-server: the Keel CRM sync server.

USAGE:
    crm-server <COMMAND> [OPTIONS]

COMMANDS:
    serve          Run the server.
    user-add       Add a user. The password is read from the environment variable
                   CRM_SERVER_PASSWORD, or else from the first line of standard input.
                   Prints the new user's id.
    revoke-device  Revoke every token of a device (a lost or retired laptop); prints how many.
                   The device must log in again to sync.
    new-identity   Give the change log a new server id and print it. Run it after restoring
                   a backup: laptops then upload their whole logs again, bringing back the
                   changes made after the backup.
    dump           Print the merged data (rows and tombstones) as JSON.

OPTIONS (every command):
    --db <PATH|URL>        SQLite file (default crm-server.sqlite3), or a postgres:// URL.

OPTIONS (serve):
    --listen <ADDR:PORT>   Address to listen on (default 127.0.0.1:8787; port 0 picks a free
                           port). On start the server prints one line `listening on
                           http://ADDR:PORT`. It stops on SIGTERM or Ctrl-C, finishing the
                           requests in flight. Put it behind a TLS-terminating proxy when it is
                           reached over a network.
    --login-limit <N>      Failed logins allowed per account per window (default 10; 0: off).
    --login-limit-address <N>
                           Failed logins allowed per client address per window (default 30;
                           0: off). The limits are kept in memory and reset on restart.
    --login-window <SECS>  The rate-limit window (default 900).
    --trust-proxy <IP[,IP...]>
                           Reverse proxies (the TLS terminator in front of the server) whose
                           X-Forwarded-For header names the client's address for the login
                           limits. Without it the header is ignored, so clients cannot forge it.
    --request-timeout <SECS>
                           A request not answered after this long (a body sent too slowly, or
                           never) gets a `timeout` error (default 60).

OPTIONS (user-add):
    --email <EMAIL>        The login name (unique, case-insensitive).
    --name <NAME>          Shown to administrators.

OPTIONS (revoke-device):
    --device <UUID>        The device id.

TEST-ONLY OPTIONS (never in production):
    --test-fast-hash       (serve, user-add) The cheapest argon2 parameters, so tests can add
                           users and log in quickly. Real servers use the argon2 defaults.
    --clock-offset-ms <N>  (serve) Shift the server's clock by N milliseconds.
";

struct Args {
    command: String,
    options: HashMap<String, String>,
    flags: Vec<String>,
}

const FLAGS: &[&str] = &["--test-fast-hash"];
const OPTIONS: &[&str] = &[
    "--db",
    "--listen",
    "--login-limit",
    "--login-limit-address",
    "--login-window",
    "--email",
    "--name",
    "--device",
    "--clock-offset-ms",
    "--trust-proxy",
    "--request-timeout",
];

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let command = args.next().ok_or("no command given (see --help)")?;
    let (mut options, mut flags) = (HashMap::new(), Vec::new());
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        if FLAGS.contains(&name.as_str()) && inline.is_none() {
            flags.push(name);
        } else if OPTIONS.contains(&name.as_str()) {
            let value = match inline {
                Some(value) => value,
                None => args.next().ok_or_else(|| format!("{name} needs a value"))?,
            };
            options.insert(name, value);
        } else if name == "--help" || name == "-h" {
            return Ok(Args {
                command: "--help".into(),
                options,
                flags,
            });
        } else {
            return Err(format!("unknown option {arg} (see --help)"));
        }
    }
    Ok(Args {
        command,
        options,
        flags,
    })
}

impl Args {
    fn get(&self, name: &str) -> Option<&str> {
        self.options.get(name).map(String::as_str)
    }
    fn required(&self, name: &str) -> Result<&str, String> {
        self.get(name)
            .ok_or_else(|| format!("{} needs {name}", self.command))
    }
    fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        self.get(name).map_or(Ok(default), |v| {
            v.parse().map_err(|_| format!("{name}: not a number: {v}"))
        })
    }
    fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }
    fn hash_cost(&self) -> HashCost {
        if self.flag("--test-fast-hash") {
            HashCost::TestFast
        } else {
            HashCost::Standard
        }
    }
    async fn db(&self) -> Result<Db, String> {
        let url = self.get("--db").unwrap_or("crm-server.sqlite3");
        Db::open(url)
            .await
            .map_err(|e| format!("cannot open {url}: {e}"))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match parse_args() {
        Ok(args) => run(args).await,
        Err(message) => Err(message),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("crm-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    match args.command.as_str() {
        "--help" | "-h" | "help" => {
            print!("{HELP}");
            Ok(())
        }
        "serve" => serve(&args).await,
        "user-add" => {
            let email = args.required("--email")?.trim().to_owned();
            let name = args.required("--name")?.to_owned();
            if !email.contains('@') {
                return Err(format!("{email:?} is not an email address"));
            }
            let password = read_password()?;
            let cost = args.hash_cost();
            let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password, cost))
                .await
                .map_err(|e| e.to_string())??;
            let id = args
                .db()
                .await?
                .create_user(&email, &name, &hash)
                .await
                .map_err(|e| e.to_string())?;
            println!("{id}");
            Ok(())
        }
        "revoke-device" => {
            let device = args.required("--device")?;
            let device = Uuid::parse_str(device).map_err(|e| format!("--device {device}: {e}"))?;
            let revoked = args
                .db()
                .await?
                .revoke_device(device)
                .await
                .map_err(|e| e.to_string())?;
            println!("{revoked}");
            Ok(())
        }
        "new-identity" => {
            let id = args
                .db()
                .await?
                .new_server_id()
                .await
                .map_err(|e| e.to_string())?;
            println!("{id}");
            Ok(())
        }
        "dump" => {
            let db = args.db().await?;
            let (server_id, head) = db.info().await.map_err(|e| e.to_string())?;
            let snapshot = db.snapshot().await.map_err(|e| e.to_string())?;
            let rows: Vec<Value> = snapshot.rows.into_iter().map(|((table, row_id), columns)| json!({"table": table, "row_id": row_id, "columns": columns})).collect();
            let tombstones: Vec<Value> = snapshot
                .tombstones
                .into_iter()
                .map(|((table, row_id), v)| json!({"table": table, "row_id": row_id, "hlc": v.stamp.hlc, "device": v.stamp.device, "change_id": v.change_id}))
                .collect();
            let dump = json!({"server_id": server_id, "head": head, "rows": rows, "tombstones": tombstones});
            println!(
                "{}",
                serde_json::to_string_pretty(&dump).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        other => Err(format!("unknown command {other} (see --help)")),
    }
}

/// The password from `CRM_SERVER_PASSWORD` or the first line of standard input (so it never
/// appears in the process list or the shell history).
fn read_password() -> Result<String, String> {
    let password = match std::env::var("CRM_SERVER_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the password: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    if password.is_empty() {
        return Err(
            "the password is empty (set CRM_SERVER_PASSWORD or pass it on standard input)".into(),
        );
    }
    Ok(password)
}

async fn serve(args: &Args) -> Result<(), String> {
    let defaults = LoginLimits::default();
    let config = Config {
        login_limits: LoginLimits {
            per_account: args.number("--login-limit", defaults.per_account)?,
            per_address: args.number("--login-limit-address", defaults.per_address)?,
            window: Duration::from_secs(args.number("--login-window", defaults.window.as_secs())?),
        },
        hash_cost: args.hash_cost(),
        clock_offset_ms: args.number("--clock-offset-ms", 0)?,
        trusted_proxies: args
            .get("--trust-proxy")
            .map_or(Ok(Vec::new()), |list| {
                list.split(',')
                    .map(|ip| {
                        ip.trim()
                            .parse()
                            .map_err(|_| format!("--trust-proxy: not an IP address: {ip}"))
                    })
                    .collect()
            })?,
        request_timeout: match args.number("--request-timeout", 0u64)? {
            0 => crm_server::REQUEST_TIMEOUT,
            seconds => Duration::from_secs(seconds),
        },
    };
    let db = args.db().await?;
    let listen = args.get("--listen").unwrap_or("127.0.0.1:8787");
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    if config.hash_cost == HashCost::TestFast {
        eprintln!("crm-server: WARNING: --test-fast-hash is for tests only");
    }
    // Tests (and scripts) read this line to learn the port: print it only once listening.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{address}")
        .and_then(|()| stdout.flush())
        .map_err(|e| e.to_string())?;
    drop(stdout);
    crm_server::serve(listener, db, config)
        .await
        .map_err(|e| format!("server failed: {e}"))
}
