//! Venue-side helpers: the rotating code for "now", "has my venue been notified?", seed
//! release for a trace, and count tags. The guest book is in [`crate::guest_book`].
//!
//! A venue trusts the keys of a verified trust bundle, as a phone does; its rotating seeds and
//! count tags follow its local day (the certificate's UTC offset), and every seed-derived
//! value is bound to its venue key.

use core::fmt;

use venuecode_protocol::count::MAX_TAG_REGISTRATIONS;
use venuecode_protocol::time::{
    epochs_for_slot, local_epoch, slot_of, Epoch, Epochs, Slot, Slots, UnixMinute, RETENTION_DAYS,
};
use venuecode_protocol::{
    Codec, CountTag, CountTagRegistration, MasterSeed, RegistrationRequest, RiskLevel,
    SealedMessage, SeedRelease, SigningKey, SlotKeys, TokenIndex, TrustAnchors, TrustBundle,
    VenueCertificate, VenueCode, VenueInfo,
};

use crate::api;
use crate::clock::{Clock, SystemClock};
use crate::error::{CertificateProblem, Error, Reason, Result};
use crate::sync::stream_batch;
use crate::transport::{Method, Request, Transport};

/// Largest certificate answer read.
const MAX_CERTIFICATE_BODY: u64 = 64 * 1024;

/// What the server answered a new venue's registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// The certificate, checked with [`check_issued`].
    Issued(Box<VenueCertificate>),
    /// The server holds the registration (this is its number) for the registration
    /// authority's review; ask again with [`registration_status`].
    Pending(u64),
}

/// Where a registration held for review stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    /// Still waiting for the registration authority.
    Waiting,
    /// Refused: the venue may register again with a new key.
    Refused,
    /// Approved: the certificate, checked with [`check_issued`].
    Issued(Box<VenueCertificate>),
}

/// The registration request of a venue key for `info` (pledged).
pub fn registration_request(key: &SigningKey, info: &VenueInfo) -> RegistrationRequest {
    RegistrationRequest {
        venue_key: key.public_key(),
        info: info.clone(),
        pledge: true,
    }
}

/// Registers a new venue (`POST /v1/venues`, signed with its key on the real clock): the
/// certificate the server issued, checked against `anchors`, the key and exactly `info`; or
/// the number of a registration the server holds for review.
pub fn register(
    t: &dyn Transport,
    anchors: &TrustAnchors,
    key: &SigningKey,
    info: &VenueInfo,
) -> Result<Registration> {
    let req = signed_request(Method::Post, "/v1/venues", key, info)?;
    let resp = api::check(t.send(req)?)?;
    let status = resp.status;
    let bytes = api::read_body(resp, MAX_CERTIFICATE_BODY)?;
    if status == 202 {
        #[derive(serde::Deserialize)]
        struct Held {
            pending: u64,
        }
        let held: Held = serde_json::from_slice(&bytes)
            .map_err(|_| Error::BadResponse(Reason::RegistrationResponse))?;
        return Ok(Registration::Pending(held.pending));
    }
    let cert = check_issued(&bytes, anchors, key, info)?;
    Ok(Registration::Issued(Box::new(cert)))
}

/// Asks the server about registration `id`, held for review (`GET /v1/registrations/{id}`);
/// an approved one's certificate is checked as [`register`] checks it.
pub fn registration_status(
    t: &dyn Transport,
    id: u64,
    anchors: &TrustAnchors,
    request: &RegistrationRequest,
) -> Result<Review> {
    let resp = t.send(Request::get(format!("/v1/registrations/{id}")))?;
    match resp.status {
        202 => return Ok(Review::Waiting),
        403 => return Ok(Review::Refused),
        _ => {}
    }
    let bytes = api::read_body(api::check(resp)?, MAX_CERTIFICATE_BODY)?;
    let cert = decode_certificate(&bytes)?;
    check_certified(&cert, anchors, &request.venue_key, &request.info)?;
    Ok(Review::Issued(Box::new(cert)))
}

