//! The authorities' side: key generation, TANs, reading what cases and venues share, deciding
//! exposure windows, publishing signed batches, disabling codes, and statistics.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use venuecode_client::api;
use venuecode_client::transport::{Method, Request, Transport};
use venuecode_protocol::envelope::tan_hash;
use venuecode_protocol::time::{
    epochs_for_slot, slot_of, UnixMinute, EPOCH_MINUTES, MAX_STAY_MINUTES,
};
use venuecode_protocol::{
    BatchBuilder, CodeKind, Codec, DecryptionKey, ExposureBatch, ExposureWindow, GuestBookEntry,
    PublicKey, RiskLevel, SealedBundle, SealedMessage, Seed, SignedSeedRelease, SigningKey,
    TrustAnchors, Upload,
};

use crate::home::{read_hex32, refuse_existing, write_hex, Home, Trust};

/// The message every record points at unless the tracer gives another.
pub const DEFAULT_MESSAGE: &str = "您曾与确诊病例在同一场所同一时段停留，请尽快进行核酸检测并留意症状。 \
You were at a venue at the same time as a confirmed case: please get tested and watch for symptoms.";

/// The HA's keys, as stored under `authority/`.
#[derive(Debug)]
pub struct HealthAuthority {
    /// Signs exposure batches and HA requests.
    pub signing: SigningKey,
    /// Opens uploads, guest-book entries and seed releases.
    pub decryption: DecryptionKey,
}

/// The RA's keys, as stored under `ra/`.
#[derive(Debug)]
pub struct RegistrationAuthority {
    /// Signs certificates and revocation lists (held by the server).
    pub signing: SigningKey,
    /// Signs disable requests.
    pub admin: SigningKey,
}

/// Creates fresh RA and HA keys in the home, and the matching `trust.json`. Refuses to
/// overwrite existing keys.
pub fn init(home: &Home) -> Result<(RegistrationAuthority, HealthAuthority)> {
    let ra_dir = home.dir("ra")?;
    let ha_dir = home.dir("authority")?;
    for p in [
        ra_dir.join("ra.key"),
        ra_dir.join("admin.key"),
        ha_dir.join("ha-signing.key"),
        ha_dir.join("ha-encryption.key"),
    ] {
        refuse_existing(&p)?;
    }
    let ra = RegistrationAuthority {
        signing: SigningKey::generate()?,
        admin: SigningKey::generate()?,
    };
    let ha = HealthAuthority {
        signing: SigningKey::generate()?,
        decryption: DecryptionKey::generate()?,
    };
    write_hex(&ra_dir.join("ra.key"), &*ra.signing.to_seed(), true)?;
    write_hex(
        &ra_dir.join("ra.pub"),
        ra.signing.public_key().as_bytes(),
        false,
    )?;
    write_hex(&ra_dir.join("admin.key"), &*ra.admin.to_seed(), true)?;
    write_hex(
        &ra_dir.join("admin.pub"),
        ra.admin.public_key().as_bytes(),
        false,
    )?;
    write_hex(&ha_dir.join("ha-signing.key"), &*ha.signing.to_seed(), true)?;
    write_hex(
        &ha_dir.join("ha-signing.pub"),
        ha.signing.public_key().as_bytes(),
        false,
    )?;
    write_hex(
        &ha_dir.join("ha-encryption.key"),
        &*ha.decryption.to_secret(),
        true,
    )?;
    write_hex(
        &ha_dir.join("ha-encryption.pub"),
        ha.decryption.public_key().as_bytes(),
        false,
    )?;
    trust_of(&ra, &ha).save(home)?;
    Ok((ra, ha))
}

/// The trust file for these authorities.
pub fn trust_of(ra: &RegistrationAuthority, ha: &HealthAuthority) -> Trust {
    Trust {
        ra_public_key: hex::encode(ra.signing.public_key().as_bytes()),
        ha_signing_keys: vec![hex::encode(ha.signing.public_key().as_bytes())],
        ha_encryption_key: hex::encode(ha.decryption.public_key().as_bytes()),
    }
}

impl HealthAuthority {
    /// Loads the HA keys from `authority/`.
    pub fn load(home: &Home) -> Result<Self> {
        let dir = home.path("authority");
        let signing = SigningKey::from_seed(&read_hex32(&dir.join("ha-signing.key"))?)?;
        let decryption = DecryptionKey::from_secret(&read_hex32(&dir.join("ha-encryption.key"))?)?;
        Ok(Self {
            signing,
            decryption,
        })
    }
}

