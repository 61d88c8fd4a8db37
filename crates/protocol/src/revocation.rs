//! RA-signed revocation lists: the serials of deactivated or disabled venue certificates.

use std::collections::HashMap;

use crate::codec::{count_u32, read_version, Codec, Put, Reader};
use crate::error::{Error, Result};
use crate::keys::{KeyId, SigningKey, TrustAnchors};
use crate::time::UnixMinute;

/// Wire version of [`RevocationList`].
pub const REVOCATION_VERSION: u8 = 2;
/// Domain label of the RA's revocation-list signature.
pub const REVOCATION_LABEL: &[u8] = b"venuecode/v2/revocation-list";
/// Most entries one list may carry.
pub const MAX_REVOCATIONS: usize = 1_000_000;
/// Most entries the server puts in one answer; a phone asks again with `after = up_to` while
/// `up_to < head`.
pub const MAX_REVOCATION_PAGE: usize = 10_000;

/// Why a certificate was revoked.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RevocationReason(pub u8);

impl RevocationReason {
    /// The venue deactivated its own code.
    pub const DEACTIVATED_BY_VENUE: Self = Self(1);
    /// The authority disabled a misused code.
    pub const DISABLED_BY_AUTHORITY: Self = Self(2);
    /// The venue updated its information; a new certificate replaces this one.
    pub const SUPERSEDED: Self = Self(3);
}

/// One revoked certificate.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Revocation {
    /// Position in the RA's revocation log, from 1.
    pub sequence: u64,
    /// The revoked certificate's serial.
    pub serial: u64,
    /// When it was revoked.
    pub revoked_at: UnixMinute,
    /// Why.
    pub reason: RevocationReason,
}

/// The fields the RA signs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RevocationListBody {
    /// The signing RA key.
    pub ra_key_id: KeyId,
    /// When the list was issued.
    pub issued_at: UnixMinute,
    /// Entries start after this sequence number (0 for the full list).
    pub after: u64,
    /// The highest sequence this list covers; a client's next cursor.
    pub up_to: u64,
    /// The highest sequence the RA had issued when signing (`up_to <= head`, else
    /// [`Error::ValueOutOfRange`]). `up_to < head` means more pages follow.
    pub head: u64,
    /// Entries with `after < sequence <= up_to`, strictly increasing.
    pub entries: Vec<Revocation>,
}

/// An RA-signed revocation list, full or since a cursor.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RevocationList {
    body: RevocationListBody,
    signature: [u8; 64],
}

impl RevocationListBody {
    fn check(&self) -> Result<()> {
        if self.entries.len() > MAX_REVOCATIONS {
            return Err(Error::TooLarge);
        }
        if self.up_to < self.after || self.head < self.up_to {
            return Err(Error::ValueOutOfRange);
        }
        let mut last = self.after;
        for e in &self.entries {
            if e.sequence <= last || e.sequence > self.up_to {
                return Err(Error::NonCanonical);
            }
            last = e.sequence;
        }
        Ok(())
    }

    fn encode_tbs(&self, out: &mut Vec<u8>) {
        out.push(REVOCATION_VERSION);
        out.extend_from_slice(&self.ra_key_id.0);
        out.put_minute(self.issued_at);
        out.put_u64(self.after);
        out.put_u64(self.up_to);
        out.put_u64(self.head);
        // Invariant: `sign` (through `check`) and the decoder bound the entries by
        // MAX_REVOCATIONS.
        let n = count_u32(self.entries.len());
        out.put_u32(n);
        for e in self
            .entries
            .iter()
            .take(usize::try_from(n).unwrap_or(usize::MAX))
        {
            out.put_u64(e.sequence);
            out.put_u64(e.serial);
            out.put_minute(e.revoked_at);
            out.push(e.reason.0);
        }
    }
}

impl RevocationList {
    /// Signs a list; entries must be strictly increasing within `(after, up_to]`.
    pub fn sign(body: RevocationListBody, ra: &SigningKey) -> Result<Self> {
        if body.ra_key_id != ra.key_id() {
            return Err(Error::InvalidArgument(
                "ra_key_id does not match the signing key",
            ));
        }
        body.check()?;
        let mut tbs = Vec::new();
        body.encode_tbs(&mut tbs);
        let signature = ra.sign(REVOCATION_LABEL, &tbs);
        Ok(Self { body, signature })
    }

