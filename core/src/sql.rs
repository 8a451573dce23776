//! Small SQL helpers shared by the entity modules' queries.

use crm_model::{ListQuery, Page, SortDir, limits};
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter, types::Value};
use uuid::Uuid;

use crate::{CoreError, Result};

/// Ids are stored as hyphenated UUID text.
pub(crate) fn parse_id(text: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// `value` as a LIKE prefix pattern, with LIKE's wildcards escaped (use `ESCAPE '\'`).
pub(crate) fn like_prefix(value: &str) -> String {
    let mut pattern = String::with_capacity(value.len() + 1);
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The `ORDER BY` clause for a list query. `allowed` maps the sort names the UI may send to SQL
/// expressions; anything else is refused, so no user text ever reaches the SQL. The id is the last
/// key, so that rows with equal values keep a stable order between pages.
pub(crate) fn order_by(query: &ListQuery, allowed: &[(&str, &str)], default: &str) -> Result<String> {
    let name = query.sort.as_deref().unwrap_or(default);
    let (_, expression) = allowed
        .iter()
        .find(|(key, _)| *key == name)
        .ok_or_else(|| CoreError::invalid("sort", format!("Cannot sort by {name:?}.")))?;
    let dir = match query.dir {
        SortDir::Asc => "ASC",
        SortDir::Desc => "DESC",
    };
    Ok(expression.split(", ").map(|part| format!("{part} {dir}")).collect::<Vec<_>>().join(", ") + &format!(", id {dir}"))
}

/// The limit, checked against the largest page a command may return.
pub(crate) fn page_limit(query: &ListQuery) -> Result<u32> {
    match query.limit {
        0 => Err(CoreError::invalid("limit", "A page needs at least one row.")),
        n if n > limits::PAGE_MAX => Err(CoreError::invalid("limit", format!("At most {} rows per page.", limits::PAGE_MAX))),
        n => Ok(n),
    }
}

/// How an entity's list is read: its row query, its search condition and its sorts.
pub(crate) struct ListSpec<T> {
    /// `SELECT ... FROM <table>` producing one list row.
    pub select: &'static str,
    pub table: &'static str,
    /// A condition on `?1` (the trimmed search text, `''` for none) and `?2` (its LIKE prefix).
    pub search: &'static str,
    pub sorts: &'static [(&'static str, &'static str)],
    pub default_sort: &'static str,
    pub map: fn(&Row<'_>) -> rusqlite::Result<T>,
}

/// One page of a list plus the total number of matching rows. `filters` are extra conditions,
/// each with its one value bound as `?` (conditions are code constants; only values come from
/// the user).
pub(crate) fn list_page<T>(conn: &Connection, spec: &ListSpec<T>, query: &ListQuery, filters: &[(&str, Value)]) -> Result<Page<T>> {
    let limit = page_limit(query)?;
    let order = order_by(query, spec.sorts, spec.default_sort)?;
    let search = query.search.trim();
    let pattern = like_prefix(search);
    // The row query binds search, pattern, limit, offset, then the filters; the count query
    // binds search, pattern, then the filters. Number the filters' `?` for each.
    let condition = |first: usize| {
        filters.iter().enumerate().fold(spec.search.to_owned(), |mut sql, (index, (filter, _))| {
            sql.push_str(&format!(" AND {}", filter.replace('?', &format!("?{}", index + first))));
            sql
        })
    };
    let values = || filters.iter().map(|(_, value)| value.clone());
    let head = [Value::Text(search.to_owned()), Value::Text(pattern)];
    let rows = conn
        .prepare_cached(&format!("{} WHERE {} ORDER BY {order} LIMIT ?3 OFFSET ?4", spec.select, condition(5)))?
        .query_map(
            params_from_iter(head.iter().cloned().chain([Value::Integer(limit.into()), Value::Integer(query.offset.into())]).chain(values())),
            spec.map,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {} WHERE {}", spec.table, condition(3)))?
        .query_row(params_from_iter(head.into_iter().chain(values())), |r| r.get(0))?;
    Ok(Page { rows, total: total as u64, offset: query.offset })
}

/// Whether `table` has a row with this id (`table` is a code constant, never user input).
pub(crate) fn exists(conn: &Connection, table: &str, id: Uuid) -> Result<bool> {
    Ok(conn
        .prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1"))?
        .query_row([id.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// An optional id column read back.
pub(crate) fn opt_id(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<Uuid>> {
    row.get_ref(index)?.as_str_or_null()?.map(parse_id).transpose()
}

/// The one row `select` (a statement with `?1` for the id) returns for `id`, or `NotFound`.
pub(crate) fn get_by_id<T>(conn: &Connection, select: &str, table: &'static str, id: Uuid, map: fn(&Row<'_>) -> rusqlite::Result<T>) -> Result<T> {
    conn.prepare_cached(select)?.query_row([id.to_string()], map).optional()?.ok_or_else(|| CoreError::not_found(table, id))
}
