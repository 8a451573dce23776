//! `cargo run --release -p crm-bench [-- --db PATH]`: the customer-list benchmarks of the README.
//!
//! Builds (once, then reuses) a database of 100,000 companies, 1,000,000 contacts and 2,000,000
//! notes with the deterministic demo generator, then measures what a user waits for: a list page
//! (filter + sort + 50 rows, first and deep pages) against the bare SQL statement for the same
//! page in the same run, and search-as-you-type for 2- and 3-letter prefixes. Prints a Markdown
//! table. Timing is wall-clock over many repetitions; p50 and p95 are reported, never asserted.

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use crm_core::{Store, demo::Scale};
use crm_model::{CompanyFilter, ContactFilter, ListQuery, PageAt};

const RUNS: usize = 300;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let db = args.iter().position(|a| a == "--db").and_then(|i| args.get(i + 1)).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/bench/crm-1m.sqlite3"));
    let store = open_or_generate(&db);
    let conn = rusqlite::Connection::open(&db).expect("open the database a second time for bare SQL");
    println!("| Measurement | p50 | p95 | bare SQL p50 | bare SQL p95 | ratio p95 |");
    println!("| --- | --- | --- | --- | --- | --- |");
    list_pages(&store, &conn);
    search(&store);
}

fn open_or_generate(path: &PathBuf) -> Store {
    let exists = path.exists();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create the bench folder");
    }
    let mut store = Store::open(path).expect("open the bench database");
    store.set_actor("bench");
    if !exists || store.info().expect("info").contact_count < Scale::BENCH.contacts as u64 {
        assert_eq!(store.info().expect("info").company_count, 0, "{} is partly generated; delete it and run again", path.display());
        eprintln!("Generating {:?} into {} (once; later runs reuse it)...", Scale::BENCH, path.display());
        let start = Instant::now();
        store
            .generate_demo(2026, Scale::BENCH, &mut |done| {
                if done % 10_000 == 0 {
                    eprintln!("  {done} companies, {:.0} s", start.elapsed().as_secs_f64());
                }
            })
            .expect("generate");
        eprintln!("Generated in {:.0} s.", start.elapsed().as_secs_f64());
    }
    store
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    (at(0.50), at(0.95))
}

