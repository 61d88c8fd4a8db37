//! Exposure records and HA-signed exposure batches.
//!
//! A record is a slot token and a sealed part that only holders of the venue seed can open. The
//! batch header signs a digest of the records (RFC 9162's Merkle Tree Hash over runs of
//! [`RECORDS_PER_LEAF`](crate::merkle::RECORDS_PER_LEAF) records, [`crate::merkle`]), so a phone
//! can verify and match a list of any size in constant memory, and a browser can hash each run
//! while the rest downloads (wire version 3).
//!
//! Batches form one hash chain per HA (since wire version 2): each header carries the HA's own
//! `sequence` (from 1) and `previous`, the [`link`](SignedBatchHeader::link) of the batch before
//! it (32 zero bytes for sequence 1). The chain continues across HA key rotation. See
//! [`crate::chain`] for checkpoints and the phone's [`crate::chain::ChainState`].

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::chain::ChainHead;
use crate::code::{CodeKind, VenueCode};
use crate::codec::{count_u8, read_version, Codec, Put, Reader};
use crate::error::{Error, Result};
use crate::keys::{KeyId, PublicKey, SigningKey, TrustAnchors};
use crate::merkle::{self, RecordsHasher};
use crate::primitives::{aead_open, aead_seal, sha256};
use crate::seed::{Seed, SlotKeys, SlotToken};
use crate::time::{
    epoch_start, epochs_for_slot, slot_of, stay_slots, Epoch, Slot, Slots, UnixMinute,
    MATCH_MARGIN_SLOTS, MAX_STAY_MINUTES,
};

/// Wire version of [`ExposureBatch`].
pub const BATCH_VERSION: u8 = 3;
/// Domain label of the HA's batch-header signature.
pub const BATCH_LABEL: &[u8] = b"venuecode/v2/exposure-batch";
/// Domain label of a batch's chain link: `SHA-256(BATCH_LINK_LABEL || 0x00 || signed header
/// bytes)`.
pub const BATCH_LINK_LABEL: &[u8] = b"venuecode/v2/batch-link";
/// Largest encoded batch header with its signature: every field at its maximum.
pub const MAX_BATCH_HEADER_BYTES: usize =
    1 + 8 + 8 + 32 + 16 + 4 + 1 + MAX_MESSAGES * (2 + MAX_MESSAGE_BYTES) + 4 + 32 + 64;
/// Bytes of a record's plaintext: window start u32, window length u16, risk u8, message u8.
pub const RECORD_PLAINTEXT_BYTES: usize = 8;
/// Bytes of one record on the wire: token, sealed plaintext, Poly1305 tag.
pub const RECORD_BYTES: usize = 16 + RECORD_PLAINTEXT_BYTES + 16;
/// Most records one batch may carry.
pub const MAX_RECORDS: usize = 4_000_000;
/// Most messages one batch may carry.
pub const MAX_MESSAGES: usize = 16;
/// Longest message in UTF-8 bytes.
pub const MAX_MESSAGE_BYTES: usize = 1024;
/// The fixed AEAD nonce of record seals; safe because each seal key seals one record.
pub const RECORD_NONCE: [u8; 12] = [0u8; 12];

/// How serious an exposure is; unknown values decode and print.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct RiskLevel(pub u8);

impl RiskLevel {
    /// Low risk: get tested if symptoms appear.
    pub const LOW: Self = Self(1);
    /// High risk: get tested and stay home.
    pub const HIGH: Self = Self(2);
}

/// One exposure record as published.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ExposureRecord {
    /// The slot token a visitor's diary can hold.
    pub token: SlotToken,
    /// ChaCha20-Poly1305 ciphertext and tag of the plaintext.
    pub sealed: [u8; RECORD_PLAINTEXT_BYTES + 16],
}

impl ExposureRecord {
    /// The record of 40 wire bytes (token, then the sealed part).
    fn from_wire(raw: &[u8; RECORD_BYTES]) -> Self {
        let mut token = [0u8; 16];
        let mut sealed = [0u8; RECORD_PLAINTEXT_BYTES + 16];
        let (t, s) = raw.split_at(16);
        token.copy_from_slice(t);
        sealed.copy_from_slice(s);
        Self {
            token: SlotToken(token),
            sealed,
        }
    }

    /// Reads one record.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            token: SlotToken(r.array()?),
            sealed: r.array()?,
        })
    }

    /// Appends the 40 wire bytes.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.token.0);
        out.extend_from_slice(&self.sealed);
    }

    /// Opens the sealed part with the seed's slot keys, for the slot the token matched and the
    /// batch it came in.
    pub fn open(&self, keys: &SlotKeys, slot: Slot, batch_id: &[u8; 16]) -> Result<ExposureNotice> {
        let key = keys.seal_key(slot, batch_id);
        let pt = aead_open(key.expose(), &RECORD_NONCE, &self.token.0, &self.sealed)?;
        let mut r = Reader::new(&pt);
        let window_start = r.minute()?;
        let window_minutes = r.u16()?;
        let risk = RiskLevel(r.u8()?);
        let message_index = r.u8()?;
        r.finish()?;
        if window_minutes == 0 || window_minutes > MAX_STAY_MINUTES {
            return Err(Error::ValueOutOfRange);
        }
        Ok(ExposureNotice {
            window_start,
            window_minutes,
            risk,
            message_index,
        })
    }
}

/// What an opened record says.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ExposureNotice {
    /// First minute of the exposure window.
    pub window_start: UnixMinute,
    /// Length of the window in minutes.
    pub window_minutes: u16,
    /// Risk level.
    pub risk: RiskLevel,
    /// Index into the batch's message table.
    pub message_index: u8,
}

impl ExposureNotice {
    /// First minute after the window.
    pub fn window_end(&self) -> UnixMinute {
        self.window_start
            .saturating_add(u32::from(self.window_minutes))
    }
}

/// The signed header of a batch.
///
/// Wire: `version u8 = 3 | ha_key_id [8] | sequence u64 | previous [32] | batch_id [16] |
/// created_at u32 | message_count u8 | messages (u16 length, UTF-8)… | record_count u32 |
/// records_digest [32]`, then the 64-byte signature, then the records.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BatchHeader {
    /// The signing HA key.
    pub ha_key_id: KeyId,
    /// The HA's own position of this batch in its chain, from 1. Sequence 0 is
    /// [`Error::ValueOutOfRange`].
    pub sequence: u64,
    /// The link of batch `sequence − 1`; 32 zero bytes for sequence 1 (anything else there is
    /// [`Error::NonCanonical`]).
    pub previous: [u8; 32],
    /// A random id, unique per batch; it enters every seal key, so re-publishing a venue-slot
    /// in a later batch never reuses a key.
    pub batch_id: [u8; 16],
    /// When the batch was made.
    pub created_at: UnixMinute,
    /// The messages records refer to by index. They are public: generic advice, never a venue.
    pub messages: Vec<String>,
    /// How many records follow.
    pub record_count: u32,
    /// The records' Merkle Tree Hash ([`crate::merkle`]).
    pub records_digest: [u8; 32],
}

