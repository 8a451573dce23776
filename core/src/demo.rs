//! Deterministic demo data: the same seed always gives the same companies and contacts, so
//! screenshots, tests and bug reports are reproducible. Written through the public commands, so
//! demo rows are validated and logged exactly like rows a user types in.

use crm_model::{CompanyInput, ContactInput};

use crate::{Result, Store};

const COMPANY_STEMS: &[&str] = &[
    "Northwind", "Bluewater", "Cedar Ridge", "Summit", "Ironbridge", "Harbor Point", "Redwood", "Silver Lake", "Granite",
    "Brightline", "Oakmont", "Riverside", "Keystone", "Lakeshore", "Pioneer", "Evergreen", "Falcon", "Maple Leaf",
];
const COMPANY_KINDS: &[&str] = &[
    "Manufacturing", "Logistics", "Dental Group", "Electric", "Foods", "Engineering", "Supply Co.", "Builders", "Labs",
    "Hardware", "Medical", "Outfitters",
];
const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Lucas", "Mia", "Ethan", "Amara", "Kenji", "Priya", "Jonas",
    "Chloe", "Diego", "Hannah", "Omar", "Grace", "Felix",
];
const LAST_NAMES: &[&str] = &[
    "Johnson", "Garcia", "Nguyen", "Smith", "Müller", "Okafor", "Rossi", "Kowalski", "Brown", "Tanaka", "Dubois", "Patel",
    "Silva", "Andersen", "O'Brien", "Haddad", "Schmidt", "Lee",
];
const JOB_TITLES: &[&str] =
    &["Purchasing Manager", "CEO", "Office Manager", "Buyer", "Plant Manager", "CFO", "Operations Lead", "Engineer"];
/// (city, state/region, country, postcode prefix, phone prefix)
const PLACES: &[(&str, &str, &str, &str, &str)] = &[
    ("Austin", "TX", "United States", "787", "+1 512"),
    ("Denver", "CO", "United States", "802", "+1 303"),
    ("Portland", "OR", "United States", "972", "+1 503"),
    ("Columbus", "OH", "United States", "432", "+1 614"),
    ("Tampa", "FL", "United States", "336", "+1 813"),
    ("Sacramento", "CA", "United States", "958", "+1 916"),
    ("Toronto", "ON", "Canada", "M5V", "+1 416"),
    ("Munich", "Bavaria", "Germany", "803", "+49 89"),
    ("Lyon", "Auvergne-Rhône-Alpes", "France", "690", "+33 4"),
];
const STREETS: &[&str] = &["Main St", "Oak Ave", "Industrial Pkwy", "Commerce Dr", "Market St", "Harbor Rd", "Elm St"];

/// xorshift64*: a tiny deterministic generator. Hand-written because demo data must be identical
/// across `rand` versions and platforms, which `rand`'s seeded generators do not promise.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct DemoSummary {
    pub companies: usize,
    pub contacts: usize,
}

fn slug(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase()
}

impl Store {
    /// Add `n_companies` demo companies with one to three contacts each.
    pub fn load_demo(&mut self, seed: u64, n_companies: usize) -> Result<DemoSummary> {
        let mut rng = Rng::new(seed);
        let mut n_contacts = 0;
        let mut used_names = std::collections::BTreeSet::new();
        for index in 0..n_companies {
            let stem = rng.pick(COMPANY_STEMS);
            let kind = rng.pick(COMPANY_KINDS);
            let (city, region, country, postcode, phone_prefix) = PLACES[rng.below(PLACES.len())];
            let domain = format!("{}{}.example", slug(stem), slug(kind).get(..4).unwrap_or(""));
            // Real customer lists have few exact duplicate names: qualify a repeat by its city, then
            // by a number.
            let name = [format!("{stem} {kind}"), format!("{stem} {kind} of {city}"), format!("{stem} {kind} {}", index + 1)]
                .into_iter()
                .find(|name| !used_names.contains(name))
                .unwrap();
            used_names.insert(name.clone());
            let company = self.company_create(CompanyInput {
                name,
                phone: format!("{phone_prefix} {:03} {:04}", rng.below(900) + 100, rng.below(10_000)),
                email: format!("info@{domain}"),
                website: format!("www.{domain}"),
                street: format!("{} {}", rng.below(9_000) + 100, rng.pick(STREETS)),
                city: city.into(),
                postcode: format!("{postcode}{:02}", rng.below(100)),
                region: region.into(),
                country: country.into(),
                ..CompanyInput::default()
            })?;
            for _ in 0..=rng.below(3) {
                let first = rng.pick(FIRST_NAMES);
                let last = rng.pick(LAST_NAMES);
                self.contact_create(ContactInput {
                    first_name: first.into(),
                    last_name: last.into(),
                    email: format!("{}.{}@{domain}", slug(first), slug(last)),
                    office_phone: company.fields.phone.clone(),
                    mobile_phone: format!("{phone_prefix} {:03} {:04}", rng.below(900) + 100, rng.below(10_000)),
                    job_title: rng.pick(JOB_TITLES).into(),
                    company_ids: vec![company.id],
                })?;
                n_contacts += 1;
            }
        }
        Ok(DemoSummary { companies: n_companies, contacts: n_contacts })
    }
}
