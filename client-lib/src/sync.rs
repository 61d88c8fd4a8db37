//! Sync and matching, wire v2: the trust bundle, revocations (paged), the HA's checkpoint,
//! the exposure batches after the chain head, then the chain's status; and count pings.
//!
//! Each part is reported on its own in [`SyncReport`]: a part that fails (the network, a
//! refused answer) is reported and the others still run. Only a failure of the diary itself
//! ends a sync with an error.
//!
//! Each batch is read with the protocol's streaming `BatchReader` (HA signature on the header,
//! then count, order and digest of the records as they stream past) and merge-joined with the
//! diary's sorted slot tokens (the protocol's `TokenIndex`), and its header must be
//! accepted by the chain (`ChainState::accept_batch_header`) before any of its matches count.
//! Its exposures and the new chain state are committed in one transaction, so a crash at any
//! point loses no alert and duplicates none: an interrupted batch is read again on the next
//! sync. After the batches, the chain's status says whether the phone is up to date, was not
//! given batches the HA published ([`ChainStatus::Withheld`]), or holds too old a checkpoint
//! ([`ChainStatus::Stale`]); in either of the last two the app must not report "no exposure".

use std::io::{self, Read};

use venuecode_protocol::{
    BatchMatcher, ChainStatus, Hit, SignedBatchHeader, TokenIndex, TrustAnchors,
};

use crate::api;
use crate::error::{Error, ProtocolError, Result};
use crate::state::Exposure;
use crate::sync_core::{ExposureSync, RevocationSync};
use crate::visitor::Visitor;

pub use crate::sync_core::MAX_REVOCATION_PAGES;
/// Bytes read from a batch body at a time.
const READ_CHUNK: usize = 64 * 1024;

/// The outcome of one part of a sync.
#[derive(Debug)]
pub enum PartOutcome {
    /// Fetched, verified and applied: something changed.
    Updated,
    /// Fetched and verified (or nothing offered): nothing new.
    Unchanged,
    /// The server's answer was refused: it failed verification or the protocol's rules (a
    /// forged signature, a rollback, a gap, a broken chain, keys not signed by a held key).
    /// Nothing of it was applied.
    Refused(Error),
    /// The part could not be fetched: the network or the server failed.
    Failed(Error),
}

impl PartOutcome {
    /// Whether the part ran without a failure or a refusal.
    pub fn is_ok(&self) -> bool {
        matches!(self, Self::Updated | Self::Unchanged)
    }

    /// The error of a refused or failed part.
    pub fn error(&self) -> Option<&Error> {
        match self {
            Self::Refused(e) | Self::Failed(e) => Some(e),
            Self::Updated | Self::Unchanged => None,
        }
    }

    /// Sorts an error met in a part: a protocol error is a refusal, a network or server error
    /// a failure; an error of the diary itself ends the sync.
    fn of(e: Error) -> Result<Self> {
        match e {
            Error::Protocol(_) | Error::MalformedCode(_) => Ok(Self::Refused(e)),
            Error::Network(_)
            | Error::BadResponse(_)
            | Error::Server { .. }
            | Error::TanUsed
            | Error::TanExpired
            | Error::TanUnknown => Ok(Self::Failed(e)),
            other => Err(other),
        }
    }
}

/// What a sync did, part by part.
#[derive(Debug)]
pub struct SyncReport {
    /// `GET /v1/trust-bundle`: [`PartOutcome::Updated`] when a genuine rotation was applied,
    /// [`PartOutcome::Refused`] when the bundle offered was not signed by a held RA key or did
    /// not have a higher sequence (nothing changed).
    pub trust_bundle: PartOutcome,
    /// The revocation list, page by page.
    pub revocations: PartOutcome,
    /// The HA's checkpoint of the batch chain.
    pub checkpoint: PartOutcome,
    /// The exposure batches after the chain head.
    pub batch_sync: PartOutcome,
    /// How many exposure batches were read and accepted.
    pub batches: usize,
    /// The exposures raised by this sync (never one raised before).
    pub new_exposures: Vec<Exposure>,
    /// The chain head's sequence after the sync (the batch cursor).
    pub cursor: u64,
    /// The chain's status after the sync. Only [`ChainStatus::Ok`] allows "no exposure".
    pub chain: ChainStatus,
    /// Count pings that were due and sent, one request each.
    pub pings_sent: usize,
    /// Sending the due count pings.
    pub pings: PartOutcome,
}

