use crm_model::{Note, NoteHit, NoteSubject};
use uuid::Uuid;

use super::types::{SELECT_NOTE, TABLE, note_from_row, subject_key};
use crate::{Result, Store};

impl Store {
    pub fn note_get(&self, id: Uuid) -> Result<Note> {
        crate::sql::get_by_id(&self.conn, &format!("{SELECT_NOTE} WHERE n.id = ?1"), TABLE, id, note_from_row)
    }

    /// The notes about one record, newest first: the timeline of its screen.
    pub fn notes_of(&self, subject: NoteSubject) -> Result<Vec<Note>> {
        let (table, id) = subject_key(subject);
        Ok(self
            .conn
            .prepare_cached(&format!("{SELECT_NOTE} WHERE n.subject_table = ?1 AND n.subject_id = ?2 ORDER BY n.created_at DESC, n.id DESC"))?
            .query_map(rusqlite::params![table, id.to_string()], note_from_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Full-text search over every note. Each word the user typed matches as a prefix
    /// ("meet" finds "meeting"); all words must occur. Best matches (bm25) first.
    pub fn note_search(&self, text: &str, limit: u32) -> Result<Vec<NoteHit>> {
        let Some(query) = fts_prefix_query(text) else { return Ok(Vec::new()) };
        let mut select = self.conn.prepare_cached(
            "SELECT n.id, n.subject_table, n.subject_id, n.body, t.name, u.name, n.created_at,
                    CASE n.subject_table
                        WHEN 'company' THEN (SELECT name FROM company WHERE id = n.subject_id)
                        WHEN 'lead' THEN (SELECT 'Lead ' || l.lead_number || ' · ' || c.name FROM lead l JOIN company c ON c.id = l.company_id WHERE l.id = n.subject_id)
                        ELSE (SELECT trim(first_name || ' ' || last_name) FROM contact WHERE id = n.subject_id)
                    END,
                    snippet(note_fts, 0, '[', ']', '…', 12)
             FROM note_fts JOIN note n ON n.rowid = note_fts.rowid
             LEFT JOIN note_type t ON t.id = n.note_type_id LEFT JOIN app_user u ON u.id = n.author_id
             WHERE note_fts MATCH ?1 ORDER BY rank LIMIT ?2",
        )?;
        let hits = select.query_map(rusqlite::params![query, limit.min(crm_model::limits::PAGE_MAX)], |row| {
            Ok(NoteHit { note: note_from_row(row)?, subject_name: row.get::<_, Option<String>>(7)?.unwrap_or_default(), snippet: row.get(8)? })
        })?;
        Ok(hits.collect::<rusqlite::Result<_>>()?)
    }
}

/// The user's words as an FTS5 query of quoted prefix terms: `acme meet` becomes
/// `"acme"* "meet"*`. Quoting makes FTS5 operators and punctuation in user text harmless.
fn fts_prefix_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| format!("\"{word}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn user_text_becomes_quoted_prefix_terms() {
        assert_eq!(super::fts_prefix_query("Acme  meet-ing").as_deref(), Some(r#""Acme"* "meet"* "ing"*"#));
        assert_eq!(super::fts_prefix_query(r#"NEAR( "x" OR *"#).as_deref(), Some(r#""NEAR"* "x"* "OR"*"#));
        assert_eq!(super::fts_prefix_query(" -*- "), None);
    }
}
