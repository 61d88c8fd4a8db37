//! The storage trait's behaviour, checked on every implementation (memory, redb and
//! PostgreSQL): retention, TAN consumption, the venue registry and revocation log, and
//! concurrent writes; and durability across reopening for redb. PostgreSQL's own checks across
//! replicas are in `postgres.rs`.
#![allow(clippy::unwrap_used)]

mod pg;

use std::sync::Arc;

use venuecode_protocol::time::UnixMinute;
use venuecode_server::storage::{
    MemoryStorage, NewCheckpoint, NewTan, StorageError, StoredHead, UploadPurpose, VenueRecord,
};
use venuecode_server::{purge_expired, purge_expired_with_margin, PgStorage, RedbStorage, Storage};
use venuecode_testkit::store::{chained, link};

const DAY: u64 = 86_400;
const T0: u64 = 1_800_000_000;

/// Runs `check` on a fresh store of each kind.
fn each_store(check: impl Fn(Arc<dyn Storage>)) {
    check(Arc::new(MemoryStorage::new()));
    let dir = tempfile::tempdir().unwrap();
    check(Arc::new(RedbStorage::open(dir.path()).unwrap()));
    let db = pg::TestDb::new();
    check(Arc::new(PgStorage::open(&db.url, 8).unwrap()));
}

fn tan(hash: u8, expires_at: u64, purpose: UploadPurpose) -> NewTan {
    NewTan {
        hash: [hash; 32],
        expires_at,
        purpose,
    }
}

fn venue(serial: u64, region: u32) -> VenueRecord {
    VenueRecord {
        serial,
        certificate: vec![serial as u8; 10],
        venue_key: [serial as u8; 32],
        region,
        category: 9,
        issued_at: T0,
        revoked: None,
        superseded_by: None,
    }
}

#[test]
fn retention_deletes_only_what_is_older_than_the_period() {
    each_store(|store| {
        store
            .insert_batch(&chained(1, 1, 3, T0, b"old batch"))
            .unwrap();
        store
            .insert_batch(&chained(2, 2, 4, T0 + 10 * DAY, b"new batch"))
            .unwrap();
        let exp = T0 + 20 * DAY;
        store
            .register_tans(
                &[
                    tan(1, exp, UploadPurpose::Case),
                    tan(2, exp, UploadPurpose::Case),
                ],
                T0,
            )
            .unwrap();
        store
            .register_tans(&[tan(3, exp, UploadPurpose::Case)], T0 + 10 * DAY)
            .unwrap();
        let old_upload = store.consume_tan(&[1; 32], T0 + 60, b"old").unwrap();
        let new_upload = store.consume_tan(&[3; 32], T0 + 10 * DAY, b"new").unwrap();
        let day0 = (T0 / DAY) as u32;
        store
            .register_count_tags([1; 8], 1, &[(day0, [5; 16])])
            .unwrap();
        assert!(store.add_count(day0, [1; 8], [5; 16]).unwrap());
        assert!(store.add_count(day0 + 10, [1; 8], [5; 16]).unwrap());
        assert!(store.record_nonce([0; 8], [1; 16], T0 + 360).unwrap());

        // Thirteen days on, nothing is old enough but the nonce.
        let r = purge_expired(store.as_ref(), 14, T0 + 13 * DAY).unwrap();
        assert_eq!(
            (r.batches, r.uploads, r.tans, r.counts, r.nonces),
            (0, 0, 0, 0, 1)
        );

        // Fifteen days on, the first day's data goes.
        let r = purge_expired(store.as_ref(), 14, T0 + 15 * DAY).unwrap();
        assert_eq!((r.batches, r.uploads, r.tans), (1, 1, 2));
        assert_eq!(r.counts, 2, "one count row and one count tag");
        assert!(store.batch(1).unwrap().is_none());
        assert!(store.batch(2).unwrap().is_some());
        assert!(store.upload(old_upload).unwrap().is_none());
        assert!(store.upload(new_upload).unwrap().is_some());
        assert!(store.tan(&[2; 32]).unwrap().is_none());
        assert!(store.tan(&[3; 32]).unwrap().is_some());
        assert_eq!(store.counts([1; 8], [5; 16], 0, u32::MAX).unwrap().len(), 1);
        // The chain head and the batch ids outlive the batches: an expired batch's id is still
        // a duplicate, and the chain goes on from the head.
        assert_eq!(
            store.insert_batch(&chained(3, 1, 1, T0 + 15 * DAY, b"again")),
            Err(StorageError::DuplicateBatch)
        );
        assert_eq!(
            store.insert_batch(&chained(1, 9, 1, T0 + 15 * DAY, b"restart")),
            Err(StorageError::ChainMismatch)
        );
        assert_eq!(
            store
                .insert_batch(&chained(3, 3, 1, T0 + 15 * DAY, b"next"))
                .unwrap(),
            3
        );
        let (list, latest) = store.batches_after(0, 10).unwrap();
        assert_eq!(latest, 3);
        assert_eq!(list.iter().map(|b| b.sequence).collect::<Vec<_>>(), [2, 3]);
        // Aggregate statistics are kept.
        let stats = store.exposure_stats().unwrap();
        assert_eq!(stats.iter().map(|s| s.batches).sum::<u64>(), 3);
    });
}