/// Fetches a venue's current certificate by serial (`GET /v1/venues/{serial}`), not verified.
pub fn fetch_certificate(t: &dyn Transport, serial: u64) -> Result<VenueCertificate> {
    let resp = api::check(t.send(Request::get(format!("/v1/venues/{serial}")))?)?;
    decode_certificate(&api::read_body(resp, MAX_CERTIFICATE_BODY)?)
}

/// The certificate in `bytes`, if the registration authority signed it (under `anchors`) for
/// `key` and exactly `info`.
pub fn check_issued(
    bytes: &[u8],
    anchors: &TrustAnchors,
    key: &SigningKey,
    info: &VenueInfo,
) -> Result<VenueCertificate> {
    let cert = decode_certificate(bytes)?;
    check_certified(&cert, anchors, &key.public_key(), info)?;
    Ok(cert)
}

fn decode_certificate(bytes: &[u8]) -> Result<VenueCertificate> {
    VenueCertificate::decode(bytes)
        .map_err(|e| Error::CertificateRefused(CertificateProblem::Undecodable(e)))
}

fn check_certified(
    cert: &VenueCertificate,
    anchors: &TrustAnchors,
    key: &venuecode_protocol::PublicKey,
    info: &VenueInfo,
) -> Result<()> {
    cert.verify_signature(anchors)
        .map_err(|e| Error::CertificateRefused(CertificateProblem::Unverified(e)))?;
    if cert.body().venue_key != *key || cert.info() != info {
        return Err(Error::CertificateRefused(
            CertificateProblem::OtherThanAsked,
        ));
    }
    Ok(())
}

/// A registration request for `info` to `path`, signed with `key` on the real clock.
fn signed_request(
    method: Method,
    path: &str,
    key: &SigningKey,
    info: &VenueInfo,
) -> Result<Request> {
    let req = Request {
        method,
        path: path.to_owned(),
        headers: Vec::new(),
        body: registration_request(key, info).encode(),
        content_type: Some("application/octet-stream"),
    };
    api::sign(req, key, SystemClock.now_seconds())
}

/// What a venue's device holds: its certificate, master seed, venue key and trust bundle.
#[derive(Clone)]
pub struct Venue {
    certificate: VenueCertificate,
    master: MasterSeed,
    key: SigningKey,
    trust: TrustBundle,
}

impl fmt::Debug for Venue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Venue")
            .field("serial", &self.certificate.serial())
            .finish_non_exhaustive()
    }
}

/// A window in which the venue was published as exposed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueNotice {
    /// The batch's sequence number on the server.
    pub batch: u64,
    /// First minute of the window.
    pub window_start: UnixMinute,
    /// First minute after the window.
    pub window_end: UnixMinute,
    /// The risk level.
    pub risk: RiskLevel,
    /// The HA's message, empty when none.
    pub message: String,
}

/// The answer to "has my venue been notified?".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationCheck {
    /// The windows found, by batch then window start, one per distinct window.
    pub notices: Vec<VenueNotice>,
    /// The last batch sequence examined: pass it as `after` next time.
    pub cursor: u64,
    /// The batches read, in order, each linked to the one before it.
    pub batches: usize,
}

impl Venue {
    /// Puts the venue's parts together. The key must be the certificate's venue key, the
    /// trust bundle must verify on its own (`TrustBundle::verify_initial`), and the
    /// certificate must be signed by one of its RA keys.
    pub fn new(
        certificate: VenueCertificate,
        master: MasterSeed,
        key: SigningKey,
        trust: &TrustBundle,
    ) -> Result<Self> {
        if certificate.body().venue_key != key.public_key() {
            return Err(Error::InvalidArgument(Reason::VenueKeyMismatch));
        }
        trust.verify_initial()?;
        certificate
            .verify_signature(&trust.anchors())
            .map_err(Error::from_scan)?;
        Ok(Self {
            certificate,
            master,
            key,
            trust: trust.clone(),
        })
    }

