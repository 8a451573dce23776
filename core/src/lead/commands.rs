use crm_model::{Lead, LeadCode, LeadCodeInput, LeadCodeKind, LeadCreate, LeadInput, LeadMoveInput, LeadMoveOutcome, LeadState, limits};
use rusqlite::{Connection, OptionalExtension, types::Value};
use uuid::Uuid;

use super::types::{TABLE, code_noun, code_table, columns};
use crate::{
    CoreError, Result, Store,
    numbering::NumberKind,
    validate::Validator,
    write::{opt_id, text},
};

/// Check and normalise a worksheet header. `was` is the lead's current header, when it has one:
/// a program or source that has since been deactivated may stay on the leads that have it, but
/// cannot be newly chosen.
fn validate(conn: &Connection, input: &mut LeadInput, was: Option<&LeadInput>) -> Result<()> {
    let mut check = Validator::default();
    check.text("title", &mut input.title, limits::LEAD_TITLE);
    match input.program_id {
        None => check.error("program_id", "Choose a lead program."),
        Some(program) => active_code(conn, &mut check, LeadCodeKind::Program, "program_id", program, was.and_then(|w| w.program_id))?,
    }
    if let Some(source) = input.source_id {
        active_code(conn, &mut check, LeadCodeKind::Source, "source_id", source, was.and_then(|w| w.source_id))?;
    }
    for (field, user) in [("isr_id", input.isr_id), ("osr_id", input.osr_id), ("assigned_id", input.assigned_id)] {
        check.reference(conn, field, "app_user", user, "user")?;
    }
    check.range("probability", input.probability, 0..=100);
    check.range("value_cents", input.value_cents, 0..=limits::VALUE_CENTS);
    let close = input.expected_close.trim().to_owned();
    if !close.is_empty() && chrono::NaiveDate::parse_from_str(&close, "%Y-%m-%d").is_err() {
        check.error("expected_close", format!("{close:?} is not a date like 2026-03-31."));
    }
    input.expected_close = close;
    check.finish()
}

fn active_code(conn: &Connection, check: &mut Validator, kind: LeadCodeKind, field: &str, id: Uuid, kept: Option<Uuid>) -> Result<()> {
    let active: Option<bool> = conn
        .prepare_cached(&format!("SELECT active FROM {} WHERE id = ?1", code_table(kind)))?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    match active {
        None => check.error(field, format!("No {} with id {id} exists; it may have been deleted.", code_noun(kind))),
        Some(false) if kept != Some(id) => check.error(field, format!("This {} is inactive; choose an active one.", code_noun(kind))),
        Some(_) => {}
    }
    Ok(())
}

