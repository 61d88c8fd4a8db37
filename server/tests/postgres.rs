//! PostgreSQL's promises across replicas, at the storage level: two `PgStorage` instances on one
//! database stand for two server processes. Concurrent calls spread over both must behave as on
//! one store: one winner per TAN, per nonce, per batch id and per chain position; gapless, unique
//! sequence numbers and ids; no deadlock failures. Also: writes survive reopening, and a schema newer
//! than the code is refused. (The backend-agnostic checks are in `storage.rs`.)
#![allow(clippy::unwrap_used)]

mod pg;

use std::sync::{Arc, Barrier};

use venuecode_server::storage::{NewBatch, NewTan, StorageError, UploadPurpose, VenueRecord};
use venuecode_server::{PgStorage, Storage};

const T0: u64 = 1_800_000_000;

/// Batch `seq` of a chain, with batch id `[id; 16]`, received at [`T0`].
fn chained(seq: u64, id: u8, records: u32, bytes: &[u8]) -> NewBatch<'_> {
    venuecode_testkit::store::chained(seq, id, records, T0, bytes)
}

fn venue(serial: u64) -> VenueRecord {
    VenueRecord {
        serial,
        certificate: vec![serial as u8; 10],
        venue_key: [serial as u8; 32],
        region: 620_105,
        category: 9,
        issued_at: T0,
        revoked: None,
        superseded_by: None,
    }
}

/// Two replicas' stores on one fresh database.
fn replicas(db: &pg::TestDb) -> [Arc<PgStorage>; 2] {
    [
        Arc::new(PgStorage::open(&db.url, 8).unwrap()),
        Arc::new(PgStorage::open(&db.url, 8).unwrap()),
    ]
}

/// Runs `n` calls at once, the even ones on the first store and the odd ones on the second.
fn race<T: Send + 'static>(
    stores: &[Arc<PgStorage>; 2],
    n: usize,
    f: impl Fn(&PgStorage, usize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let (store, f, barrier) = (stores[i % 2].clone(), f.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                f(&store, i)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

#[test]
fn one_tan_one_upload_across_replicas() {
    let db = pg::TestDb::new();
    let stores = replicas(&db);
    let tans: Vec<NewTan> = (0..=8u8)
        .map(|i| NewTan {
            hash: [i; 32],
            expires_at: T0 + 100,
            purpose: UploadPurpose::Case,
        })
        .collect();
    // Both replicas register the same TANs at once: each is new exactly once.
    let registered = race(&stores, 2, {
        let tans = tans.clone();
        move |s, _| s.register_tans(&tans, T0).unwrap()
    });
    assert_eq!(registered.iter().sum::<usize>(), tans.len());

    // 16 uploads with TAN 0 and one with each of TANs 1..=8, spread over both replicas.
    let results = race(&stores, 24, |s, i| {
        let hash = if i < 16 {
            [0; 32]
        } else {
            [(i - 15) as u8; 32]
        };
        (i < 16, s.consume_tan(&hash, T0, &[i as u8]))
    });
    let shared: Vec<_> = results.iter().filter(|(s, _)| *s).collect();
    assert_eq!(shared.iter().filter(|(_, r)| r.is_ok()).count(), 1);
    assert!(shared
        .iter()
        .all(|(_, r)| r.is_ok() || *r == Err(StorageError::TanUsed)));
    assert!(results.iter().filter(|(s, _)| !*s).all(|(_, r)| r.is_ok()));
    let mut ids: Vec<u64> = results.iter().filter_map(|(_, r)| r.clone().ok()).collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=9).collect::<Vec<_>>(), "upload ids are gapless");
    assert_eq!(stores[1].uploads().unwrap().len(), 9);
    assert!(stores[0].tan(&[0; 32]).unwrap().unwrap().used);
}

#[test]
fn nonces_are_shared_across_replicas() {
    let db = pg::TestDb::new();
    let stores = replicas(&db);
    let fresh = race(&stores, 16, |s, _| {
        s.record_nonce([7; 8], [9; 16], T0 + 600).unwrap()
    });
    assert_eq!(fresh.iter().filter(|f| **f).count(), 1);
    assert!(!stores[0].record_nonce([7; 8], [9; 16], T0 + 600).unwrap());
    assert!(!stores[1].record_nonce([7; 8], [9; 16], T0 + 600).unwrap());
    assert!(stores[1].record_nonce([8; 8], [9; 16], T0 + 600).unwrap());
    // Once expired and purged by either replica, it is forgotten by both.
    let r = venuecode_server::purge_expired(stores[1].as_ref(), 14, T0 + 601).unwrap();
    assert_eq!(r.nonces, 2);
    assert!(stores[0].record_nonce([7; 8], [9; 16], T0 + 1200).unwrap());
}

