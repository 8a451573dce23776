//! What the two backends' tests share: a seeded generator and random changes, checked against
//! `crm_sync::Replica` through [`Snapshot::of`](super::Snapshot::of).

use crm_sync::{Change, Op, Stamp, stamp::pack};
use serde_json::{Value, json};
use uuid::Uuid;

/// xorshift64*: a small deterministic generator, so a failing history can be replayed by seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub const COLUMNS: [&str; 4] = ["city", "name", "phone", "email"];

/// A random valid change with id `change_id` for one of four rows of `tables` (the second
/// twice as likely). Few clock values and devices, so equal stamps (told apart by the change
/// id) are common.
pub fn random_change(rng: &mut Rng, tables: [&str; 2], change_id: Uuid) -> Change {
    let table = if rng.below(3) == 0 { tables[0] } else { tables[1] };
    let row = Uuid::from_u128(0x0190_a4c2_7b1e_7000_8000_0000_0000_0001 + u128::from(rng.below(4))).to_string();
    let stamp = Stamp::new(pack(1_700_000_000_000 + rng.below(4), rng.below(2) as u16), Uuid::from_u128(0xd0 + u128::from(rng.below(3))));
    let op = if rng.below(7) == 0 {
        Op::Delete
    } else {
        let mut patch = serde_json::Map::new();
        for column in COLUMNS {
            if rng.below(2) == 0 {
                let value = match rng.below(5) {
                    0 => Value::Null,
                    1 => json!(rng.below(100) as i64 - 50),
                    2 => json!(0.5 * rng.below(9) as f64),
                    3 => json!(i64::MIN),
                    _ => json!(format!("v{} ü \"'", rng.below(10))),
                };
                patch.insert(column.to_owned(), value);
            }
        }
        if patch.is_empty() {
            patch.insert("name".into(), json!("x"));
        }
        Op::Set(patch)
    };
    Change { change_id, table: table.to_owned(), row_id: row, op, stamp, user: "test".into() }
}

/// A server of the per-column shape (`cell`) holding three columns of two records:
/// `(tbl, row_id, col, value JSON, hlc, device, change id)`.
pub fn old_cells() -> Vec<(&'static str, &'static str, &'static str, &'static str, i64, String, String)> {
    let hlc = |ms: u64| i64::try_from(pack(1_700_000_000_000 + ms, 0)).unwrap();
    let id = |n: u128| Uuid::from_u128(n).to_string();
    vec![
        ("company", OLD_COMPANY, "name", r#""Acme""#, hlc(10), id(0xd1), id(0x0190_0000_0000_7000_8000_0000_0000_0001)),
        ("company", OLD_COMPANY, "city", r#""Oslo""#, hlc(12), id(0xd2), id(0x0190_0000_0000_7000_8000_0000_0000_0002)),
        ("contact", OLD_CONTACT, "email", "null", hlc(10), id(0xd1), id(0x0190_0000_0000_7000_8000_0000_0000_0003)),
    ]
}

pub const OLD_COMPANY: &str = "0190a4c2-7b1e-7000-8000-0000000000c1";
pub const OLD_CONTACT: &str = "0190a4c2-7b1e-7000-8000-0000000000c2";

/// Checks a converted server: it holds [`old_cells`] as records, and the versions came along (a
/// push that is older for one column and newer for another writes only the newer).
pub async fn check_converted<F: Future<Output = super::Snapshot>>(snapshot: impl Fn() -> F, push: impl AsyncFn(Vec<Change>)) {
    let key = |table: &str, row: &str| (table.to_owned(), row.to_owned());
    let before = snapshot().await;
    assert_eq!(before.rows[&key("company", OLD_COMPANY)], serde_json::Map::from_iter([("name".into(), json!("Acme")), ("city".into(), json!("Oslo"))]).into_iter().collect());
    assert_eq!(before.rows[&key("contact", OLD_CONTACT)]["email"], Value::Null);

    let stamp = Stamp::new(pack(1_700_000_000_011, 0), Uuid::from_u128(0xd1));
    let Value::Object(patch) = json!({"city": "Bergen", "name": "Acme AS"}) else { unreachable!() };
    let set = Change { change_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0011), table: "company".into(), row_id: OLD_COMPANY.into(), op: Op::Set(patch), stamp, user: "u".into() };
    let delete = Change { change_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0012), table: "contact".into(), row_id: OLD_CONTACT.into(), op: Op::Delete, stamp, user: "u".into() };
    push(vec![set, delete]).await;
    let after = snapshot().await;
    assert_eq!(after.rows.len(), 1);
    assert_eq!(after.rows[&key("company", OLD_COMPANY)]["name"], json!("Acme AS"), "newer than the stored cell");
    assert_eq!(after.rows[&key("company", OLD_COMPANY)]["city"], json!("Oslo"), "older than the stored cell");
    assert!(after.tombstones.contains_key(&key("contact", OLD_CONTACT)));
}
