//! Small SQL helpers shared by the entity modules' queries.

use crm_model::{Count, ListQuery, Page, PageAt, SortDir, limits};
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter, types::Value};
use uuid::Uuid;

use crate::{CoreError, Result, search};

/// Ids are stored as hyphenated UUID text.
pub(crate) fn parse_id(text: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// The sort expressions for a list query. The spec's sorts map the sort names the UI may send to
/// SQL expressions; anything else is refused, so no user text ever reaches the SQL. The spec's
/// tie-break is the last key, so that rows with equal values keep a stable order between pages.
fn sort_keys<T>(query: &ListQuery, spec: &ListSpec<T>) -> Result<Vec<String>> {
    let name = query.sort.as_deref().unwrap_or(spec.default_sort);
    let (_, expression) = spec
        .sorts
        .iter()
        .find(|(key, _)| *key == name)
        .ok_or_else(|| CoreError::invalid("sort", format!("Cannot sort by {name:?}.")))?;
    Ok(split_top_level(expression).into_iter().chain([spec.tiebreak.to_owned()]).collect())
}

/// `a, ifnull(b, 0)` as `["a", "ifnull(b, 0)"]`: commas inside parentheses belong to a call.
fn split_top_level(expression: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0;
    for c in expression.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(part) = parts.last_mut() {
            part.push(c);
        }
    }
    parts.into_iter().map(|p| p.trim().to_owned()).collect()
}

/// The limit, checked against the largest page a command may return.
pub(crate) fn page_limit(query: &ListQuery) -> Result<u32> {
    match query.limit {
        0 => Err(CoreError::invalid("limit", "A page needs at least one row.")),
        n if n > limits::PAGE_MAX => Err(CoreError::invalid("limit", format!("At most {} rows per page.", limits::PAGE_MAX))),
        n => Ok(n),
    }
}

/// How an entity's list is read: `SELECT {columns} FROM {table} WHERE ...`, its sorts and the
/// mapping of the selected columns to a list row.
pub(crate) struct ListSpec<T> {
    /// The table, which is also the entity name in the search index. Conditions and columns may
    /// name it (`company.id`).
    pub table: &'static str,
    pub columns: &'static str,
    /// Sort names and their SQL. An expression that may be NULL must be wrapped in `ifnull`:
    /// keyset paging compares row values, and NULL compares as unknown.
    pub sorts: &'static [(&'static str, &'static str)],
    pub default_sort: &'static str,
    /// The last sort key, unique per row: `id`, or `rowid` where the sort indexes end with the
    /// rowid alone to stay small (companies and contacts, migration 0012). Either way an index
    /// on a sort expression serves the whole `ORDER BY`.
    pub tiebreak: &'static str,
    pub map: fn(&Row<'_>) -> rusqlite::Result<T>,
}

impl<T> ListSpec<T> {
    /// The same list (table, sorts, default order and tie-break) read into other rows: what an
    /// export writes of the list the screen shows.
    pub const fn reading<U>(&self, columns: &'static str, map: fn(&Row<'_>) -> rusqlite::Result<U>) -> ListSpec<U> {
        ListSpec { table: self.table, columns, sorts: self.sorts, default_sort: self.default_sort, tiebreak: self.tiebreak, map }
    }
}

/// Extra conditions of a list (its filters), each a SQL constant with anonymous `?` placeholders
/// and the values they bind, in order. Only values ever come from the user.
#[derive(Default, Clone)]
pub(crate) struct Conditions {
    sql: Vec<String>,
    values: Vec<Value>,
}

impl Conditions {
    pub fn push(&mut self, sql: impl Into<String>, values: impl IntoIterator<Item = Value>) {
        self.sql.push(sql.into());
        self.values.extend(values);
    }

    fn is_empty(&self) -> bool {
        self.sql.is_empty()
    }

    fn where_clause(&self) -> String {
        if self.sql.is_empty() { "1".to_owned() } else { self.sql.join(" AND ") }
    }
}

