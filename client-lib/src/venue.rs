//! Venue-side helpers: the rotating code for "now", "has my venue been notified?", seed
//! release for a trace, and count tags. The guest book is in [`crate::guest_book`].

use core::fmt;
use std::collections::HashMap;

use venuecode_protocol::time::{epoch_of, epochs_for_slot, slot_of, UnixMinute};
use venuecode_protocol::{
    Codec, CountTag, EncryptionKey, MasterSeed, RiskLevel, SeedRelease, SignedSeedRelease,
    SigningKey, SlotKeys, SlotToken, TrustAnchors, VenueCertificate, VenueCode,
};

use crate::api;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::sync::stream_batch;
use crate::transport::Transport;

/// What a venue's device holds: its certificate, master seed and venue key.
#[derive(Clone)]
pub struct Venue {
    certificate: VenueCertificate,
    master: MasterSeed,
    key: SigningKey,
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
    /// The windows found, oldest batch first, one per distinct window.
    pub notices: Vec<VenueNotice>,
    /// The last batch sequence examined: pass it as `after` next time.
    pub cursor: u64,
}

impl Venue {
    /// Puts the venue's parts together; the key must be the certificate's venue key.
    pub fn new(certificate: VenueCertificate, master: MasterSeed, key: SigningKey) -> Result<Self> {
        if certificate.body().venue_key != key.public_key() {
            return Err(Error::InvalidArgument(
                "venue key does not match the certificate",
            ));
        }
        Ok(Self {
            certificate,
            master,
            key,
        })
    }

    /// The certificate.
    pub fn certificate(&self) -> &VenueCertificate {
        &self.certificate
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
    fn slot_keys_for(&self, slot: u32) -> Vec<SlotKeys> {
        let mut out = vec![self.master.static_seed().slot_keys()];
        for epoch in epochs_for_slot(slot) {
            out.push(self.master.rotating_seed(epoch).slot_keys());
        }
        out
    }

    /// Checks the exposure batches published after `after` for records of this venue in
    /// `[from, until)`. Tokens are matched and seals opened on the device; nothing is sent.
    pub fn check_notified(
        &self,
        transport: &dyn Transport,
        anchors: &TrustAnchors,
        after: u64,
        from: UnixMinute,
        until: UnixMinute,
    ) -> Result<NotificationCheck> {
        if until <= from {
            return Err(Error::InvalidArgument("the window is empty"));
        }
        let mut keys: Vec<SlotKeys> = Vec::new();
        let mut map: HashMap<SlotToken, Vec<(usize, u32)>> = HashMap::new();
        for slot in slot_of(from)..=slot_of(until - 1) {
            for k in self.slot_keys_for(slot) {
                map.entry(k.token(slot))
                    .or_default()
                    .push((keys.len(), slot));
                keys.push(k);
            }
        }
        let mut check = NotificationCheck {
            notices: Vec::new(),
            cursor: after,
        };
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
                let (header, hits) = stream_batch(&mut *body, anchors, |t, f| {
                    if let Some(owners) = map.get(t) {
                        for (i, slot) in owners {
                            if let Some(k) = keys.get(*i) {
                                f((), k, *slot);
                            }
                        }
                    }
                })?;
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
        Ok(check)
    }

    /// Seals the rotating seeds of `epochs` (UTC days) to the HA and signs the release with
    /// the venue key, for a trace the venue cooperates with.
    pub fn release_seeds(&self, epochs: &[u32], ha: &EncryptionKey) -> Result<SignedSeedRelease> {
        let mut epochs = epochs.to_vec();
        epochs.sort_unstable();
        epochs.dedup();
        if epochs.is_empty() {
            return Err(Error::InvalidArgument("no day to release"));
        }
        let release = SeedRelease {
            venue_serial: self.certificate.serial(),
            seeds: epochs
                .iter()
                .map(|e| (*e, self.master.rotating_seed(*e)))
                .collect(),
        };
        Ok(SignedSeedRelease::create(&release, ha, &self.key)?)
    }

    /// Uploads a seed release with the TAN the HA gave the venue.
    pub fn upload_seed_release(
        &self,
        transport: &dyn Transport,
        tan: &str,
        release: &SignedSeedRelease,
    ) -> Result<u64> {
        api::upload(transport, tan, release.encode())
    }

    /// The count tags of `epoch`: one for the poster's static seed, one for that day's rotating
    /// seed. A phone's ping carries the tag of the seed it scanned.
    pub fn count_tags(&self, epoch: u32) -> [CountTag; 2] {
        [
            self.master.static_seed().slot_keys().count_tag(epoch),
            self.master
                .rotating_seed(epoch)
                .slot_keys()
                .count_tag(epoch),
        ]
    }

    /// Registers the count tags of `epochs` with the server (signed by the venue key), so that
    /// it can attribute counts to region and category.
    pub fn register_count_tags(
        &self,
        transport: &dyn Transport,
        epochs: &[u32],
        clock: &dyn Clock,
    ) -> Result<()> {
        let tags: Vec<(u32, CountTag)> = epochs
            .iter()
            .flat_map(|e| self.count_tags(*e).map(|t| (*e, t)))
            .collect();
        api::post_count_tags(
            transport,
            self.certificate.serial(),
            &tags,
            &self.key,
            clock.now_seconds(),
        )
    }

    /// The number of check-ins counted for `epoch`, over both of its tags. Phones send pings
    /// late, so the rows of every day since `epoch` (up to the server's today) are summed.
    pub fn check_in_count(&self, transport: &dyn Transport, epoch: u32) -> Result<u64> {
        let mut total = 0u64;
        for tag in self.count_tags(epoch) {
            for (_, n) in api::fetch_counts(transport, &tag, epoch)? {
                total = total.saturating_add(n);
            }
        }
        Ok(total)
    }

    /// The UTC day of `minute`, for callers choosing which seeds to release.
    pub fn day_of(minute: UnixMinute) -> u32 {
        epoch_of(minute)
    }
}
