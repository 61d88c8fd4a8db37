//! The fixture world: authorities and two venues with keys from fixed seeds, a visitor over the
//! client library's in-memory server on a manual clock, and the builders of the signed wire
//! types (certificates, trust bundles, checkpoints, revocation lists, exposure batches) the
//! tests need. Every struct literal of a wire type the tests build is here.

use std::cell::Cell;
use std::path::{Path, PathBuf};

use venuecode_client::{
    Clock, DiaryKey, ManualClock, MemoryServer, PartOutcome, Venue, Visitor, VisitorConfig,
};
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::{
    BatchBuilder, CertificateBody, ChainHead, Checkpoint, CheckpointBody, DecryptionKey,
    ExposureBatch, ExposureWindow, MasterSeed, PublicKey, RegionCode, RegistrationRequest,
    Revocation, RevocationList, RevocationListBody, RevocationReason, RiskLevel, Seed, SigningKey,
    TrustAnchors, TrustBundle, TrustBundleBody, VenueCategory, VenueCertificate, VenueInfo,
};

/// The venues' UTC offset: +08:00 (China), in quarter hours.
pub const OFFSET: i8 = 32;

/// 2025-02-20 21:20 UTC (2025-02-21 05:20 at UTC+08:00), in Unix minutes.
pub const NOW: UnixMinute = UnixMinute::new(29_000_000);

/// The noodle bar's name.
pub const NOODLES_NAME: &str = "兰州牛肉面馆";
/// The noodle bar's address.
pub const NOODLES_ADDRESS: &str = "甘肃省兰州市安宁区北滨河西路1号";

/// The visitor's diary key.
pub const KEY: [u8; 32] = [0xAB; 32];

/// The fixture world of the client library's tests.
pub struct World {
    /// The registration authority's key (seed `[1; 32]`).
    pub ra: SigningKey,
    /// The health authority's signing key (seed `[2; 32]`).
    pub ha: SigningKey,
    /// The health authority's encryption key (seed `[3; 32]`).
    pub ha_enc: DecryptionKey,
    /// The anchors of the RA and HA keys.
    pub anchors: TrustAnchors,
    /// The trust bundle, sequence 1, signed by the RA.
    pub trust: TrustBundle,
    /// A noodle bar, serial 7, 60-minute stay.
    pub noodles: Venue,
    /// A museum, serial 8, 120-minute stay.
    pub museum: Venue,
    /// The in-memory server.
    pub server: MemoryServer,
    /// The visitors' clock, at [`NOW`].
    pub clock: ManualClock,
    /// A directory for diaries.
    pub dir: tempfile::TempDir,
    /// The HA's chain head: the last batch [`World::batch`] built.
    pub head: Cell<ChainHead>,
}

/// Venue information in region 620105 (Lanzhou, Anning) with the given category, stay and UTC
/// offset.
pub fn venue_info(
    name: &str,
    address: &str,
    category: VenueCategory,
    stay: u16,
    offset: i8,
) -> VenueInfo {
    venue_info_in(name, address, 620_105, category, stay, offset)
}

/// A restaurant at the noodle bar's address with a 60-minute stay at [`OFFSET`], named `name`.
pub fn restaurant(name: &str) -> VenueInfo {
    venue_info(name, NOODLES_ADDRESS, VenueCategory::RESTAURANT, 60, OFFSET)
}

/// Venue information in `region`.
pub fn venue_info_in(
    name: &str,
    address: &str,
    region: u32,
    category: VenueCategory,
    stay: u16,
    offset: i8,
) -> VenueInfo {
    VenueInfo::new(
        name,
        address,
        RegionCode::new(region).unwrap(),
        category,
        stay,
        offset,
    )
    .unwrap()
}

/// A certificate signed by `ra` for `key`.
pub fn certificate(
    ra: &SigningKey,
    serial: u64,
    key: &SigningKey,
    info: VenueInfo,
    valid_from: UnixMinute,
    valid_until: UnixMinute,
) -> VenueCertificate {
    VenueCertificate::sign(
        CertificateBody {
            ra_key_id: ra.key_id(),
            serial,
            venue_key: key.public_key(),
            info,
            valid_from,
            valid_until,
        },
        ra,
    )
    .unwrap()
}

/// A restaurant's certificate at [`OFFSET`], valid around [`NOW`].
pub fn cert(
    ra: &SigningKey,
    serial: u64,
    key: &SigningKey,
    name: &str,
    address: &str,
    stay: u16,
) -> VenueCertificate {
    let info = venue_info(name, address, VenueCategory::RESTAURANT, stay, OFFSET);
    certificate(ra, serial, key, info, NOW - 10_000, NOW + 200_000)
}