/// One page of a list: in relevance order when there is a search and no explicit sort, otherwise
/// by the sort, read with keyset paging.
pub(crate) fn list_page<T>(conn: &Connection, spec: &ListSpec<T>, query: &ListQuery, mut filters: Conditions) -> Result<Page<T>> {
    let limit = page_limit(query)?;
    let needle = search::Needle::new(&query.search);
    if needle.is_none() && !query.search.trim().is_empty() {
        // Only punctuation: nothing can match.
        return Ok(Page { rows: Vec::new(), prev: None, next: None });
    }
    match needle {
        Some(needle) if query.sort.is_none() => ranked_page(conn, spec, query, &needle, limit as usize, &filters),
        needle => {
            if let Some(needle) = needle {
                let (sql, values) = needle.condition(spec.table, &format!("{}.id", spec.table));
                filters.push(sql, values.into_iter().map(Value::Text));
            }
            sorted_page(conn, spec, query, limit as usize, &filters)
        }
    }
}

/// The number of rows matching a list's search and filters, exact without them and capped at
/// [`Count::CAP`] with them (see [`Count`]).
pub(crate) fn list_count<T>(conn: &Connection, spec: &ListSpec<T>, search: &str, mut filters: Conditions) -> Result<Count> {
    let needle = search::Needle::new(search);
    if needle.is_none() && !search.trim().is_empty() {
        return Ok(Count { rows: 0, capped: false });
    }
    if let Some(needle) = needle {
        let (sql, values) = needle.condition(spec.table, &format!("{}.id", spec.table));
        filters.push(sql, values.into_iter().map(Value::Text));
    }
    if filters.is_empty() {
        let rows: i64 = conn.prepare_cached(&format!("SELECT count(*) FROM {}", spec.table))?.query_row([], |r| r.get(0))?;
        return Ok(Count { rows: rows as u64, capped: false });
    }
    let sql = format!("SELECT count(*) FROM (SELECT 1 FROM {} WHERE {} LIMIT {})", spec.table, filters.where_clause(), Count::CAP);
    let rows: i64 = conn.prepare_cached(&sql)?.query_row(params_from_iter(filters.values.iter()), |r| r.get(0))?;
    Ok(Count { rows: rows as u64, capped: rows as u64 >= Count::CAP })
}

/// A sorted page, by keyset: the cursor holds the sort key of the row the page starts after (or
/// ends before), and the query continues from there through the index.
fn sorted_page<T>(conn: &Connection, spec: &ListSpec<T>, query: &ListQuery, limit: usize, filters: &Conditions) -> Result<Page<T>> {
    let keys = sort_keys(query, spec)?;
    let ascending = query.dir == SortDir::Asc;
    // Reading backwards (the page before a cursor, or the last page) reverses the order.
    let (cursor, forward) = match &query.at {
        PageAt::First => (None, true),
        PageAt::Last => (None, false),
        PageAt::After(cursor) => (Some(decode_cursor(cursor, keys.len())?), true),
        PageAt::Before(cursor) => (Some(decode_cursor(cursor, keys.len())?), false),
    };
    let scan_ascending = ascending == forward;
    let dir = if scan_ascending { "ASC" } else { "DESC" };
    let mut sql = format!("SELECT {}, {} FROM {} WHERE {}", spec.columns, keys.join(", "), spec.table, filters.where_clause());
    let mut values: Vec<Value> = filters.values.clone();
    if let Some(cursor) = cursor {
        let op = if scan_ascending { ">" } else { "<" };
        // The lone first-key term is implied by the row-value one, but SQLite only starts the
        // index range scan at the cursor when it sees it: without it a deep page scans from the
        // top (51 ms instead of 0.35 ms at row 600,000 of a million).
        sql.push_str(&format!(" AND {} {op}= ? AND ({}) {op} ({})", keys[0], keys.join(", "), vec!["?"; keys.len()].join(", ")));
        values.push(cursor[0].clone());
        values.extend(cursor);
    }
    // The limit is written into the SQL, not bound: SQLite reads a bound LIMIT's value while
    // planning, so a bound one made it compile the statement again on every page (measured with
    // `Statement::get_status(RePrepare)`: a third of a lead page's time). The limit is a checked
    // number and a page size rarely changes, so the statement cache still holds it.
    sql.push_str(&format!(" ORDER BY {} LIMIT {}", keys.iter().map(|k| format!("{k} {dir}")).collect::<Vec<_>>().join(", "), limit + 1));
    let mut rows = Vec::with_capacity(limit + 1);
    // Only the first row's and the last on-page row's keys become cursors; reading them for
    // every row would cost more than the rest of the paging.
    let (mut first_keys, mut last_keys) = (Vec::new(), Vec::new());
    let mut statement = conn.prepare_cached(&sql)?;
    let n_columns = statement.column_count() - keys.len();
    let mut result = statement.query(params_from_iter(values))?;
    while let Some(row) = result.next()? {
        let index = rows.len();
        rows.push((spec.map)(row)?);
        if index == 0 || index + 1 == limit {
            let row_keys = (n_columns..n_columns + keys.len()).map(|i| row.get::<_, Value>(i)).collect::<rusqlite::Result<Vec<_>>>()?;
            if index == 0 {
                first_keys = row_keys.clone();
            }
            last_keys = row_keys;
        }
    }
    let more = rows.len() > limit;
    rows.truncate(limit);
    if !forward {
        rows.reverse();
        std::mem::swap(&mut first_keys, &mut last_keys);
    }
    // A page read backwards that comes up short has reached the start: show the first page.
    if matches!(query.at, PageAt::Before(_)) && !more {
        let first = ListQuery { at: PageAt::First, ..query.clone() };
        return sorted_page(conn, spec, &first, limit, filters);
    }
    let first_key = (!rows.is_empty()).then(|| encode_cursor(&first_keys));
    let last_key = (!rows.is_empty()).then(|| encode_cursor(&last_keys));
    let (prev, next) = match query.at {
        PageAt::First => (None, if more { last_key } else { None }),
        PageAt::After(_) => (first_key, if more { last_key } else { None }),
        PageAt::Before(_) | PageAt::Last => (if more { first_key } else { None }, if matches!(query.at, PageAt::Last) { None } else { last_key }),
    };
    Ok(Page { rows, prev: prev.map(|c| format!("k{c}")), next: next.map(|c| format!("k{c}")) })
}

