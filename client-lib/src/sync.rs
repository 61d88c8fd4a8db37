//! Sync and matching: revocations, then exposure batches since the stored cursor, streamed
//! through a hash map of the diary's slot tokens.
//!
//! Each batch is verified (HA signature on the header, then count, order and digest of the
//! records as they stream past) before anything it produced is stored. Its exposures and the
//! advanced cursor are committed in one transaction, so a crash at any point loses no alert and
//! duplicates none: an interrupted batch is simply processed again on the next sync.

use std::collections::HashMap;
use std::io::{self, Cursor, Read};

use venuecode_protocol::codec::Reader;
use venuecode_protocol::exposure::RECORD_BYTES;
use venuecode_protocol::time::{overlap_minutes, stay_slots, UnixMinute, MATCH_MARGIN_SLOTS};
use venuecode_protocol::{
    ExposureNotice, ExposureRecord, SignedBatchHeader, SlotKeys, SlotToken, TrustAnchors,
};

use crate::api;
use crate::diary::{DiaryEntry, EntryId, Exposure, SyncCommit};
use crate::error::{Error, ProtocolError, Result};
use crate::visitor::Visitor;

/// The largest signed batch header: version, key id, batch id, time, message count, 16
/// messages of 1024 bytes with their length prefixes, record count, digest and signature.
pub const MAX_BATCH_HEADER_BYTES: usize = 1 + 8 + 16 + 4 + 1 + 16 * (2 + 1024) + 4 + 32 + 64;

/// What a sync did.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    /// Whether the revocation list was fetched and applied.
    pub revocations_updated: bool,
    /// How many exposure batches were processed.
    pub batches: usize,
    /// The exposures raised by this sync (never one raised before).
    pub new_exposures: Vec<Exposure>,
    /// The batch cursor after the sync.
    pub cursor: u64,
}

/// Where a sync has got to, reported after each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncProgress {
    /// The batch just processed.
    pub batch: u64,
    /// The latest batch the server announced.
    pub latest: u64,
    /// Records in the batch just processed.
    pub records: u32,
    /// New exposures raised so far in this sync.
    pub exposures_so_far: usize,
}

/// A record whose token matched, opened.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit<T> {
    pub(crate) owner: T,
    pub(crate) notice: ExposureNotice,
}

fn io_error(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        Error::Protocol(ProtocolError::Truncated)
    } else {
        Error::Network(Box::new(e))
    }
}

