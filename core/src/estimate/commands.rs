use crm_model::{Estimate, EstimateInput, LeadState, limits, money::format_cents};
use rusqlite::{Connection, OptionalExtension, types::Value};
use uuid::Uuid;

use super::{
    queries::{choices, estimate_get},
    types::{LINE_TABLE, TABLE, line_columns, totals},
};
use crate::{CoreError, Result, Store, numbering::NumberKind, sql::parse_id, validate::Validator, write::{WriteTx, text}};

/// Normalise (trim) and check an estimate form. Every failing field is reported, lines as
/// `lines[2].quantity` (counted from 0, as the form lists them).
fn validate(input: &mut EstimateInput) -> Result<()> {
    let mut check = Validator::default();
    check.text("title", &mut input.title, limits::LEAD_TITLE);
    if !(0..=10_000).contains(&input.tax_rate_bp) {
        check.error("tax_rate", "Enter a tax rate from 0 % to 100 %.");
    }
    if input.lines.is_empty() {
        check.error("lines", "Add at least one line.");
    } else if input.lines.len() > limits::ESTIMATE_LINES {
        check.error("lines", format!("An estimate can have at most {} lines; split it into two.", limits::ESTIMATE_LINES));
    }
    // Only amounts within their ranges are summed, so that the total below cannot overflow.
    let mut all_in_range = true;
    for (index, line) in input.lines.iter_mut().enumerate() {
        let field = |name: &str| format!("lines[{index}].{name}");
        check.required(&field("description"), &mut line.description, limits::DESCRIPTION);
        if !(1..=limits::QUANTITY_MILLI).contains(&line.quantity_milli) {
            all_in_range = false;
            let most = crm_model::money::group_thousands((limits::QUANTITY_MILLI / 1_000) as u64);
            check.error(&field("quantity"), format!("Enter a quantity above zero and at most {most}."));
        }
        if !(0..=limits::VALUE_CENTS).contains(&line.unit_price_cents) {
            all_in_range = false;
            check.error(&field("unit_price"), format!("Enter a price from 0.00 to {}.", format_cents(limits::VALUE_CENTS)));
        }
        if !(0..=10_000).contains(&line.discount_bp) {
            all_in_range = false;
            check.error(&field("discount"), "Enter a discount from 0 % to 100 %.");
        }
    }
    if all_in_range && (0..=10_000).contains(&input.tax_rate_bp) {
        let total = totals(&input.lines, input.tax_rate_bp).total;
        if total > i128::from(limits::VALUE_CENTS) {
            check.error("lines", format!("The estimate comes to more than {}, the largest order value; lower a quantity or a price.", format_cents(limits::VALUE_CENTS)));
        }
    }
    check.finish()
}

