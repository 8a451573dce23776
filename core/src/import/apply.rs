//! The database half of an import: every row checked against the same rules as the forms,
//! duplicates found, then all rows written in one transaction, or none.
//!
//! [`Store::import_check`] is the dry run behind the preview: per-row problems with line numbers
//! and the duplicates it found. [`Store::import_apply`] runs the same check and writes only when
//! the file has no problem at all; a failure or a cancel half-way leaves the database as it was.
//! Every applied import is a batch that [`Store::import_undo`] can take back.
//!
//! The check and the writes run side by side (see [`Store::import_apply`]): a second connection
//! checks the rows against the database as it was before the import, on a thread of its own,
//! and hands their actions over in batches while this connection writes them. On two cores the
//! check (a quarter of a 100k-row import) then costs no time of its own.
//!
//! Duplicates (seed 002/003 and the issue): the same email, the same phone number whatever its
//! formatting (the search index already holds every phone as digits), or a similar name (see
//! `search::dedupe_key`) with the same postcode. A company row with a customer number that exists
//! is that company. Rows are also compared with earlier rows of the same file.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use crm_model::import::{DuplicateRow, ImportReport, ImportRequest, ImportTarget, OnDuplicate, RowProblem};
use crm_model::{CompanyInput, ContactInput, money};
use rusqlite::{Connection, OptionalExtension, types::Value};
use uuid::Uuid;

use super::{Table, check_mapping};
use crate::{CoreError, Result, Store, numbering::NumberKind, search, write::WriteTx};

/// One row's record, ready to write.
#[derive(Clone)]
enum Record {
    Company(CompanyInput),
    Contact(ContactInput),
}

enum Action {
    Create(Record),
    Update(Uuid, Record),
    Skip,
}

/// How often progress is reported and a cancel looked for, in rows; also the size of the
/// batches the checking thread hands to the writing one.
const PROGRESS_EVERY: u64 = 1_000;

/// Batches the check may run ahead of the writes: enough that neither side waits for the
/// other's hiccups, few enough that a refused file is noticed before much is written for
/// nothing.
const BATCHES_AHEAD: usize = 8;

fn cancelled() -> CoreError {
    CoreError::Blocked("Import cancelled; nothing was imported.".into())
}

impl Store {
    /// Check every row of `table` as `request` maps it, without writing anything.
    pub fn import_check(&self, table: &Table, request: &ImportRequest) -> Result<ImportReport> {
        plan(&self.conn, table, request, &mut |_| Ok(()))
    }

    /// Import `table`: all rows or, when any row has a problem, none (the report then lists the
    /// problems and `applied` is false). `progress` hears the rows written so far; setting
    /// `cancel` stops the import and leaves the database as it was.
    ///
    /// The rows are checked on a second connection, on a thread of its own, while this one
    /// writes the rows already checked; the check reads the database as it was before the
    /// import (this transaction is not committed yet, so nothing of it is visible there), which
    /// is what a check run first would have read. A problem found late rolls back what was
    /// written meanwhile. A database in memory has no second connection: it checks first.
    pub fn import_apply(
        &mut self,
        file_name: &str,
        table: &Table,
        request: &ImportRequest,
        progress: &mut dyn FnMut(u64),
        cancel: &AtomicBool,
    ) -> Result<ImportReport> {
        let Some(checker) = self.reader()? else {
            let mut actions = Vec::new();
            let report = plan(&self.conn, table, request, &mut |action| {
                actions.push(action);
                Ok(())
            })?;
            if !report.problems.is_empty() {
                return Ok(report);
            }
            return self.write_import(file_name, request.target, actions.into_iter(), || Ok(report), progress, cancel);
        };
        std::thread::scope(|scope| {
            let (send, receive) = mpsc::sync_channel::<Vec<Action>>(BATCHES_AHEAD);
            let check = scope.spawn(move || {
                let mut batch = Vec::with_capacity(PROGRESS_EVERY as usize);
                let report = plan(&checker, table, request, &mut |action| {
                    batch.push(action);
                    if batch.len() as u64 == PROGRESS_EVERY {
                        // The writer hangs up when it fails or is cancelled: stop checking.
                        send.send(std::mem::take(&mut batch)).map_err(|_| cancelled())?;
                    }
                    if cancel.load(Ordering::Relaxed) {
                        return Err(cancelled());
                    }
                    Ok(())
                })?;
                if report.problems.is_empty() {
                    send.send(batch).map_err(|_| cancelled())?;
                }
                Ok(report)
            });
            // Once the checker is done (and has dropped its sender), its report.
            let checked = || check.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            self.write_import(file_name, request.target, receive.into_iter().flatten(), checked, progress, cancel)
        })
    }