impl BatchHeader {
    fn encode_tbs(&self, out: &mut Vec<u8>) {
        out.push(BATCH_VERSION);
        out.extend_from_slice(&self.ha_key_id.0);
        out.put_u64(self.sequence);
        out.extend_from_slice(&self.previous);
        out.extend_from_slice(&self.batch_id);
        out.put_minute(self.created_at);
        // Invariant: a header is only encoded inside a batch, built by `BatchBuilder::sign`
        // or the decoder, which bound the messages' count and lengths.
        let n = count_u8(self.messages.len());
        out.push(n);
        for m in self.messages.iter().take(usize::from(n)) {
            out.put_prefixed_u16(m.as_bytes());
        }
        out.put_u32(self.record_count);
        out.extend_from_slice(&self.records_digest);
    }
}

/// A signed header, read ahead of the records so that they can be streamed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignedBatchHeader {
    header: BatchHeader,
    signature: [u8; 64],
}

impl SignedBatchHeader {
    /// The header fields.
    pub fn header(&self) -> &BatchHeader {
        &self.header
    }

    /// Reads a header and its signature, leaving the reader at the first record.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, BATCH_VERSION)?;
        let ha_key_id = KeyId(r.array()?);
        let sequence = r.u64()?;
        if sequence == 0 {
            return Err(Error::ValueOutOfRange);
        }
        let previous: [u8; 32] = r.array()?;
        if sequence == 1 && previous != [0u8; 32] {
            return Err(Error::NonCanonical);
        }
        let batch_id = r.array()?;
        let created_at = r.minute()?;
        let n = usize::from(r.u8()?);
        if n > MAX_MESSAGES {
            return Err(Error::TooLarge);
        }
        let mut messages = Vec::with_capacity(n);
        for _ in 0..n {
            messages.push(r.text_u16(MAX_MESSAGE_BYTES)?);
        }
        let record_count = r.u32()?;
        if record_count as usize > MAX_RECORDS {
            return Err(Error::TooLarge);
        }
        let records_digest = r.array()?;
        let signature = r.array()?;
        Ok(Self {
            header: BatchHeader {
                ha_key_id,
                sequence,
                previous,
                batch_id,
                created_at,
                messages,
                record_count,
                records_digest,
            },
            signature,
        })
    }

    /// Appends the header and signature.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        self.header.encode_tbs(out);
        out.extend_from_slice(&self.signature);
    }

    /// The encoded header and signature.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// The HA's signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// This batch's chain link: `SHA-256("venuecode/v2/batch-link" || 0x00 || signed header
    /// bytes)`, the signed bytes being the header before its signature. The next batch names it
    /// as `previous`; a checkpoint names the latest one as `head`.
    pub fn link(&self) -> [u8; 32] {
        let mut tbs = Vec::new();
        self.header.encode_tbs(&mut tbs);
        sha256(&[BATCH_LINK_LABEL, &[0], &tbs])
    }

    /// This batch as a chain head: its sequence and link.
    pub fn chain_head(&self) -> ChainHead {
        ChainHead {
            sequence: self.header.sequence,
            link: self.link(),
        }
    }

    /// Checks the HA signature: unknown key id first, then the signature.
    pub fn verify(&self, anchors: &TrustAnchors) -> Result<()> {
        let ha = anchors.ha(&self.header.ha_key_id)?;
        let mut tbs = Vec::new();
        self.header.encode_tbs(&mut tbs);
        ha.verify(
            BATCH_LABEL,
            &tbs,
            &self.signature,
            Error::BatchSignatureInvalid,
        )
    }

    /// Starts checking the records that follow against the signed count, digest and order.
    pub fn record_checker(&self) -> RecordChecker {
        RecordChecker {
            expected: self.header.record_count,
            digest: self.header.records_digest,
            seen: 0,
            hasher: Some(RecordsHasher::new()),
            last: None,
        }
    }

    /// [`Self::record_checker`] for a caller that hashes the record bytes itself (with the
    /// platform's SHA-256): it hands the leaf hashes of the records' tree to
    /// [`RecordChecker::finish_with_leaf_hashes`]. Count and order are checked here as always,
    /// and the tree's root over the leaf hashes handed in is compared with the signed digest.
    pub fn record_checker_host_digest(&self) -> RecordChecker {
        RecordChecker {
            hasher: None,
            ..self.record_checker()
        }
    }
}

/// The first 8 bytes of a token, as a number: the high half of its `u128`.
fn token_high(token: u128) -> u64 {
    (token >> 64) as u64
}

/// Checks a stream of records against a header in constant memory: count, strictly increasing
/// tokens, and the digest at the end. Matches are only final after `finish` succeeds.
///
/// Records are taken in runs of whole records ([`RecordChecker::push_records`]), so the digest
/// is updated once per run rather than once per record. A checker made by
/// [`SignedBatchHeader::record_checker_host_digest`] does not hash: the caller hashes exactly the
/// record bytes it pushed, leaf by leaf, and ends with
/// [`RecordChecker::finish_with_leaf_hashes`].
#[derive(Debug)]
pub struct RecordChecker {
    expected: u32,
    digest: [u8; 32],
    seen: u32,
    /// `None` when the caller computes the digest of the records (host digest).
    hasher: Option<RecordsHasher>,
    last: Option<u128>,
}

impl RecordChecker {
    /// How many records the header still expects.
    pub fn remaining(&self) -> usize {
        (self.expected - self.seen) as usize
    }

    /// Accepts a run of whole records (`bytes` is a multiple of [`RECORD_BYTES`], else
    /// [`Error::Truncated`]; more records than the header counts are [`Error::TrailingBytes`]),
    /// checking their order and calling `f` with each. After an error the batch is refused as a
    /// whole: records already passed to `f` must be discarded.
    pub fn push_records(&mut self, bytes: &[u8], mut f: impl FnMut(&ExposureRecord)) -> Result<()> {
        self.push_raw(bytes, |_, raw| f(&ExposureRecord::from_wire(raw)))
    }

    /// [`Self::push_records`] without building an [`ExposureRecord`] for every record: `f` gets
    /// the first 8 bytes of each record's token as a big-endian number and the record's 40 wire
    /// bytes (a matcher builds the record only for a token it looks for).
    ///
    /// Order: a token whose first 8 bytes are greater than the previous token's is greater;
    /// only when they are not are the two tokens compared whole (rare in a sorted batch of
    /// random tokens), so each record costs one 8-byte big-endian read here.
    fn push_raw(
        &mut self,
        bytes: &[u8],
        mut f: impl FnMut(u64, &[u8; RECORD_BYTES]),
    ) -> Result<()> {
        let (records, rest) = bytes.as_chunks::<RECORD_BYTES>();
        if !rest.is_empty() {
            return Err(Error::Truncated);
        }
        if records.len() > self.remaining() {
            return Err(Error::TrailingBytes);
        }
        // The previous token's first 8 bytes, and the previous record in this run (the one
        // before the run is `self.last`).
        let mut prev_high = self.last.map_or(0, token_high);
        let mut prev: Option<&[u8; 16]> = None;
        for raw in records {
            let (token, _) = raw.split_first_chunk::<16>().ok_or(Error::Truncated)?;
            let (high, _) = token.split_first_chunk::<8>().ok_or(Error::Truncated)?;
            let high = u64::from_be_bytes(*high);
            if high <= prev_high {
                let last = prev.map(|p| u128::from_be_bytes(*p)).or(self.last);
                if last.is_some_and(|l| l >= u128::from_be_bytes(*token)) {
                    return Err(Error::NonCanonical);
                }
            }
            prev_high = high;
            prev = Some(token);
            f(high, raw);
        }
        if let Some(p) = prev {
            self.last = Some(u128::from_be_bytes(*p));
        }
        // `records.len()` is at most `remaining()`, a u32.
        self.seen += u32::try_from(records.len()).map_err(|_| Error::TooLarge)?;
        if let Some(h) = self.hasher.as_mut() {
            h.update(bytes);
        }
        Ok(())
    }

