//! The SQLite backend checked against `crm_sync::Replica`, the merge rules' reference model.

use crm_sync::{Change, Replica};
use uuid::Uuid;

use super::SqliteDb;
use crate::db::series_name;
use crate::db::testing::{Rng, random_change};
use crate::db::{DbError, Snapshot, TokenOwner};

async fn temp_db() -> (tempfile::TempDir, SqliteDb) {
    let dir = tempfile::tempdir().unwrap();
    let db = SqliteDb::open(dir.path().join("server.sqlite3").to_str().unwrap())
        .await
        .unwrap();
    (dir, db)
}

#[tokio::test]
async fn random_histories_match_the_reference_model() {
    for seed in 1..=12u64 {
        let (_dir, db) = temp_db().await;
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let pool: Vec<Change> = (0..60u64).map(|n| random_change(&mut rng, ["contact", "company"], Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + u128::from(n)))).collect();
        let mut replica = Replica::new();
        let mut log_order = Vec::new();
        for _ in 0..15 {
            // Batches draw from the pool with repetition: duplicates across and within batches.
            let batch: Vec<Change> = (0..rng.below(10) + 1)
                .map(|_| pool[rng.below(pool.len() as u64) as usize].clone())
                .collect();
            let head = log_order.len() as u64;
            let pushed = db.push(&batch).await.unwrap();
            assert_eq!(
                pushed.accepted,
                batch.iter().map(|c| c.change_id).collect::<Vec<_>>(),
                "every id, in request order"
            );
            for change in &batch {
                if !replica.seen.contains(&change.change_id) {
                    log_order.push(change.change_id);
                }
                replica.apply(change);
            }
            let appended = log_order.len() as u64 - head;
            assert_eq!(
                pushed.appended,
                (appended > 0).then(|| (head + 1, head + appended)),
                "the numbers this push appended"
            );
        }
        assert_eq!(
            db.snapshot().await.unwrap(),
            Snapshot::of(&replica),
            "seed {seed}"
        );

        let (page, remaining) = db.pull(0, 10_000).await.unwrap();
        assert_eq!(remaining, 0);
        assert_eq!(
            page.iter().map(|s| s.change.change_id).collect::<Vec<_>>(),
            log_order,
            "each new change once, in arrival order"
        );
        assert_eq!(
            page.iter().map(|s| s.seq).collect::<Vec<_>>(),
            (1..=log_order.len() as u64).collect::<Vec<_>>()
        );
        for sequenced in &page {
            assert_eq!(
                &sequenced.change,
                pool.iter()
                    .find(|c| c.change_id == sequenced.change.change_id)
                    .unwrap(),
                "the body round-trips"
            );
        }
        assert_eq!(db.info().await.unwrap().1, log_order.len() as u64);
    }
}

#[tokio::test]
async fn pull_pages_and_counts_what_follows() {
    let (_dir, db) = temp_db().await;
    let mut rng = Rng(7);
    let changes: Vec<Change> = (0..7u64).map(|n| random_change(&mut rng, ["contact", "company"], Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + u128::from(n)))).collect();
    db.push(&changes).await.unwrap();
    let (page, remaining) = db.pull(0, 3).await.unwrap();
    assert_eq!(
        (page.iter().map(|s| s.seq).collect::<Vec<_>>(), remaining),
        (vec![1, 2, 3], 4)
    );
    let (page, remaining) = db.pull(3, 3).await.unwrap();
    assert_eq!(
        (page.iter().map(|s| s.seq).collect::<Vec<_>>(), remaining),
        (vec![4, 5, 6], 1)
    );
    let (page, remaining) = db.pull(6, 3).await.unwrap();
    assert_eq!(
        (page.iter().map(|s| s.seq).collect::<Vec<_>>(), remaining),
        (vec![7], 0)
    );
    let (page, remaining) = db.pull(7, 3).await.unwrap();
    assert!(page.is_empty() && remaining == 0);
    assert!(db.pull(u64::MAX, 3).await.unwrap().0.is_empty());
}

