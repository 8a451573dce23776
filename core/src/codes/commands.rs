use crm_model::{CodeInput, CodeLists, limits};
use rusqlite::{OptionalExtension, types::Value};
use uuid::Uuid;

use super::{CodeKind, code_column, label, table};
use crate::{Result, Store, validate::Validator, write::text};

impl Store {
    /// Create (`id = None`) or change one entry of a code list. Codes are unique per list
    /// (case-insensitively); entries are deactivated, never deleted, because records use them.
    pub fn code_save(&mut self, kind: CodeKind, id: Option<Uuid>, mut input: CodeInput) -> Result<CodeLists> {
        let mut check = Validator::default();
        check.required("code", &mut input.code, limits::CODE);
        check.text("description", &mut input.description, limits::DESCRIPTION);
        if kind == CodeKind::Terms {
            check.range("days", input.days, 0..=limits::PAYMENT_DAYS);
        }
        if kind == CodeKind::Credit && input.behaviour.is_none() {
            check.error("behaviour", "Choose what this credit code does to transactions.");
        }
        let duplicate: Option<String> = self
            .conn
            .query_row(
                &format!("SELECT id FROM {} WHERE {} = ?1 COLLATE NOCASE", table(kind), code_column(kind)),
                [&input.code],
                |r| r.get(0),
            )
            .optional()?;
        if duplicate.is_some_and(|other| Some(other) != id.map(|id| id.to_string())) {
            check.error("code", format!("A {} {:?} already exists.", label(kind), input.code));
        }
        check.finish()?;

        let mut columns = vec![(code_column(kind), text(&input.code)), ("active", Value::Integer(input.active.into()))];
        match kind {
            CodeKind::Terms => columns.extend([("description", text(&input.description)), ("days", Value::Integer(input.days.into()))]),
            CodeKind::Credit => columns.extend([
                ("description", text(&input.description)),
                ("behaviour", text(input.behaviour.map(|b| b.as_str()).unwrap_or_default())),
            ]),
            CodeKind::NoteType => {}
        }
        self.write(|w| match id {
            Some(id) => w.update(table(kind), id, &columns).map(drop),
            None => w.insert(table(kind), Uuid::now_v7(), &columns),
        })?;
        self.code_lists()
    }
}