    /// Whether every record the header signs has been accepted: any further byte is trailing.
    pub fn is_complete(&self) -> bool {
        self.seen == self.expected
    }

    /// Checks the digest of the records accepted so far against the signed one, without ending
    /// the check (nothing to check here when the host computes the digest).
    fn check_digest(&self) -> Result<()> {
        if self
            .hasher
            .as_ref()
            .is_some_and(|h| h.digest() != self.digest)
        {
            return Err(Error::BatchDigestMismatch);
        }
        Ok(())
    }

    /// Confirms the count and digest.
    pub fn finish(self) -> Result<()> {
        if self.hasher.is_none() {
            return Err(Error::InvalidArgument(
                "the host computes this batch's digest: finish with it",
            ));
        }
        if self.seen != self.expected {
            return Err(Error::Truncated);
        }
        self.check_digest()
    }

    /// Confirms the count, and the root over `leaf_hashes` against the signed digest:
    /// [`Error::BatchDigestMismatch`] when they differ. `leaf_hashes` are the host's
    /// [`merkle::leaf_hash`] of exactly the record bytes pushed, cut into leaves of
    /// [`merkle::LEAF_BYTES`] (the last one shorter), in order: as many as
    /// [`merkle::leaf_count`] of the signed count, else [`Error::InvalidArgument`]. Only for a
    /// checker from [`SignedBatchHeader::record_checker_host_digest`].
    pub fn finish_with_leaf_hashes(self, leaf_hashes: &[[u8; 32]]) -> Result<()> {
        if self.hasher.is_some() {
            return Err(Error::InvalidArgument(
                "this batch's digest is computed here: finish without one",
            ));
        }
        if self.seen != self.expected {
            return Err(Error::Truncated);
        }
        if leaf_hashes.len() != merkle::leaf_count(self.expected) {
            return Err(Error::InvalidArgument(
                "one leaf hash for each run of RECORDS_PER_LEAF records",
            ));
        }
        if merkle::root(leaf_hashes) != self.digest {
            return Err(Error::BatchDigestMismatch);
        }
        Ok(())
    }
}

/// A whole exposure batch in memory (the HA and the server hold these; phones stream).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ExposureBatch {
    header: SignedBatchHeader,
    records: Vec<ExposureRecord>,
}

impl ExposureBatch {
    /// The signed header.
    pub fn header(&self) -> &SignedBatchHeader {
        &self.header
    }

    /// The records, sorted by token.
    pub fn records(&self) -> &[ExposureRecord] {
        &self.records
    }

    /// Verifies the header signature against the trust anchors. Decoding already checked the
    /// records against the signed digest.
    pub fn verify(&self, anchors: &TrustAnchors) -> Result<()> {
        self.header.verify(anchors)
    }

    /// The batch's chain link (see [`SignedBatchHeader::link`]).
    pub fn link(&self) -> [u8; 32] {
        self.header.link()
    }

    /// The batch as a chain head, for the HA to build the next batch on.
    pub fn chain_head(&self) -> ChainHead {
        self.header.chain_head()
    }
}

impl Codec for ExposureBatch {
    fn encode_into(&self, out: &mut Vec<u8>) {
        self.header.encode_into(out);
        out.reserve(self.records.len() * RECORD_BYTES);
        for rec in &self.records {
            rec.encode_into(out);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let header = SignedBatchHeader::read(r)?;
        let count = header.header.record_count as usize;
        if r.remaining() < count.saturating_mul(RECORD_BYTES) {
            return Err(Error::Truncated);
        }
        let mut checker = header.record_checker();
        let mut records = Vec::with_capacity(count);
        checker.push_records(r.take(count * RECORD_BYTES)?, |rec| records.push(*rec))?;
        checker.finish()?;
        Ok(Self { header, records })
    }
}

/// One exposure to publish: a seed (from an upload or a seed release) with the venue key it is
/// bound to, the window to the minute, the risk and a message index.
#[derive(Clone, Debug)]
pub struct ExposureWindow {
    /// The seed whose tokens are published.
    pub seed: Seed,
    /// The venue key of the code that carried the seed: tokens derive from both.
    pub venue_key: PublicKey,
    /// First minute of the window.
    pub start: UnixMinute,
    /// First minute after the window.
    pub end: UnixMinute,
    /// Risk level.
    pub risk: RiskLevel,
    /// Index into the batch's message table.
    pub message_index: u8,
}

/// Builds and signs a batch: one record per slot of each window.
///
/// Two windows of the same seed that touch the same slot share one record (a seal key must seal
/// only one record); that record carries the hull of both windows and the higher risk.
///
/// The batch extends the HA's chain: it gets sequence `chain.sequence + 1` and previous
/// `chain.link` from the [`ChainHead`] given at the start ([`ChainHead::GENESIS`] for the first
/// batch an HA ever publishes).
#[derive(Debug)]
pub struct BatchBuilder {
    batch_id: [u8; 16],
    chain: ChainHead,
    created_at: UnixMinute,
    messages: Vec<String>,
    pending: BTreeMap<SlotToken, Pending>,
}

#[derive(Debug)]
struct Pending {
    seed: Seed,
    venue_key: PublicKey,
    slot: Slot,
    start: UnixMinute,
    end: UnixMinute,
    risk: RiskLevel,
    message_index: u8,
}

impl BatchBuilder {
    /// Starts the batch after `chain` (the HA's current head) with a fresh random id.
    pub fn new(chain: ChainHead, created_at: UnixMinute, messages: Vec<String>) -> Result<Self> {
        Self::with_id(
            chain,
            crate::primitives::random_array()?,
            created_at,
            messages,
        )
    }

    /// Starts the batch after `chain` with a given id (test vectors fix it).
    pub fn with_id(
        chain: ChainHead,
        batch_id: [u8; 16],
        created_at: UnixMinute,
        messages: Vec<String>,
    ) -> Result<Self> {
        chain.check()?;
        if chain.sequence == u64::MAX {
            return Err(Error::InvalidArgument(
                "the batch chain is at its last sequence",
            ));
        }
        if messages.len() > MAX_MESSAGES {
            return Err(Error::TooLarge);
        }
        for m in &messages {
            if m.is_empty() {
                return Err(Error::InvalidArgument("empty message"));
            }
            if m.len() > MAX_MESSAGE_BYTES {
                return Err(Error::TooLarge);
            }
        }
        Ok(Self {
            batch_id,
            chain,
            created_at,
            messages,
            pending: BTreeMap::new(),
        })
    }

