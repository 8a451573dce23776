use serde_json::json;

use super::*;
use crate::{change::Patch, stamp::pack};

fn device(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn set(id: u128, row: &str, hlc: u64, device_n: u128, patch: Value) -> Change {
    let Value::Object(patch) = patch else { panic!("a patch is an object") };
    Change {
        change_id: Uuid::from_u128(id),
        table: "company".into(),
        row_id: row.into(),
        op: Op::Set(patch),
        stamp: Stamp::new(hlc, device(device_n)),
        user: "test".into(),
    }
}

fn delete(id: u128, row: &str, hlc: u64, device_n: u128) -> Change {
    Change { op: Op::Delete, ..set(id, row, hlc, device_n, json!({})) }
}

fn columns(names: &[&str]) -> Applied {
    Applied::Columns(names.iter().map(|name| name.to_string()).collect())
}

const R: &str = "0190a4c2-7b1e-7000-8000-000000000001";

#[test]
fn merge_decision_is_a_strict_order() {
    let a = Version { stamp: Stamp::new(5, device(1)), change_id: Uuid::from_u128(9) };
    let b = Version { stamp: Stamp::new(5, device(2)), change_id: Uuid::from_u128(1) };
    let c = Version { stamp: Stamp::new(6, device(1)), change_id: Uuid::from_u128(1) };
    let d = Version { change_id: Uuid::from_u128(10), ..a };
    assert!(merge_decision(None, a), "a never-written column takes any write");
    assert!(!merge_decision(Some(a), a), "the same version is the same change");
    for (older, newer) in [(a, b), (b, c), (a, c), (a, d), (d, b)] {
        assert!(merge_decision(Some(older), newer), "{older:?} < {newer:?}");
        assert!(!merge_decision(Some(newer), older), "{newer:?} > {older:?}");
    }
}

#[test]
fn edits_of_different_columns_both_survive() {
    let from_a = set(1, R, pack(100, 0), 1, json!({"city": "Dallas"}));
    let from_b = set(2, R, pack(90, 0), 2, json!({"phone": "555"}));
    let mut replica = Replica::new();
    assert_eq!(replica.apply(&from_a), columns(&["city"]));
    assert_eq!(replica.apply(&from_b), columns(&["phone"]));
    assert_eq!(replica.value("company", R, "city"), Some(&json!("Dallas")));
    assert_eq!(replica.value("company", R, "phone"), Some(&json!("555")));
}

#[test]
fn the_later_edit_of_one_column_wins_in_either_order() {
    let early = set(1, R, pack(100, 0), 1, json!({"city": "Austin", "name": "Acme"}));
    let late = set(2, R, pack(100, 1), 2, json!({"city": "Dallas"}));
    let mut forward = Replica::new();
    assert_eq!(forward.apply(&early), columns(&["city", "name"]));
    assert_eq!(forward.apply(&late), columns(&["city"]));
    let mut backward = Replica::new();
    assert_eq!(backward.apply(&late), columns(&["city"]));
    assert_eq!(backward.apply(&early), columns(&["name"]), "the older city loses, the name is new");
    assert_eq!(forward, backward);
    assert_eq!(forward.value("company", R, "city"), Some(&json!("Dallas")));
}

#[test]
fn equal_clocks_are_decided_by_the_device() {
    let low = set(2, R, pack(100, 0), 1, json!({"city": "Austin"}));
    let high = set(1, R, pack(100, 0), 2, json!({"city": "Dallas"}));
    for order in [[&low, &high], [&high, &low]] {
        let mut replica = Replica::new();
        for change in order {
            replica.apply(change);
        }
        assert_eq!(replica.value("company", R, "city"), Some(&json!("Dallas")));
    }
}

#[test]
fn two_writes_in_one_transaction_end_as_on_the_origin() {
    // Same stamp (one transaction on one device): the later change id is the later write.
    let first = set(1, R, pack(100, 0), 1, json!({"city": "Austin", "name": "Acme"}));
    let second = set(2, R, pack(100, 0), 1, json!({"city": "Dallas"}));
    let mut reordered = Replica::new();
    assert_eq!(reordered.apply(&second), columns(&["city"]));
    assert_eq!(reordered.apply(&first), columns(&["name"]));
    assert_eq!(reordered.value("company", R, "city"), Some(&json!("Dallas")));
}

#[test]
fn a_delete_wins_over_sets_before_and_after_it() {
    let insert = set(1, R, pack(100, 0), 1, json!({"name": "Acme"}));
    let gone = delete(2, R, pack(50, 0), 2); // an older stamp than both sets: it still wins
    let edit = set(3, R, pack(200, 0), 1, json!({"city": "Dallas"}));

    let mut replica = Replica::new();
    assert_eq!(replica.apply(&insert), columns(&["name"]));
    assert_eq!(replica.apply(&gone), Applied::Deleted);
    assert_eq!(replica.apply(&edit), Applied::Ignored);
    assert!(replica.is_deleted("company", R));
    assert!(replica.rows.is_empty(), "a deleted row keeps only its tombstone");

    let mut other = Replica::new();
    assert_eq!(other.apply(&edit), columns(&["city"]));
    assert_eq!(other.apply(&gone), Applied::Deleted);
    assert_eq!(other.apply(&insert), Applied::Ignored);
    assert_eq!(replica, other);
}

#[test]
fn a_second_delete_keeps_the_first_deletion() {
    let first = delete(1, R, pack(100, 0), 1);
    let second = delete(2, R, pack(120, 0), 2);
    let mut replica = Replica::new();
    assert_eq!(replica.apply(&second), Applied::Deleted);
    assert_eq!(replica.apply(&first), Applied::Ignored);
    assert_eq!(replica.tombstones[&("company".to_owned(), R.to_owned())], first.version());
}

#[test]
fn a_change_applies_once() {
    let edit = set(1, R, pack(100, 0), 1, json!({"city": "Dallas"}));
    let newer = set(2, R, pack(200, 0), 2, json!({"city": "Austin"}));
    let mut replica = Replica::new();
    replica.apply(&edit);
    replica.apply(&newer);
    let before = replica.clone();
    assert_eq!(replica.apply(&edit), Applied::Duplicate);
    assert_eq!(replica.apply(&newer), Applied::Duplicate);
    assert_eq!(replica, before);
}

// ---------------------------------------------------------------------------------------------
// Random histories. Each seed makes a set of changes over a few rows, columns and devices (with
// deliberate clock ties and same-transaction writes) and delivers it to several replicas, each
// in its own random order with random duplicates. Every replica must end in the state the rules
// define for that set of changes, computed independently by `expected`.
// ---------------------------------------------------------------------------------------------

/// SplitMix64: tiny, fast, and good enough to shuffle test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (the tiny modulo bias does not matter here).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const TABLES: [&str; 2] = ["company", "contact"];
const COLUMNS: [&str; 4] = ["name", "city", "phone", "rating"];

/// A random set of changes.
fn history(rng: &mut Rng) -> Vec<Change> {
    let devices: Vec<Uuid> = (0..2 + rng.below(3)).map(|_| Uuid::from_u128(u128::from(rng.next()) << 64 | 0xd)).collect();
    let rows: Vec<(&str, String)> = (0..1 + rng.below(4))
        .map(|_| (TABLES[rng.below(TABLES.len())], Uuid::from_u128(u128::from(rng.next()) << 64 | u128::from(rng.next())).to_string()))
        .collect();
    let n = 1 + rng.below(40);
    let mut changes: Vec<Change> = Vec::with_capacity(n);
    for i in 0..n {
        // Unique by construction (the index in the low bits), in random order (the high bits).
        let change_id = Uuid::from_u128(u128::from(rng.next()) << 64 | i as u128);
        let (table, row_id) = rows[rng.below(rows.len())].clone();
        let stamp = match changes.last() {
            // Another write in the previous change's transaction: same device, same clock.
            Some(previous) if rng.chance(15) => previous.stamp,
            // Few distinct clock values, so that ties between devices are common.
            _ => Stamp::new(pack(rng.below(8) as u64, rng.below(3) as u16), devices[rng.below(devices.len())]),
        };
        let op = if rng.chance(12) {
            Op::Delete
        } else {
            let mut patch = Patch::new();
            for _ in 0..1 + rng.below(3) {
                let column = COLUMNS[rng.below(COLUMNS.len())];
                let value = match rng.below(4) {
                    0 => Value::Null,
                    1 => json!(i),
                    2 => json!(i as f64 + 0.5),
                    _ => json!(format!("{column} {i}")),
                };
                patch.insert(column.to_owned(), value);
            }
            Op::Set(patch)
        };
        changes.push(Change { change_id, table: table.to_owned(), row_id, op, stamp, user: "sim".into() });
    }
    changes
}

/// The state the rules define for a set of changes, computed directly from the set (not by
/// applying changes one by one): a deleted row is its smallest delete version; every other
/// column holds the value of the greatest-version set that wrote it.
fn expected<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Replica {
    let distinct: BTreeMap<Uuid, &Change> = changes.into_iter().map(|change| (change.change_id, change)).collect();
    let key = |change: &Change| (change.table.clone(), change.row_id.clone());
    let mut state = Replica { seen: distinct.keys().copied().collect(), ..Replica::default() };
    for change in distinct.values().filter(|change| change.op == Op::Delete) {
        let first = state.tombstones.entry(key(change)).or_insert(change.version());
        *first = (*first).min(change.version());
    }
    for change in distinct.values() {
        let Op::Set(patch) = &change.op else { continue };
        if state.tombstones.contains_key(&key(change)) {
            continue;
        }
        let row = state.rows.entry(key(change)).or_default();
        for (column, value) in patch {
            let newest = row.columns.get(column).is_none_or(|current| current.version < change.version());
            if newest {
                row.columns.insert(column.clone(), Cell { value: value.clone(), version: change.version() });
            }
        }
    }
    state
}

/// What a SQL table holds: values only, no versions.
type Table = BTreeMap<RowKey, BTreeMap<String, Value>>;

fn visible(replica: &Replica) -> Table {
    replica
        .rows
        .iter()
        .map(|(key, row)| (key.clone(), row.columns.iter().map(|(column, cell)| (column.clone(), cell.value.clone())).collect()))
        .collect()
}

macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+));
        }
    };
}