/// A registration request of `key` with `info`.
pub fn registration_request(
    key: &SigningKey,
    info: VenueInfo,
    pledge: bool,
) -> RegistrationRequest {
    RegistrationRequest {
        venue_key: key.public_key(),
        info,
        pledge,
    }
}

/// A trust bundle signed by `signer`, issued at `issued_at`, naming `server_url` and the
/// default code base URL.
pub fn trust_bundle(
    sequence: u64,
    issued_at: UnixMinute,
    ra: &[&SigningKey],
    ha: &[&SigningKey],
    ha_enc: &DecryptionKey,
    server_url: &str,
    signer: &SigningKey,
) -> TrustBundle {
    TrustBundle::sign(
        TrustBundleBody {
            sequence,
            issued_at,
            ra_keys: ra.iter().map(|k| k.public_key()).collect(),
            ha_signing_keys: ha.iter().map(|k| k.public_key()).collect(),
            ha_encryption_key: ha_enc.public_key(),
            server_url: server_url.into(),
            code_base_url: DEFAULT_BASE_URL.into(),
        },
        signer,
    )
    .unwrap()
}

/// A trust bundle issued at [`NOW`] for `https://venuecode.example`, signed by `signer`.
pub fn bundle(
    sequence: u64,
    ra: &[&SigningKey],
    ha: &[&SigningKey],
    ha_enc: &DecryptionKey,
    signer: &SigningKey,
) -> TrustBundle {
    trust_bundle(
        sequence,
        NOW,
        ra,
        ha,
        ha_enc,
        "https://venuecode.example",
        signer,
    )
}

/// A checkpoint of `head`, issued at `issued_at`, nothing expired.
pub fn checkpoint(ha: &SigningKey, head: ChainHead, issued_at: UnixMinute) -> Checkpoint {
    Checkpoint::sign(
        CheckpointBody::new(ha.key_id(), issued_at, head, (1, [0; 32])),
        ha,
    )
    .unwrap()
}

/// A revocation list (or page) signed by `ra`: `entries` are (sequence, serial, revoked at,
/// reason).
pub fn revocation_list(
    ra: &SigningKey,
    issued_at: UnixMinute,
    (after, up_to, head): (u64, u64, u64),
    entries: &[(u64, u64, UnixMinute, RevocationReason)],
) -> RevocationList {
    RevocationList::sign(
        RevocationListBody {
            ra_key_id: ra.key_id(),
            issued_at,
            after,
            up_to,
            head,
            entries: entries
                .iter()
                .map(|(sequence, serial, revoked_at, reason)| Revocation {
                    sequence: *sequence,
                    serial: *serial,
                    revoked_at: *revoked_at,
                    reason: *reason,
                })
                .collect(),
        },
        ra,
    )
    .unwrap()
}

/// A page of the RA's revocations `after..=up_to` of `head`, revoked by the authority at
/// `issued_at`: `serials` are (sequence, serial).
pub fn revocation_page(
    w: &World,
    after: u64,
    up_to: u64,
    head: u64,
    issued_at: UnixMinute,
    serials: &[(u64, u64)],
) -> RevocationList {
    let entries: Vec<_> = serials
        .iter()
        .map(|(sequence, serial)| {
            (
                *sequence,
                *serial,
                issued_at,
                RevocationReason::DISABLED_BY_AUTHORITY,
            )
        })
        .collect();
    revocation_list(&w.ra, issued_at, (after, up_to, head), &entries)
}

/// One exposure window of `seed` at `venue_key`, message 0.
pub fn window(
    seed: Seed,
    venue_key: PublicKey,
    start: UnixMinute,
    end: UnixMinute,
    risk: RiskLevel,
) -> ExposureWindow {
    ExposureWindow {
        seed,
        venue_key,
        start,
        end,
        risk,
        message_index: 0,
    }
}

/// A batch after `head` issued at `issued_at` with one `message` and one window per (seed and
/// venue key, start, end, risk), signed by `ha`.
pub fn signed_batch(
    ha: &SigningKey,
    head: ChainHead,
    issued_at: UnixMinute,
    message: &str,
    windows: &[(SeedOf, UnixMinute, UnixMinute, RiskLevel)],
) -> ExposureBatch {
    let mut b = BatchBuilder::new(head, issued_at, vec![message.into()]).unwrap();
    for ((seed, venue_key), start, end, risk) in windows {
        b.add(&window(seed.clone(), *venue_key, *start, *end, *risk))
            .unwrap();
    }
    b.sign(ha).unwrap()
}