    /// Adds records for every slot the window touches. All or nothing: a refused window
    /// (empty, longer than the longest stay, an unknown message index, a hull over 720 minutes
    /// with an earlier window of the same seed, or too many records) changes nothing.
    pub fn add(&mut self, w: &ExposureWindow) -> Result<()> {
        if w.end <= w.start {
            return Err(Error::InvalidArgument("exposure window is empty"));
        }
        if w.end - w.start > u32::from(MAX_STAY_MINUTES) {
            return Err(Error::InvalidArgument(
                "exposure window longer than the longest stay",
            ));
        }
        if usize::from(w.message_index) >= self.messages.len() {
            return Err(Error::InvalidArgument("message index out of range"));
        }
        let keys = w.seed.slot_keys(&w.venue_key);
        let slots = Slots::new(slot_of(w.start), slot_of(w.end - 1));
        // All or nothing: check every slot before changing any, so a refused window leaves the
        // builder as it was.
        let mut new_records = 0usize;
        for slot in slots {
            match self.pending.get(&keys.token(slot)) {
                Some(p) => {
                    if p.end.max(w.end) - p.start.min(w.start) > u32::from(MAX_STAY_MINUTES) {
                        return Err(Error::InvalidArgument(
                            "two windows of one seed in one slot span more than the longest stay",
                        ));
                    }
                }
                None => new_records += 1,
            }
        }
        if self.pending.len().saturating_add(new_records) > MAX_RECORDS {
            return Err(Error::TooLarge);
        }
        for slot in slots {
            let token = keys.token(slot);
            if let Some(p) = self.pending.get_mut(&token) {
                let start = p.start.min(w.start);
                let end = p.end.max(w.end);
                p.start = start;
                p.end = end;
                if w.risk > p.risk {
                    p.risk = w.risk;
                    p.message_index = w.message_index;
                }
                continue;
            }
            self.pending.insert(
                token,
                Pending {
                    seed: w.seed.clone(),
                    venue_key: w.venue_key,
                    slot,
                    start: w.start,
                    end: w.end,
                    risk: w.risk,
                    message_index: w.message_index,
                },
            );
        }
        Ok(())
    }

    /// How many records so far.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether no record was added.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Seals every record, in token order, and signs the header.
    pub fn sign(self, ha: &SigningKey) -> Result<ExposureBatch> {
        let mut records = Vec::with_capacity(self.pending.len());
        let mut hasher = RecordsHasher::new();
        let mut pt = Vec::with_capacity(RECORD_PLAINTEXT_BYTES);
        for (token, p) in &self.pending {
            pt.clear();
            pt.put_minute(p.start);
            // `add` bounds a window's length by the longest stay.
            let minutes = u16::try_from(p.end - p.start)
                .map_err(|_| Error::InvalidArgument("exposure window too long"))?;
            pt.put_u16(minutes);
            pt.push(p.risk.0);
            pt.push(p.message_index);
            let key = p
                .seed
                .slot_keys(&p.venue_key)
                .seal_key(p.slot, &self.batch_id);
            let ct = aead_seal(key.expose(), &RECORD_NONCE, &token.0, &pt)?;
            let sealed: [u8; RECORD_PLAINTEXT_BYTES + 16] = ct
                .as_slice()
                .try_into()
                .map_err(|_| Error::InvalidArgument("unexpected ciphertext length"))?;
            let rec = ExposureRecord {
                token: *token,
                sealed,
            };
            hasher.update(&rec.token.0);
            hasher.update(&rec.sealed);
            records.push(rec);
        }
        let header = BatchHeader {
            ha_key_id: ha.key_id(),
            sequence: self.chain.sequence + 1,
            previous: self.chain.link,
            batch_id: self.batch_id,
            created_at: self.created_at,
            messages: self.messages,
            record_count: u32::try_from(records.len()).map_err(|_| Error::TooLarge)?,
            records_digest: hasher.digest(),
        };
        let mut tbs = Vec::new();
        header.encode_tbs(&mut tbs);
        let signature = ha.sign(BATCH_LABEL, &tbs);
        Ok(ExposureBatch {
            header: SignedBatchHeader { header, signature },
            records,
        })
    }
}

/// A sans-I/O streaming reader of one exposure batch, for phones: feed it the bytes as they
/// arrive; it reads and verifies the header once (HA key id, then signature), then hands back
/// each complete record after checking its order. Any byte after the last record the header
/// counts is [`Error::TrailingBytes`] (after the digest check, as a whole-batch decode), a
/// partial record at the end [`Error::Truncated`]. [`BatchReader::finish`] checks the record
/// count and the signed digest: matches found in the records are only final after it succeeds.
///
/// This is the one decoder of a streamed batch: the phone's sync and the venue's "was I
/// notified?" use it through [`BatchMatcher`]. Records are checked straight from the bytes fed
/// (only a record split between two feeds is copied), and the digest is updated once per feed.
///
/// After any error the batch is refused as a whole and the reader must be dropped.
#[derive(Debug)]
pub struct BatchReader {
    anchors: TrustAnchors,
    /// The header's bytes until it is complete; then a record split between two feeds.
    buf: Vec<u8>,
    state: ReaderState,
    /// Whether the caller hashes the record bytes ([`BatchReader::with_host_digest`]).
    host_digest: bool,
    /// The header's length in bytes, once it has been read.
    header_len: Option<usize>,
}

#[derive(Debug)]
enum ReaderState {
    Header,
    Records(Box<(SignedBatchHeader, RecordChecker)>),
    Failed,
}

impl BatchReader {
    /// Starts reading a batch whose header must verify under `anchors`.
    pub fn new(anchors: TrustAnchors) -> Self {
        Self {
            anchors,
            buf: Vec::new(),
            state: ReaderState::Header,
            host_digest: false,
            header_len: None,
        }
    }

    /// [`Self::new`] for a caller that computes the SHA-256 of the records itself, with the
    /// platform's native code (the WebAssembly build has no SHA instructions): it hashes every
    /// byte it feeds from offset [`Self::header_len`] of the stream on, one
    /// [`merkle::leaf_hash`] per run of [`merkle::LEAF_BYTES`], and ends with
    /// [`Self::finish_with_leaf_hashes`]. Header, signature, order and count are checked here as
    /// with [`Self::new`]; the root of the leaf hashes handed in is compared with the signed
    /// digest.
    pub fn with_host_digest(anchors: TrustAnchors) -> Self {
        Self {
            host_digest: true,
            ..Self::new(anchors)
        }
    }

    /// The length of the header in bytes, once it has been read: the records start at this
    /// offset of the stream.
    pub fn header_len(&self) -> Option<usize> {
        self.header_len
    }

    /// Feeds the next bytes; returns the records they completed (none until the header is
    /// complete and verified).
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<ExposureRecord>> {
        let mut out = Vec::new();
        self.feed_with(bytes, |r| out.push(*r))?;
        Ok(out)
    }

