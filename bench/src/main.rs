//! `cargo run --release -p crm-bench [-- --db PATH] [--lists | --import | --leads | --sync]`: the benchmarks of the README.
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

/// The desktop app's allocator (`src-tauri/src/main.rs`), so that the numbers are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod sync;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--sync") {
        sync::run();
        return;
    }
    let db = args.iter().position(|a| a == "--db").and_then(|i| args.get(i + 1)).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/bench/crm-1m.sqlite3"));
    let store = open_or_generate(&db);
    settle(&db);
    let conn = rusqlite::Connection::open(&db).expect("open the database a second time for bare SQL");
    println!("| Measurement | p50 | p95 | bare SQL p50 | bare SQL p95 | ratio p95 | bare SQL, owned values, p95 | ratio p95 |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    if args.iter().any(|a| a == "--leads") {
        let mut store = store;
        leads_bench(&mut store, &conn);
        return;
    }
    let only_import = args.iter().any(|a| a == "--import");
    if !only_import {
        list_pages(&store, &conn);
        search(&store);
    }
    // `--lists` stops here: the list and search numbers take seconds, export and import minutes.
    if args.iter().any(|a| a == "--lists") {
        return;
    }
    if !only_import {
        export_bench(&store, &db);
    }
    let mut store = store;
    import_bench(&mut store, &db);
}

/// The customer list's export at 100k rows (every company, 19 columns) against openpyxl in
/// write-only mode on the same rows, timed in the same run.
fn export_bench(store: &Store, db: &std::path::Path) {
    use std::sync::atomic::AtomicBool;
    let dir = db.parent().expect("folder").join("export");
    std::fs::create_dir_all(&dir).expect("export folder");
    let query = ListQuery { sort: Some("name".into()), ..ListQuery::default() };
    let cancel = AtomicBool::new(false);
    let mut runs = Vec::new();
    let mut rows = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let progress = crm_core::export::Progress { report: &mut |_| {}, cancel: &cancel };
        rows = store.company_export(&dir.join("customers.xlsx"), &query, &CompanyFilter::default(), &Default::default(), progress).expect("export");
        runs.push(start.elapsed());
    }
    let (p50, _) = percentiles(runs.clone());
    let best = runs.iter().min().expect("runs").as_secs_f64();
    let start = Instant::now();
    let progress = crm_core::export::Progress { report: &mut |_| {}, cancel: &cancel };
    store.company_export(&dir.join("customers.csv"), &query, &CompanyFilter::default(), &Default::default(), progress).expect("csv export");
    let csv = start.elapsed().as_secs_f64();
    println!("| Export of the customer list to .xlsx, {rows} rows x 19 columns (3 runs: median, best) | {p50:.0} ms | {:.0} ms | | | | | |", best * 1000.0);
    println!("| Export of the same list to CSV | {:.0} ms | | | | | | |", csv * 1000.0);
    // openpyxl gets the same rows: the exported CSV, with the kinds line its script expects.
    let input = dir.join("openpyxl-input.csv");
    let text = std::fs::read_to_string(dir.join("customers.csv")).expect("read csv");
    let mut lines = text.trim_start_matches('\u{feff}').split_inclusive('\n');
    let header = lines.next().expect("header");
    let kinds = "text,text,text,text,text,text,text,text,text,text,text,text,money,int,percent,text,text,datetime,date\r\n";
    std::fs::write(&input, [header, kinds].concat() + &lines.collect::<String>()).expect("write openpyxl input");
    let python = std::process::Command::new("python3").arg("scripts/openpyxl_export.py").arg(dir.join("openpyxl-input.csv")).arg(dir.join("openpyxl.xlsx")).output();
    match python {
        Ok(out) if out.status.success() => {
            let seconds: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(f64::NAN);
            println!("| openpyxl (write-only) on the same rows | {:.0} ms | | | | {:.0}x slower than ours | | |", seconds * 1000.0, seconds / (p50 / 1000.0));
        }
        Ok(out) => println!("| openpyxl (write-only) on the same rows | failed: {} | | | | | | |", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")),
        Err(e) => println!("| openpyxl (write-only) on the same rows | not run: {e} | | | | | | |"),
    }
}

/// Bring the database to the state a user's has between bulk writes: the write-ahead log copied
/// into the database (the app does that on a thread of its own after an import) and on disk.
/// Generating the database, or a previous run's import and undo, can leave gigabytes of log
/// behind; every page read then looks it up there (list pages and leads measured twice as slow),
/// and the kernel would write the dirty pages back while later runs are timed.
fn settle(db: &std::path::Path) {
    rusqlite::Connection::open(db).and_then(|c| c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))).expect("checkpoint");
    let _ = std::process::Command::new("sync").status();
}