    /// Write the checked `actions` of an import in one transaction, then commit it when the
    /// check (`checked` gives its report once every action is through) found no problem.
    fn write_import(
        &mut self,
        file_name: &str,
        target: ImportTarget,
        actions: impl Iterator<Item = Action>,
        checked: impl FnOnce() -> Result<ImportReport>,
        progress: &mut dyn FnMut(u64),
        cancel: &AtomicBool,
    ) -> Result<ImportReport> {
        let batch_id = Uuid::now_v7();
        let target = match target {
            ImportTarget::Companies => "companies",
            ImportTarget::Contacts => "contacts",
        };
        let mut refused = None;
        let written = self.bulk_write(|w| {
            w.tx().execute(
                "INSERT INTO import_batch (id, target, file_name, created_at) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![batch_id.to_string(), target, file_name, w.now_ms()],
            )?;
            for (done, action) in actions.enumerate() {
                if (done as u64).is_multiple_of(PROGRESS_EVERY) {
                    if cancel.load(Ordering::Relaxed) {
                        return Err(cancelled());
                    }
                    progress(done as u64);
                }
                match action {
                    Action::Create(record) => create(w, batch_id, record)?,
                    Action::Update(id, record) => update(w, batch_id, id, record)?,
                    Action::Skip => {}
                }
            }
            let report = checked()?;
            if report.problems.is_empty() {
                Ok(report)
            } else {
                // Rolled back by the error; the report is the answer.
                refused = Some(report);
                Err(cancelled())
            }
        });
        if let Some(report) = refused {
            return Ok(report);
        }
        let mut report = written?;
        progress(report.rows);
        report.applied = true;
        report.batch_id = Some(batch_id);
        Ok(report)
    }

    /// Take back an import: delete the records it created and restore the values it replaced.
    /// Only the latest import that is not undone yet can be undone, because a later import may
    /// have changed the same records. Returns the number of records touched.
    pub fn import_undo(&mut self, batch_id: Uuid) -> Result<u64> {
        let latest: Option<String> = self
            .conn
            .query_row("SELECT id FROM import_batch WHERE undone_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1", [], |r| r.get(0))
            .optional()?;
        if latest.as_deref() != Some(batch_id.to_string().as_str()) {
            return Err(CoreError::Conflict("Only the latest import can be undone, and only once.".into()));
        }
        let rows: Vec<(String, String, String, Option<String>)> = self
            .conn
            .prepare("SELECT table_name, row_id, action, previous FROM import_row WHERE batch_id = ?1 ORDER BY rowid DESC")?
            .query_map([batch_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        self.bulk_write(|w| {
            // A record several rows of the file updated has an import row per update.
            let mut touched = std::collections::HashSet::new();
            for (table, row_id, action, previous) in &rows {
                let table = static_table(table)?;
                let id = Uuid::parse_str(row_id).map_err(|e| CoreError::Migration(e.to_string()))?;
                // A record deleted since the import stays deleted.
                if !crate::sql::exists(w.tx(), table, id)? {
                    continue;
                }
                match (action.as_str(), previous) {
                    ("created", _) => w.delete(table, id)?,
                    (_, Some(previous)) => {
                        w.update(table, id, &previous_columns(table, previous)?)?;
                    }
                    _ => continue,
                }
                touched.insert(id);
            }
            w.tx().execute("UPDATE import_batch SET undone_at = ?2 WHERE id = ?1", rusqlite::params![batch_id.to_string(), w.now_ms()])?;
            Ok(touched.len() as u64)
        })
    }
}

fn static_table(name: &str) -> Result<&'static str> {
    match name {
        "company" => Ok(crate::company::TABLE),
        "contact" => Ok(crate::contact::TABLE),
        other => Err(CoreError::Migration(format!("an import batch lists an unknown table {other:?}"))),
    }
}

/// The columns of `table` as stored in `import_row.previous`, with their `'static` names.
fn previous_columns(table: &'static str, json: &str) -> Result<Vec<(&'static str, Value)>> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(json).map_err(|e| CoreError::Migration(format!("a stored import row cannot be read: {e}")))?;
    let names: Vec<&'static str> = match table {
        "company" => crate::company::columns(&CompanyInput::default()).into_iter().map(|(n, _)| n).collect(),
        _ => crate::contact::columns(&ContactInput::default()).into_iter().map(|(n, _)| n).collect(),
    };
    Ok(names
        .into_iter()
        .filter_map(|name| {
            object.get(name).map(|value| {
                let value = match value {
                    serde_json::Value::String(text) => Value::Text(text.clone()),
                    serde_json::Value::Number(n) => n.as_i64().map(Value::Integer).unwrap_or(Value::Null),
                    _ => Value::Null,
                };
                (name, value)
            })
        })
        .collect())
}

