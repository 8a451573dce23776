use crm_model::{Estimate, EstimateLine, EstimateLineInput};
use rusqlite::{Row, types::Value};
use uuid::Uuid;

use crate::{time, write::text};

pub(crate) const TABLE: &str = "estimate";
pub(crate) const LINE_TABLE: &str = "estimate_line";

pub(super) const SELECT_ESTIMATE: &str = "SELECT id, lead_id, estimate_number, title, tax_rate_bp, chosen, created_at FROM estimate";

/// The four columns a line shares between `estimate_line` and `order_line`, in the order
/// [`line_from_row`] reads them.
pub(crate) const LINE_COLUMNS: &str = "description, quantity_milli, unit_price_cents, discount_bp";

/// An estimate's header; its lines and totals are filled in by [`with_lines`].
pub(super) fn estimate_from_row(row: &Row<'_>) -> rusqlite::Result<Estimate> {
    Ok(Estimate {
        id: crate::sql::id_at(row, 0)?,
        lead_id: crate::sql::id_at(row, 1)?,
        estimate_number: row.get(2)?,
        title: row.get(3)?,
        tax_rate_bp: row.get(4)?,
        chosen: row.get(5)?,
        lines: Vec::new(),
        subtotal_cents: 0,
        tax_cents: 0,
        total_cents: 0,
        created_at: time::rfc3339(row.get(6)?),
    })
}

/// A line read with [`LINE_COLUMNS`] from column `first` on.
pub(crate) fn line_from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<EstimateLineInput> {
    Ok(EstimateLineInput {
        description: row.get(first)?,
        quantity_milli: row.get(first + 1)?,
        unit_price_cents: row.get(first + 2)?,
        discount_bp: row.get(first + 3)?,
    })
}

/// A line's row: its parent (`estimate_id` or `order_id`), its position and [`LINE_COLUMNS`].
pub(crate) fn line_columns(parent_column: &'static str, parent_id: Uuid, position: usize, line: &EstimateLineInput) -> Vec<(&'static str, Value)> {
    vec![
        (parent_column, text(&parent_id.to_string())),
        ("position", Value::Integer(position as i64)),
        ("description", text(&line.description)),
        ("quantity_milli", Value::Integer(line.quantity_milli)),
        ("unit_price_cents", Value::Integer(line.unit_price_cents)),
        ("discount_bp", Value::Integer(line.discount_bp)),
    ]
}

/// The money of an estimate (and of the order it becomes). Amounts are `i128` because one line
/// may hold up to 10^12 thousandths at up to 10^14 cents, a product far beyond `i64`; validation
/// refuses a total above `limits::VALUE_CENTS`, so every stored amount fits in `i64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Totals {
    pub lines: Vec<i128>,
    pub subtotal: i128,
    pub tax: i128,
    pub total: i128,
}

/// The one money rule of estimates and orders: a line is quantity x unit price x (1 - discount),
/// rounded half up to the cent; the subtotal sums the rounded lines; the tax is the subtotal x the
/// rate, rounded half up; the total is subtotal + tax. Integers only.
pub(crate) fn totals(lines: &[EstimateLineInput], tax_rate_bp: i64) -> Totals {
    let line_totals: Vec<i128> = lines
        .iter()
        .map(|line| {
            let exact = i128::from(line.quantity_milli) * i128::from(line.unit_price_cents) * (10_000 - i128::from(line.discount_bp));
            div_half_up(exact, 1_000 * 10_000)
        })
        .collect();
    let subtotal: i128 = line_totals.iter().sum();
    let tax = div_half_up(subtotal * i128::from(tax_rate_bp), 10_000);
    Totals { lines: line_totals, subtotal, tax, total: subtotal + tax }
}

/// `numerator / denominator` rounded to the nearest integer, halves upwards (towards +∞).
fn div_half_up(numerator: i128, denominator: i128) -> i128 {
    (2 * numerator + denominator).div_euclid(2 * denominator)
}

/// An amount that validation has kept within `limits::VALUE_CENTS`. A row that somehow holds
/// more (written by a future version, say) reads as the largest amount rather than failing.
pub(crate) fn cents(amount: i128) -> i64 {
    i64::try_from(amount).unwrap_or(i64::MAX)
}

/// Give `estimate` its lines and the totals computed from them.
pub(super) fn with_lines(mut estimate: Estimate, lines: Vec<EstimateLineInput>) -> Estimate {
    let money = totals(&lines, estimate.tax_rate_bp);
    estimate.lines = lines.into_iter().zip(&money.lines).map(|(line, total)| EstimateLine { line, total_cents: cents(*total) }).collect();
    estimate.subtotal_cents = cents(money.subtotal);
    estimate.tax_cents = cents(money.tax);
    estimate.total_cents = cents(money.total);
    estimate
}