/// 100k new CSV rows (a tenth of them duplicates of existing customers) imported into the
/// populated database with dedupe and the search index kept current; undone afterwards so the
/// next run starts from the same data.
fn import_bench(store: &mut Store, db: &std::path::Path) {
    use std::fmt::Write as _;
    use std::sync::atomic::AtomicBool;
    let path = db.parent().expect("folder").join("import-100k.csv");
    let existing: Vec<String> = store.company_list(&ListQuery { limit: 500, ..ListQuery::default() }).expect("companies").rows.into_iter().map(|r| r.email).collect();
    let existing: Vec<String> = existing.into_iter().cycle().take(10_000).collect();
    let mut csv = String::from("Company Name,Phone,Email,Street,City,Zip,State,Country,Credit Limit,Payment Days,Price Code,Tags\n");
    for i in 0..100_000 {
        let email = match existing.get(i / 10) {
            Some(email) if i % 10 == 0 => email.clone(),
            _ => format!("buyer{i}@import{i}.example"),
        };
        let _ = writeln!(csv, "Imported Company {i},+1 555 {:03} {:04},{email},{} Import Way,Springfield,{:05},IL,United States,\"{},000.00\",30,P{},Imported", 100 + i / 10_000, i % 10_000, i % 9000, 10_000 + i % 90_000, i % 500, i % 5);
    }
    std::fs::write(&path, csv).expect("write the import file");
    let start = Instant::now();
    let table = crm_core::import::read_file(&path).expect("read");
    let read = start.elapsed();
    let mapping = crm_core::import::suggest_mapping(crm_model::import::ImportTarget::Companies, &table.headers);
    let request = crm_model::import::ImportRequest { target: crm_model::import::ImportTarget::Companies, mapping, on_duplicate: crm_model::import::OnDuplicate::Skip };
    let check_start = Instant::now();
    store.import_check(&table, &request).expect("check");
    eprintln!("(check alone: {:.0} ms)", check_start.elapsed().as_secs_f64() * 1000.0);
    let start = Instant::now();
    let report = store.import_apply("import-100k.csv", &table, &request, &mut |_| {}, &AtomicBool::new(false)).expect("import");
    let total = start.elapsed();
    assert!(report.applied, "{:?}", report.problems.first());
    println!(
        "| Import of 100,000 CSV rows into the 1M database (read {:.0} ms; {} created, {} duplicates skipped) | {:.0} ms | | | | | | |",
        read.as_secs_f64() * 1000.0,
        report.created,
        report.skipped,
        total.as_secs_f64() * 1000.0
    );
    let undo = Instant::now();
    store.import_undo(report.batch_id.expect("batch")).expect("undo");
    eprintln!("(undo of the benchmark import took {:.1} s)", undo.elapsed().as_secs_f64());
}


/// The lead columns the core's list reads (`lead/types.rs`), for the bare statement.
const LEAD_COLUMNS: &str = "lead.id, lead.lead_number, lead.title, lead.company_id,
    lead.company_name, (SELECT region FROM company WHERE id = lead.company_id),
    lead.state, lead.program_name, lead.source_name,
    (SELECT name FROM app_user WHERE id = lead.isr_id), (SELECT name FROM app_user WHERE id = lead.osr_id),
    lead.assigned_name, lead.probability, lead.value_cents, lead.expected_close,
    lead.newest_note_at";