    /// Feeds the next bytes, calling `f` with each record they completed, in order, without
    /// collecting them (none until the header is complete and verified).
    pub fn feed_with(&mut self, bytes: &[u8], mut f: impl FnMut(&ExposureRecord)) -> Result<()> {
        self.feed_raw(bytes, |_, raw| f(&ExposureRecord::from_wire(raw)))
    }

    /// [`Self::feed_with`] with each record as [`RecordChecker::push_raw`] hands it over.
    fn feed_raw(&mut self, bytes: &[u8], f: impl FnMut(u64, &[u8; RECORD_BYTES])) -> Result<()> {
        let result = self.feed_inner(bytes, f);
        if result.is_err() {
            self.state = ReaderState::Failed;
            self.buf.clear();
        }
        result
    }

    fn feed_inner(
        &mut self,
        bytes: &[u8],
        mut f: impl FnMut(u64, &[u8; RECORD_BYTES]),
    ) -> Result<()> {
        if matches!(self.state, ReaderState::Failed) {
            return Err(Error::InvalidArgument("the batch reader already failed"));
        }
        let after_header: Vec<u8>;
        let mut input = bytes;
        if matches!(self.state, ReaderState::Header) {
            self.buf.extend_from_slice(bytes);
            let mut r = Reader::new(&self.buf);
            match SignedBatchHeader::read(&mut r) {
                Ok(header) => {
                    let used = r.position();
                    header.verify(&self.anchors)?;
                    let checker = if self.host_digest {
                        header.record_checker_host_digest()
                    } else {
                        header.record_checker()
                    };
                    self.header_len = Some(used);
                    self.state = ReaderState::Records(Box::new((header, checker)));
                    after_header = self.buf.split_off(used);
                    self.buf = Vec::with_capacity(RECORD_BYTES);
                    input = &after_header;
                }
                Err(Error::Truncated | Error::Empty) if self.buf.len() < MAX_BATCH_HEADER_BYTES => {
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
        let ReaderState::Records(records) = &mut self.state else {
            return Ok(());
        };
        let checker = &mut records.1;
        // First the record split between the last feed and this one.
        if !self.buf.is_empty() {
            let (head, rest) = input.split_at((RECORD_BYTES - self.buf.len()).min(input.len()));
            self.buf.extend_from_slice(head);
            input = rest;
            if self.buf.len() < RECORD_BYTES {
                return Ok(());
            }
            checker.push_raw(&self.buf, &mut f)?;
            self.buf.clear();
        }
        // Then the whole records up to the signed count, straight from the input; whatever
        // follows the last one is trailing, as in a whole-batch decode (which checks the digest
        // first, then the bytes left).
        let whole = (input.len() / RECORD_BYTES).min(checker.remaining()) * RECORD_BYTES;
        let (whole, rest) = input.split_at(whole);
        checker.push_raw(whole, &mut f)?;
        if checker.is_complete() && !rest.is_empty() {
            checker.check_digest()?;
            return Err(Error::TrailingBytes);
        }
        self.buf.extend_from_slice(rest);
        Ok(())
    }

    /// The verified header, once it has been read.
    pub fn header(&self) -> Option<&SignedBatchHeader> {
        match &self.state {
            ReaderState::Records(records) => Some(&records.0),
            _ => None,
        }
    }

    /// Ends the batch: the header must have been read, no partial record may remain, and the
    /// count and digest must match what the header signs. Returns the verified header.
    pub fn finish(self) -> Result<SignedBatchHeader> {
        self.end(None)
    }

    /// [`Self::finish`] for a reader made by [`Self::with_host_digest`]: `leaf_hashes` are the
    /// host's leaf hashes of the stream's bytes from [`Self::header_len`] on
    /// ([`RecordChecker::finish_with_leaf_hashes`]); their root must be the signed digest.
    pub fn finish_with_leaf_hashes(self, leaf_hashes: &[[u8; 32]]) -> Result<SignedBatchHeader> {
        self.end(Some(leaf_hashes))
    }

    fn end(self, leaf_hashes: Option<&[[u8; 32]]>) -> Result<SignedBatchHeader> {
        if self.host_digest != leaf_hashes.is_some() {
            return Err(Error::InvalidArgument(
                "finish with a digest exactly when the host computes it",
            ));
        }
        match self.state {
            ReaderState::Header if self.buf.is_empty() => Err(Error::Empty),
            ReaderState::Header => Err(Error::Truncated),
            ReaderState::Failed => Err(Error::InvalidArgument("the batch reader already failed")),
            ReaderState::Records(records) => {
                let (header, checker) = *records;
                if !self.buf.is_empty() {
                    // `feed` refuses bytes after the last record, so only a partial record
                    // can be left here.
                    return Err(Error::Truncated);
                }
                match leaf_hashes {
                    Some(l) => checker.finish_with_leaf_hashes(l)?,
                    None => checker.finish()?,
                }
                Ok(header)
            }
        }
    }
}

/// Slot tokens to look for in exposure batches, each with its owner (a diary entry, a venue's
/// seed) and the seed keys and slot it was derived for, sorted by token so that a batch (sorted
/// by token too) is matched by a merge-join. The phone's sync builds one from its diary
/// ([`TokenIndex::add_stay`]); a venue checking whether it was notified builds one from its own
/// seeds ([`TokenIndex::add`]).
pub struct TokenIndex<T> {
    owners: Vec<(T, SlotKeys)>,
    /// Sorted by token; several owners may share a token.
    entries: Vec<IndexEntry>,
}

#[derive(Clone, Copy)]
struct IndexEntry {
    token: u128,
    owner: usize,
    slot: Slot,
}

impl<T> core::fmt::Debug for TokenIndex<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The tokens and keys are the diary's secrets: counts only.
        f.debug_struct("TokenIndex")
            .field("owners", &self.owners.len())
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl<T> Default for TokenIndex<T> {
    fn default() -> Self {
        Self {
            owners: Vec::new(),
            entries: Vec::new(),
        }
    }
}

impl<T: Copy> TokenIndex<T> {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the tokens of `keys` for every slot in `slots`, owned by `owner`.
    pub fn add(&mut self, owner: T, keys: SlotKeys, slots: Slots) {
        let owner_index = self.owners.len();
        for slot in slots {
            self.entries.push(IndexEntry {
                token: u128::from_be_bytes(keys.token(slot).0),
                owner: owner_index,
                slot,
            });
        }
        self.owners.push((owner, keys));
        // A stable sort finds the sorted prefix and the new run and merges them.
        self.entries.sort_by_key(|e| e.token);
    }

    /// Adds a stay as a phone matches it (SPEC §12.4): every slot of `[arrival, departure)`,
    /// plus [`MATCH_MARGIN_SLOTS`] before and after.
    pub fn add_stay(
        &mut self,
        owner: T,
        keys: SlotKeys,
        arrival: UnixMinute,
        departure: UnixMinute,
    ) {
        let stay = stay_slots(arrival, departure);
        let first = stay.start().saturating_sub(MATCH_MARGIN_SLOTS);
        let last = stay.end().saturating_add(MATCH_MARGIN_SLOTS);
        self.add(owner, keys, Slots::new(first, last));
    }

    /// How many distinct tokens the index holds.
    pub fn len(&self) -> usize {
        let mut n = 0;
        let mut last = None;
        for e in &self.entries {
            if last != Some(e.token) {
                n += 1;
                last = Some(e.token);
            }
        }
        n
    }

    /// Whether the index holds no token.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the index holds `token`.
    pub fn contains(&self, token: &SlotToken) -> bool {
        let t = u128::from_be_bytes(token.0);
        self.entries.binary_search_by_key(&t, |e| e.token).is_ok()
    }

    /// Starts matching one batch whose header must verify under `anchors`.
    pub fn matcher(&self, anchors: TrustAnchors) -> BatchMatcher<'_, T> {
        BatchMatcher {
            index: IndexRef::Borrowed(self),
            reader: BatchReader::new(anchors),
            next: 0,
            candidates: Vec::new(),
        }
    }

    /// [`Self::matcher`] over a shared index: a matcher that owns its handle on the index, for
    /// callers that keep it across calls (the WebAssembly build feeds it chunk by chunk from
    /// JavaScript).
    pub fn shared_matcher(index: &Arc<Self>, anchors: TrustAnchors) -> BatchMatcher<'static, T>
    where
        T: 'static,
    {
        BatchMatcher {
            index: IndexRef::Shared(Arc::clone(index)),
            reader: BatchReader::new(anchors),
            next: 0,
            candidates: Vec::new(),
        }
    }
}

/// The index a [`BatchMatcher`] reads: borrowed, or shared.
#[derive(Debug)]
enum IndexRef<'a, T> {
    Borrowed(&'a TokenIndex<T>),
    Shared(Arc<TokenIndex<T>>),
}

impl<T> core::ops::Deref for IndexRef<'_, T> {
    type Target = TokenIndex<T>;
    fn deref(&self) -> &TokenIndex<T> {
        match self {
            Self::Borrowed(i) => i,
            Self::Shared(i) => i,
        }
    }
}

/// A record of a batch whose token is in the [`TokenIndex`] and whose seal opened.
#[derive(Clone, Copy, Debug)]
pub struct Hit<T> {
    /// The owner the token was added with.
    pub owner: T,
    /// The slot the token was derived for.
    pub slot: Slot,
    /// What the record says.
    pub notice: ExposureNotice,
}

/// Matches one exposure batch, streamed through a [`BatchReader`], against a [`TokenIndex`]:
/// feed it the bytes as they arrive; [`BatchMatcher::finish`] returns the verified header and the
/// hits only once the reader confirmed count and digest (a batch refused for its signature,
/// order, count or digest yields no hit). Memory stays bounded by the header, a record and the
/// index: a token matches at most once per batch, as tokens in a batch strictly increase.
#[derive(Debug)]
pub struct BatchMatcher<'a, T> {
    index: IndexRef<'a, T>,
    reader: BatchReader,
    /// The first index entry whose token may still come.
    next: usize,
    /// Records whose token matched, with the index entry; opened in `finish`.
    candidates: Vec<(ExposureRecord, usize)>,
}

impl<T: Copy> BatchMatcher<'_, T> {
    /// Lets the caller compute the leaf hashes of the records ([`BatchReader::with_host_digest`]);
    /// only before the first feed, else [`Error::InvalidArgument`]. End with
    /// [`Self::finish_with_leaf_hashes`].
    pub fn use_host_digest(&mut self) -> Result<()> {
        if !matches!(self.reader.state, ReaderState::Header) || !self.reader.buf.is_empty() {
            return Err(Error::InvalidArgument(
                "the host digest is chosen before the first feed",
            ));
        }
        self.reader.host_digest = true;
        Ok(())
    }