impl SyncReport {
    /// Whether every part ran and the chain is up to date: only then may the app say that no
    /// (further) exposure was published.
    pub fn is_up_to_date(&self) -> bool {
        self.chain == ChainStatus::Ok
            && self.checkpoint.is_ok()
            && self.batch_sync.is_ok()
            && self.revocations.is_ok()
    }

    /// The tone to play: success only when the sync is up to date ([`Self::is_up_to_date`]).
    pub fn tone(&self) -> crate::Tone {
        if self.is_up_to_date() {
            crate::Tone::Success
        } else {
            crate::Tone::Failure
        }
    }

    /// The first error of any part, in the order trust bundle, revocations, checkpoint,
    /// batches, pings.
    pub fn first_error(&self) -> Option<&Error> {
        [
            &self.trust_bundle,
            &self.revocations,
            &self.checkpoint,
            &self.batch_sync,
            &self.pings,
        ]
        .into_iter()
        .find_map(PartOutcome::error)
    }
}

/// Where a sync has got to, reported after each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncProgress {
    /// The batch just processed.
    pub batch: u64,
    /// The latest batch announced (by the checkpoint or the server's listing).
    pub latest: u64,
    /// Records in the batch just processed.
    pub records: u32,
    /// New exposures raised so far in this sync.
    pub exposures_so_far: usize,
}

fn io_error(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        Error::Protocol(ProtocolError::Truncated)
    } else {
        Error::Network(crate::error::NetworkError::from_io(e))
    }
}

/// Streams one batch body through the protocol's matcher ([`TokenIndex::matcher`], over its
/// `BatchReader`): the header is read and verified, each record's token is merge-joined with the
/// index, and the hits (seals opened) and the header are returned only once the reader has
/// confirmed count and digest. Memory stays bounded by the header size, a read chunk and the
/// index.
pub(crate) fn stream_batch<T: Copy>(
    body: &mut dyn Read,
    anchors: &TrustAnchors,
    index: &TokenIndex<T>,
) -> Result<(SignedBatchHeader, Vec<Hit<T>>)> {
    stream_into(body, index.matcher(anchors.clone()))
}

/// Streams one batch body through `matcher`, a read chunk at a time.
fn stream_into<T: Copy>(
    body: &mut dyn Read,
    mut matcher: BatchMatcher<'_, T>,
) -> Result<(SignedBatchHeader, Vec<Hit<T>>)> {
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(e)),
        };
        matcher.feed(buf.get(..n).unwrap_or(&[]))?;
    }
    Ok(matcher.finish()?)
}

impl Visitor {
    /// Runs every part of a sync: purges, then the trust bundle, revocations, checkpoint,
    /// exposure batches and the chain's status, then the count pings that are due. Each part
    /// is reported in the [`SyncReport`]; only a failure of the diary is an `Err`.
    pub fn sync(&self) -> Result<SyncReport> {
        self.sync_with_progress(&mut |_| {})
    }

    /// [`Self::sync`], calling `progress` after each batch, for apps and commands that show
    /// progress on long lists.
    pub fn sync_with_progress(&self, progress: &mut dyn FnMut(SyncProgress)) -> Result<SyncReport> {
        self.purge()?;
        let trust_bundle = self.sync_trust_bundle()?;
        let revocations = match self.refresh_revocations() {
            Ok(true) => PartOutcome::Updated,
            Ok(false) => PartOutcome::Unchanged,
            Err(e) => PartOutcome::of(e)?,
        };
        let mut report = self.sync_exposures_with_progress(progress)?;
        report.trust_bundle = trust_bundle;
        report.revocations = revocations;
        match self.send_due_pings() {
            Ok(n) => {
                report.pings_sent = n;
                report.pings = if n > 0 {
                    PartOutcome::Updated
                } else {
                    PartOutcome::Unchanged
                };
            }
            Err(e) => report.pings = PartOutcome::of(e)?,
        }
        Ok(report)
    }