impl RegistrationAuthority {
    /// Loads the RA keys from `ra/`.
    pub fn load(home: &Home) -> Result<Self> {
        let dir = home.path("ra");
        Ok(Self {
            signing: SigningKey::from_seed(&read_hex32(&dir.join("ra.key"))?)?,
            admin: SigningKey::from_seed(&read_hex32(&dir.join("admin.key"))?)?,
        })
    }
}

/// Seconds since the Unix epoch, from the system clock (signed requests always use it).
pub fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn send_signed(t: &dyn Transport, req: Request, key: &SigningKey) -> Result<Vec<u8>> {
    let resp = api::check(t.send(api::sign(req, key, now_seconds())?)?)?;
    Ok(api::read_body(resp, 512 * 1024 * 1024)?)
}

/// What a TAN lets its holder upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TanPurpose {
    /// A confirmed case shares check-ins.
    Case,
    /// A venue discloses guest-book entries.
    Guestbook,
    /// A venue releases rotating seeds.
    Seeds,
}

impl TanPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Case => "case",
            Self::Guestbook => "guestbook",
            Self::Seeds => "seeds",
        }
    }
}

/// Makes `count` fresh TANs: 16 characters from an alphabet without look-alikes (80 bits).
pub fn fresh_tans(count: usize) -> Result<Vec<String>> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let raw: [u8; 16] = venuecode_protocol::primitives::random_array()?;
        let tan: String = raw
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
            .collect();
        out.push(tan);
    }
    Ok(out)
}

/// Registers TANs (their hashes) with the server, valid for `valid_seconds`.
pub fn register_tans(
    t: &dyn Transport,
    ha: &HealthAuthority,
    tans: &[String],
    purpose: TanPurpose,
    valid_seconds: u64,
) -> Result<()> {
    let expires_at = now_seconds() + valid_seconds;
    let mut list = Vec::with_capacity(tans.len());
    for tan in tans {
        list.push(serde_json::json!({
            "hash": hex::encode(tan_hash(tan)?),
            "expires_at": expires_at,
            "purpose": purpose.as_str(),
        }));
    }
    let body = serde_json::to_vec(&serde_json::json!({ "tans": list }))?;
    send_signed(
        t,
        Request::post("/v1/tans", body, "application/json"),
        &ha.signing,
    )
    .context("registering TANs")?;
    Ok(())
}

/// One upload in the HA's mailbox.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadInfo {
    /// Its id.
    pub id: u64,
    /// `case`, `guestbook` or `seeds`.
    pub purpose: String,
    /// When it arrived (Unix seconds).
    pub received_at: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// Lists the mailbox.
pub fn list_uploads(t: &dyn Transport, ha: &HealthAuthority) -> Result<Vec<UploadInfo>> {
    #[derive(Deserialize)]
    struct Listing {
        uploads: Vec<UploadInfo>,
    }
    let body = send_signed(t, Request::get("/v1/uploads"), &ha.signing)?;
    let listing: Listing = serde_json::from_slice(&body).context("upload listing")?;
    Ok(listing.uploads)
}

/// Fetches one upload's bytes.
pub fn fetch_upload(t: &dyn Transport, ha: &HealthAuthority, id: u64) -> Result<Vec<u8>> {
    send_signed(t, Request::get(format!("/v1/uploads/{id}")), &ha.signing)
}

/// Deletes one upload.
pub fn delete_upload(t: &dyn Transport, ha: &HealthAuthority, id: u64) -> Result<()> {
    let req = Request {
        method: Method::Delete,
        path: format!("/v1/uploads/{id}"),
        headers: Vec::new(),
        body: Vec::new(),
        content_type: None,
    };
    send_signed(t, req, &ha.signing)?;
    Ok(())
}

/// An opened upload.
#[derive(Debug)]
pub enum Opened {
    /// A case's shared check-ins.
    Case(Upload),
    /// A venue's guest-book entries.
    GuestBook(Vec<GuestBookEntry>),
    /// A venue's released seeds: serial, venue key and `(epoch, seed)`.
    Seeds {
        /// The serial the venue released under (its current certificate).
        serial: u64,
        /// The venue key the release was verified with, as bytes. Seeds belong to the venue,
        /// not to one certificate: a venue that updated its information (a new serial) still
        /// releases the seeds its older certificates' codes carry.
        venue_key: [u8; 32],
        /// The released seeds.
        seeds: Vec<(u32, Seed)>,
    },
}