    /// The length of the batch's header in bytes, once it has been read: with a host digest,
    /// the host hashes the stream from this offset on.
    pub fn header_len(&self) -> Option<usize> {
        self.reader.header_len()
    }

    /// Feeds the next bytes of the batch.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<()> {
        let entries = &self.index.entries;
        let mut next = self.next;
        let candidates = &mut self.candidates;
        // The first 8 bytes of the next entry's token: a record whose token starts lower is
        // below it, so it neither matches nor moves `next` (most records of a batch). Past the
        // last entry, u64::MAX sends only the records that start with it to the full compare,
        // which finds nothing.
        let high_of = |next: usize| entries.get(next).map_or(u64::MAX, |e| token_high(e.token));
        let mut next_high = high_of(next);
        let result = self.reader.feed_raw(bytes, |high, raw| {
            if high < next_high {
                return;
            }
            let record = ExposureRecord::from_wire(raw);
            let t = u128::from_be_bytes(record.token.0);
            while entries.get(next).is_some_and(|e| e.token < t) {
                next += 1;
            }
            let mut i = next;
            while entries.get(i).is_some_and(|e| e.token == t) {
                candidates.push((record, i));
                i += 1;
            }
            next_high = high_of(next);
        });
        self.next = next;
        result
    }

    /// The verified header, once it has been read.
    pub fn header(&self) -> Option<&SignedBatchHeader> {
        self.reader.header()
    }

    /// Ends the batch ([`BatchReader::finish`]) and opens the seals of the matched records. A
    /// token that matches but whose seal does not open (a collision, or a wrong seal) raises
    /// nothing.
    pub fn finish(self) -> Result<(SignedBatchHeader, Vec<Hit<T>>)> {
        let header = self.reader.finish()?;
        Ok(Self::open_hits(&self.index, &self.candidates, header))
    }

    /// [`Self::finish`] with the host's leaf hashes of the records ([`Self::use_host_digest`],
    /// [`RecordChecker::finish_with_leaf_hashes`]).
    pub fn finish_with_leaf_hashes(
        self,
        leaf_hashes: &[[u8; 32]],
    ) -> Result<(SignedBatchHeader, Vec<Hit<T>>)> {
        let header = self.reader.finish_with_leaf_hashes(leaf_hashes)?;
        Ok(Self::open_hits(&self.index, &self.candidates, header))
    }

    fn open_hits(
        index: &TokenIndex<T>,
        candidates: &[(ExposureRecord, usize)],
        header: SignedBatchHeader,
    ) -> (SignedBatchHeader, Vec<Hit<T>>) {
        let batch_id = header.header().batch_id;
        let hits = candidates
            .iter()
            .filter_map(|(record, i)| {
                let e = index.entries.get(*i)?;
                let (owner, keys) = index.owners.get(e.owner)?;
                let notice = record.open(keys, e.slot, &batch_id).ok()?;
                Some(Hit {
                    owner: *owner,
                    slot: e.slot,
                    notice,
                })
            })
            .collect();
        (header, hits)
    }
}

