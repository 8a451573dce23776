use crm_model::{Company, CompanyInput, limits};
use uuid::Uuid;

use super::types::{TABLE, columns};
use crate::{Result, Store, numbering::NumberKind, validate::Validator};

/// Normalise (trim) and check a company form. Every failing field is reported.
fn validate(input: &mut CompanyInput) -> Result<()> {
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
    check.finish()
}

impl Store {
    /// Create a company and give it the next customer number of this device's series.
    pub fn company_create(&mut self, mut input: CompanyInput) -> Result<Company> {
        validate(&mut input)?;
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
        validate(&mut input)?;
        self.write(|w| w.update(TABLE, id, &columns(&input)))?;
        self.company_get(id)
    }
}