/// Deliver `schedule` (indices into `changes`, duplicates allowed) to a fresh replica. Checks on
/// the way that a second delivery of each change is a no-op, and that following only the
/// returned [`Applied`] instructions, as a SQL applier does, gives the replica's data.
fn deliver(changes: &[Change], schedule: &[usize], check_twice: bool) -> Result<Replica, String> {
    let mut replica = Replica::new();
    let mut table = Table::new();
    for (step, &i) in schedule.iter().enumerate() {
        let change = &changes[i];
        let key = (change.table.clone(), change.row_id.clone());
        let was_seen = replica.seen.contains(&change.change_id);
        let was_deleted = replica.tombstones.contains_key(&key);
        let applied = replica.apply(change);
        match (&applied, &change.op) {
            (Applied::Duplicate, _) => ensure!(was_seen, "step {step}: change {i} reported as a duplicate on first delivery"),
            (Applied::Columns(taken), Op::Set(patch)) => {
                ensure!(!was_seen && !was_deleted, "step {step}: change {i} took columns of a seen change or a deleted row");
                let row = table.entry(key).or_default();
                for column in taken {
                    let value = patch.get(column).ok_or_else(|| format!("step {step}: change {i} took `{column}`, not in its patch"))?;
                    row.insert(column.clone(), value.clone());
                }
            }
            (Applied::Deleted, Op::Delete) => {
                ensure!(!was_seen && !was_deleted, "step {step}: change {i} deleted an already deleted row");
                table.remove(&key);
            }
            (Applied::Ignored, _) => ensure!(!was_seen && replica.tombstones.contains_key(&key), "step {step}: change {i} ignored for a live row"),
            (applied, op) => return Err(format!("step {step}: change {i} ({op:?}) gave {applied:?}")),
        }
        if check_twice {
            let before = replica.clone();
            ensure!(replica.apply(change) == Applied::Duplicate, "step {step}: change {i} applied twice");
            ensure!(replica == before, "step {step}: applying change {i} again changed the state");
        }
    }
    ensure!(table == visible(&replica), "following the Applied instructions gave {table:?}, the replica holds {:?}", visible(&replica));
    Ok(replica)
}

