//! Shared fixtures: fixed authority keys and their trust bundle, venues, a 14-day diary, and
//! exposure batches of any size in the HA's chain, signed by the HA exactly as SPEC.md §12.2
//! lays them out.

use std::path::Path;

use venuecode_client::{DiaryKey, ManualClock, MemoryServer, Visitor, VisitorConfig};
use venuecode_protocol::codec::Reader;
use venuecode_protocol::exposure::BATCH_LABEL;
use venuecode_protocol::merkle::RecordsHasher;
use venuecode_protocol::time::{UnixMinute, EPOCH_MINUTES};
use venuecode_protocol::{
    BatchBuilder, CertificateBody, ChainHead, Checkpoint, CheckpointBody, DecryptionKey,
    ExposureRecord, ExposureWindow, MasterSeed, RegionCode, RiskLevel, SignedBatchHeader,
    SigningKey, TrustAnchors, TrustBundle, TrustBundleBody, VenueCategory, VenueCertificate,
    VenueCode, VenueInfo,
};

use crate::BenchResult;

/// The first minute of the simulated 14 days (2025-02-19T21:20Z, the spec's vector time).
pub const T0: UnixMinute = UnixMinute::new(29_000_000);
/// The diary key the matching children open the diary with.
pub const DIARY_KEY: [u8; 32] = [0x0d; 32];
/// Days in the diary.
pub const DIARY_DAYS: u32 = 14;
/// Check-ins a day.
pub const CHECKINS_PER_DAY: u32 = 5;
/// The venues' UTC offset in quarter hours (UTC+08:00, the CLI's default).
pub const UTC_OFFSET: i8 = 32;
/// The generic message every batch carries.
pub const MESSAGE: &str = "You may have been exposed. Get tested and watch for symptoms.";

/// The RA, the HA's signing key and its encryption key, fixed so that a child process can
/// rebuild them, and the trust bundle the app ships with them.
pub struct Authorities {
    pub ra: SigningKey,
    pub ha: SigningKey,
    pub ha_enc: DecryptionKey,
    pub anchors: TrustAnchors,
    pub bundle: TrustBundle,
}

impl Authorities {
    pub fn fixed() -> BenchResult<Self> {
        let ra = SigningKey::from_seed(&[1; 32])?;
        let ha = SigningKey::from_seed(&[2; 32])?;
        let ha_enc = DecryptionKey::derive(&[3; 32])?;
        let anchors = TrustAnchors::new(ra.public_key(), ha.public_key());
        let bundle = TrustBundle::sign(
            TrustBundleBody {
                sequence: 1,
                issued_at: T0,
                ra_keys: vec![ra.public_key()],
                ha_signing_keys: vec![ha.public_key()],
                ha_encryption_key: ha_enc.public_key(),
                server_url: "http://127.0.0.1".to_owned(),
                code_base_url: venuecode_protocol::code::DEFAULT_BASE_URL.to_owned(),
            },
            &ra,
        )?;
        Ok(Self {
            ra,
            ha,
            ha_enc,
            anchors,
            bundle,
        })
    }

    pub fn visitor_config(&self) -> BenchResult<VisitorConfig> {
        Ok(VisitorConfig::new(self.bundle.clone())?)
    }

    /// The HA's checkpoint of `head` at `issued_at`, nothing expired.
    pub fn checkpoint(&self, head: ChainHead, issued_at: UnixMinute) -> BenchResult<Checkpoint> {
        let body = CheckpointBody::new(self.ha.key_id(), issued_at, head, (1, [0; 32]));
        Ok(Checkpoint::sign(body, &self.ha)?)
    }
}

/// `n` characters taken in turn from a string of common Chinese characters (3 bytes each).
pub fn cjk(n: usize) -> String {
    "兰州牛肉面馆甘肃省市安宁区北滨河西路号博物馆七里津"
        .chars()
        .cycle()
        .take(n)
        .collect()
}