    /// The certificate.
    pub fn certificate(&self) -> &VenueCertificate {
        &self.certificate
    }

    /// The master seed the venue's seeds derive from.
    pub fn master_seed(&self) -> &MasterSeed {
        &self.master
    }

    /// The venue key, which signs the venue's codes and requests.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Asks for a new certificate with `info` (`PUT /v1/venues/{serial}`, signed with the venue
    /// key): the server supersedes the current one. The new certificate is checked as
    /// [`register`] checks it, and must carry a new serial; this `Venue` is unchanged (build a
    /// new one with it).
    pub fn request_update(&self, t: &dyn Transport, info: &VenueInfo) -> Result<VenueCertificate> {
        let path = format!("/v1/venues/{}", self.certificate.serial());
        let req = signed_request(Method::Put, &path, &self.key, info)?;
        let resp = api::check(t.send(req)?)?;
        let cert = check_issued(
            &api::read_body(resp, MAX_CERTIFICATE_BODY)?,
            &self.trust.anchors(),
            &self.key,
            info,
        )?;
        if cert.serial() == self.certificate.serial() {
            return Err(Error::CertificateRefused(CertificateProblem::SameSerial));
        }
        Ok(cert)
    }

    /// Deactivates the venue's own certificate (`POST /v1/venues/{serial}/revoke`, signed with
    /// the venue key); the sequence of the revocation list that names it.
    pub fn revoke(&self, t: &dyn Transport) -> Result<u64> {
        #[derive(serde::Deserialize)]
        struct Revoked {
            sequence: u64,
        }
        let req = Request::post(
            format!("/v1/venues/{}/revoke", self.certificate.serial()),
            Vec::new(),
            "application/octet-stream",
        );
        let resp = api::check(t.send(api::sign(req, &self.key, SystemClock.now_seconds())?)?)?;
        let body = api::read_body(resp, MAX_CERTIFICATE_BODY)?;
        let r: Revoked = serde_json::from_slice(&body)
            .map_err(|_| Error::BadResponse(Reason::RevokeResponse))?;
        Ok(r.sequence)
    }

    /// Whether the registration authority's revocation list names this venue's certificate,
    /// and why (deactivated by the venue, disabled by the authority, superseded): fetched
    /// page by page and verified under the trust bundle. A venue app asks before it makes new
    /// codes, which phones would refuse.
    pub fn revocation_status(
        &self,
        transport: &dyn Transport,
    ) -> Result<Option<venuecode_protocol::RevocationReason>> {
        let anchors = self.trust.anchors();
        let mut set = venuecode_protocol::RevocationSet::new();
        for _ in 0..crate::sync::MAX_REVOCATION_PAGES {
            let cursor = set.cursor();
            let list = api::fetch_revocations(transport, cursor)?;
            list.verify(&anchors)?;
            set.apply(&list)?;
            let b = list.body();
            if b.up_to >= b.head || b.up_to <= cursor {
                return Ok(set.reason(self.certificate.serial()));
            }
        }
        Err(Error::BadResponse(Reason::TooManyRevocationPages))
    }

    /// The trust bundle the venue holds.
    pub fn trust_bundle(&self) -> &TrustBundle {
        &self.trust
    }

    /// Replaces the trust bundle with a genuine update of it (signed by a held RA key, higher
    /// sequence: `TrustBundle::verify_update`); anything else changes nothing.
    pub fn update_trust_bundle(&mut self, bundle: &TrustBundle) -> Result<()> {
        bundle.verify_update(&self.trust)?;
        self.trust = bundle.clone();
        Ok(())
    }

    /// The venue's UTC offset in quarter hours, from its certificate.
    pub fn utc_offset(&self) -> i8 {
        self.certificate.body().info.utc_offset()
    }

    /// The venue's local day (epoch) of `minute`: the day of its rotating seed and count tags.
    pub fn day_of(&self, minute: UnixMinute) -> Epoch {
        local_epoch(minute, self.utc_offset())
    }