/// A page in relevance order: tier by tier through the search index (see `search`), skipping
/// rows already taken, until the page is full. Paging is by position ("o100").
fn ranked_page<T>(conn: &Connection, spec: &ListSpec<T>, query: &ListQuery, needle: &search::Needle, limit: usize, filters: &Conditions) -> Result<Page<T>> {
    let offset = match &query.at {
        PageAt::First => 0,
        PageAt::After(cursor) | PageAt::Before(cursor) => cursor
            .strip_prefix('o')
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| CoreError::invalid("at", "The list changed since this page was read; go back to the first page."))?,
        PageAt::Last => return Err(CoreError::invalid("at", "Search results have no last page; sort by a column to jump to the end.")),
    };
    let wanted = offset + limit + 1;
    let mut seen = std::collections::HashSet::with_capacity(wanted);
    let mut ids: Vec<String> = Vec::with_capacity(wanted);
    let sql = format!(
        "SELECT t.row_id FROM search_token t JOIN {table} ON {table}.id = t.row_id
         WHERE t.entity = ? AND t.tier = ? AND t.token >= ? AND t.token < ? AND {} ORDER BY t.token",
        filters.where_clause(),
        table = spec.table
    );
    let mut statement = conn.prepare_cached(&sql)?;
    'tiers: for tier in search::TIERS {
        for (from, to) in needle.ranges(tier) {
            let head = [Value::Text(spec.table.to_owned()), Value::Integer(tier), Value::Text(from), Value::Text(to)];
            let mut result = statement.query(params_from_iter(head.iter().chain(filters.values.iter())))?;
            while let Some(row) = result.next()? {
                let id: String = row.get(0)?;
                if seen.insert(id.clone()) {
                    ids.push(id);
                    if ids.len() == wanted {
                        break 'tiers;
                    }
                }
            }
        }
    }
    let more = ids.len() == wanted;
    let mut select = conn.prepare_cached(&format!("SELECT {} FROM {table} WHERE {table}.id = ?1", spec.columns, table = spec.table))?;
    let rows = ids
        .iter()
        .skip(offset)
        .take(limit)
        .map(|id| select.query_row([id], spec.map))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page {
        rows,
        prev: (offset > 0).then(|| format!("o{}", offset.saturating_sub(limit))),
        next: more.then(|| format!("o{}", offset + limit)),
    })
}