/// Every change once, in random order, with random duplicates anywhere after the first copy.
fn schedule(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    for _ in 0..rng.below(n / 2 + 2) {
        let copy = order[rng.below(order.len())];
        order.insert(rng.below(order.len() + 1), copy);
    }
    order
}

fn check_seed(seed: u64) -> Result<(), String> {
    let mut rng = Rng(seed);
    let changes = history(&mut rng);
    let want = expected(&changes);
    let mut replicas = Vec::new();
    for r in 0..3 + rng.below(3) {
        let order = schedule(&mut rng, changes.len());
        // A replica that has so far received only part of the history (the rest was dropped
        // and comes later) must hold the state of exactly the part it received.
        let cut = rng.below(order.len() + 1);
        let partial = deliver(&changes, &order[..cut], false).map_err(|e| format!("replica {r}, first {cut} deliveries: {e}"))?;
        let want_partial = expected(order[..cut].iter().map(|&i| &changes[i]));
        ensure!(partial == want_partial, "replica {r} after {cut} deliveries of {order:?}:\n{partial:#?}\nexpected\n{want_partial:#?}");

        let replica = deliver(&changes, &order, r == 0).map_err(|e| format!("replica {r}: {e}"))?;
        ensure!(replica == want, "replica {r}, delivered {order:?}:\n{replica:#?}\nexpected\n{want:#?}");
        replicas.push(replica);
    }
    ensure!(replicas.windows(2).all(|pair| pair[0] == pair[1]), "replicas differ");
    Ok(())
}

