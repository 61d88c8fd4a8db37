//! Shared fixtures: authorities, venues and a visitor over the in-memory server.
#![allow(dead_code, clippy::unwrap_used)]

use std::cell::Cell;
use std::path::{Path, PathBuf};

use venuecode_client::*;
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::*;

/// The venues' UTC offset: +08:00 (China), in quarter hours.
pub const OFFSET: i8 = 32;

/// 2025-02-20 21:20 UTC (2025-02-21 05:20 at UTC+08:00), in Unix minutes.
pub const NOW: u32 = 29_000_000;

pub struct World {
    pub ra: SigningKey,
    pub ha: SigningKey,
    pub ha_enc: DecryptionKey,
    pub anchors: TrustAnchors,
    pub trust: TrustBundle,
    pub noodles: Venue,
    pub museum: Venue,
    pub server: MemoryServer,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
    /// The HA's chain head: the last batch [`World::batch`] built.
    pub head: Cell<ChainHead>,
}

pub const NOODLES_NAME: &str = "兰州牛肉面馆";
pub const NOODLES_ADDRESS: &str = "甘肃省兰州市安宁区北滨河西路1号";

pub fn cert(
    ra: &SigningKey,
    serial: u64,
    key: &SigningKey,
    name: &str,
    address: &str,
    stay: u16,
) -> VenueCertificate {
    let info = VenueInfo::new(
        name,
        address,
        RegionCode::new(620105).unwrap(),
        VenueCategory::RESTAURANT,
        stay,
        OFFSET,
    )
    .unwrap();
    VenueCertificate::sign(
        CertificateBody {
            ra_key_id: ra.key_id(),
            serial,
            venue_key: key.public_key(),
            info,
            valid_from: NOW - 10_000,
            valid_until: NOW + 200_000,
        },
        ra,
    )
    .unwrap()
}

/// A trust bundle of one RA key and one HA key, signed by `signer`.
pub fn bundle(
    sequence: u64,
    ra: &[&SigningKey],
    ha: &[&SigningKey],
    ha_enc: &DecryptionKey,
    signer: &SigningKey,
) -> TrustBundle {
    TrustBundle::sign(
        TrustBundleBody {
            sequence,
            issued_at: NOW,
            ra_keys: ra.iter().map(|k| k.public_key()).collect(),
            ha_signing_keys: ha.iter().map(|k| k.public_key()).collect(),
            ha_encryption_key: ha_enc.public_key(),
            server_url: "https://venuecode.example".into(),
            code_base_url: DEFAULT_BASE_URL.into(),
        },
        signer,
    )
    .unwrap()
}

/// A checkpoint of `head`, issued at `issued_at`, nothing expired.
pub fn checkpoint(ha: &SigningKey, head: ChainHead, issued_at: u32) -> Checkpoint {
    Checkpoint::sign(
        CheckpointBody::new(ha.key_id(), issued_at, head, (1, [0; 32])),
        ha,
    )
    .unwrap()
}

pub fn world() -> World {
    let ra = SigningKey::from_seed(&[1; 32]).unwrap();
    let ha = SigningKey::from_seed(&[2; 32]).unwrap();
    let ha_enc = DecryptionKey::derive(&[3; 32]).unwrap();
    let anchors = TrustAnchors::new(ra.public_key(), ha.public_key());
    let trust = bundle(1, &[&ra], &[&ha], &ha_enc, &ra);
    let k1 = SigningKey::from_seed(&[4; 32]).unwrap();
    let k2 = SigningKey::from_seed(&[6; 32]).unwrap();
    let noodles = Venue::new(
        cert(&ra, 7, &k1, NOODLES_NAME, NOODLES_ADDRESS, 60),
        MasterSeed::from_bytes([5; 32]),
        k1,
        &trust,
    )
    .unwrap();
    let museum = Venue::new(
        cert(
            &ra,
            8,
            &k2,
            "甘肃省博物馆",
            "甘肃省兰州市七里河区西津西路3号",
            120,
        ),
        MasterSeed::from_bytes([7; 32]),
        k2,
        &trust,
    )
    .unwrap();
    let server = MemoryServer::new();
    server.set_checkpoint(&checkpoint(&ha, ChainHead::GENESIS, NOW));
    World {
        ra,
        ha,
        ha_enc,
        anchors,
        trust,
        noodles,
        museum,
        server,
        clock: ManualClock::at_minute(NOW),
        dir: tempfile::tempdir().unwrap(),
        head: Cell::new(ChainHead::GENESIS),
    }
}