/// `--leads`: the pipeline issue's numbers at a million leads (generated once into the same
/// database): the weighted pipeline, a lead list page against its bare statement, and charts.
fn leads_bench(store: &mut Store, conn: &rusqlite::Connection) {
    use crm_model::{ChartScope, LeadChartKind, LeadFilter, SortDir};
    const LEADS: usize = 1_000_000;
    let have: i64 = conn.query_row("SELECT count(*) FROM lead", [], |r| r.get(0)).expect("count leads");
    if (have as usize) < LEADS {
        eprintln!("Generating {} leads (once; later runs reuse them)...", LEADS - have as usize);
        let start = Instant::now();
        store
            .generate_demo_leads(2026, LEADS - have as usize, &mut |done| {
                if done % 100_000 == 0 {
                    eprintln!("  {done} leads, {:.0} s", start.elapsed().as_secs_f64());
                }
            })
            .expect("generate leads");
        eprintln!("Generated in {:.0} s.", start.elapsed().as_secs_f64());
        settle(conn.path().map(std::path::Path::new).expect("a database file"));
    }
    row("Weighted pipeline (1M leads): total, by state, rep, program, source and month, with trend", time(RUNS, || drop(store.pipeline().expect("pipeline"))), None);

    let open = LeadFilter { open: Some(true), ..LeadFilter::default() };
    let query = ListQuery { sort: Some("value_cents".into()), dir: SortDir::Desc, limit: 50, ..ListQuery::default() };
    let first = || drop(store.lead_list(&query, &open).expect("page"));
    let sql = format!(
        "SELECT {LEAD_COLUMNS}, value_cents, id FROM lead WHERE +lead.state IN ('pending', 'development', 'quoting') ORDER BY value_cents DESC, id DESC LIMIT 51"
    );
    compare("Leads (1M): open, sort by value descending, first page", first, conn, &sql, &[]);
    let program = "00000000-0000-7000-8000-000000000402";
    let by_program = LeadFilter { program_id: Some(program.parse().expect("id")), ..LeadFilter::default() };
    let query = ListQuery { sort: Some("lead_number".into()), limit: 50, ..ListQuery::default() };
    let first = || drop(store.lead_list(&query, &by_program).expect("page"));
    let sql = format!(
        "SELECT {LEAD_COLUMNS}, length(lead_number), lead_number, id FROM lead WHERE +lead.program_id = ? ORDER BY length(lead_number) ASC, lead_number ASC, id ASC LIMIT 51"
    );
    compare("Leads (1M): one program, sort by lead number, first page", first, conn, &sql, &[program]);

    for (kind, scope, name) in [
        (LeadChartKind::ByState, ChartScope::All, "leads by state, all leads"),
        (LeadChartKind::Funnel, ChartScope::Program(program.parse().expect("id")), "funnel, one program"),
        (LeadChartKind::PipelineByMonth, ChartScope::All, "weighted pipeline by month, all leads"),
        (LeadChartKind::PipelineByMonth, ChartScope::Program(program.parse().expect("id")), "weighted pipeline by month, one program"),
        (LeadChartKind::WinRate, ChartScope::All, "win rate by month, all leads"),
        (LeadChartKind::WinRate, ChartScope::Program(program.parse().expect("id")), "win rate by month, one program"),
    ] {
        row(&format!("Chart to SVG with its query (1M leads): {name}"), time(50, || drop(store.lead_chart(kind, scope).expect("chart"))), None);
    }
}

fn open_or_generate(path: &std::path::Path) -> Store {
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
    let [timed] = time_in_turn(runs, [&mut f]);
    timed
}

/// p50 and p95 of each of `fs` over `runs` runs, timed in turn within one loop, so that whatever
/// else the machine does in the meantime falls on all of them alike. The first ten runs of each
/// warm the caches and are not counted.
fn time_in_turn<const N: usize>(runs: usize, mut fs: [&mut dyn FnMut(); N]) -> [(f64, f64); N] {
    let mut samples: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::with_capacity(runs));
    for run in 0..runs + 10 {
        for (which, f) in fs.iter_mut().enumerate() {
            let start = Instant::now();
            f();
            if run >= 10 {
                samples[which].push(start.elapsed());
            }
        }
    }
    samples.map(percentiles)
}

fn row(name: &str, core: (f64, f64), bare: Option<(f64, f64)>) {
    match bare {
        Some(bare) => println!("| {name} | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms | {:.2}x |", core.0, core.1, bare.0, bare.1, core.1 / bare.1),
        None => println!("| {name} | {:.3} ms | {:.3} ms | | | | | |", core.0, core.1),
    }
}

/// Print a list-page measurement next to the bare statement for the same page: the same SQL the
/// core runs, stepped through with its values read in place, and again with every value copied
/// into owned Rust values (what any caller must do at least), without mapping to wire types or
/// making cursors. The three are timed in turn ([`time_in_turn`]).
fn compare(name: &str, mut core: impl FnMut(), conn: &rusqlite::Connection, sql: &str, params: &[&str]) {
    let mut stepped = bare(conn, sql, params, false);
    let mut owned = bare(conn, sql, params, true);
    let [core, stepped, owned] = time_in_turn(RUNS, [&mut core, &mut stepped, &mut owned]);
    println!(
        "| {name} | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms | {:.2}x | {:.3} ms | {:.2}x |",
        core.0,
        core.1,
        stepped.0,
        stepped.1,
        core.1 / stepped.1,
        owned.1,
        core.1 / owned.1
    );
}