#[test]
fn batches_are_kept_for_the_margin_past_the_retention_period() {
    each_store(|store| {
        store.insert_batch(&chained(1, 1, 1, T0, b"one")).unwrap();
        store
            .register_tans(&[tan(1, T0 + DAY, UploadPurpose::Case)], T0)
            .unwrap();
        // Fifteen days on, a 48-hour margin keeps the batch; the TAN goes.
        let r = purge_expired_with_margin(store.as_ref(), 14, 48, T0 + 15 * DAY).unwrap();
        assert_eq!((r.batches, r.tans), (0, 1));
        assert!(store.batch(1).unwrap().is_some());
        let r = purge_expired_with_margin(store.as_ref(), 14, 48, T0 + 16 * DAY + 1).unwrap();
        assert_eq!(r.batches, 1);
        assert!(store.batch(1).unwrap().is_none());
    });
}

#[test]
fn the_chain_refuses_gaps_forks_wrong_previous_and_reused_ids() {
    each_store(|store| {
        assert_eq!(store.chain_head().unwrap(), StoredHead::default());
        // The first batch must be sequence 1 with a zero previous.
        assert_eq!(
            store.insert_batch(&chained(2, 2, 1, T0, b"gap")),
            Err(StorageError::ChainMismatch)
        );
        let mut wrong = chained(1, 1, 1, T0, b"one");
        wrong.previous = [1; 32];
        assert_eq!(store.insert_batch(&wrong), Err(StorageError::ChainMismatch));
        assert_eq!(store.insert_batch(&chained(1, 1, 1, T0, b"one")), Ok(1));
        // Gap, fork (a second batch 1), wrong previous; a reposted id wins over the chain.
        assert_eq!(
            store.insert_batch(&chained(3, 3, 1, T0, b"gap")),
            Err(StorageError::ChainMismatch)
        );
        assert_eq!(
            store.insert_batch(&chained(1, 4, 1, T0, b"fork")),
            Err(StorageError::ChainMismatch)
        );
        let mut wrong = chained(2, 5, 1, T0, b"two");
        wrong.previous = [7; 32];
        assert_eq!(store.insert_batch(&wrong), Err(StorageError::ChainMismatch));
        assert_eq!(
            store.insert_batch(&chained(2, 1, 1, T0, b"two")),
            Err(StorageError::DuplicateBatch)
        );
        assert_eq!(store.insert_batch(&chained(2, 2, 1, T0, b"two")), Ok(2));
        assert_eq!(
            store.chain_head().unwrap(),
            StoredHead {
                sequence: 2,
                link: link(2)
            }
        );
        // Refusals stored nothing.
        let (list, latest) = store.batches_after(0, 10).unwrap();
        assert_eq!(latest, 2);
        assert_eq!(list.len(), 2);
        assert_eq!(store.batch(2).unwrap().unwrap().1, b"two");
    });
}