pub const KEY: [u8; 32] = [0xAB; 32];

impl World {
    pub fn config(&self) -> VisitorConfig {
        VisitorConfig::new(self.trust.clone()).unwrap()
    }

    pub fn diary_path(&self) -> PathBuf {
        self.dir.path().join("diary.redb")
    }

    pub fn visitor(&self) -> Visitor {
        self.visitor_with(self.config())
    }

    pub fn visitor_with(&self, config: VisitorConfig) -> Visitor {
        self.visitor_at(&self.diary_path(), config)
    }

    pub fn visitor_at(&self, path: &Path, config: VisitorConfig) -> Visitor {
        Visitor::open(
            path,
            DiaryKey::from_bytes(KEY),
            config,
            self.clock.clone(),
            self.server.clone(),
        )
        .unwrap()
    }

    pub fn static_url(&self, v: &Venue) -> String {
        v.static_code().unwrap().to_url(DEFAULT_BASE_URL)
    }

    pub fn rotating_url(&self, v: &Venue) -> String {
        v.rotating_code(&self.clock)
            .unwrap()
            .to_url(DEFAULT_BASE_URL)
    }

    /// Signs the next batch of the HA's chain with one window per (seed and venue key, start,
    /// end, risk), and moves the chain head to it.
    pub fn batch(&self, windows: &[(SeedOf, u32, u32, RiskLevel)]) -> ExposureBatch {
        let batch = self.batch_after(self.head.get(), windows);
        self.head.set(batch.chain_head());
        batch
    }

    /// Signs a batch after `head` without moving the chain head (a fork, a replay).
    pub fn batch_after(
        &self,
        head: ChainHead,
        windows: &[(SeedOf, u32, u32, RiskLevel)],
    ) -> ExposureBatch {
        let mut b = BatchBuilder::new(head, NOW, vec!["Get tested and stay home.".into()]).unwrap();
        for ((seed, venue_key), start, end, risk) in windows {
            b.add(&ExposureWindow {
                seed: seed.clone(),
                venue_key: *venue_key,
                start: *start,
                end: *end,
                risk: *risk,
                message_index: 0,
            })
            .unwrap();
        }
        b.sign(&self.ha).unwrap()
    }

    /// Publishes a batch and a fresh checkpoint of the HA's head, as the HA does.
    pub fn publish(&self, batch: &ExposureBatch) -> u64 {
        let seq = self.server.publish(batch);
        self.publish_checkpoint();
        seq
    }

    /// Serves a checkpoint of the HA's current head, issued now.
    pub fn publish_checkpoint(&self) -> Checkpoint {
        let cp = checkpoint(&self.ha, self.head.get(), self.clock.now_minute());
        self.server.set_checkpoint(&cp);
        cp
    }

    /// An empty revocation list, so that sync can run.
    pub fn no_revocations(&self) {
        self.revoke(&[]);
    }

    pub fn revoke(&self, serials: &[u64]) {
        self.server
            .set_revocations(&self.revocation_list(serials, NOW));
    }

    /// A full revocation list of `serials`, issued at `issued_at`.
    pub fn revocation_list(&self, serials: &[u64], issued_at: u32) -> RevocationList {
        let entries = serials
            .iter()
            .enumerate()
            .map(|(i, s)| Revocation {
                sequence: i as u64 + 1,
                serial: *s,
                revoked_at: NOW,
                reason: RevocationReason::DEACTIVATED_BY_VENUE,
            })
            .collect();
        RevocationList::sign(
            RevocationListBody {
                ra_key_id: self.ra.key_id(),
                issued_at,
                after: 0,
                up_to: serials.len() as u64,
                head: serials.len() as u64,
                entries,
            },
            &self.ra,
        )
        .unwrap()
    }
}

/// A seed with the venue key its tokens are bound to.
pub type SeedOf = (Seed, PublicKey);

pub fn static_seed(v: &Venue) -> SeedOf {
    let code = v.static_code().unwrap();
    (code.seed().clone(), code.certificate().body().venue_key)
}

/// A seed of no venue in the diary (bound to an unrelated key).
pub fn other_seed(bytes: [u8; 32]) -> SeedOf {
    (
        Seed::from_bytes(bytes),
        SigningKey::from_seed(&[99; 32]).unwrap().public_key(),
    )
}