#[test]
fn sequence_numbers_are_gapless_and_unique_across_replicas() {
    let db = pg::TestDb::new();
    let stores = replicas(&db);

    // 24 different batches 1 (a fork race) and 8 posts of one more batch 1, all at once: one
    // wins the position; the others are refused as not extending the chain, or as duplicates.
    let results = race(&stores, 32, |s, i| {
        let id = if i < 24 { i as u8 } else { 0xee };
        (i < 24, s.insert_batch(&chained(1, id, 2, &[i as u8; 100])))
    });
    assert_eq!(results.iter().filter(|(_, r)| r.is_ok()).count(), 1);
    assert!(results.iter().all(|(_, r)| matches!(
        r,
        Ok(1) | Err(StorageError::ChainMismatch) | Err(StorageError::DuplicateBatch)
    )));
    let winner = results.iter().position(|(_, r)| r.is_ok()).unwrap();
    let first_id = if winner < 24 { winner as u8 } else { 0xee };
    // Then the chain grows through both replicas in turn, without gaps.
    for seq in 2..=25u64 {
        let id = 100 + seq as u8;
        let r = stores[seq as usize % 2].insert_batch(&chained(seq, id, 2, &[seq as u8; 100]));
        assert_eq!(r, Ok(seq));
    }
    // A repeated id is refused whatever its position; so is a repeat of the position.
    assert_eq!(
        stores[0].insert_batch(&chained(26, first_id, 1, b"again")),
        Err(StorageError::DuplicateBatch)
    );
    assert_eq!(
        stores[0].insert_batch(&chained(25, 0xfe, 1, b"fork")),
        Err(StorageError::ChainMismatch)
    );
    assert_eq!(
        stores[1].insert_batch(&chained(26, 0xef, 1, b"next")),
        Ok(26)
    );
    for store in &stores {
        let (list, latest) = store.batches_after(0, 100).unwrap();
        assert_eq!(latest, 26);
        let got: Vec<u64> = list.iter().map(|b| b.sequence).collect();
        assert_eq!(got, (1..=26).collect::<Vec<_>>());
        let (meta, bytes) = store.batch(5).unwrap().unwrap();
        assert_eq!(meta.size, bytes.len() as u64);
    }
    let stats = stores[0].exposure_stats().unwrap();
    assert_eq!(
        (stats[0].batches, stats[0].records),
        (26, 2 * 25 + 1),
        "statistics count every stored batch once"
    );

    // Serials.
    let mut serials = race(&stores, 16, |s, _| s.allocate_serial().unwrap());
    serials.sort_unstable();
    assert_eq!(serials, (1..=16).collect::<Vec<_>>());

    // Revocations: 12 venues revoked at once, and one venue revoked by both replicas at once.
    for serial in 1..=13 {
        stores[0].insert_venue(&venue(serial)).unwrap();
    }
    let results = race(&stores, 16, |s, i| {
        let serial = if i < 12 { i as u64 + 1 } else { 13 };
        (serial, s.revoke_venue(serial, 1, 100))
    });
    let on_13: Vec<_> = results.iter().filter(|(s, _)| *s == 13).collect();
    assert_eq!(on_13.iter().filter(|(_, r)| r.is_ok()).count(), 1);
    assert!(on_13
        .iter()
        .all(|(_, r)| r.is_ok() || *r == Err(StorageError::Revoked)));
    let mut seqs: Vec<u64> = results.iter().filter_map(|(_, r)| r.clone().ok()).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=13).collect::<Vec<_>>());
    let (log, latest) = stores[1].revocations_after(0).unwrap();
    assert_eq!(latest, 13);
    assert_eq!(
        log.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        (1..=13).collect::<Vec<_>>()
    );
    for e in &log {
        let v = stores[0].venue(e.serial).unwrap().unwrap();
        assert_eq!(v.revoked, Some((e.sequence, 1)));
    }
}

