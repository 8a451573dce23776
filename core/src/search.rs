//! Search-as-you-type over companies and contacts, and the keys duplicate detection matches on.
//!
//! Why not FTS5: a 2-letter prefix such as "ma" matches a large share of a million contacts, and
//! FTS5 must score every match before it can return the best 50 (measured at 37 ms p95 for bm25
//! here). The ranking users expect is simple: names that *start* with what they typed come first,
//! then names with a later word that starts with it, then numbers, emails and phones. That ranking
//! fits a B-tree: `search_token (entity, tier, token, row_id)` holds each normalised token with
//! its tier, and a search walks tier 0, then 1, then 2, each as an index range scan in token
//! order, and stops as soon as it has a page. The cost depends on the page size, not on the
//! number of matches.
//!
//! Tokens are derived data. They are rebuilt by [`reindex`] when a write transaction that changed
//! a company, a contact or a contact's channels commits, on every replica, and are never logged.

use rusqlite::{Connection, OptionalExtension};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::Result;

/// Bump when tokenising changes: [`ensure_current`] then rebuilds the index on the next start.
const INDEX_VERSION: i64 = 2;

/// Upper bound of a prefix range: `token < prefix || MAX_CHAR` (U+10FFFF sorts after any text).
const MAX_CHAR: char = '\u{10FFFF}';

/// The tiers, best first.
pub(crate) const NAME: i64 = 0;
pub(crate) const LATER_WORDS: i64 = 1;
pub(crate) const OTHER: i64 = 2;
pub(crate) const TIERS: [i64; 3] = [NAME, LATER_WORDS, OTHER];

/// Lower case, accents removed, every run of non-alphanumeric characters one space, apostrophes
/// dropped ("O'Brien" is "obrien", so typing "o'b" or "ob" finds him).
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else if !matches!(c, '\'' | '’') {
            pending_space = true;
        }
    }
    out
}

/// The digits of a phone number, `None` when it has fewer than three (not a phone search).
pub fn phone_digits(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 3).then_some(digits)
}

/// Whether a search looks like a phone number: digits with only phone punctuation around them.
fn is_phone_like(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_digit() || " +-().,/".contains(c)) && text.chars().any(|c| c.is_ascii_digit())
}

/// The name reduced to what duplicates share: normalised, without legal-form words, so that
/// "ACME, Inc." and "Acme" match.
pub fn dedupe_key(name: &str) -> String {
    const LEGAL_FORMS: &[&str] =
        &["inc", "incorporated", "llc", "ltd", "limited", "corp", "corporation", "co", "company", "gmbh", "ag", "sa", "sarl", "plc", "bv", "the"];
    normalise(name).split(' ').filter(|word| !LEGAL_FORMS.contains(word)).collect::<Vec<_>>().join(" ")
}

/// Tokens of one searchable record, by tier.
#[derive(Default)]
struct Tokens(Vec<(i64, String)>);

impl Tokens {
    /// A name: the whole of it in tier 0, and from each later word on in tier 1 ("steel
    /// industries" for "Acme Steel Industries"), so that typing a later word, or several words
    /// in order, finds it too.
    fn name(&mut self, name: &str) {
        let name = normalise(name);
        if name.is_empty() {
            return;
        }
        self.0.push((NAME, name.clone()));
        for (index, _) in name.match_indices(' ') {
            self.0.push((LATER_WORDS, name[index + 1..].to_owned()));
        }
    }

    fn other(&mut self, text: &str) {
        let text = normalise(text);
        if !text.is_empty() {
            self.0.push((OTHER, text));
        }
    }

    fn email(&mut self, email: &str) {
        let email = email.trim().to_lowercase();
        if !email.is_empty() {
            // The whole address as typed (a prefix like "jo@" works), and the normalised one.
            self.0.push((OTHER, email.clone()));
            self.other(&email);
        }
    }

