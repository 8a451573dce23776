//! Merging two duplicate companies or two duplicate contacts into one (seed 003: duplicates come
//! from imports and from two people typing in the same customer).
//!
//! The kept record takes every value it lacks from the other one; every link (contacts,
//! companies, notes, ship-to addresses, tags, branches, extra emails and phones) moves to the
//! kept record; then the other record is deleted. It is one transaction, logged change by
//! change like any edit, so it syncs and shows in the history like one.

use rusqlite::{OptionalExtension, types::Value};
use uuid::Uuid;

use crate::{CoreError, Result, Store, write::WriteTx};

/// Ids of the rows of `table` whose `column` is `id`.
fn ids_where(w: &WriteTx<'_>, table: &str, column: &str, id: Uuid) -> Result<Vec<Uuid>> {
    w.tx()
        .prepare_cached(&format!("SELECT id FROM {table} WHERE {column} = ?1"))?
        .query_map([id.to_string()], |r| crate::sql::id_at(r, 0))?
        .collect::<rusqlite::Result<_>>()
        .map_err(Into::into)
}

/// Tables that point at a company, a contact or a lead by `subject_table` and `subject_id` (any
/// of the three, so no foreign key).
pub(crate) const SUBJECT_TABLES: [&str; 2] = ["note", "task"];

/// Move the notes and tasks about `from` to `to` (the write path moves `to`'s newest-note date
/// with the notes), then leave the forwarding row that sync follows (`merged_into`).
fn move_subjects_and_forward(w: &mut WriteTx<'_>, subject_table: &'static str, from: Uuid, to: Uuid) -> Result<()> {
    for table in SUBJECT_TABLES {
        let rows: Vec<Uuid> = w
            .tx()
            .prepare_cached(&format!("SELECT id FROM {table} WHERE subject_table = ?1 AND subject_id = ?2"))?
            .query_map([subject_table, &from.to_string()], |r| crate::sql::id_at(r, 0))?
            .collect::<rusqlite::Result<_>>()?;
        for row in rows {
            w.update(table, row, &[("subject_id", Value::Text(to.to_string()))])?;
        }
    }
    let forward = [("table_name", Value::Text(subject_table.into())), ("from_id", Value::Text(from.to_string())), ("into_id", Value::Text(to.to_string()))];
    w.insert("merged_record", Uuid::now_v7(), &forward)
}

/// Where the records of `table` that point at `id`, a row that is gone, belong now: the kept
/// record of the merge that removed it (following later merges of that one), if a merge did and
/// the kept record is here. See migration 0010.
pub(crate) fn merged_into(conn: &rusqlite::Connection, table: &str, id: &str) -> Result<Option<String>> {
    let mut current = id.to_owned();
    // A chain longer than this is a cycle (two laptops merging two records into each other).
    for _ in 0..32 {
        let next: Option<String> = conn
            .prepare_cached("SELECT into_id FROM merged_record WHERE table_name = ?1 AND from_id = ?2 ORDER BY id LIMIT 1")?
            .query_row([table, &current], |r| r.get(0))
            .optional()?;
        let Some(next) = next else { return Ok(None) };
        if crate::sql::exists_text(conn, table, &next)? {
            return Ok(Some(next));
        }
        current = next;
    }
    Ok(None)
}

fn fill(target: &mut String, other: &str) {
    if target.is_empty() {
        *target = other.to_owned();
    }
}

fn same_record(keep: Uuid, remove: Uuid) -> Result<()> {
    if keep == remove {
        return Err(CoreError::invalid("remove_id", "Choose two different records to merge."));
    }
    Ok(())
}