/// One seed's share of a traced stay: publish `[start, end)` under `seed` and `venue_key`.
#[derive(Clone, Debug)]
pub struct TracePart {
    /// The venue-local epoch of a rotating seed; `None` for a static code's seed.
    pub epoch: Option<Epoch>,
    /// The seed whose tokens are published.
    pub seed: Seed,
    /// The venue key of the traced code.
    pub venue_key: PublicKey,
    /// First minute, clipped to when anyone could hold the seed.
    pub start: UnixMinute,
    /// First minute after, clipped likewise.
    pub end: UnixMinute,
}

/// What the HA publishes for one traced stay, and the rotating seeds it lacks.
#[derive(Clone, Debug, Default)]
pub struct TracePlan {
    /// The windows to publish, one per seed.
    pub parts: Vec<TracePart>,
    /// Venue-local epochs whose rotating seed is needed but was neither in the upload nor
    /// released: visitors who scanned on those days cannot be notified.
    pub missing_epochs: Vec<Epoch>,
}

impl TracePlan {
    /// The parts as exposure windows with a risk and message index, for a [`BatchBuilder`].
    pub fn windows(&self, risk: RiskLevel, message_index: u8) -> Vec<ExposureWindow> {
        self.parts
            .iter()
            .map(|p| ExposureWindow {
                seed: p.seed.clone(),
                venue_key: p.venue_key,
                start: p.start,
                end: p.end,
                risk,
                message_index,
            })
            .collect()
    }
}

