//! Deterministic demo data: the same seed always gives the same companies and contacts, so
//! screenshots, tests and bug reports are reproducible. Written through the public commands, so
//! demo rows are validated and logged exactly like rows a user types in.

use crm_model::{CompanyInput, ContactInput};
use rusqlite::types::Value;
use uuid::Uuid;

use crate::{Result, Store, numbering::NumberKind, write::{WriteTx, text}};

const COMPANY_STEMS: &[&str] = &[
    "Northwind", "Bluewater", "Cedar Ridge", "Summit", "Ironbridge", "Harbor Point", "Redwood", "Silver Lake", "Granite",
    "Brightline", "Oakmont", "Riverside", "Keystone", "Lakeshore", "Pioneer", "Evergreen", "Falcon", "Maple Leaf",
    "Acme", "Atlas", "Beacon", "Cobalt", "Crescent", "Delta", "Eastgate", "Frontier", "Gateway", "Highland", "Horizon",
    "Juniper", "Liberty", "Meridian", "Nova", "Orchard", "Pinnacle", "Quantum", "Sterling", "Tidewater", "Union",
    "Vanguard", "Westfield", "Zenith", "Apex", "Bayview", "Copper Hill", "Driftwood", "Emerald", "Foxglove",
];
const COMPANY_KINDS: &[&str] = &[
    "Manufacturing", "Logistics", "Dental Group", "Electric", "Foods", "Engineering", "Supply Co.", "Builders", "Labs",
    "Hardware", "Medical", "Outfitters",
];
const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Lucas", "Mia", "Ethan", "Amara", "Kenji", "Priya", "Jonas",
    "Chloe", "Diego", "Hannah", "Omar", "Grace", "Felix", "Isabella", "James", "Charlotte", "Benjamin", "Amelia", "Elijah",
    "Harper", "William", "Evelyn", "Henry", "Abigail", "Alexander", "Emily", "Daniel", "Elena", "Samuel", "Aisha", "Yusuf",
    "Mei", "Wei", "Ingrid", "Lars", "Fatima", "Rafael", "Zoe", "Marcus", "Nora", "Tomás", "Leah", "Hugo", "Clara", "Ivan",
    "Freya", "Arjun", "Maya", "Oscar", "Lucía", "Mohammed", "Sara", "Viktor", "Anna", "Pedro",
];
const LAST_NAMES: &[&str] = &[
    "Johnson", "Garcia", "Nguyen", "Smith", "Müller", "Okafor", "Rossi", "Kowalski", "Brown", "Tanaka", "Dubois", "Patel",
    "Silva", "Andersen", "O'Brien", "Haddad", "Schmidt", "Lee", "Williams", "Jones", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Thompson",
    "White", "Harris", "Clark", "Lewis", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams",
    "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Torres", "Parker",
    "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper", "Reed", "Bailey",
    "Bell", "Gomez", "Kelly", "Howard", "Ward", "Cox", "Diaz", "Richardson", "Wood", "Watson", "Brooks", "Bennett", "Gray",
    "James", "Reyes", "Cruz", "Hughes", "Price", "Myers", "Long", "Foster", "Sanders", "Ross", "Morales", "Powell",
    "Sullivan", "Russell", "Ortiz", "Jenkins", "Gutierrez", "Perry", "Butler", "Barnes", "Fisher", "Henderson", "Coleman",
    "Weber", "Fischer", "Wagner", "Becker", "Hoffmann", "Lefèvre", "Moreau", "Laurent", "Bianchi", "Romano", "Costa",
    "Nowak", "Wiśniewski", "Yamamoto", "Suzuki", "Kim", "Park", "Chen", "Wang", "Singh", "Kumar", "Ali", "Hassan",
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
    pub notes: usize,
}

/// How much demo data to generate. Contacts and notes are spread over the companies.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub companies: usize,
    pub contacts: usize,
    pub notes: usize,
}

impl Scale {
    /// The benchmark database of the customers issue: 100k companies, 1M contacts, 2M notes.
    pub const BENCH: Scale = Scale { companies: 100_000, contacts: 1_000_000, notes: 2_000_000 };

    /// About two contacts and three notes per company, as a small sales team's database.
    pub fn small(companies: usize) -> Scale {
        Scale { companies, contacts: companies * 2, notes: companies * 3 }
    }
}

fn slug(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase()
}

/// Rows per transaction: large enough that commits cost little, small enough that progress moves.
const BATCH: usize = 2_000;

/// Demo time runs from 2024-01-01 to 2026-11-01 (UTC), so date filters and sorts have spread.
const TIME_FROM_MS: i64 = 1_704_067_200_000;
const TIME_SPAN_MS: i64 = 89_000_000_000;