    /// A phone number by its digits, also without its first one to five digits (country and
    /// area codes, a trunk zero), so that "512 555", "555 0100" and "+1 512 555 0100" all find
    /// "+1 (512) 555-0100". Every token keeps at least seven digits.
    fn phone(&mut self, phone: &str) {
        if let Some(digits) = phone_digits(phone) {
            for skip in 0..=5.min(digits.len().saturating_sub(7)) {
                self.0.push((OTHER, digits[skip..].to_owned()));
            }
        }
    }
}

/// Rebuild the tokens and dedupe keys of the given companies and contacts (`entity` is "company"
/// or "contact"); a row that no longer exists just loses its tokens.
///
/// The write path calls this once per transaction with every record it touched, so a record
/// written several times is tokenised once, and a bulk import inserts its tokens in index order:
/// a sorted run of inserts walks the B-tree leaf by leaf instead of landing on a random page of
/// a multi-million-entry index each time.
///
/// Each record comes with whether it is new in this transaction (see `WriteTx`): a new record
/// has no tokens to remove and was inserted with its dedupe key, which spares two lookups each
/// for the rows of an import.
pub(crate) fn reindex<'a>(conn: &Connection, records: impl IntoIterator<Item = (&'static str, &'a str, bool)>) -> Result<()> {
    index(conn, records, false)
}

/// [`reindex`]; `rebuild` when the index was emptied (no record has tokens to remove) but the
/// dedupe keys must still be checked (rows a bulk sync or a migration wrote without them).
fn index<'a>(conn: &Connection, records: impl IntoIterator<Item = (&'static str, &'a str, bool)>, rebuild: bool) -> Result<()> {
    // Sorted into index order before inserting. The entity is kept as its rank ("company" sorts
    // before "contact"): compared as text, a rebuild's 1.2M tuples spent most of their sort in
    // `memcmp` on the same word.
    let mut all: Vec<(u8, i64, String, &'a str)> = Vec::new();
    let mut listed: Vec<(&'a str, &'static str, String)> = Vec::new();
    for (entity, id, new) in records {
        if !new && !rebuild {
            forget(conn, id)?;
        }
        let Some((mut tokens, key)) = tokens_of(conn, entity, id)? else { continue };
        tokens.0.sort_unstable();
        tokens.0.dedup();
        listed.push((id, entity, serde_json::to_string(&tokens.0).map_err(|e| crate::CoreError::Migration(e.to_string()))?));
        let rank = u8::from(entity != "company");
        all.extend(tokens.0.into_iter().map(|(tier, token)| (rank, tier, token, id)));
        if !new {
            conn.prepare_cached(&format!("UPDATE {entity} SET dedupe_key = ?2 WHERE id = ?1 AND dedupe_key <> ?2"))?.execute([id, &key])?;
        }
    }
    all.sort_unstable();
    all.dedup();
    insert_tokens(conn, &all)?;
    listed.sort_unstable();
    listed.dedup_by(|a, b| a.0 == b.0);
    let mut list = conn.prepare_cached("INSERT INTO search_row (row_id, entity, tokens) VALUES (?1, ?2, ?3)")?;
    for (id, entity, tokens) in listed {
        list.execute([id, entity, &tokens])?;
    }
    Ok(())
}