fn bare(conn: &rusqlite::Connection, sql: &str, params: &[&str], owned: bool) -> impl FnMut() {
    let sql = sql.to_owned();
    let params: Vec<String> = params.iter().map(|p| (*p).to_owned()).collect();
    let conn: &'static rusqlite::Connection = Box::leak(Box::new(rusqlite::Connection::open(conn.path().expect("file")).expect("open")));
    move || {
        let mut statement = conn.prepare_cached(&sql).expect("prepare");
        let mut rows = statement.query(rusqlite::params_from_iter(params.iter())).expect("query");
        let mut n = 0;
        while let Some(row) = rows.next().expect("row") {
            if owned {
                let values: Vec<rusqlite::types::Value> = (0..row.as_ref().column_count()).map(|i| row.get(i).expect("column")).collect();
                std::hint::black_box(values);
            } else {
                for i in 0..row.as_ref().column_count() {
                    std::hint::black_box(row.get_ref(i).expect("column"));
                }
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
    let first = || drop(store.company_list_filtered(&query, &filter).expect("page"));
    let sql = format!("SELECT {COMPANY_COLUMNS}, name COLLATE NOCASE, company.rowid FROM company WHERE region = ? COLLATE NOCASE ORDER BY name COLLATE NOCASE ASC, company.rowid ASC LIMIT 51");
    compare("Companies: state filter + sort by name, first page", first, conn, &sql, &["TX"]);
    let (name, id): (String, i64) = conn
        .query_row("SELECT name, rowid FROM company WHERE region = 'TX' COLLATE NOCASE ORDER BY name COLLATE NOCASE, rowid LIMIT 1 OFFSET 10000", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("a deep row");
    let cursor = format!("k[{},{id}]", string(&name));
    let deep = ListQuery { at: PageAt::After(cursor), ..query.clone() };
    let page = store.company_list_filtered(&deep, &filter).expect("deep page");
    assert_eq!(page.rows.len(), 50);
    let deep_page = || drop(store.company_list_filtered(&deep, &filter).expect("page"));
    let sql = format!("SELECT {COMPANY_COLUMNS}, name COLLATE NOCASE, company.rowid FROM company WHERE region = ? COLLATE NOCASE AND name COLLATE NOCASE >= ?2 AND (name COLLATE NOCASE, company.rowid) > (?2, CAST(?3 AS INTEGER)) ORDER BY name COLLATE NOCASE ASC, company.rowid ASC LIMIT 51");
    compare("Companies: same, deep page (after row 10,000 of 11,141)", deep_page, conn, &sql, &["TX", &name, &id.to_string()]);

    // Contacts by newest note, descending, and by last name deep into the million.
    let query = ListQuery { sort: Some("last_name".into()), limit: 50, ..ListQuery::default() };
    let first = || drop(store.contact_list_filtered(&query, &ContactFilter::default()).expect("page"));
    let sql = format!("SELECT {CONTACT_COLUMNS}, last_name COLLATE NOCASE, first_name COLLATE NOCASE, contact.rowid FROM contact WHERE 1 ORDER BY last_name COLLATE NOCASE ASC, first_name COLLATE NOCASE ASC, contact.rowid ASC LIMIT 51");
    compare("Contacts (1M): sort by last name, first page", first, conn, &sql, &[]);
    let (last, first_name, id): (String, String, i64) = conn
        .query_row("SELECT last_name, first_name, rowid FROM contact ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, rowid LIMIT 1 OFFSET 600000", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("a deep row");
    let deep = ListQuery { at: PageAt::After(format!("k[{},{},{id}]", string(&last), string(&first_name))), ..query.clone() };
    let deep_page = || drop(store.contact_list_filtered(&deep, &ContactFilter::default()).expect("page"));
    let sql = format!("SELECT {CONTACT_COLUMNS}, last_name COLLATE NOCASE, first_name COLLATE NOCASE, contact.rowid FROM contact WHERE 1 AND last_name COLLATE NOCASE >= ?1 AND (last_name COLLATE NOCASE, first_name COLLATE NOCASE, contact.rowid) > (?1, ?2, CAST(?3 AS INTEGER)) ORDER BY last_name COLLATE NOCASE ASC, first_name COLLATE NOCASE ASC, contact.rowid ASC LIMIT 51");
    compare("Contacts (1M): same, deep page (after row 600,000)", deep_page, conn, &sql, &[&last, &first_name, &id.to_string()]);

    let by_note = ListQuery { sort: Some("newest_note_at".into()), dir: crm_model::SortDir::Desc, limit: 50, ..ListQuery::default() };
    let first = || drop(store.company_list_filtered(&by_note, &CompanyFilter::default()).expect("page"));
    let sql = format!("SELECT {COMPANY_COLUMNS}, ifnull(newest_note_at, 0), company.rowid FROM company WHERE 1 ORDER BY ifnull(newest_note_at, 0) DESC, company.rowid DESC LIMIT 51");
    compare("Companies: sort by newest note, descending", first, conn, &sql, &[]);
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