/// Streams one batch body: reads and verifies the header, passes each record to `lookup`
/// (which returns the seed keys and slot to try for a token), opens the seals of matches, and
/// returns the hits and the header only once the record checker has confirmed count and
/// digest. Memory stays bounded by the header size and the number of hits.
pub(crate) fn stream_batch<T: Copy>(
    body: &mut dyn Read,
    anchors: &TrustAnchors,
    mut lookup: impl FnMut(&SlotToken, &mut dyn FnMut(T, &SlotKeys, u32)),
) -> Result<(SignedBatchHeader, Vec<Hit<T>>)> {
    let mut head = Vec::with_capacity(1024);
    body.take(MAX_BATCH_HEADER_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(io_error)?;
    let mut r = Reader::new(&head);
    let header = SignedBatchHeader::read(&mut r)?;
    header.verify(anchors)?;
    let leftover = head.get(r.position()..).unwrap_or(&[]).to_vec();
    let mut stream = Cursor::new(leftover).chain(body);
    let batch_id = header.header().batch_id;
    let mut checker = header.record_checker();
    let mut hits = Vec::new();
    let mut buf = [0u8; RECORD_BYTES];
    for _ in 0..header.header().record_count {
        stream.read_exact(&mut buf).map_err(io_error)?;
        let record = ExposureRecord::read(&mut Reader::new(&buf))?;
        checker.push(&record)?;
        lookup(&record.token, &mut |owner, keys, slot| {
            // A token that matches but whose seal does not open is not ours (a collision) or
            // was sealed wrongly; either way it raises nothing.
            if let Ok(notice) = record.open(keys, slot, &batch_id) {
                hits.push(Hit { owner, notice });
            }
        });
    }
    let mut extra = [0u8; 1];
    match stream.read(&mut extra) {
        Ok(0) => {}
        Ok(_) => return Err(Error::Protocol(ProtocolError::TrailingBytes)),
        Err(e) => return Err(io_error(e)),
    }
    checker.finish()?;
    Ok((header, hits))
}

/// The diary's slot tokens, with margins, mapped to the entries and slots they belong to.
pub(crate) struct TokenMap {
    keys: Vec<SlotKeys>,
    map: HashMap<SlotToken, Vec<(usize, u32)>>,
}

impl TokenMap {
    /// Builds the map for `entries`: every slot of each stay, plus `MATCH_MARGIN_SLOTS` before
    /// arrival and after departure.
    pub(crate) fn new(entries: &[DiaryEntry]) -> Self {
        let mut keys = Vec::with_capacity(entries.len());
        let mut map: HashMap<SlotToken, Vec<(usize, u32)>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let k = e.code().seed().slot_keys();
            let stay = stay_slots(e.arrival(), e.departure());
            let first = stay.start().saturating_sub(MATCH_MARGIN_SLOTS);
            let last = stay.end().saturating_add(MATCH_MARGIN_SLOTS);
            for slot in first..=last {
                map.entry(k.token(slot)).or_default().push((i, slot));
            }
            keys.push(k);
        }
        Self { keys, map }
    }

    /// Calls `f` with each (entry index, keys, slot) the token belongs to.
    pub(crate) fn lookup(&self, token: &SlotToken, f: &mut dyn FnMut(usize, &SlotKeys, u32)) {
        if let Some(owners) = self.map.get(token) {
            for (i, slot) in owners {
                if let Some(k) = self.keys.get(*i) {
                    f(*i, k, *slot);
                }
            }
        }
    }

    /// How many tokens the map holds.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

/// Turns the hits of one batch into exposures where the user's own stay overlaps the window by
/// at least `min_overlap` minutes.
fn exposures_from_hits(
    entries: &[DiaryEntry],
    hits: &[Hit<usize>],
    messages: &[String],
    min_overlap: u32,
    now: UnixMinute,
) -> Vec<Exposure> {
    let mut out: Vec<Exposure> = Vec::new();
    for h in hits {
        let Some(e) = entries.get(h.owner) else {
            continue;
        };
        let (a0, a1) = e.stay_at(now);
        let (w0, w1) = (h.notice.window_start, h.notice.window_end());
        let overlap = overlap_minutes(a0, a1, w0, w1);
        if overlap == 0 || overlap < min_overlap {
            continue;
        }
        let exp = Exposure {
            id: 0,
            entry_id: EntryId(e.id().0),
            venue_name: e.venue_name().to_owned(),
            venue_address: e.venue_address().to_owned(),
            category: e.category(),
            window_start: w0,
            window_end: w1,
            overlap_start: a0.max(w0),
            overlap_minutes: overlap,
            risk: h.notice.risk,
            message: messages
                .get(usize::from(h.notice.message_index))
                .cloned()
                .unwrap_or_default(),
            raised_at: now,
        };
        if !out.iter().any(|o| o.same_as(&exp)) {
            out.push(exp);
        }
    }
    out
}

impl Visitor {
    /// Purges, refreshes the revocation list, then processes every exposure batch published
    /// since the stored cursor.
    pub fn sync(&self) -> Result<SyncReport> {
        self.sync_with_progress(&mut |_| {})
    }

    /// [`Self::sync`], calling `progress` after each batch, for apps and commands that show
    /// progress on long lists.
    pub fn sync_with_progress(&self, progress: &mut dyn FnMut(SyncProgress)) -> Result<SyncReport> {
        self.purge()?;
        self.sync_revocations()?;
        let mut report = self.sync_exposures_with_progress(progress)?;
        report.revocations_updated = true;
        Ok(report)
    }

    /// Fetches the revocation list since the cached cursor, verifies the RA signature and
    /// applies it. A list that does not continue from the cursor is replaced by the full list.
    pub fn sync_revocations(&self) -> Result<()> {
        let mut set = self.diary.revocations()?;
        let list = api::fetch_revocations(&*self.transport, set.cursor())?;
        list.verify(&self.config.anchors)?;
        if set.apply(&list).is_err() {
            let full = api::fetch_revocations(&*self.transport, 0)?;
            full.verify(&self.config.anchors)?;
            set.apply(&full)?;
        }
        self.diary.set_revocations(&set)
    }

    /// Processes the exposure batches published since the stored cursor, one transaction per
    /// batch. Stops at the first batch that fails to download or verify, keeping what the
    /// batches before it produced.
    pub fn sync_exposures(&self) -> Result<SyncReport> {
        self.sync_exposures_with_progress(&mut |_| {})
    }

    /// [`Self::sync_exposures`], calling `progress` after each batch.
    pub fn sync_exposures_with_progress(
        &self,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport> {
        let now = self.now();
        let entries = self.diary.entries()?;
        let map = TokenMap::new(&entries);
        let start = self.diary.batch_cursor()?;
        let mut report = SyncReport {
            cursor: start,
            ..SyncReport::default()
        };
        // The server answers at most a page of batches at a time; ask again after the last one
        // until the cursor reaches the latest.
        loop {
            let listing = api::list_batches(&*self.transport, report.cursor)?;
            let page: Vec<u64> = listing
                .batches
                .iter()
                .map(|b| b.sequence)
                .filter(|s| *s > report.cursor)
                .collect();
            if page.is_empty() {
                break;
            }
            for sequence in page {
                let mut body = api::open_batch(&*self.transport, sequence)?;
                let (header, hits) =
                    stream_batch(&mut *body, &self.config.anchors, |t, f| map.lookup(t, f))?;
                let exposures = exposures_from_hits(
                    &entries,
                    &hits,
                    &header.header().messages,
                    self.config.min_overlap_minutes,
                    now,
                );
                let added = self.diary.commit_sync(SyncCommit {
                    exposures,
                    cursor: sequence,
                })?;
                report.batches += 1;
                report.cursor = sequence;
                report.new_exposures.extend(added);
                progress(SyncProgress {
                    batch: sequence,
                    latest: listing.latest,
                    records: header.header().record_count,
                    exposures_so_far: report.new_exposures.len(),
                });
            }
            if report.cursor >= listing.latest {
                break;
            }
        }
        Ok(report)
    }

    /// How many slot tokens the diary currently yields for matching (for diagnostics).
    pub fn token_count(&self) -> Result<usize> {
        Ok(TokenMap::new(&self.diary.entries()?).len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use venuecode_protocol::exposure::{MAX_MESSAGES, MAX_MESSAGE_BYTES};
    use venuecode_protocol::{BatchBuilder, SigningKey};

    #[test]
    fn the_largest_header_fits_the_header_buffer() {
        let ha = SigningKey::from_seed(&[2; 32]).expect("key");
        let messages = vec!["x".repeat(MAX_MESSAGE_BYTES); MAX_MESSAGES];
        let batch = BatchBuilder::new(0, messages)
            .and_then(|b| b.sign(&ha))
            .expect("batch");
        let mut header = Vec::new();
        batch.header().encode_into(&mut header);
        assert_eq!(header.len(), MAX_BATCH_HEADER_BYTES);

        // And such a batch streams: the header is read past the first buffer fill.
        let anchors = TrustAnchors::new(ha.public_key(), ha.public_key());
        let bytes = venuecode_protocol::Codec::encode(&batch);
        let (h, hits) =
            stream_batch::<()>(&mut bytes.as_slice(), &anchors, |_, _| {}).expect("stream");
        assert_eq!(h.header().messages.len(), MAX_MESSAGES);
        assert!(hits.is_empty());
    }

    #[test]
    fn trailing_bytes_after_the_records_are_refused() {
        let ha = SigningKey::from_seed(&[2; 32]).expect("key");
        let anchors = TrustAnchors::new(ha.public_key(), ha.public_key());
        let batch = BatchBuilder::new(0, vec!["m".into()])
            .and_then(|b| b.sign(&ha))
            .expect("batch");
        let mut bytes = venuecode_protocol::Codec::encode(&batch);
        bytes.push(0);
        let r = stream_batch::<()>(&mut bytes.as_slice(), &anchors, |_, _| {});
        assert!(matches!(
            r,
            Err(Error::Protocol(ProtocolError::TrailingBytes))
        ));
    }
}