/// Run one seed and panic with the details if it fails: the way to debug a failing seed.
fn replay(seed: u64) {
    if let Err(failure) = check_seed(seed) {
        panic!("seed {seed} failed: {failure}");
    }
}

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(text.trim().parse().unwrap_or_else(|_| panic!("{name} must be a whole number, not {text:?}")))
}

/// 3,000 seeds by default; `CRM_SYNC_SEEDS=100000` for a longer soak.
#[test]
fn random_histories_converge() {
    let seeds = env_u64("CRM_SYNC_SEEDS").unwrap_or(3_000);
    for seed in 0..seeds {
        if let Err(failure) = check_seed(seed) {
            panic!(
                "seed {seed} failed: {failure}\n\
                 replay it with: CRM_SYNC_SEED={seed} cargo test -p crm-sync replay_one_seed -- --ignored"
            );
        }
    }
}

/// `CRM_SYNC_SEED=<n> cargo test -p crm-sync replay_one_seed -- --ignored`
#[test]
#[ignore = "replays the seed given in CRM_SYNC_SEED"]
fn replay_one_seed() {
    replay(env_u64("CRM_SYNC_SEED").expect("set CRM_SYNC_SEED to the failing seed"));
}

#[test]
fn the_generator_covers_the_interesting_cases() {
    // Guard against a generator that silently stops producing what the property test relies on.
    let (mut deletes, mut ignored, mut lost_columns, mut same_stamp, mut device_ties) = (0, 0, 0, 0, 0);
    for seed in 0..300 {
        let mut rng = Rng(seed);
        let changes = history(&mut rng);
        for pair in changes.windows(2) {
            same_stamp += usize::from(pair[0].stamp == pair[1].stamp);
            device_ties += usize::from(pair[0].stamp.hlc == pair[1].stamp.hlc && pair[0].stamp.device != pair[1].stamp.device);
        }
        let mut replica = Replica::new();
        for change in &changes {
            match replica.apply(change) {
                Applied::Deleted => deletes += 1,
                Applied::Ignored => ignored += 1,
                Applied::Columns(taken) if matches!(&change.op, Op::Set(patch) if taken.len() < patch.len()) => lost_columns += 1,
                _ => {}
            }
        }
    }
    for (what, count) in [("deletes", deletes), ("ignored sets", ignored), ("lost columns", lost_columns), ("same stamps", same_stamp), ("device ties", device_ties)] {
        assert!(count >= 20, "only {count} {what} in 300 seeds");
    }
}

#[test]
fn replay_runs_a_single_seed() {
    replay(42);
}