/// Opens an upload of the given purpose. Every venue code a case shares is checked against the
/// trust anchors; a seed release is checked against the venue key in `certificates`.
pub fn open_upload(
    ha: &HealthAuthority,
    anchors: &TrustAnchors,
    purpose: &str,
    bytes: &[u8],
    venue_key: impl Fn(u64) -> Option<PublicKey>,
) -> Result<Opened> {
    match purpose {
        "case" => {
            let sealed = SealedMessage::decode(bytes)?;
            let upload = Upload::open(&ha.decryption, &sealed)?;
            for e in &upload.entries {
                e.code
                    .verify_signatures(anchors)
                    .context("a shared venue code does not verify")?;
            }
            Ok(Opened::Case(upload))
        }
        "guestbook" => {
            let bundle = SealedBundle::decode(bytes)?;
            let mut out = Vec::with_capacity(bundle.items.len());
            for item in &bundle.items {
                out.push(GuestBookEntry::open(&ha.decryption, item)?);
            }
            Ok(Opened::GuestBook(out))
        }
        "seeds" => {
            let release = SignedSeedRelease::decode(bytes)?;
            let key = venue_key(release.venue_serial)
                .ok_or_else(|| anyhow!("no certificate known for the releasing venue"))?;
            let opened = release.open(&key, &ha.decryption)?;
            Ok(Opened::Seeds {
                serial: opened.venue_serial,
                venue_key: *key.as_bytes(),
                seeds: opened.seeds,
            })
        }
        other => bail!("unknown upload purpose `{other}`"),
    }
}

/// One stay the tracer decided to publish, per venue code.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The venue's serial, as in the code the case scanned.
    pub serial: u64,
    /// The venue key of that code's certificate: seed releases are matched on it.
    pub venue_key: PublicKey,
    /// The venue's name, for the report.
    pub venue_name: String,
    /// The code the case scanned.
    pub kind: CodeKind,
    /// The seed of that code.
    pub seed: Seed,
    /// Window start.
    pub start: UnixMinute,
    /// Window end.
    pub end: UnixMinute,
}

/// What a publication covers and what it could not.
#[derive(Debug, Default)]
pub struct Plan {
    /// Windows to publish.
    pub windows: Vec<ExposureWindow>,
    /// `(serial, venue name, epoch)` of rotating seeds needed but not released: visitors who
    /// scanned that venue on that day cannot be notified.
    pub missing_seeds: Vec<(u64, String, u32)>,
}

/// Seeds released by venues: venue key → epoch → seed.
pub type Released = BTreeMap<[u8; 32], BTreeMap<u32, Seed>>;

/// Turns traces into windows: a static code needs only its seed; a rotating code needs, for
/// each slot, the seeds of every day a visitor present in that slot could have scanned on
/// (`epochs_for_slot`). The scanned day's seed comes with the upload; the others must come from
/// the venue's seed release, found by the venue key (whatever serial it was released under).
pub fn plan(traces: &[Trace], released: &Released, risk: RiskLevel) -> Plan {
    let mut plan = Plan::default();
    for tr in traces {
        match tr.kind {
            CodeKind::Static => plan.windows.push(window(&tr.seed, tr.start, tr.end, risk)),
            CodeKind::Rotating { epoch, .. } => {
                let mut epochs = std::collections::BTreeSet::new();
                for slot in slot_of(tr.start)..=slot_of(tr.end.saturating_sub(1)) {
                    epochs.extend(epochs_for_slot(slot));
                }
                for e in epochs {
                    let seed = if e == epoch {
                        Some(tr.seed.clone())
                    } else {
                        released
                            .get(tr.venue_key.as_bytes())
                            .and_then(|m| m.get(&e))
                            .cloned()
                    };
                    // Nobody holds day e's seed outside [day e, day e + 1 + longest stay).
                    let from = tr.start.max(e.saturating_mul(EPOCH_MINUTES));
                    let until = tr.end.min(
                        (e + 1)
                            .saturating_mul(EPOCH_MINUTES)
                            .saturating_add(u32::from(MAX_STAY_MINUTES)),
                    );
                    if until <= from {
                        continue;
                    }
                    match seed {
                        Some(seed) => plan.windows.push(window(&seed, from, until, risk)),
                        None => plan
                            .missing_seeds
                            .push((tr.serial, tr.venue_name.clone(), e)),
                    }
                }
            }
        }
    }
    plan
}