    fn keys_of(&self, seed: &venuecode_protocol::Seed) -> SlotKeys {
        seed.slot_keys(&self.certificate.body().venue_key)
    }

    /// The static code for the printed poster.
    pub fn static_code(&self) -> Result<VenueCode> {
        Ok(VenueCode::new_static(
            self.certificate.clone(),
            &self.master,
            &self.key,
        )?)
    }

    /// The rotating code to display now: today's seed, valid for a few minutes.
    pub fn rotating_code(&self, clock: &dyn Clock) -> Result<VenueCode> {
        Ok(VenueCode::new_rotating(
            self.certificate.clone(),
            &self.master,
            &self.key,
            clock.now_minute(),
        )?)
    }

    /// Every seed a visitor present in `slot` could hold: the static seed, and the rotating
    /// seeds of the days a stay covering the slot could have started on.
    fn slot_keys_for(&self, slot: Slot) -> Vec<SlotKeys> {
        let mut out = vec![self.keys_of(&self.master.static_seed())];
        for epoch in epochs_for_slot(slot, self.utc_offset()) {
            out.push(self.keys_of(&self.master.rotating_seed(epoch)));
        }
        out
    }

    /// Checks the exposure batches published after `after` for records of this venue in
    /// `[from, until)`. Tokens are matched and seals opened on the device; nothing is sent.
    /// Every batch must verify under the trust bundle's HA keys, and each must extend the one
    /// read before it ([`venuecode_protocol::Error::BatchChainBroken`] otherwise).
    pub fn check_notified(
        &self,
        transport: &dyn Transport,
        after: u64,
        from: UnixMinute,
        until: UnixMinute,
    ) -> Result<NotificationCheck> {
        if until <= from {
            return Err(Error::InvalidArgument(Reason::WindowEmpty));
        }
        let mut index = TokenIndex::new();
        for slot in Slots::new(slot_of(from), slot_of(until - 1)) {
            for k in self.slot_keys_for(slot) {
                index.add((), k, Slots::new(slot, slot));
            }
        }
        let anchors: TrustAnchors = self.trust.anchors();
        let mut check = NotificationCheck {
            notices: Vec::new(),
            cursor: after,
            batches: 0,
        };
        let mut previous: Option<venuecode_protocol::ChainHead> = None;
        loop {
            let listing = api::list_batches(transport, check.cursor)?;
            let page: Vec<u64> = listing
                .batches
                .iter()
                .map(|b| b.sequence)
                .filter(|s| *s > check.cursor)
                .collect();
            if page.is_empty() {
                break;
            }
            for sequence in page {
                let mut body = api::open_batch(transport, sequence)?;
                let (header, hits) = stream_batch(&mut *body, &anchors, &index)?;
                let h = header.header();
                if h.sequence != sequence
                    || previous.is_some_and(|p| {
                        p.sequence.checked_add(1) != Some(h.sequence) || p.link != h.previous
                    })
                {
                    return Err(Error::Protocol(venuecode_protocol::Error::BatchChainBroken));
                }
                previous = Some(header.chain_head());
                check.batches += 1;
                for h in hits {
                    let n = VenueNotice {
                        batch: sequence,
                        window_start: h.notice.window_start,
                        window_end: h.notice.window_end(),
                        risk: h.notice.risk,
                        message: header
                            .header()
                            .messages
                            .get(usize::from(h.notice.message_index))
                            .cloned()
                            .unwrap_or_default(),
                    };
                    if !check.notices.contains(&n) {
                        check.notices.push(n);
                    }
                }
                check.cursor = sequence;
            }
            if check.cursor >= listing.latest {
                break;
            }
        }
        check
            .notices
            .sort_by_key(|n| (n.batch, n.window_start, n.window_end));
        Ok(check)
    }