#[test]
fn checkpoints_are_kept_newest_and_match_the_chain() {
    each_store(|store| {
        let cp = |issued_at: u32, seq: u64, head: [u8; 32], retained: (u64, [u8; 32])| {
            (issued_at, seq, head, retained)
        };
        let put = |(issued_at, sequence, head, (retained_from, retained_previous)): (
            u32,
            u64,
            [u8; 32],
            (u64, [u8; 32]),
        ),
                   bytes: &[u8]| {
            store.put_checkpoint(&NewCheckpoint {
                issued_at,
                sequence,
                head,
                retained_from,
                retained_previous,
                bytes,
            })
        };
        assert_eq!(store.checkpoint().unwrap(), None);
        assert_eq!(put(cp(100, 0, [0; 32], (1, [0; 32])), b"empty"), Ok(()));
        assert_eq!(store.checkpoint().unwrap().unwrap(), b"empty");
        // Names a batch the chain does not hold.
        assert_eq!(
            put(cp(101, 1, link(1), (1, [0; 32])), b"ahead"),
            Err(StorageError::ChainMismatch)
        );
        store.insert_batch(&chained(1, 1, 1, T0, b"one")).unwrap();
        store.insert_batch(&chained(2, 2, 1, T0, b"two")).unwrap();
        assert_eq!(
            put(cp(101, 2, [9; 32], (1, [0; 32])), b"wrong link"),
            Err(StorageError::ChainMismatch)
        );
        assert_eq!(
            put(cp(101, 2, link(2), (2, [9; 32])), b"wrong retained"),
            Err(StorageError::ChainMismatch)
        );
        assert_eq!(put(cp(101, 2, link(2), (2, link(1))), b"two"), Ok(()));
        // Older by time or by sequence.
        assert_eq!(
            put(cp(100, 2, link(2), (1, [0; 32])), b"old"),
            Err(StorageError::StaleCheckpoint)
        );
        assert_eq!(
            put(cp(102, 1, link(1), (1, [0; 32])), b"behind"),
            Err(StorageError::StaleCheckpoint)
        );
        assert_eq!(store.checkpoint().unwrap().unwrap(), b"two");
        // The same position re-signed later replaces it.
        assert_eq!(put(cp(102, 2, link(2), (1, [0; 32])), b"again"), Ok(()));
        assert_eq!(store.checkpoint().unwrap().unwrap(), b"again");
    });
}

#[test]
fn revocation_pages_are_bounded_and_bulk_revocations_are_one_write() {
    each_store(|store| {
        let venues: Vec<VenueRecord> = (1..=25).map(|s| venue(s, 620_105)).collect();
        store.insert_venues(&venues).unwrap();
        let serials: Vec<u64> = (1..=25).collect();
        assert_eq!(store.revoke_many(&serials, 2, 100).unwrap(), 25);
        assert_eq!(
            store.revoke_many(&[3], 2, 100),
            Err(StorageError::Revoked),
            "already revoked"
        );
        // A refused bulk revocation changes nothing: not a missing serial, not a repeat.
        store.insert_venue(&venue(26, 620_105)).unwrap();
        assert_eq!(
            store.revoke_many(&[26, 99], 2, 100),
            Err(StorageError::NotFound)
        );
        assert_eq!(
            store.revoke_many(&[26, 26], 2, 100),
            Err(StorageError::Revoked)
        );
        assert_eq!(store.venue(26).unwrap().unwrap().revoked, None);
        let (page, head) = store.revocation_page(0, 10).unwrap();
        assert_eq!(head, 25);
        assert_eq!(
            page.iter().map(|e| e.sequence).collect::<Vec<_>>(),
            (1..=10).collect::<Vec<_>>()
        );
        let (page, _) = store.revocation_page(20, 10).unwrap();
        assert_eq!(page.len(), 5);
        assert!(store.revocation_page(25, 10).unwrap().0.is_empty());
    });
}