/// The states a lead in `from` may move to, in workflow order.
pub(super) fn allowed_moves(conn: &Connection, from: LeadState) -> Result<Vec<LeadState>> {
    let found: Vec<String> =
        conn.prepare_cached("SELECT to_state FROM lead_transition WHERE from_state = ?1")?.query_map([from.as_str()], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(LeadState::ALL.into_iter().filter(|s| found.iter().any(|f| f == s.as_str())).collect())
}

impl Store {
    /// Spin a lead off a customer with a lead program: the next lead number of this device's
    /// series, pending qualification, the customer's reps, assigned to the outside rep (or the
    /// inside one when there is none).
    pub fn lead_create(&mut self, request: LeadCreate) -> Result<Lead> {
        let reps: Option<(Option<String>, Option<String>)> = self
            .conn
            .prepare_cached("SELECT isr_id, osr_id FROM company WHERE id = ?1")?
            .query_row([request.company_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (isr, osr) = reps.ok_or_else(|| CoreError::not_found("company", request.company_id))?;
        let parse = |id: Option<String>| id.and_then(|id| Uuid::parse_str(&id).ok());
        let (isr, osr) = (parse(isr), parse(osr));
        let mut input = LeadInput { program_id: Some(request.program_id), isr_id: isr, osr_id: osr, assigned_id: osr.or(isr), probability: 10, ..LeadInput::default() };
        validate(&self.conn, &mut input, None)?;
        let id = Uuid::now_v7();
        self.write(|w| {
            let number = w.allocate_number(NumberKind::Lead)?;
            let mut row = columns(&input);
            row.push(("lead_number", text(&number)));
            row.push(("company_id", text(&request.company_id.to_string())));
            row.push(("state", text(LeadState::Pending.as_str())));
            w.insert(TABLE, id, &row)
        })?;
        self.lead_get(id)
    }

    /// Save the worksheet header.
    pub fn lead_update(&mut self, id: Uuid, mut input: LeadInput) -> Result<Lead> {
        let was = self.lead_get(id)?;
        validate(&self.conn, &mut input, Some(&was.fields))?;
        self.write(|w| w.update(TABLE, id, &columns(&input)).map(drop))?;
        self.lead_get(id)
    }

    /// Move a lead along the workflow, if the transition table allows it, recording who moved it
    /// from where to where and handing it to another user when asked. Winning it (the customer
    /// state) turns its chosen estimate into an order, under the customer's credit code: Credit
    /// Hold refuses the move, and nothing changes.
    pub fn lead_move(&mut self, id: Uuid, mut input: LeadMoveInput) -> Result<LeadMoveOutcome> {
        let lead = self.lead_get(id)?;
        if !lead.allowed_moves.contains(&input.to) {
            let allowed: Vec<&str> = lead.allowed_moves.iter().map(|s| s.label()).collect();
            return Err(CoreError::Conflict(format!(
                "A lead in {} cannot move to {}. Allowed: {}.",
                lead.state.label(),
                input.to.label(),
                if allowed.is_empty() { "none (the workflow ends here)".to_owned() } else { allowed.join(", ") }
            )));
        }
        let mut check = Validator::default();
        check.text("reason", &mut input.reason, limits::LOST_REASON);
        if input.to == LeadState::Inactive && input.reason.is_empty() {
            check.error("reason", "Say why the lead is lost or parked.");
        }
        check.reference(&self.conn, "assign_to", "app_user", input.assign_to, "user")?;
        check.finish()?;
        let assigned = input.assign_to.or(lead.fields.assigned_id);
        let won = self.write(|w| {
            let mut row = vec![("state", text(input.to.as_str())), ("assigned_id", opt_id(assigned))];
            match input.to {
                LeadState::Inactive => row.push(("lost_reason", text(&input.reason))),
                LeadState::Customer => row.push(("probability", Value::Integer(100))),
                _ => {}
            }
            w.update(TABLE, id, &row)?;
            let moved_by = w.actor().to_owned();
            w.insert(
                "lead_move",
                Uuid::now_v7(),
                &[
                    ("lead_id", text(&id.to_string())),
                    ("from_state", text(lead.state.as_str())),
                    ("to_state", text(input.to.as_str())),
                    ("moved_by", text(&moved_by)),
                    ("assigned_id", opt_id(input.assign_to)),
                    ("reason", text(&input.reason)),
                ],
            )?;
            if input.to == LeadState::Customer { crate::order::order_from_won_lead(w, id, lead.company_id) } else { Ok(None) }
        })?;
        let (order, warning) = match won {
            Some(won) => (Some(won.row), won.warning),
            None => (None, None),
        };
        Ok(LeadMoveOutcome { lead: self.lead_get(id)?, order, warning })
    }

    /// Allow or forbid one move of the workflow.
    pub fn lead_transition_set(&mut self, from: LeadState, to: LeadState, allowed: bool) -> Result<Vec<(LeadState, LeadState)>> {
        if from == to {
            return Err(CoreError::invalid("to", "A lead cannot move to the state it is in."));
        }
        let existing: Option<String> = self
            .conn
            .prepare_cached("SELECT id FROM lead_transition WHERE from_state = ?1 AND to_state = ?2")?
            .query_row([from.as_str(), to.as_str()], |r| r.get(0))
            .optional()?;
        match (existing, allowed) {
            (None, true) => self.write(|w| {
                w.insert("lead_transition", Uuid::now_v7(), &[("from_state", text(from.as_str())), ("to_state", text(to.as_str()))])
            })?,
            (Some(id), false) => {
                let id = Uuid::parse_str(&id).map_err(|e| CoreError::Migration(e.to_string()))?;
                self.write(|w| w.delete("lead_transition", id))?
            }
            _ => {}
        }
        self.lead_transitions()
    }

    /// Add (no `id`) or rename, activate or deactivate a lead program or source.
    pub fn lead_code_save(&mut self, kind: LeadCodeKind, id: Option<Uuid>, mut input: LeadCodeInput) -> Result<LeadCode> {
        let table = code_table(kind);
        let mut check = Validator::default();
        check.required("name", &mut input.name, limits::CODE);
        let clash: Option<String> = self
            .conn
            .prepare_cached(&format!("SELECT id FROM {table} WHERE name = ?1 COLLATE NOCASE"))?
            .query_row([&input.name], |r| r.get(0))
            .optional()?;
        if clash.is_some_and(|clash| Some(clash) != id.map(|id| id.to_string())) {
            check.error("name", format!("A {} named {:?} already exists.", code_noun(kind), input.name));
        }
        check.finish()?;
        let row = [("name", text(&input.name)), ("active", Value::Integer(input.active.into()))];
        let id = match id {
            Some(id) => {
                self.write(|w| w.update(table, id, &row).map(drop))?;
                id
            }
            None => {
                let id = Uuid::now_v7();
                self.write(|w| w.insert(table, id, &row))?;
                id
            }
        };
        self.lead_codes(kind)?.into_iter().find(|c| c.id == id).ok_or_else(|| CoreError::not_found(table, id))
    }
}