/// The fixture world at [`NOW`], the in-memory server serving a checkpoint of the empty chain.
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

impl World {
    /// A visitor configuration trusting the world's bundle.
    pub fn config(&self) -> VisitorConfig {
        VisitorConfig::new(self.trust.clone()).unwrap()
    }

    /// Where the visitor's diary lives.
    pub fn diary_path(&self) -> PathBuf {
        self.dir.path().join("diary.redb")
    }

    /// The visitor, with the default configuration.
    pub fn visitor(&self) -> Visitor {
        self.visitor_with(self.config())
    }

    /// The visitor, with `config`.
    pub fn visitor_with(&self, config: VisitorConfig) -> Visitor {
        self.visitor_at(&self.diary_path(), config)
    }

    /// A visitor whose diary is at `path`.
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

    /// Syncs `v` and checks that it took a fresh revocation list under which `venue` is
    /// revoked.
    pub fn sync_revokes(&self, v: &Visitor, venue: &Venue) {
        let r = v.sync().unwrap();
        assert!(matches!(r.revocations, PartOutcome::Updated), "{r:?}");
        self.assert_revoked(v, &[venue]);
    }

    /// Syncs `v` while a proxy answers the revocation list with `replayed` (an older list, or
    /// one issued earlier): the list is refused as a rollback, and `still_revoked` stay revoked.
    pub fn sync_refuses_rollback(&self, v: &Visitor, replayed: Vec<u8>, still_revoked: &[&Venue]) {
        self.server.intercept("/v1/revocations", replayed);
        let r = v.sync().unwrap();
        assert!(
            matches!(
                r.revocations,
                PartOutcome::Refused(venuecode_client::Error::Protocol(
                    venuecode_protocol::Error::Rollback
                ))
            ),
            "{r:?}"
        );
        self.assert_revoked(v, still_revoked);
    }

    /// Checks that `v` refuses each of `venues`' posters as revoked.
    pub fn assert_revoked(&self, v: &Visitor, venues: &[&Venue]) {
        for venue in venues {
            assert!(matches!(
                v.scan(&self.static_url(venue)),
                Err(venuecode_client::Error::Revoked)
            ));
        }
    }

    /// The URL of a venue's static code (poster).
    pub fn static_url(&self, v: &Venue) -> String {
        v.static_code().unwrap().to_url(DEFAULT_BASE_URL)
    }

    /// The URL of a venue's rotating code now.
    pub fn rotating_url(&self, v: &Venue) -> String {
        v.rotating_code(&self.clock)
            .unwrap()
            .to_url(DEFAULT_BASE_URL)
    }

    /// Signs the next batch of the HA's chain with one window per (seed and venue key, start,
    /// end, risk), and moves the chain head to it.
    pub fn batch(&self, windows: &[(SeedOf, UnixMinute, UnixMinute, RiskLevel)]) -> ExposureBatch {
        let batch = self.batch_after(self.head.get(), windows);
        self.head.set(batch.chain_head());
        batch
    }

    /// Signs a batch after `head` without moving the chain head (a fork, a replay).
    pub fn batch_after(
        &self,
        head: ChainHead,
        windows: &[(SeedOf, UnixMinute, UnixMinute, RiskLevel)],
    ) -> ExposureBatch {
        signed_batch(&self.ha, head, NOW, "Get tested and stay home.", windows)
    }

    /// A visitor with the diary key [`KEY`] at `path` and the fixture's configuration and
    /// clock, talking to `server` (another in-memory server than the world's).
    pub fn visitor_at_server(&self, path: &Path, server: MemoryServer) -> Visitor {
        let config = self.config();
        let (key, clock) = (DiaryKey::from_bytes(KEY), self.clock.clone());
        Visitor::open(path, key, config, clock, server).unwrap()
    }

    /// A visitor checked in at the noodle bar from [`NOW`] to `NOW + 60` (no revocations
    /// served), then the clock moved on two hours.
    pub fn visited_noodles(&self) -> Visitor {
        self.no_revocations();
        let v = self.visitor();
        v.scan_and_check_in(&self.static_url(&self.noodles))
            .unwrap();
        self.clock.advance_minutes(120);
        v
    }

    /// The next batch of the HA's chain: one high-risk hour at the noodle bar from [`NOW`].
    pub fn noodles_batch(&self) -> ExposureBatch {
        self.batch(&[(static_seed(&self.noodles), NOW, NOW + 60, RiskLevel::HIGH)])
    }