impl Store {
    /// Add `n_companies` demo companies with about two contacts and three notes each.
    pub fn load_demo(&mut self, seed: u64, n_companies: usize) -> Result<DemoSummary> {
        let summary = self.generate_demo(seed, Scale::small(n_companies), &mut |_| {})?;
        self.generate_demo_leads(seed, n_companies, &mut |_| {})?;
        self.generate_demo_tasks(seed, n_companies)?;
        Ok(summary)
    }

    /// Add `n_tasks` demo tasks around today (a few overdue, some due today, most in the next two
    /// weeks), spread over the active users and the companies, in this device's time zone. Unlike
    /// the rest of the demo they follow the clock, so that My day and the workload have something
    /// to show on any day. Only future tasks get a reminder, so a demo opens without a burst of
    /// notifications.
    pub fn generate_demo_tasks(&mut self, seed: u64, n_tasks: usize) -> Result<()> {
        use chrono::{Duration, TimeZone};
        let mut rng = Rng::new(seed ^ 0x7A5C);
        let users: Vec<Uuid> = self.user_list()?.into_iter().filter(|u| u.active).map(|u| u.id).collect();
        let companies: Vec<String> = self.conn.prepare("SELECT id FROM company ORDER BY id LIMIT 500")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let time_zone = self.profile()?.time_zone;
        let tz = crate::time::zone("time_zone", &time_zone)?;
        let today = crate::time::local_date(self.now_ms(), tz);
        for index in 0..n_tasks {
            let day = today + Duration::days(rng.below(20) as i64 - 5);
            let at = day.and_hms_opt(8 + rng.below(10) as u32, [0, 15, 30, 45][rng.below(4)], 0).unwrap_or_default();
            // Skip wall times a daylight-saving change removes, as a user would.
            if tz.from_local_datetime(&at).single().is_none() {
                continue;
            }
            let related = companies.get(rng.below(companies.len().max(1))).and_then(|id| Uuid::parse_str(id).ok()).map(crm_model::NoteSubject::Company);
            let future = day > today;
            let saved = self.task_create(crm_model::TaskInput {
                title: rng.pick(TASK_TITLES).to_owned(),
                due_local: at.format("%Y-%m-%dT%H:%M").to_string(),
                time_zone: time_zone.clone(),
                assignee_id: users.get(index % users.len().max(1)).copied(),
                related,
                priority: [crm_model::Priority::Normal, crm_model::Priority::Normal, crm_model::Priority::High, crm_model::Priority::Low][rng.below(4)],
                reminder_minutes: future.then_some(15),
                ..crm_model::TaskInput::default()
            })?;
            if day < today && rng.below(3) == 0 {
                self.task_set_status(saved.task.id, crm_model::TaskStatus::Done)?;
            }
        }
        Ok(())
    }