#[test]
fn count_tags_are_scoped_to_their_venue_key_no_squatting() {
    each_store(|store| {
        let (a, b) = ([0xa; 8], [0xb; 8]);
        store
            .register_count_tags(a, 1, &[(20_000, [1; 16])])
            .unwrap();
        // Venue b registers a's tag: a new row of its own, a's is untouched.
        assert_eq!(
            store
                .register_count_tags(b, 2, &[(20_000, [1; 16])])
                .unwrap(),
            1
        );
        assert!(store.add_count(20_000, a, [1; 16]).unwrap());
        assert!(!store.add_count(20_000, [0xc; 8], [1; 16]).unwrap());
        assert_eq!(
            store.counts(a, [1; 16], 0, u32::MAX).unwrap(),
            [(20_000, 1)]
        );
        assert_eq!(store.counts(b, [1; 16], 0, u32::MAX).unwrap(), []);
    });
}

#[test]
fn tan_states() {
    each_store(|store| {
        let tans = [
            tan(1, T0 + 100, UploadPurpose::Seeds),
            tan(2, T0 + 100, UploadPurpose::GuestBook),
        ];
        assert_eq!(store.register_tans(&tans, T0).unwrap(), 2);
        assert_eq!(store.register_tans(&tans, T0).unwrap(), 0);
        assert_eq!(store.consume_tan(&[1; 32], T0, b"x").unwrap(), 1);
        assert_eq!(
            store.consume_tan(&[1; 32], T0, b"x"),
            Err(StorageError::TanUsed)
        );
        assert_eq!(
            store.consume_tan(&[2; 32], T0 + 100, b"x"),
            Err(StorageError::TanExpired)
        );
        assert_eq!(
            store.consume_tan(&[3; 32], T0, b"x"),
            Err(StorageError::TanUnknown)
        );
        // Registering a used TAN again does not revive it.
        store.register_tans(&tans, T0).unwrap();
        assert!(store.tan(&[1; 32]).unwrap().unwrap().used);
        // A refused consumption wrote nothing.
        assert_eq!(store.uploads().unwrap().len(), 1);
        assert!(!store.tan(&[2; 32]).unwrap().unwrap().used);
        let (meta, bytes) = store.upload(1).unwrap().unwrap();
        assert_eq!(
            (meta.purpose, meta.size, bytes.as_slice()),
            (UploadPurpose::Seeds, 1, b"x".as_slice())
        );
        assert!(store.delete_upload(1).unwrap());
        assert!(!store.delete_upload(1).unwrap());
        assert!(store.record_nonce([1; 8], [2; 16], T0).unwrap());
        assert!(!store.record_nonce([1; 8], [2; 16], T0).unwrap());
        assert!(
            store.record_nonce([2; 8], [2; 16], T0).unwrap(),
            "nonces are per key"
        );
    });
}

#[test]
fn a_cancelled_tan_authorises_nothing_and_cancels_once_on_every_backend() {
    each_store(|store| {
        let tans = [
            tan(1, T0 + 100, UploadPurpose::Case),
            tan(2, T0 + 100, UploadPurpose::Case),
            tan(3, T0 + 100, UploadPurpose::Seeds),
        ];
        store.register_tans(&tans, T0).unwrap();
        assert!(!store.tan(&[1; 32]).unwrap().unwrap().cancelled);
        store.cancel_tan(&[1; 32]).unwrap();
        let rec = store.tan(&[1; 32]).unwrap().unwrap();
        assert!(rec.cancelled && !rec.used);
        // An upload with it is refused and stores nothing.
        assert_eq!(
            store.consume_tan(&[1; 32], T0, b"x"),
            Err(StorageError::TanCancelled)
        );
        assert!(store.uploads().unwrap().is_empty());
        // Twice, unknown, used: each its own refusal.
        assert_eq!(store.cancel_tan(&[1; 32]), Err(StorageError::TanCancelled));
        assert_eq!(store.cancel_tan(&[9; 32]), Err(StorageError::TanUnknown));
        store.consume_tan(&[2; 32], T0, b"y").unwrap();
        assert_eq!(store.cancel_tan(&[2; 32]), Err(StorageError::TanUsed));
        assert!(!store.tan(&[2; 32]).unwrap().unwrap().cancelled);
        // Registering a cancelled TAN again does not revive it.
        store.register_tans(&tans, T0).unwrap();
        assert!(store.tan(&[1; 32]).unwrap().unwrap().cancelled);
        // A TAN of another purpose cancels alike; the stored upload is untouched.
        store.cancel_tan(&[3; 32]).unwrap();
        assert_eq!(store.uploads().unwrap().len(), 1);
    });
}