/// Every row of a list, read page by page through `read_page` with the largest page size, as an
/// iterator for exports: memory stays at one page however long the list is, and the keyset
/// cursor keeps the thousandth page as cheap as the first.
pub(crate) fn all_rows<'a, T: 'a>(query: &ListQuery, read_page: impl FnMut(&ListQuery) -> Result<Page<T>> + 'a) -> impl Iterator<Item = Result<T>> + 'a {
    let mut query = ListQuery { at: PageAt::First, limit: limits::PAGE_MAX, ..query.clone() };
    let mut read_page = read_page;
    let mut buffer = Vec::new().into_iter();
    let mut done = false;
    std::iter::from_fn(move || {
        loop {
            if let Some(row) = buffer.next() {
                return Some(Ok(row));
            }
            if done {
                return None;
            }
            match read_page(&query) {
                Err(error) => {
                    done = true;
                    return Some(Err(error));
                }
                Ok(page) => {
                    buffer = page.rows.into_iter();
                    match page.next {
                        Some(next) => query.at = PageAt::After(next),
                        None => done = true,
                    }
                }
            }
        }
    })
}

fn encode_cursor(keys: &[Value]) -> String {
    let json: Vec<serde_json::Value> = keys
        .iter()
        .map(|value| match value {
            Value::Integer(n) => serde_json::Value::from(*n),
            Value::Text(text) => serde_json::Value::from(text.as_str()),
            Value::Real(x) => serde_json::Value::from(*x),
            Value::Null | Value::Blob(_) => serde_json::Value::Null,
        })
        .collect();
    serde_json::Value::Array(json).to_string()
}

fn decode_cursor(cursor: &str, n_keys: usize) -> Result<Vec<Value>> {
    let stale = || CoreError::invalid("at", "The list changed since this page was read; go back to the first page.");
    let json: Vec<serde_json::Value> = cursor.strip_prefix('k').and_then(|c| serde_json::from_str(c).ok()).ok_or_else(stale)?;
    if json.len() != n_keys {
        return Err(stale());
    }
    json.into_iter()
        .map(|value| match value {
            serde_json::Value::String(text) => Ok(Value::Text(text)),
            serde_json::Value::Number(n) => n.as_i64().map(Value::Integer).or(n.as_f64().map(Value::Real)).ok_or_else(stale),
            serde_json::Value::Null => Ok(Value::Null),
            _ => Err(stale()),
        })
        .collect()
}


/// Whether `table` has a row with this id (`table` is a code constant, never user input).
pub(crate) fn exists(conn: &Connection, table: &str, id: Uuid) -> Result<bool> {
    exists_text(conn, table, &id.to_string())
}

/// [`exists`] for an id as stored (a reference read from a row or a change).
pub(crate) fn exists_text(conn: &Connection, table: &str, id: &str) -> Result<bool> {
    Ok(conn.prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1"))?.query_row([id], |_| Ok(())).optional()?.is_some())
}

/// The id in column `index`. Read as ASCII bytes: a list page reads 50 of them, and checking them
/// as UTF-8 first was wasted work.
pub(crate) fn id_at(row: &Row<'_>, index: usize) -> rusqlite::Result<Uuid> {
    opt_id(row, index)?.ok_or(rusqlite::Error::InvalidColumnType(index, "id".into(), rusqlite::types::Type::Null))
}

/// An optional id column read back, as [`id_at`] reads it.
pub(crate) fn opt_id(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<Uuid>> {
    row.get_ref(index)?
        .as_bytes_or_null()?
        .map(|bytes| Uuid::try_parse_ascii(bytes).map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))))
        .transpose()
}

/// The one row `select` (a statement with `?1` for the id) returns for `id`, or `NotFound`.
pub(crate) fn get_by_id<T>(conn: &Connection, select: &str, table: &'static str, id: Uuid, map: fn(&Row<'_>) -> rusqlite::Result<T>) -> Result<T> {
    conn.prepare_cached(select)?.query_row([id.to_string()], map).optional()?.ok_or_else(|| CoreError::not_found(table, id))
}