fn to_json(columns: &[(&'static str, Value)]) -> String {
    let object: serde_json::Map<String, serde_json::Value> = columns
        .iter()
        .map(|(name, value)| {
            let json = match value {
                Value::Text(text) => serde_json::Value::from(text.as_str()),
                Value::Integer(n) => serde_json::Value::from(*n),
                _ => serde_json::Value::Null,
            };
            ((*name).to_owned(), json)
        })
        .collect();
    serde_json::Value::Object(object).to_string()
}

fn record_row(w: &WriteTx<'_>, batch_id: Uuid, table: &str, id: Uuid, action: &str, previous: Option<String>) -> Result<()> {
    w.tx()
        .prepare_cached("INSERT INTO import_row (batch_id, table_name, row_id, action, previous) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(rusqlite::params![batch_id.to_string(), table, id.to_string(), action, previous])?;
    Ok(())
}

fn create(w: &mut WriteTx<'_>, batch_id: Uuid, record: Record) -> Result<()> {
    let id = Uuid::now_v7();
    match record {
        Record::Company(input) => {
            let mut row = crate::company::columns(&input);
            row.push(("customer_number", crate::write::text(&w.allocate_number(NumberKind::Customer)?)));
            w.insert(crate::company::TABLE, id, &row)?;
            crate::company::set_tags(w, id, &input.tags)?;
            record_row(w, batch_id, crate::company::TABLE, id, "created", None)
        }
        Record::Contact(input) => {
            w.insert(crate::contact::TABLE, id, &crate::contact::columns(&input))?;
            crate::contact::set_links(w, id, &input.company_ids, &input.roles)?;
            record_row(w, batch_id, crate::contact::TABLE, id, "created", None)
        }
    }
}

fn update(w: &mut WriteTx<'_>, batch_id: Uuid, id: Uuid, record: Record) -> Result<()> {
    let (table, new_columns) = match &record {
        Record::Company(input) => (crate::company::TABLE, crate::company::columns(input)),
        Record::Contact(input) => (crate::contact::TABLE, crate::contact::columns(input)),
    };
    let names: Vec<&str> = new_columns.iter().map(|(n, _)| *n).collect();
    let previous: Vec<(&'static str, Value)> = {
        let mut select = w.tx().prepare_cached(&format!("SELECT {} FROM {table} WHERE id = ?1", names.join(", ")))?;
        let values: Vec<Value> = select.query_row([id.to_string()], |r| (0..names.len()).map(|i| r.get(i)).collect())?;
        new_columns.iter().map(|(n, _)| *n).zip(values).collect()
    };
    w.update(table, id, &new_columns)?;
    match &record {
        Record::Company(input) => crate::company::set_tags(w, id, &input.tags)?,
        Record::Contact(input) => crate::contact::set_links(w, id, &input.company_ids, &input.roles)?,
    }
    record_row(w, batch_id, table, id, "updated", Some(to_json(&previous)))
}

/// Check every row and decide what to do with it: `emit` hears each row's action in file order,
/// until the first problem (a file with a problem is not written, so its actions are moot).
///
/// Runs in one read transaction: every row is checked against the same snapshot, and the
/// statements skip starting and ending a transaction of their own each (a tenth of the check).
fn plan(conn: &Connection, table: &Table, request: &ImportRequest, emit: &mut dyn FnMut(Action) -> Result<()>) -> Result<ImportReport> {
    check_mapping(request.target, &request.mapping, &table.headers)?;
    let snapshot = conn.unchecked_transaction()?;
    let conn: &Connection = &snapshot;
    let column = |key: &str| request.mapping.column_of(key);
    let mut report = ImportReport { rows: table.rows.len() as u64, ..ImportReport::default() };
    let mut in_file = InFile::default();
    // Records that rows of this file update, as the updates so far leave them.
    let mut pending: HashMap<Uuid, Record> = HashMap::new();
    for row in &table.rows {
        let cell = |key: &str| column(key).and_then(|i| row.cells.get(i)).map(|c| c.trim().to_owned()).unwrap_or_default();
        let mut problems = Vec::new();
        let record = match request.target {
            ImportTarget::Companies => company_record(conn, &cell, &mut problems)?,
            ImportTarget::Contacts => contact_record(conn, &cell, &mut problems)?,
        };
        if !problems.is_empty() {
            report.problems.extend(problems.into_iter().map(|(field, message)| RowProblem { line: row.line, field, message }));
            continue;
        }
        let keys = Keys::of(&record);
        let found = match existing(conn, &record, &keys, &cell("customer_number"))? {
            Some(hit) => Some(hit),
            None => in_file.find(&keys),
        };
        in_file.add(&keys, row.line);
        let action = match found {
            None => {
                report.created += 1;
                Action::Create(record)
            }
            Some(hit) => {
                report.duplicates.push(DuplicateRow { line: row.line, existing_id: hit.id, existing: hit.shown, reason: hit.reason.into() });
                match (request.on_duplicate, hit.id) {
                    (OnDuplicate::CreateAnyway, _) => {
                        report.created += 1;
                        Action::Create(record)
                    }
                    (OnDuplicate::Update, Some(id)) => {
                        report.updated += 1;
                        // Several rows may update one record: each builds on the ones before
                        // (and undo takes them back in reverse).
                        let base = match pending.remove(&id) {
                            Some(base) => base,
                            None => load(conn, id, &record)?,
                        };
                        let updated = overlay(base, record);
                        pending.insert(id, updated.clone());
                        Action::Update(id, updated)
                    }
                    // A duplicate of an earlier row of the file is skipped when not created anyway:
                    // the earlier row already brings the record in.
                    _ => {
                        report.skipped += 1;
                        Action::Skip
                    }
                }
            }
        };
        if report.problems.is_empty() {
            emit(action)?;
        }
    }
    if !report.problems.is_empty() {
        (report.created, report.updated, report.skipped) = (0, 0, 0);
    }
    Ok(report)
}

type Cell<'a> = dyn Fn(&str) -> String + 'a;

/// Turn a validation error into per-field problems of the row.
fn collect(result: Result<()>, problems: &mut Vec<(String, String)>, rename: &[(&str, &str)]) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(CoreError::Invalid(fields)) => {
            for field in fields {
                let name = rename.iter().find(|(from, _)| *from == field.field).map(|(_, to)| (*to).to_owned()).unwrap_or(field.field);
                problems.push((name, field.message));
            }
            Ok(())
        }
        Err(other) => Err(other),
    }
}

fn company_record(conn: &Connection, cell: &Cell<'_>, problems: &mut Vec<(String, String)>) -> Result<Record> {
    let mut input = CompanyInput {
        name: cell("name"),
        phone: cell("phone"),
        email: cell("email"),
        website: cell("website"),
        street: cell("street"),
        city: cell("city"),
        postcode: cell("postcode"),
        region: cell("region"),
        country: cell("country"),
        price_code: cell("price_code"),
        tags: cell("tags").split([';', ',']).map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect(),
        ..CompanyInput::default()
    };
    match money::parse_cents(&cell("credit_limit")) {
        Ok(cents) => input.credit_limit_cents = cents,
        Err(message) => problems.push(("credit_limit".into(), message)),
    }
    match cell("payment_days").as_str() {
        "" => {}
        text => match text.parse() {
            Ok(days) => input.payment_days = Some(days),
            Err(_) => problems.push(("payment_days".into(), format!("{text:?} is not a whole number of days."))),
        },
    }
    collect(crate::company::validate(conn, &mut input), problems, &[("credit_limit_cents", "credit_limit")])?;
    Ok(Record::Company(input))
}

fn contact_record(conn: &Connection, cell: &Cell<'_>, problems: &mut Vec<(String, String)>) -> Result<Record> {
    let mut input = ContactInput {
        first_name: cell("first_name"),
        last_name: cell("last_name"),
        email: cell("email"),
        office_phone: cell("office_phone"),
        mobile_phone: cell("mobile_phone"),
        job_title: cell("job_title"),
        street: cell("street"),
        city: cell("city"),
        postcode: cell("postcode"),
        region: cell("region"),
        country: cell("country"),
        ..ContactInput::default()
    };
    let company = cell("company");
    if !company.is_empty() {
        match company_by_number_or_name(conn, &company)? {
            Ok(id) => input.company_ids.push(id),
            Err(message) => problems.push(("company".into(), message)),
        }
    }
    collect(crate::contact::validate(&mut input), problems, &[])?;
    Ok(Record::Contact(input))
}

/// The company a contact row names, by customer number or else by exact name (any case).
fn company_by_number_or_name(conn: &Connection, text: &str) -> Result<std::result::Result<Uuid, String>> {
    let by_number: Option<String> =
        conn.prepare_cached("SELECT id FROM company WHERE customer_number = ?1")?.query_row([text], |r| r.get(0)).optional()?;
    let ids: Vec<String> = match by_number {
        Some(id) => vec![id],
        None => conn
            .prepare_cached("SELECT id FROM company WHERE name = ?1 COLLATE NOCASE LIMIT 2")?
            .query_map([text], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
    };
    Ok(match ids.as_slice() {
        [one] => Ok(Uuid::parse_str(one).map_err(|e| CoreError::Migration(e.to_string()))?),
        [] => Err(format!("No company is named or numbered {text:?}. Import the companies first, or fix the name.")),
        _ => Err(format!("Several companies are named {text:?}; use the customer number instead.")),
    })
}

/// The keys a row is matched on.
#[derive(Default)]
struct Keys {
    entity: &'static str,
    email: String,
    phones: Vec<String>,
    name_and_postcode: Option<(String, String)>,
}

impl Keys {
    fn of(record: &Record) -> Keys {
        let (entity, email, phones, name, postcode) = match record {
            Record::Company(c) => ("company", &c.email, vec![&c.phone], search::dedupe_key(&c.name), &c.postcode),
            Record::Contact(c) => {
                ("contact", &c.email, vec![&c.office_phone, &c.mobile_phone], search::dedupe_key(&format!("{} {}", c.first_name, c.last_name)), &c.postcode)
            }
        };
        Keys {
            entity,
            email: email.to_lowercase(),
            // A shared switchboard number says little about a person: contacts match on mobile
            // numbers only when the office number is also the company's.
            phones: phones.into_iter().filter_map(|p| search::phone_digits(p)).filter(|d| d.len() >= 7).collect(),
            name_and_postcode: (!name.is_empty() && !postcode.is_empty()).then(|| (name, postcode.to_lowercase())),
        }
    }
}

struct Hit {
    id: Option<Uuid>,
    shown: String,
    reason: &'static str,
}

/// The record already in the database that this row duplicates, if any.
fn existing(conn: &Connection, record: &Record, keys: &Keys, customer_number: &str) -> Result<Option<Hit>> {
    let entity = keys.entity;
    let shown_sql = match entity {
        "company" => "SELECT id, name || ' (' || customer_number || ')' FROM company",
        _ => "SELECT id, trim(first_name || ' ' || last_name) FROM contact",
    };
    let one = |condition: &str, values: &[&str], reason: &'static str| -> Result<Option<Hit>> {
        let row: Option<(String, String)> = conn
            .prepare_cached(&format!("{shown_sql} WHERE {condition} LIMIT 1"))?
            .query_row(rusqlite::params_from_iter(values), |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(id, shown)| Ok(Hit { id: Some(Uuid::parse_str(&id).map_err(|e| CoreError::Migration(e.to_string()))?), shown, reason }))
            .transpose()
    };
    if matches!(record, Record::Company(_)) && !customer_number.is_empty()
        && let Some(hit) = one("customer_number = ?1", &[customer_number], "same customer number")? {
            return Ok(Some(hit));
        }
    if !keys.email.is_empty()
        && let Some(hit) = one("email = ?1 COLLATE NOCASE", &[&keys.email], "same email")? {
            return Ok(Some(hit));
        }
    for digits in &keys.phones {
        let condition = format!("id = (SELECT row_id FROM search_token WHERE entity = '{entity}' AND tier = 2 AND token = ?1 LIMIT 1)");
        if let Some(hit) = one(&condition, &[digits], "same phone number")? {
            return Ok(Some(hit));
        }
    }
    if let Some((name, postcode)) = &keys.name_and_postcode
        && let Some(hit) = one("dedupe_key = ?1 AND postcode = ?2 COLLATE NOCASE", &[name, postcode], "similar name and same postcode")? {
            return Ok(Some(hit));
        }
    Ok(None)
}

/// Rows of the file seen so far, by key, to catch a file that lists one record twice.
#[derive(Default)]
struct InFile {
    seen: HashMap<String, u64>,
}

impl InFile {
    fn keys(keys: &Keys) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        if !keys.email.is_empty() {
            out.push((format!("e:{}", keys.email), "same email"));
        }
        for phone in &keys.phones {
            out.push((format!("p:{phone}"), "same phone number"));
        }
        if let Some((name, postcode)) = &keys.name_and_postcode {
            out.push((format!("n:{name}\u{0}{postcode}"), "similar name and same postcode"));
        }
        out
    }

    fn find(&self, keys: &Keys) -> Option<Hit> {
        Self::keys(keys)
            .into_iter()
            .find_map(|(key, reason)| self.seen.get(&key).map(|line| Hit { id: None, shown: format!("line {line}"), reason }))
    }

    fn add(&mut self, keys: &Keys, line: u64) {
        for (key, _) in Self::keys(keys) {
            self.seen.entry(key).or_insert(line);
        }
    }
}