#[test]
fn current_venue_pages_skip_replaced_certificates_and_keep_revoked_ones() {
    each_store(|store| {
        for serial in 1..=5 {
            store.insert_venue(&venue(serial, 620_105)).unwrap();
        }
        store
            .supersede_venue(2, &venue(6, 620_105), 3, 100)
            .unwrap();
        store.revoke_venue(4, 2, 101).unwrap();
        let serials = |after, limit| -> Vec<(u64, bool)> {
            store
                .current_venues_page(after, limit)
                .unwrap()
                .iter()
                .map(|v| (v.serial, v.revoked.is_some()))
                .collect()
        };
        assert_eq!(
            serials(0, 100),
            [(1, false), (3, false), (4, true), (5, false), (6, false)]
        );
        assert_eq!(serials(0, 2), [(1, false), (3, false)]);
        assert_eq!(serials(3, 2), [(4, true), (5, false)]);
        assert_eq!(serials(6, 2), []);
        assert_eq!(serials(u64::MAX, 2), []);
        let page = store.current_venues_page(4, 1).unwrap();
        assert_eq!(page, [venue(5, 620_105)]);
    });
}

#[test]
fn registry_and_revocation_log() {
    each_store(|store| {
        assert_eq!(store.allocate_serial().unwrap(), 1);
        assert_eq!(store.allocate_serial().unwrap(), 2);
        store.insert_venue(&venue(1, 620_105)).unwrap();
        store.insert_venue(&venue(2, 110_101)).unwrap();
        assert_eq!(store.venue(1).unwrap().unwrap(), venue(1, 620_105));
        assert!(store.venue(9).unwrap().is_none());

        let seq = store
            .supersede_venue(1, &venue(3, 620_105), 3, 100)
            .unwrap();
        assert_eq!(seq, 1);
        let old = store.venue(1).unwrap().unwrap();
        assert_eq!((old.revoked, old.superseded_by), (Some((1, 3)), Some(3)));
        assert_eq!(
            store.supersede_venue(1, &venue(4, 620_105), 3, 100),
            Err(StorageError::Revoked)
        );
        assert!(
            store.venue(4).unwrap().is_none(),
            "a refused update stores nothing"
        );
        assert_eq!(store.revoke_venue(2, 2, 101).unwrap(), 2);
        assert_eq!(store.revoke_venue(2, 1, 102), Err(StorageError::Revoked));
        assert_eq!(store.revoke_venue(9, 1, 102), Err(StorageError::NotFound));

        let (all, latest) = store.revocations_after(0).unwrap();
        assert_eq!(latest, 2);
        let got: Vec<_> = all
            .iter()
            .map(|e| (e.sequence, e.serial, e.reason))
            .collect();
        assert_eq!(got, [(1, 1, 3), (2, 2, 2)]);
        assert_eq!(store.revocations_after(1).unwrap().0.len(), 1);
        assert_eq!(store.revocations_after(u64::MAX).unwrap().0.len(), 0);

        let stats = store.venue_stats().unwrap();
        let rows: Vec<_> = stats
            .iter()
            .map(|r| (r.region, r.active, r.revoked))
            .collect();
        assert_eq!(rows, [(110_101, 0, 1), (620_105, 1, 0)]);

        // A ping before its tag is registered is not counted.
        assert!(!store.add_count(20_000, [3; 8], [1; 16]).unwrap());
        assert_eq!(
            store
                .register_count_tags([3; 8], 3, &[(20_000, [1; 16])])
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .register_count_tags([3; 8], 3, &[(20_000, [1; 16])])
                .unwrap(),
            0
        );
        assert!(store.add_count(20_000, [3; 8], [1; 16]).unwrap());
        assert!(store.add_count(20_000, [3; 8], [1; 16]).unwrap());
        assert!(store.add_count(20_001, [3; 8], [1; 16]).unwrap());
        assert_eq!(
            store.counts([3; 8], [1; 16], 20_000, 20_001).unwrap(),
            [(20_000, 2), (20_001, 1)]
        );
        assert_eq!(store.counts([3; 8], [1; 16], 5, 1).unwrap(), []);
        let c = store.count_stats().unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].region, c[0].epoch, c[0].count), (620_105, 20_000, 3));
    });
}

