//! Wire v2 routes over HTTP: the exposure batch chain (`POST /v1/batches` extends the stored
//! head or is refused), checkpoints, the trust bundle and paged revocation lists.
#![allow(clippy::unwrap_used)]

use venuecode_testkit::server as common;

use common::{now, Harness};
use venuecode_protocol::revocation::MAX_REVOCATION_PAGE;
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::{
    ChainHead, ChainState, ChainStatus, Checkpoint, Codec, EncryptionKey, ExposureBatch,
    RevocationList, RevocationSet, SigningKey, TrustAnchors, TrustBundle, TrustBundleBody,
};
use venuecode_server::storage::VenueRecord;
use venuecode_server::{purge_expired, RedbStorage, Storage};

fn anchors(h: &Harness) -> TrustAnchors {
    TrustAnchors::new(h.ra.public_key(), h.ha.public_key())
}

fn minute() -> u32 {
    (now() / 60) as u32
}

fn post_batch(h: &Harness, bytes: &[u8]) -> common::Resp {
    h.signed(&h.ha, "POST", "/v1/batches", bytes)
}

#[test]
fn chain_batches_are_stored_under_the_ha_sequence_in_order_only() {
    let h = Harness::start();
    let (first, head1) = Harness::batch_at(&h.ha, ChainHead::GENESIS);
    // The first batch accepted must be sequence 1: a chain cannot start in the middle.
    let (later, _) = Harness::batch_at(&h.ha, head1);
    let r = post_batch(&h, &later);
    assert_eq!((r.status, r.code().as_str()), (409, "chain_mismatch"));
    let r = post_batch(&h, &first);
    assert_eq!((r.status, r.json()["sequence"].as_u64()), (201, Some(1)));

    // A gap: batch 3 while the head is 1.
    let (second, head2) = Harness::batch_at(&h.ha, head1);
    let (third, head3) = Harness::batch_at(&h.ha, head2);
    let r = post_batch(&h, &third);
    assert_eq!((r.status, r.code().as_str()), (409, "chain_mismatch"));
    // A fork: another batch 1.
    let r = post_batch(&h, &Harness::batch(&h.ha));
    assert_eq!((r.status, r.code().as_str()), (409, "chain_mismatch"));
    // The right sequence with a wrong previous link.
    let forged_head = ChainHead {
        sequence: 1,
        link: [0x77; 32],
    };
    let (wrong_previous, _) = Harness::batch_at(&h.ha, forged_head);
    let r = post_batch(&h, &wrong_previous);
    assert_eq!((r.status, r.code().as_str()), (409, "chain_mismatch"));
    // The same batch again: its id was seen (duplicate is checked before the chain).
    let r = post_batch(&h, &first);
    assert_eq!((r.status, r.code().as_str()), (409, "duplicate"));

    assert_eq!(post_batch(&h, &second).json()["sequence"], 2);
    assert_eq!(post_batch(&h, &third).json()["sequence"], 3);
    let list = h.get("/v1/batches?after=1").json();
    assert_eq!(list["latest"], 3);
    let seqs: Vec<u64> = list["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["sequence"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [2, 3]);
    // Served by HA sequence; a phone's chain state accepts them in order.
    let mut phone = ChainState::new();
    for seq in 1..=3 {
        let bytes = h.get(&format!("/v1/batches/{seq}")).body;
        let batch = ExposureBatch::decode(&bytes).unwrap();
        batch.verify(&anchors(&h)).unwrap();
        phone.accept_batch_header(batch.header()).unwrap();
    }
    assert_eq!(phone.head(), head3);
}

#[test]
fn chain_ids_and_head_outlive_expired_batches() {
    let mut h = Harness::start();
    let (first, head1) = Harness::batch_at(&h.ha, ChainHead::GENESIS);
    assert_eq!(post_batch(&h, &first).status, 201);
    h.stop();
    {
        // Twenty days on, the batch expired.
        let store = RedbStorage::open(&h.data_dir()).unwrap();
        let r = purge_expired(&store, 14, now() + 20 * 86_400).unwrap();
        assert_eq!(r.batches, 1);
    }
    h.launch();
    assert_eq!(h.get("/v1/batches/1").status, 404);
    assert_eq!(h.get("/v1/batches").json()["latest"], 1);
    // Reposting the expired batch is refused: its id was seen.
    let r = post_batch(&h, &first);
    assert_eq!((r.status, r.code().as_str()), (409, "duplicate"));
    // A new chain start is refused: the head survived.
    let r = post_batch(&h, &Harness::batch(&h.ha));
    assert_eq!((r.status, r.code().as_str()), (409, "chain_mismatch"));
    let (second, _) = Harness::batch_at(&h.ha, head1);
    assert_eq!(post_batch(&h, &second).json()["sequence"], 2);
}

#[test]
fn checkpoint_routes_keep_the_newest_matching_checkpoint() {
    let mut h = Harness::start();
    let r = h.get("/v1/checkpoint");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    let post = |h: &Harness, body: &[u8]| h.signed(&h.ha, "POST", "/v1/checkpoints", body);
    let t = minute();

    // Before any batch: a checkpoint of the empty chain.
    let empty = Harness::checkpoint(&h.ha, ChainHead::GENESIS, t - 10);
    assert_eq!(post(&h, &empty).status, 201);
    let (first, head1) = Harness::batch_at(&h.ha, ChainHead::GENESIS);
    let (second, head2) = Harness::batch_at(&h.ha, head1);
    // A checkpoint naming a batch the server does not hold.
    let ahead = Harness::checkpoint(&h.ha, head1, t - 9);
    let r = post(&h, &ahead);
    assert_eq!((r.status, r.code().as_str()), (409, "chain_mismatch"));
    assert_eq!(post_batch(&h, &first).status, 201);
    assert_eq!(post_batch(&h, &second).status, 201);
    // A checkpoint whose head link differs from the stored batch 2.
    let forged = ChainHead {
        sequence: 2,
        link: [0x55; 32],
    };
    let r = post(&h, &Harness::checkpoint(&h.ha, forged, t - 8));
    assert_eq!((r.status, r.code().as_str()), (409, "chain_mismatch"));
    // A retained range that is not the chain's.
    let r = post(
        &h,
        &Harness::checkpoint_retained(&h.ha, head2, t - 8, (2, [0x55; 32])),
    );
    assert_eq!((r.status, r.code().as_str()), (409, "chain_mismatch"));

    let good = Harness::checkpoint_retained(&h.ha, head2, t - 5, (2, head1.link));
    let r = post(&h, &good);
    assert_eq!(
        (r.status, r.json()["sequence"].as_u64()),
        (201, Some(2)),
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let r = h.get("/v1/checkpoint");
    assert_eq!((r.status, &r.body), (200, &good));
    assert_eq!(r.header("cache-control").unwrap(), "public, max-age=60");
    Checkpoint::decode(&r.body)
        .unwrap()
        .verify(&anchors(&h))
        .unwrap();

    // Older ones are refused: lower issued_at, or lower sequence.
    let r = post(&h, &Harness::checkpoint(&h.ha, head2, t - 6));
    assert_eq!((r.status, r.code().as_str()), (409, "stale_checkpoint"));
    let r = post(&h, &Harness::checkpoint(&h.ha, head1, t - 4));
    assert_eq!((r.status, r.code().as_str()), (409, "stale_checkpoint"));
    // Signed by a key the server does not trust, or not a checkpoint: 400.
    let rogue = SigningKey::generate().unwrap();
    let r = post(&h, &Harness::checkpoint(&rogue, head2, t));
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    let mut tampered = Harness::checkpoint(&h.ha, head2, t);
    tampered[12] ^= 1;
    let r = post(&h, &tampered);
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    let r = post(&h, b"\x02\x00");
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    // Only the HA posts checkpoints.
    let r = h.request("POST", "/v1/checkpoints", &[], &good);
    assert_eq!((r.status, r.code().as_str()), (401, "signature_missing"));
    let (venue, _) = h.register("Not An HA");
    let r = h.signed(&venue, "POST", "/v1/checkpoints", &good);
    assert_eq!((r.status, r.code().as_str()), (401, "signature_invalid"));
    let r = post(&h, &vec![0u8; 2048]);
    assert_eq!((r.status, r.code().as_str()), (413, "too_large"));
    assert_eq!(h.get("/v1/checkpoint").body, good);

    // A re-signed checkpoint of the same head replaces it, and survives a restart.
    let fresh = Harness::checkpoint_retained(&h.ha, head2, t, (2, head1.link));
    assert_eq!(post(&h, &fresh).status, 201);
    h.restart();
    assert_eq!(h.get("/v1/checkpoint").body, fresh);
}

#[test]
fn a_phone_reports_batches_withheld_against_the_checkpoint() {
    let h = Harness::start();
    let (first, head1) = Harness::batch_at(&h.ha, ChainHead::GENESIS);
    let (second, head2) = Harness::batch_at(&h.ha, head1);
    assert_eq!(post_batch(&h, &first).status, 201);
    assert_eq!(post_batch(&h, &second).status, 201);
    let cp = Harness::checkpoint(&h.ha, head2, minute());
    assert_eq!(h.signed(&h.ha, "POST", "/v1/checkpoints", &cp).status, 201);
    // The phone reads the checkpoint, then only batch 1 (as if batch 2 were withheld).
    let mut phone = ChainState::new();
    let served = Checkpoint::decode(&h.get("/v1/checkpoint").body).unwrap();
    phone.accept_checkpoint(&served, &anchors(&h)).unwrap();
    let b1 = ExposureBatch::decode(&h.get("/v1/batches/1").body).unwrap();
    phone.accept_batch_header(b1.header()).unwrap();
    assert_eq!(
        phone.status(UnixMinute::new(minute())),
        ChainStatus::Withheld { from: 2, to: 2 }
    );
    let b2 = ExposureBatch::decode(&h.get("/v1/batches/2").body).unwrap();
    phone.accept_batch_header(b2.header()).unwrap();
    assert_eq!(phone.status(UnixMinute::new(minute())), ChainStatus::Ok);
}

fn bundle(ra: &SigningKey, ha: &SigningKey) -> Vec<u8> {
    let body = TrustBundleBody {
        sequence: 1,
        issued_at: UnixMinute::new(minute()),
        ra_keys: vec![ra.public_key()],
        ha_signing_keys: vec![ha.public_key()],
        ha_encryption_key: EncryptionKey::from_bytes(&[9; 32]).unwrap(),
        server_url: "https://venuecode.example".into(),
        code_base_url: "https://v.example/c".into(),
    };
    TrustBundle::sign(body, ra).unwrap().encode()
}

#[test]
fn the_trust_bundle_given_at_start_is_served() {
    let h = Harness::start();
    let r = h.get("/v1/trust-bundle");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    drop(h);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trust-bundle.bin");
    let ra = SigningKey::generate().unwrap();
    let ha = SigningKey::generate().unwrap();
    let bytes = bundle(&ra, &ha);
    std::fs::write(&file, &bytes).unwrap();
    let f = file.clone();
    let h = Harness::start_with(move |c| c.trust_bundle = Some(f));
    let r = h.get("/v1/trust-bundle");
    assert_eq!((r.status, &r.body), (200, &bytes));
    let got = TrustBundle::decode(&r.body).unwrap();
    got.verify_initial().unwrap();
    drop(h);

    // A file that does not decode, or does not verify, stops the start with its name.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut tampered = bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let base = Harness::start();
    for bad in [b"not a bundle".to_vec(), tampered] {
        std::fs::write(&file, &bad).unwrap();
        let mut config = base.config.clone();
        config.trust_bundle = Some(file.clone());
        config.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        config.data_dir = dir.path().join("data");
        let err = rt
            .block_on(venuecode_server::Server::bind(config))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("trust-bundle.bin"), "{text}");
    }
}

#[test]
fn revocation_growth_is_served_in_pages_without_rollback() {
    let mut h = Harness::start();
    h.stop();
    let total = MAX_REVOCATION_PAGE as u64 + 7;
    {
        // The fast path: ten thousand revocations through the storage API in two writes.
        let store = RedbStorage::open(&h.data_dir()).unwrap();
        let venues: Vec<VenueRecord> = (1..=total)
            .map(|serial| VenueRecord {
                serial,
                certificate: vec![1; 8],
                venue_key: [2; 32],
                region: 620_105,
                category: 9,
                issued_at: now(),
                revoked: None,
                superseded_by: None,
            })
            .collect();
        store.insert_venues(&venues).unwrap();
        let serials: Vec<u64> = (1..=total).collect();
        assert_eq!(store.revoke_many(&serials, 2, minute()).unwrap(), total);
    }
    h.launch();

    let page = |after: u64| {
        let r = h.get(&format!("/v1/revocations?after={after}"));
        assert_eq!(r.status, 200);
        let list = RevocationList::decode(&r.body).unwrap();
        list.verify(&anchors(&h)).unwrap();
        list
    };
    let mut set = RevocationSet::new();
    let first = page(0);
    let b = first.body();
    assert_eq!(b.entries.len(), MAX_REVOCATION_PAGE);
    assert_eq!(
        (b.after, b.up_to, b.head),
        (0, MAX_REVOCATION_PAGE as u64, total)
    );
    set.apply(&first).unwrap();
    let second = page(set.cursor());
    let b = second.body();
    assert_eq!(b.entries.len(), 7);
    assert_eq!((b.up_to, b.head), (total, total));
    set.apply(&second).unwrap();
    assert_eq!(set.cursor(), total);
    assert!(set.contains(total) && set.contains(1));
    // Applying the first page again is a rollback for the phone.
    assert!(set.apply(&first).is_err());
    // Past the head: refused; at the head: an empty, complete page.
    let r = h.get(&format!("/v1/revocations?after={}", total + 1));
    assert_eq!((r.status, r.code().as_str()), (400, "malformed"));
    let last = page(total);
    assert_eq!(
        (
            last.body().entries.len(),
            last.body().up_to,
            last.body().head
        ),
        (0, total, total)
    );
}
