use crm_model::{Company, CompanyInput, CreditBehaviour, OrderEntry, ShipTo, ShipToInput, limits};
use rusqlite::{OptionalExtension, types::Value};
use uuid::Uuid;

use super::types::{SELECT_COMPANY, TABLE, columns, company_from_row};
use crate::{CoreError, Result, Store, numbering::NumberKind, validate::Validator, write::WriteTx};

/// Normalise (trim) and check a company form. Every failing field is reported.
pub(crate) fn validate(conn: &rusqlite::Connection, input: &mut CompanyInput) -> Result<()> {
    let mut check = Validator::default();
    check.required("name", &mut input.name, limits::NAME);
    check.phone("phone", &mut input.phone, limits::PHONE);
    check.email("email", &mut input.email, limits::EMAIL);
    check.website("website", &mut input.website, limits::WEBSITE);
    check.address(&mut input.street, &mut input.city, &mut input.postcode, &mut input.region, &mut input.country);
    check.text("price_code", &mut input.price_code, limits::PRICE_CODE);
    if let Some(cents) = input.credit_limit_cents {
        check.range("credit_limit_cents", cents, 0..=limits::CREDIT_LIMIT_CENTS);
    }
    if let Some(days) = input.payment_days {
        check.range("payment_days", days, 0..=limits::PAYMENT_DAYS);
    }
    check.range("invoice_discount_bp", input.invoice_discount_bp, 0..=10_000);
    check.reference(conn, "terms_code_id", "terms_code", input.terms_code_id, "terms code")?;
    check.reference(conn, "credit_code_id", "credit_code", input.credit_code_id, "credit code")?;
    check.reference(conn, "isr_id", "app_user", input.isr_id, "user")?;
    check.reference(conn, "osr_id", "app_user", input.osr_id, "user")?;
    check.reference(conn, "parent_id", "company", input.parent_id, "company")?;
    let mut tags: Vec<String> = Vec::new();
    for tag in &input.tags {
        let tag = tag.split_whitespace().collect::<Vec<_>>().join(" ");
        if tag.chars().count() > limits::TAG {
            check.error("tags", format!("A tag can be at most {} characters long.", limits::TAG));
        } else if !tag.is_empty() && !tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            tags.push(tag);
        }
    }
    if tags.len() > limits::TAGS_PER_COMPANY {
        check.error("tags", format!("A company can have at most {} tags.", limits::TAGS_PER_COMPANY));
    }
    input.tags = tags;
    check.finish()
}

/// Refuse a parent that is the company itself or one of its descendants: an account hierarchy
/// is a tree.
fn check_parent(conn: &rusqlite::Connection, id: Uuid, parent: Option<Uuid>) -> Result<()> {
    let Some(parent) = parent else { return Ok(()) };
    let is_descendant: bool = conn.query_row(
        "WITH RECURSIVE up(id) AS (SELECT ?1 UNION SELECT c.parent_id FROM company c JOIN up ON c.id = up.id WHERE c.parent_id IS NOT NULL)
         SELECT EXISTS (SELECT 1 FROM up WHERE id = ?2)",
        [parent.to_string(), id.to_string()],
        |r| r.get(0),
    )?;
    if is_descendant {
        return Err(CoreError::invalid("parent_id", "A company cannot be its own parent or sit below one of its own branches."));
    }
    Ok(())
}