    /// Add `n_leads` demo leads spread over the existing companies, each taken along the default
    /// workflow to a state (a third still pending, the rest developed, quoted, won or lost) with
    /// the moves that got it there. Adds three sales reps first when there are no users.
    pub fn generate_demo_leads(&mut self, seed: u64, n_leads: usize, progress: &mut dyn FnMut(usize)) -> Result<()> {
        let mut rng = Rng::new(seed ^ 0x1EAD);
        let ids = |store: &Store, sql: &str| -> Result<Vec<String>> {
            Ok(store.conn.prepare(sql)?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
        };
        if ids(self, "SELECT id FROM app_user")?.is_empty() {
            self.write(|w| {
                for (name, email) in DEMO_REPS {
                    w.insert("app_user", Uuid::now_v7(), &[("name", text(name)), ("email", text(email)), ("active", Value::Integer(1))])?;
                }
                Ok(())
            })?;
        }
        let users = ids(self, "SELECT id FROM app_user WHERE active = 1 ORDER BY id")?;
        let companies = ids(self, "SELECT id FROM company ORDER BY id")?;
        let programs = ids(self, "SELECT id FROM lead_program WHERE active = 1 ORDER BY id")?;
        let sources = ids(self, "SELECT id FROM lead_source WHERE active = 1 ORDER BY id")?;
        if companies.is_empty() || programs.is_empty() {
            return Ok(());
        }
        let mut done = 0;
        while done < n_leads {
            let batch_end = (done + BATCH).min(n_leads);
            self.write(|w| {
                for _ in done..batch_end {
                    demo_lead(w, &mut rng, &companies, &programs, &sources, &users)?;
                }
                Ok(())
            })?;
            done = batch_end;
            progress(done);
        }
        Ok(())
    }

    /// Generate deterministic demo data at any scale, reporting the companies written so far.
    ///
    /// Rows are written through [`WriteTx`] like any other write (change log, search index,
    /// derived dates) but skip the per-row form validation and read-back of the public commands,
    /// which the generator does not need: its data is valid by construction. That is what makes a
    /// million contacts take minutes rather than an hour.
    pub fn generate_demo(&mut self, seed: u64, scale: Scale, progress: &mut dyn FnMut(usize)) -> Result<DemoSummary> {
        let mut rng = Rng::new(seed);
        let mut summary = DemoSummary { companies: 0, contacts: 0, notes: 0 };
        let note_types: Vec<String> =
            self.conn.prepare("SELECT id FROM note_type ORDER BY id")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let n_companies = scale.companies.max(1);
        while summary.companies < scale.companies {
            let batch_end = (summary.companies + BATCH).min(scale.companies);
            self.write(|w| {
                for index in summary.companies..batch_end {
                    // Spread contacts and notes evenly: company i gets the ones up to its share.
                    let contacts_until = scale.contacts * (index + 1) / n_companies;
                    let notes_until = scale.notes * (index + 1) / n_companies;
                    let contacts = contacts_until - summary.contacts;
                    let notes = notes_until - summary.notes;
                    demo_company(w, &mut rng, index, contacts, notes, &note_types)?;
                    summary.contacts += contacts;
                    summary.notes += notes;
                }
                Ok(())
            })?;
            summary.companies = batch_end;
            progress(summary.companies);
        }
        Ok(summary)
    }
}

fn demo_company(w: &mut WriteTx<'_>, rng: &mut Rng, index: usize, n_contacts: usize, n_notes: usize, note_types: &[String]) -> Result<()> {
    let stem = rng.pick(COMPANY_STEMS);
    let kind = rng.pick(COMPANY_KINDS);
    let (city, region, country, postcode, phone_prefix) = PLACES[rng.below(PLACES.len())];
    let domain = format!("{}{}{index}.example", slug(stem), slug(kind).get(..4).unwrap_or(""));
    // Real customer lists have few exact duplicate names: after the first few hundred, qualify
    // a name by its city and a branch number.
    let name = if index < 200 { format!("{stem} {kind}") } else { format!("{stem} {kind} {city} {}", index / 200) };
    let phone = format!("{phone_prefix} {:03} {:04}", rng.below(900) + 100, rng.below(10_000));
    let company_id = Uuid::now_v7();
    let number = w.allocate_number(NumberKind::Customer)?;
    let input = CompanyInput {
        name,
        phone: phone.clone(),
        email: format!("info@{domain}"),
        website: format!("www.{domain}"),
        street: format!("{} {}", rng.below(9_000) + 100, rng.pick(STREETS)),
        city: city.into(),
        postcode: format!("{postcode}{:02}", rng.below(100)),
        region: region.into(),
        country: country.into(),
        ..CompanyInput::default()
    };
    let mut row = crate::company::columns(&input);
    row.push(("customer_number", text(&number)));
    w.insert(crate::company::TABLE, company_id, &row)?;
    let mut contact_ids = Vec::with_capacity(n_contacts);
    for _ in 0..n_contacts {
        let first = rng.pick(FIRST_NAMES);
        let last = rng.pick(LAST_NAMES);
        let contact = ContactInput {
            first_name: first.into(),
            last_name: last.into(),
            email: format!("{}.{}@{domain}", slug(first), slug(last)),
            office_phone: phone.clone(),
            mobile_phone: format!("{phone_prefix} {:03} {:04}", rng.below(900) + 100, rng.below(10_000)),
            job_title: rng.pick(JOB_TITLES).into(),
            city: city.into(),
            region: region.into(),
            country: country.into(),
            email_consent: rng.below(3) > 0,
            ..ContactInput::default()
        };
        let contact_id = Uuid::now_v7();
        w.insert(crate::contact::TABLE, contact_id, &crate::contact::columns(&contact))?;
        w.insert(
            "contact_company",
            Uuid::now_v7(),
            &[("contact_id", text(&contact_id.to_string())), ("company_id", text(&company_id.to_string())), ("role", text(""))],
        )?;
        contact_ids.push(contact_id);
    }
    for _ in 0..n_notes {
        let at = TIME_FROM_MS + (rng.next_u64() % TIME_SPAN_MS as u64) as i64;
        let body = format!("{} {}", rng.pick(NOTE_OPENINGS), rng.pick(NOTE_TOPICS));
        w.insert_dated(
            "note",
            Uuid::now_v7(),
            at,
            &[
                ("subject_table", text("company")),
                ("subject_id", text(&company_id.to_string())),
                ("note_type_id", text(&note_types[rng.below(note_types.len())])),
                ("author_id", Value::Null),
                ("body", text(&body)),
            ],
        )?;
    }
    Ok(())
}

const DEMO_REPS: [(&str, &str); 3] = [("Dana Reyes", "dana@keel.example"), ("Sam Okafor", "sam@keel.example"), ("Lee Novak", "lee@keel.example")];
const TASK_TITLES: &[&str] = &[
    "Call back about the quote",
    "Send the updated price list",
    "Confirm the delivery date",
    "Prepare the renewal offer",
    "Visit the plant",
    "Check the open invoice",
    "Book the product demo",
    "Follow up on the trade-show meeting",
];
const LEAD_TITLES: &[&str] = &[
    "Replacement of the packing line", "Annual service contract", "Spare parts framework", "Second site fit-out", "Upgrade to the new controller",
    "Pilot order", "Warehouse racking", "Safety retrofit", "Fleet renewal", "Training and support package",
];

/// One demo lead: created at a random time, then moved along the default workflow.
fn demo_lead(w: &mut WriteTx<'_>, rng: &mut Rng, companies: &[String], programs: &[String], sources: &[String], users: &[String]) -> Result<()> {
    use crm_model::LeadState::{Customer, Development, Inactive, Pending, Quoting};
    let pick = |rng: &mut Rng, ids: &[String]| (!ids.is_empty()).then(|| ids[rng.below(ids.len())].clone());
    // Where the lead ends: 35 % pending, 25 % development, 15 % quoting, 15 % won, 10 % lost.
    let (path, probability): (&[crm_model::LeadState], i64) = match rng.below(100) {
        0..35 => (&[], 10),
        35..60 => (&[Development], 30),
        60..75 => (&[Development, Quoting], 60),
        75..90 => (&[Development, Quoting, Customer], 100),
        _ => (&[Development, Inactive], 20),
    };
    let created = TIME_FROM_MS + (rng.next_u64() % TIME_SPAN_MS as u64) as i64;
    // Expected close: within a year of 2026-09.
    let close_month = 9 + rng.below(12);
    let expected_close = format!("{}-{:02}-{:02}", 2026 + (close_month - 1) / 12, (close_month - 1) % 12 + 1, 1 + rng.below(28));
    let assigned = pick(rng, users);
    let state = path.last().copied().unwrap_or(Pending);
    let id = Uuid::now_v7();
    let number = w.allocate_number(NumberKind::Lead)?;
    let optional = |id: Option<String>| id.map(Value::Text).unwrap_or(Value::Null);
    w.insert_dated(
        crate::lead::TABLE,
        id,
        created,
        &[
            ("lead_number", text(&number)),
            ("company_id", text(&companies[rng.below(companies.len())])),
            ("program_id", text(&programs[rng.below(programs.len())])),
            ("source_id", optional(pick(rng, sources))),
            ("title", text(rng.pick(LEAD_TITLES))),
            ("isr_id", optional(pick(rng, users))),
            ("osr_id", optional(assigned.clone())),
            ("assigned_id", optional(assigned)),
            ("probability", Value::Integer(probability)),
            // $1,000 to $251,000 in whole hundreds.
            ("value_cents", Value::Integer(10_000 * (10 + rng.below(2_500)) as i64)),
            ("expected_close", text(&expected_close)),
            ("state", text(state.as_str())),
            ("lost_reason", text(if state == Inactive { "Chose a cheaper supplier" } else { "" })),
        ],
    )?;
    let mut from = Pending;
    let mut at = created;
    for &to in path {
        at += 86_400_000 * (1 + rng.below(30)) as i64;
        w.insert_dated(
            "lead_move",
            Uuid::now_v7(),
            at,
            &[
                ("lead_id", text(&id.to_string())),
                ("from_state", text(from.as_str())),
                ("to_state", text(to.as_str())),
                ("moved_by", text("demo")),
                ("assigned_id", Value::Null),
                ("reason", text(if to == Inactive { "Chose a cheaper supplier" } else { "" })),
            ],
        )?;
        from = to;
    }
    Ok(())
}

const NOTE_OPENINGS: &[&str] = &[
    "Called about", "Met on site to discuss", "Emailed a quote for", "Follow up next week on", "Customer asked about",
    "Left a voicemail regarding", "Sent samples for", "Reviewed the contract for", "Complaint received about",
];
const NOTE_TOPICS: &[&str] = &[
    "the spring order and delivery dates.", "pricing for the new product line.", "a late invoice; promised payment Friday.",
    "replacement parts for the packaging line.", "expanding to their second plant.", "volume discounts on annual contracts.",
    "the trade show booth and demo units.", "switching suppliers; they want references.", "training for the new staff.",
];
