use crm_model::{CodeLists, CreditBehaviour, CreditCode, NoteType, TermsCode};

use crate::{Result, Store};

impl Store {
    /// Every code list and user, active and inactive (forms offer the active ones plus whatever a
    /// record already uses).
    pub fn code_lists(&self) -> Result<CodeLists> {
        let terms = self
            .conn
            .prepare_cached("SELECT id, code, description, days, active FROM terms_code ORDER BY days, code")?
            .query_map([], |r| {
                Ok(TermsCode { id: crate::sql::id_at(r, 0)?, code: r.get(1)?, description: r.get(2)?, days: r.get(3)?, active: r.get(4)? })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let credit = self
            .conn
            .prepare_cached("SELECT id, code, description, behaviour, active FROM credit_code ORDER BY code COLLATE NOCASE")?
            .query_map([], |r| {
                let behaviour: String = r.get(3)?;
                Ok(CreditCode {
                    id: crate::sql::id_at(r, 0)?,
                    code: r.get(1)?,
                    description: r.get(2)?,
                    behaviour: CreditBehaviour::parse(&behaviour).unwrap_or(CreditBehaviour::Normal),
                    active: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let note_types = self
            .conn
            .prepare_cached("SELECT id, name, active FROM note_type ORDER BY name COLLATE NOCASE")?
            .query_map([], |r| Ok(NoteType { id: crate::sql::id_at(r, 0)?, name: r.get(1)?, active: r.get(2)? }))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(CodeLists { terms, credit, note_types, users: self.user_list()? })
    }
}