/// A typical venue: a 20-character Chinese name and a 30-character Chinese address.
pub fn typical_info() -> BenchResult<VenueInfo> {
    Ok(VenueInfo::new(
        &cjk(20),
        &cjk(30),
        RegionCode::new(620105)?,
        VenueCategory::RESTAURANT,
        60,
        UTC_OFFSET,
    )?)
}

/// The largest venue the field limits allow: a 120-byte name and a 200-byte address.
pub fn maximal_info() -> BenchResult<VenueInfo> {
    let address = format!("{}12", cjk(66));
    Ok(VenueInfo::new(
        &cjk(40),
        &address,
        RegionCode::new(620105)?,
        VenueCategory::RESTAURANT,
        60,
        UTC_OFFSET,
    )?)
}

/// A venue's parts: certificate, master seed and venue key.
pub struct BenchVenue {
    pub certificate: VenueCertificate,
    pub master: MasterSeed,
    pub key: SigningKey,
}

impl BenchVenue {
    /// Venue number `serial` (keys and seeds derived from it), certified by the RA for a year
    /// around the simulated fortnight.
    pub fn new(auth: &Authorities, serial: u64, info: VenueInfo) -> BenchResult<Self> {
        let mut seed = [0x40u8; 32];
        seed[..8].copy_from_slice(&serial.to_be_bytes());
        let key = SigningKey::from_seed(&seed)?;
        seed[31] = 0x41;
        let master = MasterSeed::from_bytes(seed);
        let certificate = VenueCertificate::sign(
            CertificateBody {
                ra_key_id: auth.ra.key_id(),
                serial,
                venue_key: key.public_key(),
                info,
                valid_from: T0 - 30 * EPOCH_MINUTES,
                valid_until: T0 + 3650 * EPOCH_MINUTES,
            },
            &auth.ra,
        )?;
        Ok(Self {
            certificate,
            master,
            key,
        })
    }

    pub fn static_code(&self) -> BenchResult<VenueCode> {
        Ok(VenueCode::new_static(
            self.certificate.clone(),
            &self.master,
            &self.key,
        )?)
    }

    pub fn rotating_code(&self, now: UnixMinute) -> BenchResult<VenueCode> {
        Ok(VenueCode::new_rotating(
            self.certificate.clone(),
            &self.master,
            &self.key,
            now,
        )?)
    }
}

/// A check-in the fixture made: which venue, and when.
#[derive(Clone, Copy, Debug)]
pub struct Visit {
    pub venue: usize,
    pub arrival: UnixMinute,
}

/// The minute at which the fixture's diary is matched: the evening of the last day.
pub fn diary_now(days: u32) -> UnixMinute {
    T0 + (days - 1) * EPOCH_MINUTES + 20 * 60
}

/// Builds a diary at `path` with `days` × `per_day` check-ins through the client library
/// (`Visitor::scan` + `check_in`, durable writes), at 08:00, 10:30, 13:00, … each day, cycling
/// through `venues`. Returns the visits in order.
pub fn build_diary(
    path: &Path,
    auth: &Authorities,
    venues: &[BenchVenue],
    days: u32,
    per_day: u32,
) -> BenchResult<Vec<Visit>> {
    let clock = ManualClock::at_minute(T0);
    let visitor = Visitor::open(
        path,
        DiaryKey::from_bytes(DIARY_KEY),
        auth.visitor_config()?,
        clock.clone(),
        MemoryServer::new(),
    )?;
    let urls: Vec<String> = venues
        .iter()
        .map(|v| {
            v.static_code()
                .map(|c| c.to_url(venuecode_protocol::code::DEFAULT_BASE_URL))
        })
        .collect::<BenchResult<_>>()?;
    let mut visits = Vec::new();
    for day in 0..days {
        for k in 0..per_day {
            let at = T0 + day * EPOCH_MINUTES + 8 * 60 + k * 150;
            clock.set_minute(at);
            let venue = visits.len() % venues.len();
            let url = urls.get(venue).ok_or("no venue")?;
            visitor.scan_and_check_in(url)?;
            visits.push(Visit { venue, arrival: at });
        }
    }
    Ok(visits)
}