/// Which seeds the HA publishes for an exposure window `[start, end)` at the venue of `code`
/// (the code a case uploaded), following SPEC §12.3:
///
/// - static code: the code's seed, for the whole window;
/// - rotating code: for every slot `s` of the window, the seed of each venue-local epoch in
///   [`epochs_for_slot`]`(s, offset)`; the upload's own epoch uses the code's seed, the others
///   come from `released` (epoch → seed, from the venue's seed releases matched by venue key).
///   The window under epoch `e`'s seed is clipped to `[epoch_start(e), epoch_start(e + 1) +
///   720)`, outside which nobody holds that seed; epochs whose clipped window is empty are
///   skipped, and needed epochs with no seed are listed in [`TracePlan::missing_epochs`].
///   When local midnight falls inside a slot (an offset that is not a whole number of hours,
///   such as +05:30), that slot lists both the old and the new day, so a window that ends in
///   it after midnight is also published under the new day's seed, from midnight.
///
/// Every part is bound to the code's venue key. Parts come in increasing epoch order.
pub fn plan_trace(
    code: &VenueCode,
    start: UnixMinute,
    end: UnixMinute,
    released: &BTreeMap<Epoch, Seed>,
) -> Result<TracePlan> {
    if end <= start {
        return Err(Error::InvalidArgument("exposure window is empty"));
    }
    let venue_key = code.certificate().body().venue_key;
    let mut plan = TracePlan::default();
    let (code_epoch, _) = match code.kind() {
        CodeKind::Static => {
            plan.parts.push(TracePart {
                epoch: None,
                seed: code.seed().clone(),
                venue_key,
                start,
                end,
            });
            return Ok(plan);
        }
        CodeKind::Rotating { epoch, valid_until } => (epoch, valid_until),
    };
    let offset = code.utc_offset();
    let mut epochs = std::collections::BTreeSet::new();
    for slot in Slots::new(slot_of(start), slot_of(end - 1)) {
        epochs.extend(epochs_for_slot(slot, offset));
    }
    for e in epochs {
        let from = start.max(epoch_start(e, offset));
        let until = end.min(
            epoch_start(e.saturating_add(1), offset).saturating_add(u32::from(MAX_STAY_MINUTES)),
        );
        if until <= from {
            continue;
        }
        let seed = if e == code_epoch {
            Some(code.seed().clone())
        } else {
            released.get(&e).cloned()
        };
        match seed {
            Some(seed) => plan.parts.push(TracePart {
                epoch: Some(e),
                seed,
                venue_key,
                start: from,
                end: until,
            }),
            None => plan.missing_epochs.push(e),
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The token whose first 8 bytes are `high` and last 8 `low`, big-endian.
    fn token(high: u64, low: u64) -> [u8; 16] {
        ((u128::from(high) << 64) | u128::from(low)).to_be_bytes()
    }

    /// A batch of records with these tokens, in this order (sealed parts of filler), with a
    /// header that counts and digests them, signed by `ha`.
    fn batch(ha: &SigningKey, tokens: &[[u8; 16]]) -> (Vec<u8>, Vec<ExposureRecord>) {
        let records: Vec<ExposureRecord> = tokens
            .iter()
            .zip(0u8..)
            .map(|(t, i)| ExposureRecord {
                token: SlotToken(*t),
                sealed: [i; RECORD_PLAINTEXT_BYTES + 16],
            })
            .collect();
        let mut body = Vec::new();
        for r in &records {
            r.encode_into(&mut body);
        }
        (signed(ha, body), records)
    }

    /// A batch of these record bytes, with a header that counts and digests them, signed by
    /// `ha`.
    fn signed(ha: &SigningKey, body: Vec<u8>) -> Vec<u8> {
        let header = BatchHeader {
            ha_key_id: ha.key_id(),
            sequence: 1,
            previous: [0; 32],
            batch_id: [9; 16],
            created_at: UnixMinute::new(1000),
            messages: Vec::new(),
            record_count: u32::try_from(body.len() / RECORD_BYTES).expect("a test batch"),
            records_digest: merkle::records_digest(&body),
        };
        let mut tbs = Vec::new();
        header.encode_tbs(&mut tbs);
        let signature = ha.sign(BATCH_LABEL, &tbs);
        let mut wire = SignedBatchHeader { header, signature }.encode();
        wire.extend_from_slice(&body);
        wire
    }

    fn keys() -> (SigningKey, TrustAnchors) {
        let ra = SigningKey::from_seed(&[1; 32]).expect("key");
        let ha = SigningKey::from_seed(&[2; 32]).expect("key");
        let anchors = TrustAnchors::new(ra.public_key(), ha.public_key());
        (ha, anchors)
    }

    /// Feed sizes that put record boundaries everywhere: a byte at a time, whole records one
    /// by one (each run's first record is compared with the previous feed's last), records
    /// split across feeds, and all at once.
    fn chunk_sizes(wire: &[u8]) -> [usize; 5] {
        [
            1,
            RECORD_BYTES,
            RECORD_BYTES + 1,
            3 * RECORD_BYTES - 7,
            wire.len(),
        ]
    }

    #[test]
    fn order_is_decided_on_whole_tokens_when_their_first_halves_tie() {
        let (ha, anchors) = keys();
        let ordered = [
            token(0, 0),
            token(0, 1),
            token(5, 0),
            token(5, u64::MAX),
            token(6, 0),
            token(u64::MAX, 3),
            token(u64::MAX, 4),
        ];
        let (wire, records) = batch(&ha, &ordered);
        for chunk in chunk_sizes(&wire) {
            let mut reader = BatchReader::new(anchors.clone());
            let mut got = Vec::new();
            for part in wire.chunks(chunk) {
                got.extend(reader.feed(part).expect("ordered"));
            }
            reader.finish().expect("count and digest");
            assert_eq!(got, records, "chunk {chunk}");
        }
        let unordered: [&[[u8; 16]]; 5] = [
            // The same first half, the second one lower; then equal tokens.
            &[token(0, 0), token(5, 2), token(5, 1)],
            &[token(0, 0), token(5, 2), token(5, 2)],
            // A zero token twice: the first record has no predecessor to compare with.
            &[token(0, 0), token(0, 0)],
            // A lower first half.
            &[token(6, 0), token(5, u64::MAX)],
            &[token(u64::MAX, 1), token(u64::MAX, 1)],
        ];
        for tokens in unordered {
            let (wire, _) = batch(&ha, tokens);
            for chunk in chunk_sizes(&wire) {
                let mut reader = BatchReader::new(anchors.clone());
                let refused = wire
                    .chunks(chunk)
                    .map(|part| reader.feed(part).map(|_| ()))
                    .find(Result::is_err);
                assert_eq!(
                    refused,
                    Some(Err(Error::NonCanonical)),
                    "{tokens:?}, chunk {chunk}"
                );
            }
        }
    }

    #[test]
    fn the_matcher_finds_tokens_whose_first_halves_tie_with_others() {
        let (ha, anchors) = keys();
        let tokens = [
            token(1, 0),
            token(5, 3),
            token(5, 5),
            token(5, 7),
            token(5, 9),
            token(5, 10),
            token(u64::MAX, 6),
            token(u64::MAX, 7),
            token(u64::MAX, 8),
        ];
        let (wire, records) = batch(&ha, &tokens);
        let entry = |t: [u8; 16], owner| IndexEntry {
            token: u128::from_be_bytes(t),
            owner,
            slot: Slot::new(1),
        };
        // Two owners share token (5, 9); (5, 6) and (7, 0) are in no record.
        let index: TokenIndex<usize> = TokenIndex {
            owners: Vec::new(),
            entries: vec![
                entry(token(5, 5), 0),
                entry(token(5, 6), 0),
                entry(token(5, 9), 0),
                entry(token(5, 9), 1),
                entry(token(7, 0), 0),
                entry(token(u64::MAX, 7), 2),
            ],
        };
        // (record, index entry) for each token both hold.
        let want = [(2, 0), (4, 2), (4, 3), (7, 5)];
        for chunk in chunk_sizes(&wire) {
            let mut m = index.matcher(anchors.clone());
            for part in wire.chunks(chunk) {
                m.feed(part).expect("a valid batch");
            }
            let got: Vec<(ExposureRecord, usize)> = m.candidates.clone();
            let want: Vec<(ExposureRecord, usize)> =
                want.iter().map(|&(r, e)| (records[r], e)).collect();
            assert_eq!(got, want, "chunk {chunk}");
            // The filler seals open under no key (and no owner holds keys here): no hit.
            let (_, hits) = m.finish().expect("count and digest");
            assert!(hits.is_empty());
        }
    }

    /// A batch of `n` records over several leaves of the records' tree: tokens `(i, 0)`,
    /// sealed parts from `i`.
    fn big_batch(ha: &SigningKey, n: u64) -> Vec<u8> {
        let mut body = Vec::new();
        for i in 1..=n {
            body.extend_from_slice(&token(i, 0));
            body.extend_from_slice(&[(i % 253) as u8; RECORD_PLAINTEXT_BYTES + 16]);
        }
        signed(ha, body)
    }

    #[test]
    fn a_batch_over_several_leaves_streams_and_any_change_in_any_leaf_is_refused() {
        let (ha, anchors) = keys();
        let n = 2 * merkle::RECORDS_PER_LEAF as u64 + 5;
        let wire = big_batch(&ha, n);
        let header_len = wire.len() - n as usize * RECORD_BYTES;
        for chunk in [977, 65_536, merkle::LEAF_BYTES + 3, wire.len()] {
            let mut reader = BatchReader::new(anchors.clone());
            let mut count = 0;
            for part in wire.chunks(chunk) {
                count += reader.feed(part).expect("a valid batch").len();
            }
            reader.finish().expect("count and digest");
            assert_eq!(count as u64, n, "chunk {chunk}");
        }
        assert_eq!(
            ExposureBatch::decode(&wire).map(|b| b.records().len() as u64),
            Ok(n)
        );
        // A sealed byte changed in the first, second and last leaf (order unchanged).
        for record in [0, merkle::RECORDS_PER_LEAF + 7, n as usize - 1] {
            let mut bad = wire.clone();
            bad[header_len + record * RECORD_BYTES + 20] ^= 1;
            let mut reader = BatchReader::new(anchors.clone());
            reader.feed(&bad).expect("order and signature hold");
            assert_eq!(
                reader.finish(),
                Err(Error::BatchDigestMismatch),
                "record {record}"
            );
            assert_eq!(ExposureBatch::decode(&bad), Err(Error::BatchDigestMismatch));
        }
    }

    #[test]
    fn a_host_hands_in_one_prefixed_leaf_hash_per_run_in_order() {
        let (ha, anchors) = keys();
        let n = 2 * merkle::RECORDS_PER_LEAF as u64 + 5;
        let wire = big_batch(&ha, n);
        let header_len = wire.len() - n as usize * RECORD_BYTES;
        let records = &wire[header_len..];
        let leaves = |bytes: &[u8], size: usize, prefix: &[u8]| -> Vec<[u8; 32]> {
            bytes.chunks(size).map(|l| sha256(&[prefix, l])).collect()
        };
        let finish = |hashes: &[[u8; 32]]| {
            let mut reader = BatchReader::with_host_digest(anchors.clone());
            reader.feed(&wire).expect("a valid batch");
            reader.finish_with_leaf_hashes(hashes).map(|_| ())
        };
        let good = leaves(records, merkle::LEAF_BYTES, &[0]);
        assert_eq!(good.len(), 3);
        assert_eq!(finish(&good), Ok(()));
        // Swapped leaves, leaves without the 0x00 prefix, or cut elsewhere: refused.
        let mut swapped = good.clone();
        swapped.swap(0, 1);
        assert_eq!(finish(&swapped), Err(Error::BatchDigestMismatch));
        assert_eq!(
            finish(&leaves(records, merkle::LEAF_BYTES, &[])),
            Err(Error::BatchDigestMismatch)
        );
        assert_eq!(
            finish(&leaves(records, merkle::LEAF_BYTES + RECORD_BYTES, &[0])),
            Err(Error::BatchDigestMismatch)
        );
        // The signed root handed in as if it were the only leaf, a leaf missing or one too
        // many: the count of leaf hashes is wrong, whatever they are.
        let root = merkle::root(&good);
        for wrong in [
            vec![root],
            good[..2].to_vec(),
            [&good[..], &[root]].concat(),
        ] {
            assert!(matches!(finish(&wrong), Err(Error::InvalidArgument(_))));
        }
        // The count is checked before the leaves: a stream one record short is Truncated.
        let mut reader = BatchReader::with_host_digest(anchors.clone());
        reader
            .feed(&wire[..wire.len() - RECORD_BYTES])
            .expect("a prefix");
        assert_eq!(
            reader.finish_with_leaf_hashes(&good).map(|_| ()),
            Err(Error::Truncated)
        );
    }
}