fn window(seed: &Seed, start: UnixMinute, end: UnixMinute, risk: RiskLevel) -> ExposureWindow {
    ExposureWindow {
        seed: seed.clone(),
        start,
        end,
        risk,
        message_index: 0,
    }
}

/// Replaces the shared stays of every venue named in `chosen` with the chosen windows, using
/// the seed (and code kind) the case scanned there.
pub fn apply_chosen_windows(
    traces: Vec<Trace>,
    chosen: &[(u64, UnixMinute, UnixMinute)],
) -> Result<Vec<Trace>> {
    if chosen.is_empty() {
        return Ok(traces);
    }
    let mut out: Vec<Trace> = traces
        .iter()
        .filter(|t| !chosen.iter().any(|(s, _, _)| *s == t.serial))
        .cloned()
        .collect();
    for (serial, start, end) in chosen {
        if end <= start {
            bail!("the window for venue {serial} is empty");
        }
        // One trace per distinct code the case scanned at that venue (a rotating venue may
        // have several days' seeds).
        let mut matched = false;
        let mut seen: Vec<&Seed> = Vec::new();
        for t in traces.iter().filter(|t| t.serial == *serial) {
            if seen.contains(&&t.seed) {
                continue;
            }
            seen.push(&t.seed);
            matched = true;
            out.push(Trace {
                start: *start,
                end: *end,
                ..t.clone()
            });
        }
        if !matched {
            bail!("no case upload shares a check-in at venue {serial}");
        }
    }
    Ok(out)
}

/// Builds and signs a batch from windows.
pub fn build_batch(
    ha: &HealthAuthority,
    windows: &[ExposureWindow],
    now: UnixMinute,
    message: &str,
) -> Result<ExposureBatch> {
    let mut b = BatchBuilder::new(now, vec![message.to_owned()])?;
    for w in windows {
        b.add(w)?;
    }
    Ok(b.sign(&ha.signing)?)
}

/// Posts a batch; returns its sequence number.
pub fn post_batch(t: &dyn Transport, ha: &HealthAuthority, batch: &ExposureBatch) -> Result<u64> {
    #[derive(Deserialize)]
    struct Posted {
        sequence: u64,
    }
    let body = send_signed(
        t,
        Request::post("/v1/batches", batch.encode(), "application/octet-stream"),
        &ha.signing,
    )?;
    let posted: Posted = serde_json::from_slice(&body).context("batch response")?;
    Ok(posted.sequence)
}

/// Disables a venue's code with the RA administrator key.
pub fn disable(t: &dyn Transport, admin: &SigningKey, serial: u64) -> Result<()> {
    let req = Request::post(
        format!("/v1/admin/venues/{serial}/disable"),
        Vec::new(),
        "application/octet-stream",
    );
    send_signed(t, req, admin)?;
    Ok(())
}

/// The registrations waiting for review (`GET /v1/admin/registrations`), as the server lists
/// them.
pub fn pending_registrations(t: &dyn Transport, admin: &SigningKey) -> Result<serde_json::Value> {
    let body = send_signed(t, Request::get("/v1/admin/registrations"), admin)?;
    Ok(serde_json::from_slice(&body)?)
}

/// Approves a registration held for review; returns the serial of the certificate issued.
pub fn approve_registration(t: &dyn Transport, admin: &SigningKey, id: u64) -> Result<u64> {
    let req = Request::post(
        format!("/v1/admin/registrations/{id}/approve"),
        Vec::new(),
        "application/octet-stream",
    );
    let body = send_signed(t, req, admin)?;
    let cert = venuecode_protocol::VenueCertificate::decode(&body)
        .map_err(|e| anyhow::anyhow!("certificate: {e}"))?;
    Ok(cert.serial())
}

/// Refuses a registration held for review.
pub fn refuse_registration(t: &dyn Transport, admin: &SigningKey, id: u64) -> Result<()> {
    let req = Request::post(
        format!("/v1/admin/registrations/{id}/refuse"),
        Vec::new(),
        "application/octet-stream",
    );
    send_signed(t, req, admin)?;
    Ok(())
}