#[test]
fn concurrent_writes_do_not_mix_outcomes() {
    each_store(|store| {
        let n = 32u8;
        let mut tans: Vec<NewTan> = (0..n)
            .map(|i| tan(i, T0 + 100, UploadPurpose::Case))
            .collect();
        tans.push(tan(0xff, T0 + 100, UploadPurpose::Case));
        store.register_tans(&tans, T0).unwrap();
        let barrier = Arc::new(std::sync::Barrier::new(usize::from(n) * 2));
        let mut threads = Vec::new();
        for i in 0..n {
            for shared in [false, true] {
                let (store, barrier) = (store.clone(), barrier.clone());
                threads.push(std::thread::spawn(move || {
                    barrier.wait();
                    let hash = if shared { [0xff; 32] } else { [i; 32] };
                    (shared, store.consume_tan(&hash, T0, &[i]))
                }));
            }
        }
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let own_ok = results.iter().filter(|(s, r)| !s && r.is_ok()).count();
        let shared_ok = results.iter().filter(|(s, r)| *s && r.is_ok()).count();
        let shared_used = results
            .iter()
            .filter(|(s, r)| *s && *r == Err(StorageError::TanUsed))
            .count();
        assert_eq!(own_ok, usize::from(n));
        assert_eq!((shared_ok, shared_used), (1, usize::from(n) - 1));
        let mut ids: Vec<u64> = results.iter().filter_map(|(_, r)| r.clone().ok()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), usize::from(n) + 1, "every upload got its own id");
        assert_eq!(store.uploads().unwrap().len(), usize::from(n) + 1);
    });
}

#[test]
fn redb_keeps_every_acknowledged_write_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Arc::new(RedbStorage::open(dir.path()).unwrap());
        store
            .register_tans(&[tan(1, T0 + 100, UploadPurpose::Seeds)], T0)
            .unwrap();
        store.consume_tan(&[1; 32], T0, b"x").unwrap();
        assert!(store.record_nonce([1; 8], [2; 16], T0).unwrap());
        // Concurrent writers, grouped into shared commits.
        let threads: Vec<_> = (0..16u8)
            .map(|i| {
                let store = store.clone();
                std::thread::spawn(move || {
                    store
                        .register_count_tags([i; 8], 1, &[(20_000, [i; 16])])
                        .unwrap();
                    assert!(store.add_count(20_000, [i; 8], [i; 16]).unwrap());
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }
    let store = RedbStorage::open(dir.path()).unwrap();
    let t = store.tan(&[1; 32]).unwrap().unwrap();
    assert!(t.used);
    assert_eq!(t.purpose, UploadPurpose::Seeds);
    assert_eq!(store.upload(1).unwrap().unwrap().1, b"x");
    assert!(!store.record_nonce([1; 8], [2; 16], T0).unwrap());
    for i in 0..16u8 {
        assert_eq!(
            store.counts([i; 8], [i; 16], 20_000, 20_000).unwrap(),
            [(20_000, 1)]
        );
    }
}

#[cfg(unix)]
#[test]
fn the_redb_store_is_created_private_mode_0700_dir_and_0600_file() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data").join("store");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    drop(RedbStorage::open(&dir).unwrap());
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&parent.path().join("data")), 0o700);
    let file = dir.join(RedbStorage::FILE_NAME);
    assert_eq!(mode(&file), 0o600);
    // A file made wider behind the server's back is narrowed on the next open.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(RedbStorage::open(&dir).unwrap());
    assert_eq!(mode(&file), 0o600);
}