#[test]
fn concurrent_count_pings_neither_deadlock_nor_lose_counts() {
    let db = pg::TestDb::new();
    let stores = replicas(&db);
    let tags: Vec<(u32, [u8; 16])> = (0..8u8).map(|t| (20_000, [t; 16])).collect();
    stores[0].register_count_tags([1; 8], 1, &tags).unwrap();
    // Each call pings the same 8 tags in a different order, one ping per call as the API does.
    let results = race(&stores, 16, |s, i| {
        let mut tags: Vec<[u8; 16]> = (0..8u8).map(|t| [t; 16]).collect();
        tags.rotate_left(i % 8);
        if i % 2 == 1 {
            tags.reverse();
        }
        tags.iter()
            .map(|t| s.add_count(20_000, [1; 8], *t))
            .collect::<Result<Vec<bool>, _>>()
    });
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(v) if v.iter().all(|c| *c))),
        "{results:?}"
    );
    for t in 0..8u8 {
        assert_eq!(
            stores[0].counts([1; 8], [t; 16], 20_000, 20_000).unwrap(),
            [(20_000, 16)]
        );
    }
}

#[test]
fn writes_survive_reopening_and_newer_schemas_are_refused() {
    let db = pg::TestDb::new();
    {
        let store = PgStorage::open(&db.url, 2).unwrap();
        store
            .register_tans(
                &[NewTan {
                    hash: [1; 32],
                    expires_at: T0 + 100,
                    purpose: UploadPurpose::Seeds,
                }],
                T0,
            )
            .unwrap();
        assert_eq!(store.consume_tan(&[1; 32], T0, b"x").unwrap(), 1);
        assert_eq!(store.insert_batch(&chained(1, 3, 1, b"batch")).unwrap(), 1);
        assert!(store.record_nonce([1; 8], [2; 16], T0).unwrap());
    }
    // Opening again (as a restarted or second replica does) keeps everything and every counter.
    let store = PgStorage::open(&db.url, 2).unwrap();
    let t = store.tan(&[1; 32]).unwrap().unwrap();
    assert!(t.used);
    assert_eq!(t.purpose, UploadPurpose::Seeds);
    assert_eq!(store.upload(1).unwrap().unwrap().1, b"x");
    assert!(!store.record_nonce([1; 8], [2; 16], T0).unwrap());
    assert_eq!(store.insert_batch(&chained(2, 4, 1, b"batch")).unwrap(), 2);
    drop(store);

    let mut admin = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    // Batches are stored uncompressed out of line, set once at the first open.
    let storage: i8 = admin
        .query_one(
            "SELECT attstorage FROM pg_attribute
             WHERE attrelid = 'batches'::regclass AND attname = 'bytes'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(storage as u8, b'e');
    admin
        .batch_execute("INSERT INTO venuecode_schema (version) VALUES (99)")
        .unwrap();
    let err = PgStorage::open(&db.url, 2).unwrap_err();
    assert!(err.to_string().contains("version 99"), "{err}");
    // A database of wire v1 (schema version 1) is refused, not mixed with v2 data.
    admin
        .batch_execute("DELETE FROM venuecode_schema; INSERT INTO venuecode_schema VALUES (1)")
        .unwrap();
    let err = PgStorage::open(&db.url, 2).unwrap_err();
    assert!(err.to_string().contains("version 1"), "{err}");
    drop(admin);

    let err = PgStorage::open("postgres://nobody@127.0.0.1:1/none", 1).unwrap_err();
    assert!(matches!(err, StorageError::Backend(_)), "{err}");
}

/// Waits (up to 30 s) until the store's ended connections are gone from the server: only then
/// is its next call sure to meet a dead connection (a fixed pause can end first).
fn wait_until_ended(admin: &mut postgres::Client) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let left: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND application_name = 'venuecode-server'",
                &[],
            )
            .unwrap()
            .get(0);
        if left == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{left} ended connections still there"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn connections_the_server_closed_are_replaced() {
    let db = pg::TestDb::new();
    let store = PgStorage::open(&db.url, 4).unwrap();
    assert_eq!(store.allocate_serial().unwrap(), 1);
    // As a database restart or failover would: end every connection of the store's pool.
    let mut admin = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    let ended: i64 = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'venuecode-server'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(ended >= 1);
    wait_until_ended(&mut admin);
    assert_eq!(store.allocate_serial().unwrap(), 2);
    assert_eq!(store.allocate_serial().unwrap(), 3);
    // The single-statement read path (a batch by sequence) recovers the same way.
    assert_eq!(store.insert_batch(&chained(1, 5, 1, b"batch")).unwrap(), 1);
    admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'venuecode-server'",
            &[],
        )
        .unwrap();
    wait_until_ended(&mut admin);
    let (meta, bytes) = store.batch(1).unwrap().unwrap();
    assert_eq!((meta.sequence, bytes.as_slice()), (1, b"batch".as_slice()));
    assert!(store.batch(2).unwrap().is_none());
}