    /// Fetches `GET /v1/trust-bundle` and applies the bundle only if it is a genuine update of
    /// the held one (signed by a held RA key, higher sequence). A bundle that fails is reported
    /// as refused and changes nothing; the same bundle again, or none, is unchanged.
    pub fn sync_trust_bundle(&self) -> Result<PartOutcome> {
        let offered = match api::fetch_trust_bundle(&*self.transport) {
            Ok(None) => return Ok(PartOutcome::Unchanged),
            Ok(Some(b)) => b,
            Err(e) => return PartOutcome::of(e),
        };
        // Tried on a copy first: a refused bundle writes nothing.
        match self
            .diary
            .load()?
            .offer_trust_bundle(&self.config, &offered)
        {
            Ok(false) => Ok(PartOutcome::Unchanged),
            Ok(true) => {
                self.diary
                    .update(|s| s.offer_trust_bundle(&self.config, &offered))?;
                Ok(PartOutcome::Updated)
            }
            Err(e) => Ok(PartOutcome::Refused(e)),
        }
    }

    /// Fetches the revocation list after the cached cursor, page by page while the list says
    /// more follow, verifies each page's RA signature and applies it. A page that would skip
    /// revocations (`RevocationGap`) or replay older state (`Rollback`) is refused with that
    /// error; the pages applied before it are kept.
    pub fn sync_revocations(&self) -> Result<()> {
        self.refresh_revocations().map(|_| ())
    }