/// Make the company's tags exactly `names`, creating tags that do not exist yet. A company
/// inserted in this same write has no tags to compare with yet.
pub(crate) fn set_tags(w: &mut WriteTx<'_>, company_id: Uuid, names: &[String]) -> Result<()> {
    let mut wanted = Vec::new();
    for name in names {
        let existing: Option<String> =
            w.tx().prepare_cached("SELECT id FROM tag WHERE name = ?1")?.query_row([name], |r| r.get(0)).optional()?;
        let tag_id = match existing {
            Some(id) => id,
            None => {
                let id = Uuid::now_v7();
                w.insert("tag", id, &[("name", crate::write::text(name))])?;
                id.to_string()
            }
        };
        wanted.push(tag_id);
    }
    let current: Vec<(String, String)> = if w.is_new_record(TABLE, company_id) {
        Vec::new()
    } else {
        w.tx()
            .prepare_cached("SELECT id, tag_id FROM company_tag WHERE company_id = ?1")?
            .query_map([company_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (link_id, tag_id) in &current {
        if !wanted.contains(tag_id) {
            w.delete("company_tag", Uuid::parse_str(link_id).map_err(|e| CoreError::Migration(e.to_string()))?)?;
        }
    }
    for tag_id in wanted {
        if !current.iter().any(|(_, t)| *t == tag_id) {
            w.insert(
                "company_tag",
                Uuid::now_v7(),
                &[("company_id", crate::write::text(&company_id.to_string())), ("tag_id", crate::write::text(&tag_id))],
            )?;
        }
    }
    Ok(())
}

impl Store {
    /// Create a company and give it the next customer number of this device's series.
    pub fn company_create(&mut self, mut input: CompanyInput) -> Result<Company> {
        validate(&self.conn, &mut input)?;
        let id = Uuid::now_v7();
        self.write(|w| {
            let number = w.allocate_number(NumberKind::Customer)?;
            let mut row = columns(&input);
            row.push(("customer_number", crate::write::text(&number)));
            w.insert(TABLE, id, &row)?;
            set_tags(w, id, &input.tags)
        })?;
        self.company_get(id)
    }

    pub fn company_update(&mut self, id: Uuid, mut input: CompanyInput) -> Result<Company> {
        validate(&self.conn, &mut input)?;
        check_parent(&self.conn, id, input.parent_id)?;
        self.write(|w| {
            w.update(TABLE, id, &columns(&input))?;
            set_tags(w, id, &input.tags)
        })?;
        self.company_get(id)
    }

    /// Add (no `id`) or change a ship-to address. Making one the default takes the default from
    /// the company's other addresses in the same transaction.
    pub fn ship_to_save(&mut self, id: Option<Uuid>, mut input: ShipToInput) -> Result<ShipTo> {
        let mut check = Validator::default();
        check.required("label", &mut input.label, limits::LABEL);
        check.address(&mut input.street, &mut input.city, &mut input.postcode, &mut input.region, &mut input.country);
        check.reference(&self.conn, "company_id", "company", Some(input.company_id), "company")?;
        check.finish()?;
        let id = id.unwrap_or_else(Uuid::now_v7);
        let is_new = !crate::sql::exists(&self.conn, "ship_to", id)?;
        let row = ship_to_columns(&input);
        self.write(|w| {
            if input.is_default {
                let others: Vec<String> = w
                    .tx()
                    .prepare_cached("SELECT id FROM ship_to WHERE company_id = ?1 AND is_default = 1 AND id <> ?2")?
                    .query_map([input.company_id.to_string(), id.to_string()], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for other in others {
                    let other = Uuid::parse_str(&other).map_err(|e| CoreError::Migration(e.to_string()))?;
                    w.update("ship_to", other, &[("is_default", Value::Integer(0))])?;
                }
            }
            if is_new { w.insert("ship_to", id, &row) } else { w.update("ship_to", id, &row).map(drop) }
        })?;
        self.ship_tos(input.company_id)?.into_iter().find(|s| s.id == id).ok_or_else(|| CoreError::not_found("ship_to", id))
    }

    pub fn ship_to_delete(&mut self, id: Uuid) -> Result<()> {
        let company: Option<String> = self.conn.prepare_cached("SELECT company_id FROM ship_to WHERE id = ?1")?.query_row([id.to_string()], |r| r.get(0)).optional()?;
        self.write(|w| {
            w.delete("ship_to", id)?;
            match company {
                Some(company) => settle_default_ship_to(w.tx(), &company),
                None => Ok(()),
            }
        })
    }
}

/// Make the stored default ship-to of `company` what the merged change log says: of its addresses
/// whose latest `is_default` write is 1, the one written last (by version) is the default, and
/// every other address is not. Saving a default here clears the others in the same change, so a
/// laptop alone never needs this; it is for sync, where two laptops can each pick a default
/// offline and both writes merge as 1. Every replica derives the same answer from the same log
/// (the adjustment itself is not logged), and re-derives it when the winner is deleted. Callers
/// that are about to write an `is_default` may clear the company's defaults first (the unique
/// index allows one) and settle afterwards.
pub(crate) fn settle_default_ship_to(tx: &rusqlite::Transaction<'_>, company: &str) -> Result<()> {
    use crm_sync::{Stamp, Version};
    let mut latest: Vec<(String, bool, Option<Version>)> = Vec::new();
    let mut select = tx.prepare_cached(
        "SELECT s.id, s.is_default, c.hlc, c.device_id, c.change_id, json_extract(c.patch, '$.is_default')
         FROM ship_to s LEFT JOIN change_log c
           ON c.table_name = 'ship_to' AND c.row_id = s.id AND c.op = 'set' AND json_type(c.patch, '$.is_default') IS NOT NULL
         WHERE s.company_id = ?1",
    )?;
    let mut rows = select.query([company])?;
    while let Some(row) = rows.next()? {
        let id: String = row.get(0)?;
        let version = match (row.get::<_, Option<i64>>(2)?, row.get::<_, Option<String>>(3)?, row.get::<_, Option<String>>(4)?) {
            (Some(hlc), Some(device), Some(change)) => match (Uuid::parse_str(&device), Uuid::parse_str(&change)) {
                (Ok(device), Ok(change_id)) => Some(Version { stamp: Stamp::new(hlc as u64, device), change_id }),
                _ => return Err(CoreError::Migration(format!("the change log holds an unreadable record for ship-to {id}"))),
            },
            _ => None,
        };
        // Without a logged write (nothing here writes one without logging), the stored flag.
        let value = if version.is_some() { row.get::<_, Option<i64>>(5)? == Some(1) } else { row.get::<_, bool>(1)? };
        match latest.iter_mut().find(|(known, ..)| *known == id) {
            Some(entry) if entry.2 < version => *entry = (id, value, version),
            Some(_) => {}
            None => latest.push((id, value, version)),
        }
    }
    let winner = latest.iter().filter(|(_, value, _)| *value).max_by(|a, b| (&a.2, &a.0).cmp(&(&b.2, &b.0))).map(|(id, ..)| id.clone());
    tx.prepare_cached("UPDATE ship_to SET is_default = 0 WHERE company_id = ?1 AND is_default = 1 AND id IS NOT ?2")?.execute(rusqlite::params![company, winner])?;
    if let Some(winner) = winner {
        tx.prepare_cached("UPDATE ship_to SET is_default = 1 WHERE id = ?1 AND is_default = 0")?.execute([winner])?;
    }
    Ok(())
}

fn ship_to_columns(input: &ShipToInput) -> Vec<(&'static str, Value)> {
    use crate::write::text;
    vec![
        ("company_id", text(&input.company_id.to_string())),
        ("label", text(&input.label)),
        ("street", text(&input.street)),
        ("city", text(&input.city)),
        ("postcode", text(&input.postcode)),
        ("region", text(&input.region)),
        ("country", text(&input.country)),
        ("is_default", Value::Integer(input.is_default.into())),
    ]
}

/// The credit rule that order entry calls before it accepts an order for a customer (the seed's
/// credit codes): Credit Hold refuses (an error of kind `blocked`), New Account needs approval,
/// Past Due warns, Current (or no code) goes ahead. Takes a connection so that order code can run
/// it inside its write transaction (`w.tx()`).
pub(crate) fn order_entry(conn: &rusqlite::Connection, company_id: Uuid) -> Result<OrderEntry> {
    let company = crate::sql::get_by_id(conn, &format!("{SELECT_COMPANY} WHERE c.id = ?1"), TABLE, company_id, company_from_row)?;
    let name = &company.fields.name;
    Ok(match company.credit.map(|c| (c.behaviour, c.code)) {
        None | Some((CreditBehaviour::Normal, _)) => OrderEntry::Allowed,
        Some((CreditBehaviour::Approval, code)) => {
            OrderEntry::NeedsApproval(format!("{name} has credit code {code}: the order waits for approval."))
        }
        Some((CreditBehaviour::Warn, code)) => {
            OrderEntry::AllowedWithWarning(format!("{name} has credit code {code}: check the unresolved balance before confirming."))
        }
        Some((CreditBehaviour::Block, code)) => {
            return Err(CoreError::Blocked(format!("{name} is on {code}: order entry is blocked until the credit code changes.")));
        }
    })
}

impl Store {
    /// The credit rule for one customer; see [`order_entry`].
    pub fn order_entry_check(&self, company_id: Uuid) -> Result<OrderEntry> {
        order_entry(&self.conn, company_id)
    }
}
