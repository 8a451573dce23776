use std::collections::{BTreeMap, BTreeSet};

use crm_model::{Channel, ChannelKind, Contact, ContactInput, contact::CHANNEL_LABELS, limits};
use rusqlite::types::Value;
use uuid::Uuid;

use super::types::{LINK_TABLE, TABLE, columns};
use crate::{
    Result, Store,
    validate::Validator,
    write::{WriteTx, text},
};

pub(crate) fn validate(input: &mut ContactInput) -> Result<()> {
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
    check.address(&mut input.street, &mut input.city, &mut input.postcode, &mut input.region, &mut input.country);
    let mut seen = BTreeSet::new();
    input.company_ids.retain(|id| seen.insert(*id));
    let linked = input.company_ids.clone();
    input.roles.retain(|id, _| linked.contains(id));
    for role in input.roles.values_mut() {
        check.text("roles", role, limits::ROLE);
    }
    input.roles.retain(|_, role| !role.is_empty());
    if input.channels.len() > limits::CHANNELS_PER_CONTACT {
        check.error("channels", format!("A contact can have at most {} extra emails and phones.", limits::CHANNELS_PER_CONTACT));
    }
    input.channels.retain(|c| !c.value.trim().is_empty());
    for (index, channel) in input.channels.iter_mut().enumerate() {
        let field = format!("channels.{index}");
        if !CHANNEL_LABELS.contains(&channel.label.as_str()) {
            check.error(&field, format!("{:?} is not a label; use one of {}.", channel.label, CHANNEL_LABELS.join(", ")));
        }
        match channel.kind {
            ChannelKind::Email => {
                check.email(&field, &mut channel.value, limits::EMAIL);
                if channel.sms_capable {
                    check.error(&field, "Only a phone number can receive text messages.");
                }
            }
            ChannelKind::Phone => check.phone(&field, &mut channel.value, limits::PHONE),
        }
    }
    check.finish()
}

impl Store {
    pub fn contact_create(&mut self, mut input: ContactInput) -> Result<Contact> {
        validate(&mut input)?;
        let id = Uuid::now_v7();
        self.write(|w| {
            w.insert(TABLE, id, &columns(&input))?;
            set_links(w, id, &input.company_ids, &input.roles)?;
            set_channels(w, id, &input.channels)
        })?;
        self.contact_get(id)
    }

    pub fn contact_update(&mut self, id: Uuid, mut input: ContactInput) -> Result<Contact> {
        validate(&mut input)?;
        self.write(|w| {
            w.update(TABLE, id, &columns(&input))?;
            set_links(w, id, &input.company_ids, &input.roles)?;
            set_channels(w, id, &input.channels)
        })?;
        self.contact_get(id)
    }
}

/// Make the contact's company links exactly `company_ids`: remove links not listed, add the new
/// ones. An unknown company id fails the whole write.
pub(crate) fn set_links(w: &mut WriteTx<'_>, contact_id: Uuid, company_ids: &[Uuid], roles: &BTreeMap<Uuid, String>) -> Result<()> {
    for company_id in company_ids {
        if !crate::sql::exists(w.tx(), "company", *company_id)? {
            return Err(crate::CoreError::invalid("company_ids", format!("No company with id {company_id} exists.")));
        }
    }
    let current: Vec<(Uuid, Uuid)> = w
        .tx()
        .prepare_cached("SELECT id, company_id FROM contact_company WHERE contact_id = ?1")?
        .query_map([contact_id.to_string()], |row| {
            Ok((crate::sql::id_at(row, 0)?, crate::sql::id_at(row, 1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (link_id, company_id) in &current {
        if !company_ids.contains(company_id) {
            w.delete(LINK_TABLE, *link_id)?;
        }
    }
    for company_id in company_ids {
        let role = text(roles.get(company_id).map(String::as_str).unwrap_or(""));
        match current.iter().find(|(_, linked)| linked == company_id) {
            Some((link_id, _)) => drop(w.update(LINK_TABLE, *link_id, &[("role", role)])?),
            None => w.insert(
                LINK_TABLE,
                Uuid::now_v7(),
                &[("contact_id", text(&contact_id.to_string())), ("company_id", text(&company_id.to_string())), ("role", role)],
            )?,
        }
    }
    Ok(())
}

/// Make the contact's extra emails and phones exactly `channels`, in order. Rows are reused by
/// position, so editing a number logs one changed column, not a delete and an insert.
pub(crate) fn set_channels(w: &mut WriteTx<'_>, contact_id: Uuid, channels: &[Channel]) -> Result<()> {
    let current: Vec<Uuid> = w
        .tx()
        .prepare_cached("SELECT id FROM contact_channel WHERE contact_id = ?1 ORDER BY position, id")?
        .query_map([contact_id.to_string()], |row| crate::sql::id_at(row, 0))?
        .collect::<rusqlite::Result<_>>()?;
    for (position, channel) in channels.iter().enumerate() {
        let kind = match channel.kind {
            ChannelKind::Email => "email",
            ChannelKind::Phone => "phone",
        };
        let row = [
            ("kind", text(kind)),
            ("label", text(&channel.label)),
            ("value", text(&channel.value)),
            ("sms_capable", Value::Integer(channel.sms_capable.into())),
            ("position", Value::Integer(position as i64)),
        ];
        match current.get(position) {
            Some(id) => drop(w.update("contact_channel", *id, &row)?),
            None => {
                let mut row = row.to_vec();
                row.push(("contact_id", text(&contact_id.to_string())));
                w.insert("contact_channel", Uuid::now_v7(), &row)?;
            }
        }
    }
    for id in current.iter().skip(channels.len()) {
        w.delete("contact_channel", *id)?;
    }
    Ok(())
}