/// Estimates can change only while their lead is open: a won lead's estimate has become its
/// order, and an inactive lead is parked.
fn check_lead_open(conn: &Connection, lead_id: Uuid) -> Result<()> {
    let (number, state): (String, String) = conn
        .prepare_cached("SELECT lead_number, state FROM lead WHERE id = ?1")?
        .query_row([lead_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| CoreError::not_found("lead", lead_id))?;
    match LeadState::parse(&state) {
        Some(LeadState::Customer) => Err(CoreError::Blocked(format!("Lead {number} is won: its estimates stay as they were when it became an order."))),
        Some(LeadState::Inactive) => Err(CoreError::Blocked(format!("Lead {number} is inactive: move it back to pending before changing its estimates."))),
        _ => Ok(()),
    }
}

/// The lead an estimate belongs to, checked to be open.
fn open_lead_of(conn: &Connection, estimate_id: Uuid) -> Result<Uuid> {
    let lead_id: String = conn
        .prepare_cached("SELECT lead_id FROM estimate WHERE id = ?1")?
        .query_row([estimate_id.to_string()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| CoreError::not_found(TABLE, estimate_id))?;
    let lead_id = parse_id(&lead_id)?;
    check_lead_open(conn, lead_id)?;
    Ok(lead_id)
}

/// Make the estimate's lines exactly `lines`: line N updates the row at position N (logging only
/// what changed), extra lines are inserted, surplus rows deleted.
fn set_lines(w: &mut WriteTx<'_>, estimate_id: Uuid, lines: &[crm_model::EstimateLineInput]) -> Result<()> {
    let existing: Vec<String> = w
        .tx()
        .prepare_cached("SELECT id FROM estimate_line WHERE estimate_id = ?1 ORDER BY position")?
        .query_map([estimate_id.to_string()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for (position, line) in lines.iter().enumerate() {
        let row = line_columns("estimate_id", estimate_id, position, line);
        match existing.get(position) {
            Some(line_id) => {
                w.update(LINE_TABLE, parse_id(line_id)?, &row)?;
            }
            None => w.insert(LINE_TABLE, Uuid::now_v7(), &row)?,
        }
    }
    for line_id in existing.iter().skip(lines.len()) {
        w.delete(LINE_TABLE, parse_id(line_id)?)?;
    }
    Ok(())
}

/// Make `estimate_id` the lead's only chosen estimate.
fn choose(w: &mut WriteTx<'_>, lead_id: Uuid, estimate_id: Uuid) -> Result<()> {
    for (id, chosen) in choices(w.tx(), lead_id)? {
        if chosen != (id == estimate_id) {
            w.update(TABLE, id, &[("chosen", Value::Integer((id == estimate_id).into()))])?;
        }
    }
    Ok(())
}

impl Store {
    /// Create (no `estimate_id`, numbered) or replace an estimate of an open lead: title, tax rate
    /// and every line. A lead's first estimate is its chosen one.
    pub fn estimate_save(&mut self, lead_id: Uuid, estimate_id: Option<Uuid>, mut input: EstimateInput) -> Result<Estimate> {
        check_lead_open(&self.conn, lead_id)?;
        if let Some(id) = estimate_id
            && open_lead_of(&self.conn, id)? != lead_id
        {
            return Err(CoreError::Conflict("This estimate belongs to another lead; reload the lead and try again.".into()));
        }
        validate(&mut input)?;
        let id = estimate_id.unwrap_or_else(Uuid::now_v7);
        self.write(|w| {
            let header = [("title", text(&input.title)), ("tax_rate_bp", Value::Integer(input.tax_rate_bp))];
            if estimate_id.is_some() {
                w.update(TABLE, id, &header)?;
            } else {
                let is_first = choices(w.tx(), lead_id)?.is_empty();
                let number = w.allocate_number(NumberKind::Estimate)?;
                let mut row = vec![("lead_id", text(&lead_id.to_string())), ("estimate_number", text(&number)), ("chosen", Value::Integer(is_first.into()))];
                row.extend(header);
                w.insert(TABLE, id, &row)?;
            }
            set_lines(w, id, &input.lines)
        })?;
        estimate_get(&self.conn, id)
    }

    /// Make this the estimate that becomes the order when its lead is won (the lead's other
    /// estimates are unchosen in the same transaction).
    pub fn estimate_choose(&mut self, estimate_id: Uuid) -> Result<Estimate> {
        let lead_id = open_lead_of(&self.conn, estimate_id)?;
        self.write(|w| choose(w, lead_id, estimate_id))?;
        estimate_get(&self.conn, estimate_id)
    }

    /// Delete an estimate of an open lead with its lines. When one estimate is left, it becomes
    /// the chosen one.
    pub fn estimate_delete(&mut self, estimate_id: Uuid) -> Result<()> {
        let lead_id = open_lead_of(&self.conn, estimate_id)?;
        let order_number: Option<String> = self
            .conn
            .prepare_cached("SELECT order_number FROM sales_order WHERE estimate_id = ?1")?
            .query_row([estimate_id.to_string()], |r| r.get(0))
            .optional()?;
        if let Some(order_number) = order_number {
            return Err(CoreError::Conflict(format!("This estimate became order {order_number}, which refers to it: it cannot be deleted.")));
        }
        self.write(|w| {
            w.delete(TABLE, estimate_id)?;
            if let [(only, false)] = choices(w.tx(), lead_id)?[..] {
                choose(w, lead_id, only)?;
            }
            Ok(())
        })
    }
}