    /// The same window as [`World::noodles_batch`] after `head` with one `message`, signed by
    /// `ha` (another HA key, a substituted one); the chain head stays.
    pub fn noodles_batch_by(
        &self,
        ha: &SigningKey,
        head: ChainHead,
        message: &str,
    ) -> ExposureBatch {
        let windows = [(static_seed(&self.noodles), NOW, NOW + 60, RiskLevel::HIGH)];
        signed_batch(ha, head, NOW, message, &windows)
    }

    /// The next batch of the HA's chain: one low-risk hour at a venue of no diary entry
    /// (seed bytes `i`).
    pub fn other_batch(&self, i: u8) -> ExposureBatch {
        self.batch(&[(other_seed([i; 32]), NOW, NOW + 60, RiskLevel::LOW)])
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

    /// Serves a full revocation list of `serials`.
    pub fn revoke(&self, serials: &[u64]) {
        self.server
            .set_revocations(&self.revocation_list(serials, NOW));
    }

    /// A full revocation list of `serials`, issued at `issued_at`.
    pub fn revocation_list(&self, serials: &[u64], issued_at: UnixMinute) -> RevocationList {
        let entries: Vec<_> = serials
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    i as u64 + 1,
                    *s,
                    NOW,
                    RevocationReason::DEACTIVATED_BY_VENUE,
                )
            })
            .collect();
        let n = serials.len() as u64;
        revocation_list(&self.ra, issued_at, (0, n, n), &entries)
    }
}

/// A seed with the venue key its tokens are bound to.
pub type SeedOf = (Seed, PublicKey);

/// A venue's static seed.
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

/// Fresh random RA, HA signing and HA encryption keys, for the tests that run a real server.
pub struct Authorities {
    /// The registration authority's key.
    pub ra: SigningKey,
    /// The health authority's signing key.
    pub ha: SigningKey,
    /// The health authority's encryption key.
    pub ha_enc: DecryptionKey,
}

/// Where [`Authorities::write_keys`] put the key files a server reads.
pub struct KeyFiles {
    /// The RA signing key (`--ra-key`).
    pub ra_key: PathBuf,
    /// The HA public signing key (`--ha-keys`).
    pub ha_keys: PathBuf,
    /// The HA public encryption key (`--ha-encryption-key`).
    pub ha_encryption_key: PathBuf,
}

impl Authorities {
    /// New random keys.
    pub fn new() -> Self {
        Self {
            ra: SigningKey::generate().unwrap(),
            ha: SigningKey::generate().unwrap(),
            ha_enc: DecryptionKey::generate().unwrap(),
        }
    }

    /// The first trust bundle, as `authority init` writes it: issued now, naming `server_url`,
    /// signed by the RA.
    pub fn bundle(&self, server_url: &str) -> TrustBundle {
        self.bundle_with(1, &self.ra, &[&self.ha], server_url)
    }

    /// A trust bundle `sequence` issued at the current minute of the system clock, naming the
    /// registration authority `ra` (which signs it), the health authority keys `ha`, this HA
    /// encryption key and `server_url`.
    pub fn bundle_with(
        &self,
        sequence: u64,
        ra: &SigningKey,
        ha: &[&SigningKey],
        server_url: &str,
    ) -> TrustBundle {
        use venuecode_client::SystemClock;
        let now = SystemClock.now_minute();
        trust_bundle(sequence, now, &[ra], ha, &self.ha_enc, server_url, ra)
    }

    /// Writes the RA key, the HA public key and the HA encryption key into `dir` (created if
    /// missing) as `ra.key`, `ha.pub` and `ha-enc.pub`.
    pub fn write_keys(&self, dir: &Path) -> KeyFiles {
        use venuecode_server::config::{write_encryption_key, write_public_key, write_signing_key};
        std::fs::create_dir_all(dir).unwrap();
        let files = KeyFiles {
            ra_key: dir.join("ra.key"),
            ha_keys: dir.join("ha.pub"),
            ha_encryption_key: dir.join("ha-enc.pub"),
        };
        write_signing_key(&files.ra_key, &self.ra).unwrap();
        write_public_key(&files.ha_keys, &self.ha.public_key()).unwrap();
        write_encryption_key(&files.ha_encryption_key, &self.ha_enc.public_key()).unwrap();
        files
    }
}

impl Default for Authorities {
    fn default() -> Self {
        Self::new()
    }
}
