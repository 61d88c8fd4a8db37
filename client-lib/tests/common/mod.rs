//! Shared fixtures: authorities, venues and a visitor over the in-memory server.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use venuecode_client::*;
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::*;

/// 2025-02-20 10:40 UTC, in Unix minutes.
pub const NOW: u32 = 29_000_000;

pub struct World {
    pub ra: SigningKey,
    pub ha: SigningKey,
    pub ha_enc: DecryptionKey,
    pub anchors: TrustAnchors,
    pub noodles: Venue,
    pub museum: Venue,
    pub server: MemoryServer,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
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

pub fn world() -> World {
    let ra = SigningKey::from_seed(&[1; 32]).unwrap();
    let ha = SigningKey::from_seed(&[2; 32]).unwrap();
    let ha_enc = DecryptionKey::derive(&[3; 32]).unwrap();
    let anchors = TrustAnchors::new(ra.public_key(), ha.public_key());
    let k1 = SigningKey::from_seed(&[4; 32]).unwrap();
    let k2 = SigningKey::from_seed(&[6; 32]).unwrap();
    let noodles = Venue::new(
        cert(&ra, 7, &k1, NOODLES_NAME, NOODLES_ADDRESS, 60),
        MasterSeed::from_bytes([5; 32]),
        k1,
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
    )
    .unwrap();
    World {
        ra,
        ha,
        ha_enc,
        anchors,
        noodles,
        museum,
        server: MemoryServer::new(),
        clock: ManualClock::at_minute(NOW),
        dir: tempfile::tempdir().unwrap(),
    }
}

pub const KEY: [u8; 32] = [0xAB; 32];

impl World {
    pub fn config(&self) -> VisitorConfig {
        VisitorConfig::new(self.anchors.clone(), self.ha_enc.public_key())
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

    /// Signs a batch with one window per (seed, start, end).
    pub fn batch(&self, windows: &[(Seed, u32, u32, RiskLevel)]) -> ExposureBatch {
        let mut b = BatchBuilder::new(NOW, vec!["Get tested and stay home.".into()]).unwrap();
        for (seed, start, end, risk) in windows {
            b.add(&ExposureWindow {
                seed: seed.clone(),
                start: *start,
                end: *end,
                risk: *risk,
                message_index: 0,
            })
            .unwrap();
        }
        b.sign(&self.ha).unwrap()
    }

    /// An empty revocation list, so that sync can run.
    pub fn no_revocations(&self) {
        self.revoke(&[]);
    }

    pub fn revoke(&self, serials: &[u64]) {
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
        let list = RevocationList::sign(
            RevocationListBody {
                ra_key_id: self.ra.key_id(),
                issued_at: NOW,
                after: 0,
                up_to: serials.len() as u64,
                entries,
            },
            &self.ra,
        )
        .unwrap();
        self.server.set_revocations(&list);
    }
}

pub fn static_seed(v: &Venue) -> Seed {
    v.static_code().unwrap().seed().clone()
}