fn time(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..10 {
        f();
    }
    percentiles(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn row(name: &str, core: (f64, f64), bare: Option<(f64, f64)>) {
    match bare {
        Some(bare) => println!("| {name} | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms | {:.2}x |", core.0, core.1, bare.0, bare.1, core.1 / bare.1),
        None => println!("| {name} | {:.3} ms | {:.3} ms | | | |", core.0, core.1),
    }
}

/// The bare statement for a page: the same SQL the core runs, read column by column, without
/// mapping to wire types or making cursors.
fn bare(conn: &rusqlite::Connection, sql: &str, params: &[&str]) -> impl FnMut() {
    let sql = sql.to_owned();
    let params: Vec<String> = params.iter().map(|p| (*p).to_owned()).collect();
    let conn: &'static rusqlite::Connection = Box::leak(Box::new(rusqlite::Connection::open(conn.path().expect("file")).expect("open")));
    move || {
        let mut statement = conn.prepare_cached(&sql).expect("prepare");
        let mut rows = statement.query(rusqlite::params_from_iter(params.iter())).expect("query");
        let mut n = 0;
        while let Some(row) = rows.next().expect("row") {
            for i in 0..row.as_ref().column_count() {
                std::hint::black_box(row.get_ref(i).expect("column"));
            }
            n += 1;
        }
        assert!(n > 0, "the bare statement found rows");
    }
}

const COMPANY_COLUMNS: &str = "id, customer_number, name, phone, email, city, region, country, newest_note_at";
const CONTACT_COLUMNS: &str = "id, first_name, last_name, email, office_phone, job_title,
        coalesce((SELECT group_concat(name, ', ') FROM (
            SELECT c.name FROM contact_company cc JOIN company c ON c.id = cc.company_id
            WHERE cc.contact_id = contact.id ORDER BY c.name COLLATE NOCASE)), ''),
        region, newest_note_at";

fn list_pages(store: &Store, conn: &rusqlite::Connection) {
    // Companies in one state, by name: first page, and a deep page (after row 20,000 of the
    // filtered list, reached by a cursor as the UI would).
    let filter = CompanyFilter { region: "TX".into(), ..Default::default() };
    let query = ListQuery { sort: Some("name".into()), limit: 50, ..ListQuery::default() };
    let first = time(RUNS, || drop(store.company_list_filtered(&query, &filter).expect("page")));
    let sql = format!("SELECT {COMPANY_COLUMNS}, name COLLATE NOCASE, id FROM company WHERE region = ? COLLATE NOCASE ORDER BY name COLLATE NOCASE ASC, id ASC LIMIT 51");
    row("Companies: state filter + sort by name, first page", first, Some(time(RUNS, bare(conn, &sql, &["TX"]))));
    let (name, id): (String, String) = conn
        .query_row("SELECT name, id FROM company WHERE region = 'TX' COLLATE NOCASE ORDER BY name COLLATE NOCASE, id LIMIT 1 OFFSET 20000", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("a deep row");
    let cursor = format!("k[{},{}]", string(&name), string(&id));
    let deep = ListQuery { at: PageAt::After(cursor), ..query.clone() };
    let page = store.company_list_filtered(&deep, &filter).expect("deep page");
    assert_eq!(page.rows.len(), 50);
    let deep_time = time(RUNS, || drop(store.company_list_filtered(&deep, &filter).expect("page")));
    let sql = format!("SELECT {COMPANY_COLUMNS}, name COLLATE NOCASE, id FROM company WHERE region = ? COLLATE NOCASE AND (name COLLATE NOCASE, id) > (?, ?) ORDER BY name COLLATE NOCASE ASC, id ASC LIMIT 51");
    row("Companies: same, deep page (after row 20,000)", deep_time, Some(time(RUNS, bare(conn, &sql, &["TX", &name, &id]))));

    // Contacts by newest note, descending, and by last name deep into the million.
    let query = ListQuery { sort: Some("last_name".into()), limit: 50, ..ListQuery::default() };
    let first = time(RUNS, || drop(store.contact_list_filtered(&query, &ContactFilter::default()).expect("page")));
    let sql = format!("SELECT {CONTACT_COLUMNS}, last_name COLLATE NOCASE, first_name COLLATE NOCASE, id FROM contact WHERE 1 ORDER BY last_name COLLATE NOCASE ASC, first_name COLLATE NOCASE ASC, id ASC LIMIT 51");
    row("Contacts (1M): sort by last name, first page", first, Some(time(RUNS, bare(conn, &sql, &[]))));
    let (last, first_name, id): (String, String, String) = conn
        .query_row("SELECT last_name, first_name, id FROM contact ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id LIMIT 1 OFFSET 600000", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("a deep row");
    let deep = ListQuery { at: PageAt::After(format!("k[{},{},{}]", string(&last), string(&first_name), string(&id))), ..query.clone() };
    let deep_time = time(RUNS, || drop(store.contact_list_filtered(&deep, &ContactFilter::default()).expect("page")));
    let sql = format!("SELECT {CONTACT_COLUMNS}, last_name COLLATE NOCASE, first_name COLLATE NOCASE, id FROM contact WHERE 1 AND (last_name COLLATE NOCASE, first_name COLLATE NOCASE, id) > (?, ?, ?) ORDER BY last_name COLLATE NOCASE ASC, first_name COLLATE NOCASE ASC, id ASC LIMIT 51");
    row("Contacts (1M): same, deep page (after row 600,000)", deep_time, Some(time(RUNS, bare(conn, &sql, &[&last, &first_name, &id]))));

    let by_note = ListQuery { sort: Some("newest_note_at".into()), dir: crm_model::SortDir::Desc, limit: 50, ..ListQuery::default() };
    let first = time(RUNS, || drop(store.company_list_filtered(&by_note, &CompanyFilter::default()).expect("page")));
    let sql = format!("SELECT {COMPANY_COLUMNS}, ifnull(newest_note_at, 0), id FROM company WHERE 1 ORDER BY ifnull(newest_note_at, 0) DESC, id DESC LIMIT 51");
    row("Companies: sort by newest note, descending", first, Some(time(RUNS, bare(conn, &sql, &[]))));
}

fn string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn search(store: &Store) {
    for prefixes in [&["ma", "jo", "st", "an", "wi", "ch"][..], &["mar", "joh", "ste", "and", "wil", "sch"][..]] {
        let mut samples = Vec::new();
        for prefix in prefixes {
            let query = ListQuery { search: (*prefix).into(), limit: 50, ..ListQuery::default() };
            for _ in 0..10 {
                drop(store.contact_list(&query).expect("search"));
            }
            for _ in 0..RUNS / prefixes.len() {
                let start = Instant::now();
                let page = store.contact_list(&query).expect("search");
                samples.push(start.elapsed());
                assert_eq!(page.rows.len(), 50, "{prefix} finds a full page");
            }
        }
        let label = format!("Search-as-you-type, contacts (1M), {}-letter prefixes ({}), ranked, 50 rows", prefixes[0].len(), prefixes.join(", "));
        row(&label, percentiles(samples), None);
    }
    let mut samples = Vec::new();
    for prefix in ["ma", "st", "mar", "ste"] {
        let query = ListQuery { search: prefix.into(), limit: 50, ..ListQuery::default() };
        for _ in 0..RUNS / 4 {
            let start = Instant::now();
            drop(store.company_list(&query).expect("search"));
            samples.push(start.elapsed());
        }
    }
    row("Search-as-you-type, companies (100k), 2- and 3-letter prefixes", percentiles(samples), None);
}