impl Store {
    /// Merge company `remove` into company `keep` and delete `remove`.
    pub fn company_merge(&mut self, keep: Uuid, remove: Uuid) -> Result<crm_model::Company> {
        same_record(keep, remove)?;
        let kept = self.company_get(keep)?;
        let other = self.company_get(remove)?;
        let mut input = kept.fields.clone();
        let o = &other.fields;
        for (target, value) in [
            (&mut input.phone, &o.phone),
            (&mut input.email, &o.email),
            (&mut input.website, &o.website),
            (&mut input.street, &o.street),
            (&mut input.city, &o.city),
            (&mut input.postcode, &o.postcode),
            (&mut input.region, &o.region),
            (&mut input.country, &o.country),
            (&mut input.price_code, &o.price_code),
        ] {
            fill(target, value);
        }
        input.terms_code_id = input.terms_code_id.or(o.terms_code_id);
        input.credit_code_id = input.credit_code_id.or(o.credit_code_id);
        input.credit_limit_cents = input.credit_limit_cents.or(o.credit_limit_cents);
        input.payment_days = input.payment_days.or(o.payment_days);
        input.isr_id = input.isr_id.or(o.isr_id);
        input.osr_id = input.osr_id.or(o.osr_id);
        if input.invoice_discount_bp == 0 {
            input.invoice_discount_bp = o.invoice_discount_bp;
        }
        // The kept company must not end up below itself.
        input.parent_id = input.parent_id.or(o.parent_id).filter(|parent| *parent != keep && *parent != remove);
        for tag in &o.tags {
            if !input.tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
                input.tags.push(tag.clone());
            }
        }
        let kept_has_default = kept.ship_tos.iter().any(|s| s.fields.is_default);
        self.write(|w| {
            w.update(crate::company::TABLE, keep, &crate::company::columns(&input))?;
            crate::company::set_tags(w, keep, &input.tags)?;
            // Contacts: a person linked to both keeps one link (and the kept link's role).
            let linked_to_keep: Vec<String> = w
                .tx()
                .prepare_cached("SELECT contact_id FROM contact_company WHERE company_id = ?1")?
                .query_map([keep.to_string()], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let links: Vec<(Uuid, String)> = w
                .tx()
                .prepare_cached("SELECT id, contact_id FROM contact_company WHERE company_id = ?1")?
                .query_map([remove.to_string()], |r| Ok((crate::sql::id_at(r, 0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (link, contact) in links {
                if linked_to_keep.contains(&contact) {
                    w.delete("contact_company", link)?;
                } else {
                    w.update("contact_company", link, &[("company_id", Value::Text(keep.to_string()))])?;
                }
            }
            for ship_to in ids_where(w, "ship_to", "company_id", remove)? {
                let mut row = vec![("company_id", Value::Text(keep.to_string()))];
                if kept_has_default {
                    row.push(("is_default", Value::Integer(0)));
                }
                w.update("ship_to", ship_to, &row)?;
            }
            for child in ids_where(w, crate::company::TABLE, "parent_id", remove)? {
                let parent = if child == keep { Value::Null } else { Value::Text(keep.to_string()) };
                w.update(crate::company::TABLE, child, &[("parent_id", parent)])?;
            }
            // Leads and orders stay the customer's.
            for table in ["lead", "sales_order"] {
                for row in ids_where(w, table, "company_id", remove)? {
                    w.update(table, row, &[("company_id", Value::Text(keep.to_string()))])?;
                }
            }
            move_subjects_and_forward(w, crate::company::TABLE, remove, keep)?;
            w.delete(crate::company::TABLE, remove)?;
            crate::company::settle_default_ship_to(w.tx(), &keep.to_string())
        })?;
        self.company_get(keep)
    }

    /// Merge contact `remove` into contact `keep` and delete `remove`.
    pub fn contact_merge(&mut self, keep: Uuid, remove: Uuid) -> Result<crm_model::Contact> {
        same_record(keep, remove)?;
        let kept = self.contact_get(keep)?;
        let other = self.contact_get(remove)?;
        let mut input = kept.to_input();
        for (target, value) in [
            (&mut input.first_name, &other.first_name),
            (&mut input.last_name, &other.last_name),
            (&mut input.email, &other.email),
            (&mut input.office_phone, &other.office_phone),
            (&mut input.mobile_phone, &other.mobile_phone),
            (&mut input.job_title, &other.job_title),
            (&mut input.street, &other.street),
            (&mut input.city, &other.city),
            (&mut input.postcode, &other.postcode),
            (&mut input.region, &other.region),
            (&mut input.country, &other.country),
        ] {
            fill(target, value);
        }
        input.email_consent |= other.email_consent;
        input.sms_consent |= other.sms_consent;
        for company in &other.companies {
            if !input.company_ids.contains(&company.id) {
                input.company_ids.push(company.id);
                if !company.role.is_empty() {
                    input.roles.insert(company.id, company.role.clone());
                }
            }
        }
        // The other contact's emails and phones that the kept one lacks become extra channels.
        let known: Vec<String> = [&input.email, &input.office_phone, &input.mobile_phone]
            .into_iter()
            .cloned()
            .chain(input.channels.iter().map(|c| c.value.clone()))
            .collect();
        for (kind, label, value) in [
            (crm_model::ChannelKind::Email, "work", &other.email),
            (crm_model::ChannelKind::Phone, "office", &other.office_phone),
            (crm_model::ChannelKind::Phone, "mobile", &other.mobile_phone),
        ]
        .into_iter()
        .filter(|(_, _, value)| !value.is_empty())
        .map(|(kind, label, value)| (kind, label.to_owned(), value.clone()))
        .chain(other.channels.iter().map(|c| (c.kind, c.label.clone(), c.value.clone())))
        {
            if !known.contains(&value) && !input.channels.iter().any(|c| c.value == value) {
                input.channels.push(crm_model::Channel { kind, label, value, sms_capable: false });
            }
        }
        input.channels.truncate(crm_model::limits::CHANNELS_PER_CONTACT);
        self.write(|w| {
            w.update(crate::contact::TABLE, keep, &crate::contact::columns(&input))?;
            move_subjects_and_forward(w, crate::contact::TABLE, remove, keep)?;
            w.delete(crate::contact::TABLE, remove)?;
            crate::contact::set_links(w, keep, &input.company_ids, &input.roles)?;
            crate::contact::set_channels(w, keep, &input.channels)
        })?;
        self.contact_get(keep)
    }
}

#[cfg(test)]
mod tests {
    use crm_model::{CompanyInput, ContactInput, NoteInput, NoteSubject, ShipToInput};

    use crate::testing::{assert_invalid, count, store};

    #[test]
    fn merging_companies_keeps_every_link_and_note() {
        let mut store = store();
        let keep = store.company_create(CompanyInput { name: "Acme Tools".into(), tags: vec!["Key".into()], ..Default::default() }).unwrap();
        let remove = store
            .company_create(CompanyInput { name: "ACME Tools Inc".into(), phone: "+1 512 555 0100".into(), city: "Austin".into(), tags: vec!["Trade show".into()], ..Default::default() })
            .unwrap();
        let branch = store.company_create(CompanyInput { name: "Acme North".into(), parent_id: Some(remove.id), ..Default::default() }).unwrap();
        let both = ContactInput { first_name: "Ada".into(), company_ids: vec![keep.id, remove.id], ..Default::default() };
        let ada = store.contact_create(both).unwrap();
        let bob = store.contact_create(ContactInput { first_name: "Bob".into(), company_ids: vec![remove.id], ..Default::default() }).unwrap();
        store.note_create(NoteInput { subject: NoteSubject::Company(remove.id), body: "called".into(), note_type_id: None, author_id: None }).unwrap();
        store.ship_to_save(None, ShipToInput { company_id: remove.id, label: "Dock".into(), is_default: true, ..Default::default() }).unwrap();
        let program = uuid::Uuid::parse_str("00000000-0000-7000-8000-000000000401").unwrap();
        let lead = store.lead_create(crm_model::LeadCreate { company_id: remove.id, program_id: program }).unwrap();
        let call = crm_model::TaskInput { title: "Call back".into(), due_local: "2027-03-10T09:00".into(), time_zone: "Europe/Berlin".into(), related: Some(NoteSubject::Company(remove.id)), ..Default::default() };
        let task = store.task_create(call).unwrap().task;

        let merged = store.company_merge(keep.id, remove.id).unwrap();
        assert_eq!(store.lead_get(lead.id).unwrap().company_id, keep.id, "leads stay the customer's");
        assert_eq!(store.tasks_of(NoteSubject::Company(keep.id)).unwrap().iter().map(|t| t.id).collect::<Vec<_>>(), [task.id]);
        assert_eq!(merged.fields.name, "Acme Tools", "the kept record's values win");
        assert_eq!((merged.fields.phone.as_str(), merged.fields.city.as_str()), ("+1 512 555 0100", "Austin"), "gaps are filled");
        assert_eq!(merged.fields.tags, ["Key", "Trade show"]);
        assert_eq!(merged.contact_count, 2, "Ada keeps one link, Bob moves");
        assert_eq!(merged.ship_tos.len(), 1);
        assert_eq!(merged.children.iter().map(|c| c.id).collect::<Vec<_>>(), [branch.id]);
        assert!(merged.newest_note_at.is_some(), "the note moved with its date");
        assert_eq!(store.notes_of(NoteSubject::Company(keep.id)).unwrap().len(), 1);
        assert_eq!(store.contact_get(ada.id).unwrap().companies.len(), 1);
        assert_eq!(store.contact_get(bob.id).unwrap().companies[0].id, keep.id);
        assert!(store.company_get(remove.id).is_err());
        assert_eq!(count(&store, "company"), 2);
        let search = crm_model::ListQuery { search: "5125550100".into(), ..Default::default() };
        assert_eq!(store.company_list(&search).unwrap().rows[0].id, keep.id, "the search index follows");
        assert_invalid(store.company_merge(keep.id, keep.id), &["remove_id"]);
    }

    #[test]
    fn merging_contacts_keeps_companies_channels_and_notes() {
        let mut store = store();
        let acme = store.company_create(CompanyInput { name: "Acme".into(), ..Default::default() }).unwrap();
        let beta = store.company_create(CompanyInput { name: "Beta".into(), ..Default::default() }).unwrap();
        let keep = store.contact_create(ContactInput { first_name: "Ada".into(), last_name: "Lovelace".into(), email: "ada@acme.example".into(), company_ids: vec![acme.id], ..Default::default() }).unwrap();
        let remove = store
            .contact_create(ContactInput { first_name: "Ada".into(), last_name: "Lovelace".into(), email: "ada@home.example".into(), mobile_phone: "+44 7700 900123".into(), company_ids: vec![beta.id], ..Default::default() })
            .unwrap();
        store.note_create(NoteInput { subject: NoteSubject::Contact(remove.id), body: "met".into(), note_type_id: None, author_id: None }).unwrap();
        let merged = store.contact_merge(keep.id, remove.id).unwrap();
        assert_eq!(merged.email, "ada@acme.example");
        assert_eq!(merged.mobile_phone, "+44 7700 900123");
        assert_eq!(merged.channels.iter().map(|c| c.value.as_str()).collect::<Vec<_>>(), ["ada@home.example"], "the other email is kept as an extra");
        assert_eq!(merged.companies.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Acme", "Beta"]);
        assert_eq!(store.notes_of(NoteSubject::Contact(keep.id)).unwrap().len(), 1);
        assert_eq!(count(&store, "contact"), 1);
    }
}
