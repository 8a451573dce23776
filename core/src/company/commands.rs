use crm_model::{Company, CompanyInput, CreditBehaviour, OrderEntry, limits};
use uuid::Uuid;

use super::types::{TABLE, columns};
use crate::{CoreError, Result, Store, numbering::NumberKind, validate::Validator};

/// Normalise (trim) and check a company form. Every failing field is reported.
fn validate(conn: &rusqlite::Connection, input: &mut CompanyInput) -> Result<()> {
    let mut check = Validator::default();
    check.required("name", &mut input.name, limits::NAME);
    check.phone("phone", &mut input.phone, limits::PHONE);
    check.email("email", &mut input.email, limits::EMAIL);
    check.website("website", &mut input.website, limits::WEBSITE);
    check.text("street", &mut input.street, limits::STREET);
    check.text("city", &mut input.city, limits::CITY);
    check.text("postcode", &mut input.postcode, limits::POSTCODE);
    check.text("region", &mut input.region, limits::REGION);
    check.text("country", &mut input.country, limits::COUNTRY);
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
    check.finish()
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
            w.insert(TABLE, id, &row)
        })?;
        self.company_get(id)
    }

    pub fn company_update(&mut self, id: Uuid, mut input: CompanyInput) -> Result<Company> {
        validate(&self.conn, &mut input)?;
        self.write(|w| w.update(TABLE, id, &columns(&input)))?;
        self.company_get(id)
    }
}

impl Store {
    /// The credit rule that order entry calls before it accepts an order for a customer (the
    /// seed's credit codes): Credit Hold refuses (an error of kind `blocked`), New Account needs
    /// approval, Past Due warns, Current (or no code) goes ahead.
    pub fn order_entry_check(&self, company_id: Uuid) -> Result<OrderEntry> {
        let company = self.company_get(company_id)?;
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
}