/// Insert sorted tokens, [`TOKENS_PER_INSERT`] to a statement: an import's million tokens then
/// take twenty thousand statements instead of a million, and a statement's own cost (binding
/// aside, starting and finishing it) was a third of inserting a token.
fn insert_tokens(conn: &Connection, tokens: &[(u8, i64, String, &str)]) -> Result<()> {
    const TOKENS_PER_INSERT: usize = 50;
    let sql = |rows: usize| format!("INSERT INTO search_token (entity, tier, token, row_id) VALUES {}", vec!["(?, ?, ?, ?)"; rows].join(", "));
    fn values<'a>(chunk: &'a [(u8, i64, String, &'a str)]) -> Vec<&'a dyn rusqlite::ToSql> {
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 4);
        for (rank, tier, token, id) in chunk {
            values.extend([&["company", "contact"][usize::from(*rank)] as &dyn rusqlite::ToSql, tier, token, id]);
        }
        values
    }
    let mut chunks = tokens.chunks_exact(TOKENS_PER_INSERT);
    if chunks.len() > 0 {
        let mut insert = conn.prepare_cached(&sql(TOKENS_PER_INSERT))?;
        for chunk in &mut chunks {
            insert.execute(values(chunk).as_slice())?;
        }
    }
    let mut insert = conn.prepare_cached(&sql(1))?;
    for token in chunks.remainder() {
        insert.execute(values(std::slice::from_ref(token)).as_slice())?;
    }
    Ok(())
}

/// Remove a record's tokens, as `search_row` lists them (see migration 0011).
fn forget(conn: &Connection, id: &str) -> Result<()> {
    let listed: Option<(String, String)> = conn.prepare_cached("SELECT entity, tokens FROM search_row WHERE row_id = ?1")?.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    let Some((entity, tokens)) = listed else { return Ok(()) };
    let tokens: Vec<(i64, String)> = serde_json::from_str(&tokens).map_err(|e| crate::CoreError::Migration(format!("unreadable search tokens of {id}: {e}")))?;
    let mut delete = conn.prepare_cached("DELETE FROM search_token WHERE entity = ?1 AND tier = ?2 AND token = ?3 AND row_id = ?4")?;
    for (tier, token) in tokens {
        delete.execute(rusqlite::params![entity, tier, token, id])?;
    }
    conn.prepare_cached("DELETE FROM search_row WHERE row_id = ?1")?.execute([id])?;
    Ok(())
}

/// The search tokens and dedupe key of one record, `None` when the row does not exist.
fn tokens_of(conn: &Connection, entity: &str, id: &str) -> Result<Option<(Tokens, String)>> {
    let mut tokens = Tokens::default();
    let key = match entity {
        "company" => {
            let row: Option<(String, String, String, String)> = conn
                .prepare_cached("SELECT name, customer_number, email, phone FROM company WHERE id = ?1")?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()?;
            let Some((name, number, email, phone)) = row else { return Ok(None) };
            tokens.name(&name);
            tokens.other(&number);
            tokens.email(&email);
            tokens.phone(&phone);
            dedupe_key(&name)
        }
        "contact" => {
            let row: Option<(String, String, String, String, String)> = conn
                .prepare_cached("SELECT first_name, last_name, email, office_phone, mobile_phone FROM contact WHERE id = ?1")?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .optional()?;
            let Some((first, last, email, office, mobile)) = row else { return Ok(None) };
            tokens.name(&format!("{first} {last}"));
            // "Smith John" too, for people who search surname first.
            if !first.is_empty() && !last.is_empty() {
                tokens.0.push((NAME, normalise(&format!("{last} {first}"))));
            }
            tokens.email(&email);
            tokens.phone(&office);
            tokens.phone(&mobile);
            let channels = conn
                .prepare_cached("SELECT kind, value FROM contact_channel WHERE contact_id = ?1")?
                .query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for (kind, value) in channels {
                match kind.as_str() {
                    "email" => tokens.email(&value),
                    _ => tokens.phone(&value),
                }
            }
            dedupe_key(&format!("{first} {last}"))
        }
        _ => return Ok(None),
    };
    Ok(Some((tokens, key)))
}

/// The columns [`tokens_of`] reads, by table: an update that changes none of them leaves the
/// record's tokens and dedupe key as they are (a synced change of a company's city does not
/// rebuild its search tokens).
pub(crate) fn reads(table: &str, column: &str) -> bool {
    match table {
        "company" => matches!(column, "name" | "customer_number" | "email" | "phone"),
        "contact" => matches!(column, "first_name" | "last_name" | "email" | "office_phone" | "mobile_phone"),
        // A channel's owner or value (its kind decides email or phone).
        "contact_channel" => matches!(column, "contact_id" | "kind" | "value"),
        _ => false,
    }
}

/// The dedupe key of a row about to be inserted, so that the insert writes it at once instead of
/// rewriting the row (and its dedupe index entry) when the transaction's tokens are rebuilt.
pub(crate) fn dedupe_key_of(table: &str, columns: &crate::write::Columns) -> Option<String> {
    let text = |name: &str| {
        columns.iter().find(|(column, _)| *column == name).and_then(|(_, value)| match value {
            rusqlite::types::Value::Text(text) => Some(text.as_str()),
            _ => None,
        })
    };
    match table {
        "company" => Some(dedupe_key(text("name")?)),
        "contact" => Some(dedupe_key(&format!("{} {}", text("first_name").unwrap_or(""), text("last_name").unwrap_or("")))),
        _ => None,
    }
}

/// Whether the index holds every record's tokens from this version of the tokeniser.
pub(crate) fn is_current(conn: &Connection) -> Result<bool> {
    Ok(crate::store::get_state::<i64>(conn, "search_index_version")? == Some(INDEX_VERSION))
}

/// Mark the index for a rebuild by [`ensure_current`] (see `WriteTx::defer_search`).
pub(crate) fn mark_stale(conn: &Connection) -> Result<()> {
    crate::store::set_state(conn, "search_index_version", -1)
}

/// Rebuild the whole index when it was built by another version of the tokeniser, or never (as
/// after the migration that created it), or was left stale by a bulk sync. Runs at start-up and
/// after a sync round, in one transaction.
pub(crate) fn ensure_current(conn: &mut Connection) -> Result<()> {
    if is_current(conn)? {
        return Ok(());
    }
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM search_token", [])?;
    tx.execute("DELETE FROM search_row", [])?;
    for entity in ["company", "contact"] {
        let ids = tx.prepare(&format!("SELECT id FROM {entity}"))?.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        // In slices, so that a million contacts never hold all their tokens in memory at once.
        // Each slice goes in as one sorted run, and the first into an empty index is a pure
        // append: 100k records (about 1.2M tokens, some 75 MB for a moment) per slice.
        for slice in ids.chunks(100_000) {
            index(&tx, slice.iter().map(|id| (entity, id.as_str(), false)), true)?;
        }
    }
    crate::store::set_state(&tx, "search_index_version", INDEX_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// A search as the index sees it: the normalised text, and its digits when it looks like a phone
/// number.
pub(crate) struct Needle {
    pub text: String,
    pub digits: Option<String>,
}

impl Needle {
    pub fn new(search: &str) -> Option<Needle> {
        let text = normalise(search);
        let digits = if is_phone_like(search) { phone_digits(search) } else { None };
        (!text.is_empty()).then_some(Needle { text, digits })
    }

    /// The `(from, to)` token ranges this search matches in `tier`.
    pub fn ranges(&self, tier: i64) -> Vec<(String, String)> {
        let range = |prefix: &str| (prefix.to_owned(), format!("{prefix}{MAX_CHAR}"));
        let mut ranges = vec![range(&self.text)];
        if tier == OTHER
            && let Some(digits) = &self.digits
            && *digits != self.text
        {
            ranges.push(range(digits));
        }
        ranges
    }

    /// A condition on `<id_column>` matching any row of `entity` this search finds, for sorted
    /// (not ranked) searches. Returns the SQL and its values, in order.
    pub fn condition(&self, entity: &'static str, id_column: &str) -> (String, Vec<String>) {
        // One term per tier and range, so that each is a range scan of the primary key.
        let mut terms = Vec::new();
        let mut values = Vec::new();
        for tier in TIERS {
            for (from, to) in self.ranges(tier) {
                terms.push(format!("(tier = {tier} AND token >= ? AND token < ?)"));
                values.push(from);
                values.push(to);
            }
        }
        let sql = format!("{id_column} IN (SELECT row_id FROM search_token WHERE entity = '{entity}' AND ({}))", terms.join(" OR "));
        (sql, values)
    }
}
