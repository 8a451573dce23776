use std::collections::BTreeSet;

use crm_model::{Contact, ContactInput, limits};
use uuid::Uuid;

use super::types::{LINK_TABLE, TABLE, columns};
use crate::{
    Result, Store,
    validate::Validator,
    write::{WriteTx, text},
};

fn validate(input: &mut ContactInput) -> Result<()> {
    let mut check = Validator::default();
    check.text("first_name", &mut input.first_name, limits::PERSON_NAME);
    check.text("last_name", &mut input.last_name, limits::PERSON_NAME);
    if input.first_name.is_empty() && input.last_name.is_empty() {
        check.error("last_name", "Enter a first or a last name.");
    }
    check.email("email", &mut input.email, limits::EMAIL);
    check.phone("office_phone", &mut input.office_phone, limits::PHONE);
    check.phone("mobile_phone", &mut input.mobile_phone, limits::PHONE);
    check.text("job_title", &mut input.job_title, limits::JOB_TITLE);
    let mut seen = BTreeSet::new();
    input.company_ids.retain(|id| seen.insert(*id));
    check.finish()
}

impl Store {
    pub fn contact_create(&mut self, mut input: ContactInput) -> Result<Contact> {
        validate(&mut input)?;
        let id = Uuid::now_v7();
        self.write(|w| {
            w.insert(TABLE, id, &columns(&input))?;
            set_links(w, id, &input.company_ids)
        })?;
        self.contact_get(id)
    }

    pub fn contact_update(&mut self, id: Uuid, mut input: ContactInput) -> Result<Contact> {
        validate(&mut input)?;
        self.write(|w| {
            w.update(TABLE, id, &columns(&input))?;
            set_links(w, id, &input.company_ids)
        })?;
        self.contact_get(id)
    }
}

/// Make the contact's company links exactly `company_ids`: remove links not listed, add the new
/// ones. An unknown company id fails the whole write.
fn set_links(w: &mut WriteTx<'_>, contact_id: Uuid, company_ids: &[Uuid]) -> Result<()> {
    for company_id in company_ids {
        if !crate::sql::exists(w.tx(), "company", *company_id)? {
            return Err(crate::CoreError::invalid("company_ids", format!("No company with id {company_id} exists.")));
        }
    }
    let current: Vec<(Uuid, Uuid)> = w
        .tx()
        .prepare_cached("SELECT id, company_id FROM contact_company WHERE contact_id = ?1")?
        .query_map([contact_id.to_string()], |row| {
            Ok((crate::sql::parse_id(row.get_ref(0)?.as_str()?)?, crate::sql::parse_id(row.get_ref(1)?.as_str()?)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (link_id, company_id) in &current {
        if !company_ids.contains(company_id) {
            w.delete(LINK_TABLE, *link_id)?;
        }
    }
    for company_id in company_ids {
        if !current.iter().any(|(_, linked)| linked == company_id) {
            w.insert(
                LINK_TABLE,
                Uuid::now_v7(),
                &[("contact_id", text(&contact_id.to_string())), ("company_id", text(&company_id.to_string()))],
            )?;
        }
    }
    Ok(())
}