    /// The signed fields.
    pub fn body(&self) -> &RevocationListBody {
        &self.body
    }

    /// Checks the RA signature: unknown key id first, then the signature.
    pub fn verify(&self, anchors: &TrustAnchors) -> Result<()> {
        let ra = anchors.ra(&self.body.ra_key_id)?;
        let mut tbs = Vec::new();
        self.body.encode_tbs(&mut tbs);
        ra.verify(
            REVOCATION_LABEL,
            &tbs,
            &self.signature,
            Error::RevocationListSignatureInvalid,
        )
    }
}

impl Codec for RevocationList {
    fn encode_into(&self, out: &mut Vec<u8>) {
        self.body.encode_tbs(out);
        out.extend_from_slice(&self.signature);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, REVOCATION_VERSION)?;
        let ra_key_id = KeyId(r.array()?);
        let issued_at = r.minute()?;
        let after = r.u64()?;
        let up_to = r.u64()?;
        let head = r.u64()?;
        let count = r.u32()? as usize;
        if count > MAX_REVOCATIONS {
            return Err(Error::TooLarge);
        }
        // Each entry is 21 bytes; refuse a count the input cannot hold before allocating.
        if r.remaining() < count.saturating_mul(21) {
            return Err(Error::Truncated);
        }
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            entries.push(Revocation {
                sequence: r.u64()?,
                serial: r.u64()?,
                revoked_at: r.minute()?,
                reason: RevocationReason(r.u8()?),
            });
        }
        let body = RevocationListBody {
            ra_key_id,
            issued_at,
            after,
            up_to,
            head,
            entries,
        };
        body.check()?;
        let signature = r.array()?;
        Ok(Self { body, signature })
    }
}

/// The revoked serials a client has accumulated from verified lists, each with its reason, the
/// cursor (highest sequence applied) and the issue time of the newest list applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevocationSet {
    serials: HashMap<u64, RevocationReason>,
    cursor: u64,
    issued_at: UnixMinute,
}

impl RevocationSet {
    /// An empty set at cursor 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a verified list; refused lists change nothing. In order:
    /// - a list that starts after the cursor (`after > cursor`) would silently miss
    ///   revocations: [`Error::RevocationGap`];
    /// - a list that ends before the cursor (`up_to < cursor`) or was issued before the newest
    ///   list applied (`issued_at <` held) is a replay of older state: [`Error::Rollback`].
    ///
    /// A list with `after = 0` replaces the set; any other adds to it (a delta). A later entry
    /// for a serial replaces an earlier one's reason.
    pub fn apply(&mut self, list: &RevocationList) -> Result<()> {
        let b = list.body();
        if b.after > self.cursor {
            return Err(Error::RevocationGap);
        }
        if b.up_to < self.cursor || b.issued_at < self.issued_at {
            return Err(Error::Rollback);
        }
        if b.after == 0 {
            self.serials.clear();
        }
        self.serials
            .extend(b.entries.iter().map(|e| (e.serial, e.reason)));
        self.cursor = b.up_to;
        self.issued_at = b.issued_at;
        Ok(())
    }

    /// The issue time of the newest list applied (0 before any).
    pub fn issued_at(&self) -> UnixMinute {
        self.issued_at
    }

    /// Whether a serial is revoked, for any reason.
    pub fn contains(&self, serial: u64) -> bool {
        self.serials.contains_key(&serial)
    }

    /// Why a serial was revoked, if it was.
    pub fn reason(&self, serial: u64) -> Option<RevocationReason> {
        self.serials.get(&serial).copied()
    }

    /// The sequence number to ask the server for lists after.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// Rebuilds a set from stored parts: entries, cursor and the newest list's issue time.
    pub fn from_parts(
        entries: impl IntoIterator<Item = (u64, RevocationReason)>,
        cursor: u64,
        issued_at: UnixMinute,
    ) -> Self {
        Self {
            serials: entries.into_iter().collect(),
            cursor,
            issued_at,
        }
    }

    /// The revoked serials and their reasons, for storage.
    pub fn entries(&self) -> impl Iterator<Item = (u64, RevocationReason)> + '_ {
        self.serials.iter().map(|(s, r)| (*s, *r))
    }
}