/// The windows an HA would publish for some of the diary's visits: from 30 minutes before the
/// arrival to 90 minutes after, under the venue's static seed (two records each).
pub fn windows_for(visits: &[Visit], venues: &[BenchVenue], pick: &[usize]) -> Vec<ExposureWindow> {
    pick.iter()
        .filter_map(|&i| visits.get(i))
        .filter_map(|v| {
            let venue = venues.get(v.venue)?;
            Some(ExposureWindow {
                seed: venue.master.static_seed(),
                venue_key: venue.key.public_key(),
                start: v.arrival - 30,
                end: v.arrival + 90,
                risk: RiskLevel::HIGH,
                message_index: 0,
            })
        })
        .collect()
}

/// A small fast generator for filler records (records of venues nobody in the bench visited:
/// to a phone they are indistinguishable from random bytes).
pub struct Filler(u64);

impl Filler {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            let n = chunk.len();
            chunk.copy_from_slice(&v[..n]);
        }
    }

    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        self.fill(&mut a);
        a
    }
}

/// A signed exposure batch of `total` records after `chain` in the HA's chain: the genuine
/// records of `windows`, sealed by the protocol's `BatchBuilder`, plus filler, sorted by token,
/// with the header and signature laid out per SPEC.md §12.2 and signed with the HA key. Returns
/// the encoded batch, its record count and the chain head it makes.
pub fn make_batch(
    ha: &SigningKey,
    chain: ChainHead,
    windows: &[ExposureWindow],
    total: usize,
    filler: &mut Filler,
) -> BenchResult<(Vec<u8>, usize, ChainHead)> {
    let batch_id: [u8; 16] = filler.array();
    let created_at = T0 + DIARY_DAYS * EPOCH_MINUTES;
    let mut builder = BatchBuilder::with_id(chain, batch_id, created_at, vec![MESSAGE.to_owned()])?;
    for w in windows {
        builder.add(w)?;
    }
    let genuine = builder.sign(ha)?;
    let mut records: Vec<ExposureRecord> = genuine.records().to_vec();
    records.reserve(total.saturating_sub(records.len()));
    while records.len() < total {
        records.push(ExposureRecord {
            token: venuecode_protocol::SlotToken(filler.array()),
            sealed: filler.array(),
        });
    }
    records.sort_unstable_by_key(|a| a.token);
    records.dedup_by(|a, b| a.token == b.token);
    let mut digest = RecordsHasher::new();
    for r in &records {
        digest.update(&r.token.0);
        digest.update(&r.sealed);
    }
    let mut out = Vec::with_capacity(256 + records.len() * 40);
    out.push(venuecode_protocol::exposure::BATCH_VERSION);
    out.extend_from_slice(&ha.key_id().0);
    out.extend_from_slice(&(chain.sequence + 1).to_be_bytes());
    out.extend_from_slice(&chain.link);
    out.extend_from_slice(&batch_id);
    out.extend_from_slice(&created_at.get().to_be_bytes());
    out.push(1u8);
    out.extend_from_slice(&(MESSAGE.len() as u16).to_be_bytes());
    out.extend_from_slice(MESSAGE.as_bytes());
    out.extend_from_slice(&(records.len() as u32).to_be_bytes());
    out.extend_from_slice(&digest.digest());
    let signature = ha.sign(BATCH_LABEL, &out);
    out.extend_from_slice(&signature);
    let head = SignedBatchHeader::read(&mut Reader::new(&out))?.chain_head();
    for r in &records {
        r.encode_into(&mut out);
    }
    Ok((out, records.len(), head))
}