    /// [`Self::sync_revocations`]; returns whether the set changed.
    pub(crate) fn refresh_revocations(&self) -> Result<bool> {
        let mut run = RevocationSync::new(&self.diary.load()?, &self.config);
        let result = loop {
            match run.next_path() {
                Ok(Some(_)) => {}
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
            let step = api::fetch_revocations(&*self.transport, run.cursor())
                .and_then(|list| run.apply_page(&list));
            if let Err(e) = step {
                break Err(e);
            }
        };
        let changed = run.changed();
        if changed {
            self.diary.update(|s| Ok(run.store(s)))?;
        }
        result.map(|()| changed)
    }

    /// The state of the exposure check now: [`ChainStatus::Ok`] when the newest checkpoint is
    /// recent and every batch it names was read; [`ChainStatus::Withheld`] when the server did
    /// not give batches the HA published; [`ChainStatus::Stale`] when no checkpoint is held or
    /// it is older than the stale bound. In the last two the app must not say "no exposure".
    pub fn chain_status(&self) -> Result<ChainStatus> {
        self.diary.load()?.chain_status(&self.config, self.now())
    }

    /// The checkpoint and the exposure batches only, without the trust bundle, revocations or
    /// pings.
    pub fn sync_exposures(&self) -> Result<SyncReport> {
        self.sync_exposures_with_progress(&mut |_| {})
    }

    /// [`Self::sync_exposures`], calling `progress` after each batch.
    pub fn sync_exposures_with_progress(
        &self,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport> {
        let now = self.now();
        let mut run = ExposureSync::new(&self.diary.load()?, &self.config, now)?;
        let mut report = SyncReport {
            trust_bundle: PartOutcome::Unchanged,
            revocations: PartOutcome::Unchanged,
            checkpoint: PartOutcome::Unchanged,
            batch_sync: PartOutcome::Unchanged,
            batches: 0,
            new_exposures: Vec::new(),
            cursor: run.cursor(),
            chain: ChainStatus::Stale,
            pings_sent: 0,
            pings: PartOutcome::Unchanged,
        };

        // The checkpoint first: it names the batches the HA published.
        report.checkpoint = match api::fetch_checkpoint(&*self.transport)
            .and_then(|cp| run.accept_checkpoint(&cp))
        {
            Ok(true) => PartOutcome::Updated,
            Ok(false) => PartOutcome::Unchanged,
            Err(e) => PartOutcome::of(e)?,
        };

        let listed = api::list_batches(&*self.transport, run.cursor());
        run.set_latest(listed.as_ref().map(|l| l.latest).unwrap_or(0));
        let target = run.target();
        if let Err(e) = listed {
            report.batch_sync = PartOutcome::of(e)?;
        }
        while let Some(sequence) = run.next_batch() {
            let read = api::open_batch(&*self.transport, sequence)
                .and_then(|mut body| stream_into(&mut *body, run.matcher()));
            let (header, hits) = match read {
                Ok(x) => x,
                Err(e) => {
                    report.batch_sync = PartOutcome::of(e)?;
                    break;
                }
            };
            let commit = match run.accept_batch(&header, &hits) {
                Ok(c) => c,
                Err(e) => {
                    report.batch_sync = PartOutcome::Refused(e);
                    break;
                }
            };
            let added = self.diary.update(|s| Ok(s.commit_sync(commit)))?;
            report.batches += 1;
            report.batch_sync = PartOutcome::Updated;
            report.new_exposures.extend(added);
            progress(SyncProgress {
                batch: header.header().sequence,
                latest: target,
                records: header.header().record_count,
                exposures_so_far: report.new_exposures.len(),
            });
        }
        if let Some(commit) = run.pending_commit() {
            self.diary.update(|s| Ok(s.commit_sync(commit)))?;
        }
        report.cursor = run.cursor();
        report.chain = run.status(now);
        Ok(report)
    }

    /// How many slot tokens the diary currently yields for matching (for diagnostics).
    pub fn token_count(&self) -> Result<usize> {
        Ok(self.diary.load()?.token_count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use venuecode_protocol::exposure::{MAX_MESSAGES, MAX_MESSAGE_BYTES};
    use venuecode_protocol::time::UnixMinute;
    use venuecode_protocol::{BatchBuilder, ChainHead, Codec, SigningKey};

    #[test]
    fn the_largest_header_streams_in_small_reads() {
        let ha = SigningKey::from_seed(&[2; 32]).expect("key");
        let messages = vec!["x".repeat(MAX_MESSAGE_BYTES); MAX_MESSAGES];
        let batch = BatchBuilder::new(ChainHead::GENESIS, UnixMinute::MIN, messages)
            .and_then(|b| b.sign(&ha))
            .expect("batch");
        let anchors = TrustAnchors::new(ha.public_key(), ha.public_key());
        let bytes = batch.encode();
        // A reader that hands out 7 bytes at a time: the header spans many reads.
        struct Slow<'a>(&'a [u8]);
        impl Read for Slow<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(7).min(self.0.len());
                let (head, rest) = self.0.split_at(n);
                buf[..n].copy_from_slice(head);
                self.0 = rest;
                Ok(n)
            }
        }
        let (h, hits) =
            stream_batch::<()>(&mut Slow(&bytes), &anchors, &TokenIndex::new()).expect("stream");
        assert_eq!(h.header().messages.len(), MAX_MESSAGES);
        assert!(hits.is_empty());
    }

    #[test]
    fn trailing_bytes_after_the_records_are_refused() {
        let ha = SigningKey::from_seed(&[2; 32]).expect("key");
        let anchors = TrustAnchors::new(ha.public_key(), ha.public_key());
        let batch = BatchBuilder::new(ChainHead::GENESIS, UnixMinute::MIN, vec!["m".into()])
            .and_then(|b| b.sign(&ha))
            .expect("batch");
        let mut bytes = batch.encode();
        bytes.push(0);
        let r = stream_batch::<()>(&mut bytes.as_slice(), &anchors, &TokenIndex::new());
        assert!(matches!(r, Err(Error::Protocol(_))), "{r:?}");
    }

    #[test]
    fn errors_of_a_part_are_sorted_into_refused_and_failed() {
        assert!(matches!(
            PartOutcome::of(Error::Protocol(ProtocolError::Rollback)),
            Ok(PartOutcome::Refused(_))
        ));
        assert!(matches!(
            PartOutcome::of(Error::BadResponse(crate::Reason::JsonMismatch)),
            Ok(PartOutcome::Failed(_))
        ));
        assert!(matches!(
            PartOutcome::of(Error::Corrupt),
            Err(Error::Corrupt)
        ));
    }
}