/// Fetches a statistics document (`venues`, `exposures` or `counts`).
pub fn stats(t: &dyn Transport, which: &str) -> Result<serde_json::Value> {
    let resp = api::check(t.send(Request::get(format!("/v1/stats/{which}")))?)?;
    let body = api::read_body(resp, 64 * 1024 * 1024)?;
    Ok(serde_json::from_slice(&body)?)
}

/// Fetches `/v1/authority` and turns it into a trust file (for trust on first use).
pub fn fetch_trust(t: &dyn Transport) -> Result<Trust> {
    #[derive(Deserialize)]
    struct Authority {
        ra_public_key: String,
        ha_signing_keys: Vec<String>,
        ha_encryption_key: Option<String>,
    }
    let resp = api::check(t.send(Request::get("/v1/authority"))?)?;
    let body = api::read_body(resp, 1024 * 1024)?;
    let a: Authority = serde_json::from_slice(&body).context("/v1/authority")?;
    let trust = Trust {
        ra_public_key: a.ra_public_key,
        ha_signing_keys: a.ha_signing_keys,
        ha_encryption_key: a
            .ha_encryption_key
            .ok_or_else(|| anyhow!("the server publishes no HA encryption key"))?,
    };
    trust.anchors()?;
    trust.encryption_key()?;
    Ok(trust)
}

/// What a publication did.
#[derive(Debug)]
pub struct Published {
    /// The batch's sequence number on the server.
    pub sequence: u64,
    /// Records in the batch.
    pub records: usize,
    /// Stays the records cover.
    pub stays: usize,
    /// The case uploads it used.
    pub used_uploads: Vec<u64>,
    /// Rotating seeds that were needed but not released.
    pub missing_seeds: Vec<(u64, String, u32)>,
    /// Fingerprints of the windows this batch published, to add to the ledger.
    pub fingerprints: Vec<[u8; 32]>,
}

/// A window's identity for the publication ledger: SHA-256 over a label, the seed, start and
/// end. The ledger lets a second `publish` add only what is new (another case, a seed the venue
/// released since) instead of republishing every upload still in the mailbox.
pub fn window_fingerprint(w: &ExposureWindow) -> [u8; 32] {
    venuecode_protocol::primitives::sha256(&[
        b"venuecode-cli/published-window",
        w.seed.expose(),
        &w.start.to_be_bytes(),
        &w.end.to_be_bytes(),
    ])
}