#[test]
fn series_names_run_shortest_first() {
    let names: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702, 18_277]
        .into_iter()
        .map(|n| series_name(n).unwrap())
        .collect();
    assert_eq!(
        names,
        ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "ZZZ"]
    );
    assert_eq!(series_name(18_278), None);
    for n in 0..18_278 {
        assert!(crm_sync::protocol::is_valid_series(
            &series_name(n).unwrap()
        ));
    }
}

#[tokio::test]
async fn users_devices_series_and_tokens() {
    let (dir, db) = temp_db().await;
    let maria = db
        .create_user("Maria@Example.com", "Maria", "$argon2id$x")
        .await
        .unwrap();
    assert!(
        matches!(
            db.create_user(" maria@example.COM ", "Other", "h").await,
            Err(DbError::Conflict(_))
        ),
        "emails are unique whatever their case"
    );
    let user = db
        .user_by_email("MARIA@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            user.id,
            user.email.as_str(),
            user.name.as_str(),
            user.active
        ),
        (maria, "Maria@Example.com", "Maria", true)
    );
    assert_eq!(db.user_by_email("nobody@example.com").await.unwrap(), None);

    let (d1, d2, d3) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
    assert_eq!(db.register_device(d1, maria, "laptop").await.unwrap(), "A");
    assert_eq!(db.register_device(d2, maria, "desktop").await.unwrap(), "B");
    assert_eq!(
        db.register_device(d1, maria, "laptop again").await.unwrap(),
        "A",
        "stable across logins"
    );
    let bob = db.create_user("bob@example.com", "Bob", "h").await.unwrap();
    assert_eq!(
        db.register_device(d2, bob, "moved").await.unwrap(),
        "B",
        "a device moved to another user keeps its series"
    );
    assert_eq!(db.register_device(d3, bob, "third").await.unwrap(), "C");

    let owner = TokenOwner {
        user_id: maria,
        device: d1,
    };
    db.insert_token("h1", owner).await.unwrap();
    db.insert_token("h2", owner).await.unwrap();
    db.insert_token(
        "h3",
        TokenOwner {
            user_id: bob,
            device: d3,
        },
    )
    .await
    .unwrap();
    assert_eq!(db.token_owner("h1").await.unwrap(), Some(owner));
    assert_eq!(db.token_owner("nope").await.unwrap(), None);
    db.revoke_token("h1").await.unwrap();
    assert_eq!(db.token_owner("h1").await.unwrap(), None);
    assert_eq!(
        db.revoke_device(d1).await.unwrap(),
        1,
        "h2 only: h1 is revoked already"
    );
    assert_eq!(db.token_owner("h2").await.unwrap(), None);
    assert!(db.token_owner("h3").await.unwrap().is_some());

    let (first_id, _) = db.info().await.unwrap();
    let new_id = db.new_server_id().await.unwrap();
    assert_ne!(first_id, new_id);
    drop(db);
    let reopened = SqliteDb::open(dir.path().join("server.sqlite3").to_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        reopened.info().await.unwrap(),
        (new_id, 0),
        "the server id survives a restart"
    );
}

#[tokio::test]
async fn a_server_that_stored_cells_opens_with_the_same_data_in_records() {
    use crate::db::testing::{check_converted, old_cells};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE cell (tbl TEXT NOT NULL, row_id TEXT NOT NULL, col TEXT NOT NULL, value TEXT NOT NULL, hlc INTEGER NOT NULL, device TEXT NOT NULL, change_id TEXT NOT NULL, PRIMARY KEY (tbl, row_id, col)) WITHOUT ROWID").unwrap();
        for (tbl, row, col, value, hlc, device, change) in old_cells() {
            conn.execute("INSERT INTO cell VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", rusqlite::params![tbl, row, col, value, hlc, device, change]).unwrap();
        }
    }
    let db = SqliteDb::open(path.to_str().unwrap()).await.unwrap();
    check_converted(async || db.snapshot().await.unwrap(), async |changes| {
        db.push(&changes).await.unwrap();
    })
    .await;
    let tables: Vec<String> = rusqlite::Connection::open(&path).unwrap().prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('cell', 'record')").unwrap().query_map([], |row| row.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(tables, ["record"], "the per-column table is gone");
}