/// The record `id` as it is in the database, of the same kind as `like`.
fn load(conn: &Connection, id: Uuid, like: &Record) -> Result<Record> {
    Ok(match like {
        Record::Company(_) => {
            let mut input = crate::sql::get_by_id(
                conn,
                &format!("{} WHERE c.id = ?1", crate::company::SELECT_COMPANY),
                crate::company::TABLE,
                id,
                crate::company::company_from_row,
            )?
            .fields;
            input.tags = conn
                .prepare_cached("SELECT t.name FROM company_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.company_id = ?1 ORDER BY t.name")?
                .query_map([id.to_string()], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Record::Company(input)
        }
        Record::Contact(_) => Record::Contact(
            crate::sql::get_by_id(
                conn,
                &format!("{} WHERE id = ?1", crate::contact::SELECT_CONTACT),
                crate::contact::TABLE,
                id,
                crate::contact::contact_from_row,
            )?
            .to_input(),
        ),
    })
}

/// `base` with the row's non-empty values on top: an update never blanks a field.
fn overlay(base: Record, row: Record) -> Record {
    fn fill(target: &mut String, value: String) {
        if !value.is_empty() {
            *target = value;
        }
    }
    match (base, row) {
        (Record::Company(mut input), Record::Company(row)) => {
            for (target, value) in [
                (&mut input.name, row.name),
                (&mut input.phone, row.phone),
                (&mut input.email, row.email),
                (&mut input.website, row.website),
                (&mut input.street, row.street),
                (&mut input.city, row.city),
                (&mut input.postcode, row.postcode),
                (&mut input.region, row.region),
                (&mut input.country, row.country),
                (&mut input.price_code, row.price_code),
            ] {
                fill(target, value);
            }
            input.credit_limit_cents = row.credit_limit_cents.or(input.credit_limit_cents);
            input.payment_days = row.payment_days.or(input.payment_days);
            for tag in row.tags {
                if !input.tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
                    input.tags.push(tag);
                }
            }
            Record::Company(input)
        }
        (Record::Contact(mut input), Record::Contact(row)) => {
            for (target, value) in [
                (&mut input.first_name, row.first_name),
                (&mut input.last_name, row.last_name),
                (&mut input.email, row.email),
                (&mut input.office_phone, row.office_phone),
                (&mut input.mobile_phone, row.mobile_phone),
                (&mut input.job_title, row.job_title),
                (&mut input.street, row.street),
                (&mut input.city, row.city),
                (&mut input.postcode, row.postcode),
                (&mut input.region, row.region),
                (&mut input.country, row.country),
            ] {
                fill(target, value);
            }
            for company in row.company_ids {
                if !input.company_ids.contains(&company) {
                    input.company_ids.push(company);
                }
            }
            Record::Contact(input)
        }
        // One import has one target, so both sides are always of one kind.
        (base, _) => base,
    }
}