/// A record holding a real certificate, so that the duplicate check sees its name.
fn certified(serial: u64, key: &venuecode_protocol::SigningKey, name: &str) -> VenueRecord {
    use venuecode_protocol::{Codec as _, SigningKey, VenueCategory};
    use venuecode_testkit::fixture::{certificate, venue_info};
    let ra = SigningKey::from_seed(&[1; 32]).unwrap();
    let info = venue_info(name, "1 Example Road", VenueCategory::RESTAURANT, 60, 32);
    VenueRecord {
        serial,
        certificate: certificate(
            &ra,
            serial,
            key,
            info,
            UnixMinute::new(0),
            UnixMinute::new(100),
        )
        .encode(),
        venue_key: *key.public_key().as_bytes(),
        region: 620_105,
        category: 1,
        issued_at: T0,
        revoked: None,
        superseded_by: None,
    }
}

#[test]
fn registration_abuse_rules_update_chains_and_review_hold_on_every_backend() {
    use venuecode_protocol::SigningKey;
    use venuecode_server::storage::ReviewState;
    let keys: Vec<SigningKey> = (0..4).map(|_| SigningKey::generate().unwrap()).collect();
    let (a, b, c, d) = (&keys[0], &keys[1], &keys[2], &keys[3]);
    each_store(|store| {
        let newest = |key: &SigningKey| {
            store
                .newest_venue(key.public_key().as_bytes())
                .unwrap()
                .map(|v| v.serial)
        };
        store.insert_venue(&certified(1, a, "Alpha")).unwrap();
        // A copy of an active venue, and a key registering twice, are refused.
        assert_eq!(
            store.insert_venue(&certified(2, b, "Alpha")),
            Err(StorageError::DuplicateVenue)
        );
        assert_eq!(
            store.insert_venue(&certified(3, a, "Beta")),
            Err(StorageError::VenueKeyRegistered)
        );
        assert_eq!(store.venue(2).unwrap(), None);
        // An update moves the chain's head and frees the old name.
        store
            .supersede_venue(1, &certified(4, a, "Gamma"), 3, 10)
            .unwrap();
        assert_eq!(newest(a), Some(4));
        store.insert_venue(&certified(5, b, "Alpha")).unwrap();
        // An update onto another active venue's details is refused and writes nothing.
        assert_eq!(
            store.supersede_venue(4, &certified(6, a, "Alpha"), 3, 11),
            Err(StorageError::DuplicateVenue)
        );
        assert_eq!(
            (newest(a), store.venue(4).unwrap().unwrap().revoked),
            (Some(4), None)
        );
        // A disabled key never registers again.
        store.revoke_venue(4, 2, 12).unwrap();
        assert_eq!(
            store.insert_venue(&certified(7, a, "Delta")),
            Err(StorageError::VenueKeyDisabled)
        );

        // Review: held, approved once (with the same rules), refused once.
        let first = store.add_pending(b"request one", T0).unwrap();
        let second = store.add_pending(b"request two", T0 + 1).unwrap();
        let waiting: Vec<u64> = store
            .pending_waiting()
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(waiting, [first, second]);
        assert_eq!(
            store.pending(first).unwrap().unwrap().request,
            b"request one"
        );
        store
            .approve_pending(first, &certified(8, c, "Epsilon"))
            .unwrap();
        assert_eq!(
            store.pending(first).unwrap().unwrap().state,
            ReviewState::Approved(8)
        );
        assert_eq!(newest(c), Some(8));
        assert_eq!(
            store.approve_pending(first, &certified(9, d, "Zeta")),
            Err(StorageError::ReviewDecided)
        );
        assert_eq!(
            store.approve_pending(second, &certified(9, d, "Epsilon")),
            Err(StorageError::DuplicateVenue)
        );
        assert_eq!(
            store.pending(second).unwrap().unwrap().state,
            ReviewState::Waiting
        );
        assert_eq!(store.venue(9).unwrap(), None);
        store.refuse_pending(second).unwrap();
        assert_eq!(
            store.refuse_pending(second),
            Err(StorageError::ReviewDecided)
        );
        assert_eq!(store.refuse_pending(99), Err(StorageError::NotFound));
        assert_eq!(store.pending(99).unwrap(), None);
        assert!(store.pending_waiting().unwrap().is_empty());
    });
}