    /// Signs the rotating seeds of `epochs` (the venue's local days) with the venue key and
    /// seals the release to the trust bundle's HA encryption key, for a trace the venue
    /// cooperates with. What is uploaded is just this sealed message: nothing in clear.
    pub fn release_seeds(&self, epochs: &[Epoch]) -> Result<SealedMessage> {
        let mut epochs = epochs.to_vec();
        epochs.sort_unstable();
        epochs.dedup();
        if epochs.is_empty() {
            return Err(Error::InvalidArgument(Reason::NoDayToRelease));
        }
        let seeds = epochs
            .iter()
            .map(|e| (*e, self.master.rotating_seed(*e)))
            .collect();
        Ok(SeedRelease::create(
            &self.key,
            seeds,
            &self.trust.ha_encryption_key(),
        )?)
    }

    /// Uploads a sealed seed release with the TAN the HA gave the venue.
    pub fn upload_seed_release(
        &self,
        transport: &dyn Transport,
        tan: &str,
        release: &SealedMessage,
    ) -> Result<u64> {
        api::upload(transport, tan, release.encode())
    }

    /// The count tags of local day `epoch`: one for the poster's static seed, one for that
    /// day's rotating seed, each bound to the venue key. A phone's ping carries the tag of the
    /// seed it scanned.
    pub fn count_tags(&self, epoch: Epoch) -> [CountTag; 2] {
        [
            self.keys_of(&self.master.static_seed()).count_tag(epoch),
            self.keys_of(&self.master.rotating_seed(epoch))
                .count_tag(epoch),
        ]
    }

    /// The local days for which the server accepts count tags now: from `RETENTION_DAYS`
    /// before the venue's today to tomorrow.
    pub fn count_tag_window(&self, clock: &dyn Clock) -> Epochs {
        let today = self.day_of(clock.now_minute());
        Epochs::new(
            today.saturating_sub(RETENTION_DAYS),
            today.saturating_add(1),
        )
    }

    /// Registers the count tags of `epochs` (local days) with the server in a
    /// `CountTagRegistration` signed by the venue key, so that pings for them count for this
    /// venue only. Days outside [`Self::count_tag_window`] are refused before anything is
    /// sent ([`Error::InvalidArgument`]); many days go in several requests of at most 64 tags.
    pub fn register_count_tags(
        &self,
        transport: &dyn Transport,
        epochs: &[Epoch],
        clock: &dyn Clock,
    ) -> Result<()> {
        let window = self.count_tag_window(clock);
        if epochs.iter().any(|e| !window.contains(e)) {
            return Err(Error::InvalidArgument(Reason::CountTagDays));
        }
        let mut tags: Vec<(Epoch, CountTag)> = epochs
            .iter()
            .flat_map(|e| self.count_tags(*e).map(|t| (*e, t)))
            .collect();
        tags.sort_unstable();
        tags.dedup();
        if tags.is_empty() {
            return Err(Error::InvalidArgument(Reason::NoDayToRegister));
        }
        for chunk in tags.chunks(MAX_TAG_REGISTRATIONS) {
            let registration = CountTagRegistration::new(chunk.to_vec())?;
            api::post_count_tags(
                transport,
                self.certificate.serial(),
                &registration,
                &self.key,
                clock.now_seconds(),
            )?;
        }
        Ok(())
    }

    /// The number of check-ins counted for local day `epoch`, over both of its tags. Phones
    /// send pings late, so the rows of every day of receipt since `epoch` began (up to the
    /// server's today) are summed.
    pub fn check_in_count(&self, transport: &dyn Transport, epoch: Epoch) -> Result<u64> {
        let key_id = self.certificate.body().venue_key.key_id();
        // The local day can begin on the UTC day before.
        let from = epoch.saturating_sub(1);
        let mut total = 0u64;
        for tag in self.count_tags(epoch) {
            for (_, n) in api::fetch_counts(transport, &key_id, &tag, from)? {
                total = total.saturating_add(n);
            }
        }
        Ok(total)
    }
}