/// Opens the mailbox's case uploads (all, or those in `ids`) and every seed release, plans the
/// windows, signs a batch at `now` and posts it.
///
/// `windows`, when not empty, are the windows the tracer chose: `(serial, start, end)`; the
/// stays a case shared at a venue listed there are replaced by these windows (a venue not listed
/// keeps the shared stays). `progress` receives a line per step, for long mailboxes.
#[allow(clippy::too_many_arguments)]
pub fn publish_mailbox(
    t: &dyn Transport,
    ha: &HealthAuthority,
    anchors: &TrustAnchors,
    ids: &[u64],
    windows: &[(u64, UnixMinute, UnixMinute)],
    risk: RiskLevel,
    message: &str,
    now: UnixMinute,
    published: &std::collections::HashSet<[u8; 32]>,
    progress: &mut dyn FnMut(&str),
) -> Result<Published> {
    let list = list_uploads(t, ha)?;
    let mut traces = Vec::new();
    let mut released = Released::new();
    let mut used = Vec::new();
    for info in &list {
        let wanted = match info.purpose.as_str() {
            "case" => ids.is_empty() || ids.contains(&info.id),
            "seeds" => true,
            _ => false,
        };
        if !wanted {
            continue;
        }
        progress(&format!("opening upload {} ({})", info.id, info.purpose));
        let bytes = fetch_upload(t, ha, info.id)?;
        let opened = open_upload(ha, anchors, &info.purpose, &bytes, |s| {
            crate::venue::fetch_certificate(t, s)
                .ok()
                .map(|c| c.body().venue_key)
        })
        .with_context(|| format!("opening upload {}", info.id))?;
        match opened {
            Opened::Case(upload) => {
                used.push(info.id);
                for e in upload.entries {
                    traces.push(Trace {
                        serial: e.code.certificate().serial(),
                        venue_key: e.code.certificate().body().venue_key,
                        venue_name: e.code.certificate().info().name().to_owned(),
                        kind: e.code.kind(),
                        seed: e.code.seed().clone(),
                        start: e.arrival,
                        end: e.departure,
                    });
                }
            }
            Opened::Seeds {
                venue_key, seeds, ..
            } => {
                released.entry(venue_key).or_default().extend(seeds);
            }
            Opened::GuestBook(_) => {}
        }
    }
    if traces.is_empty() {
        bail!("no case upload to publish");
    }
    let traces = apply_chosen_windows(traces, windows)?;
    let mut plan = plan(&traces, &released, risk);
    let before = plan.windows.len();
    plan.windows
        .retain(|w| !published.contains(&window_fingerprint(w)));
    if plan.windows.is_empty() {
        bail!(
            "nothing new to publish: all {before} window(s) from these uploads were published before"
        );
    }
    progress(&format!(
        "deriving and sealing records for {} new window(s) ({} published before)",
        plan.windows.len(),
        before - plan.windows.len()
    ));
    let batch = build_batch(ha, &plan.windows, now, message)?;
    progress(&format!(
        "signed a batch of {} records; posting",
        batch.records().len()
    ));
    let records = batch.records().len();
    let sequence = post_batch(t, ha, &batch)?;
    Ok(Published {
        sequence,
        records,
        stays: traces.len(),
        used_uploads: used,
        missing_seeds: plan.missing_seeds,
        fingerprints: plan.windows.iter().map(window_fingerprint).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use venuecode_protocol::MasterSeed;

    fn venue_key(n: u8) -> PublicKey {
        venuecode_protocol::SigningKey::from_seed(&[n; 32])
            .unwrap()
            .public_key()
    }

    fn trace(serial: u64, seed: u8, start: u32, end: u32) -> Trace {
        Trace {
            serial,
            venue_key: venue_key(seed),
            venue_name: format!("venue {serial}"),
            kind: CodeKind::Static,
            seed: MasterSeed::from_bytes([seed; 32]).static_seed(),
            start,
            end,
        }
    }

    #[test]
    fn chosen_windows_replace_the_shared_stays_of_their_venue_only() {
        let traces = vec![trace(1, 1, 100, 200), trace(2, 2, 300, 400)];
        let out = apply_chosen_windows(traces.clone(), &[(1, 120, 150)]).unwrap();
        let mut got: Vec<(u64, u32, u32)> =
            out.iter().map(|t| (t.serial, t.start, t.end)).collect();
        got.sort_unstable();
        assert_eq!(got, vec![(1, 120, 150), (2, 300, 400)]);
        assert!(apply_chosen_windows(traces.clone(), &[(3, 1, 2)]).is_err());
        assert!(apply_chosen_windows(traces, &[(1, 150, 150)]).is_err());
    }

    #[test]
    fn rotating_stays_past_midnight_need_the_next_days_seed() {
        let day = 20_000u32;
        let master = MasterSeed::from_bytes([9; 32]);
        let tr = Trace {
            serial: 5,
            venue_key: venue_key(9),
            venue_name: "screen".into(),
            kind: CodeKind::Rotating {
                epoch: day,
                valid_until: day * 1440 + 23 * 60,
            },
            seed: master.rotating_seed(day),
            start: day * 1440 + 23 * 60,
            end: (day + 1) * 1440 + 90,
        };
        let none = plan(std::slice::from_ref(&tr), &BTreeMap::new(), RiskLevel::HIGH);
        assert_eq!(none.missing_seeds, vec![(5, "screen".to_owned(), day + 1)]);
        assert_eq!(none.windows.len(), 1);
        // Another venue's release does not help.
        let mut released = Released::new();
        released
            .entry(*venue_key(8).as_bytes())
            .or_default()
            .insert(day + 1, master.rotating_seed(day + 1));
        let other = plan(std::slice::from_ref(&tr), &released, RiskLevel::HIGH);
        assert_eq!(other.missing_seeds, none.missing_seeds);
        // The venue's own release does, whatever serial it came under.
        released
            .entry(*venue_key(9).as_bytes())
            .or_default()
            .insert(day + 1, master.rotating_seed(day + 1));
        let full = plan(&[tr], &released, RiskLevel::HIGH);
        assert!(full.missing_seeds.is_empty());
        let spans: Vec<(u32, u32)> = full.windows.iter().map(|w| (w.start, w.end)).collect();
        // Day D's seed covers the whole stay; day D+1's only the part after midnight.
        assert_eq!(
            spans,
            vec![
                (day * 1440 + 23 * 60, (day + 1) * 1440 + 90),
                ((day + 1) * 1440, (day + 1) * 1440 + 90)
            ]
        );
    }
}
