//! Sync's rules, sans I/O: which path to fetch next and what to do with the bytes fetched.
//! The native [`crate::Visitor`] drives them over its transport ([`crate::sync`]); the browser
//! (crates/wasm) drives them over `fetch`. Both run exactly these checks: the RA signature of
//! each revocation page and its order (rollback, gap, progress), the HA's checkpoint, each
//! batch's streaming verification and matching, and the chain (gap, reorder, fork; withheld and
//! stale).

use std::sync::Arc;

use venuecode_protocol::time::{overlap_minutes, UnixMinute};
use venuecode_protocol::{
    BatchMatcher, ChainState, ChainStatus, Checkpoint, Codec, Hit, RevocationList, RevocationSet,
    SignedBatchHeader, TokenIndex, TrustAnchors,
};

use crate::error::{Error, Reason, Result};
use crate::rules::VisitorConfig;
use crate::state::{DiaryEntry, DiaryState, EntryId, Exposure, StoredChain, SyncCommit};

/// Most revocation pages one sync reads: 100 pages of 10 000 hold the protocol's limit of a
/// million entries ten times over.
pub const MAX_REVOCATION_PAGES: usize = 1000;

/// The path of the revocation list after `cursor`.
pub fn revocations_path(after: u64) -> String {
    format!("/v1/revocations?after={after}")
}

/// The path of the batch listing after `cursor`.
pub fn batch_list_path(after: u64) -> String {
    format!("/v1/batches?after={after}")
}

/// The path of one batch.
pub fn batch_path(sequence: u64) -> String {
    format!("/v1/batches/{sequence}")
}

/// One run over the revocation list, page by page: each page's RA signature is verified and the
/// page applied to a copy of the cached set; a page that would skip revocations
/// (`RevocationGap`) or replay older state (`Rollback`) is refused with that error, and the
/// pages applied before it are kept.
#[derive(Debug)]
pub struct RevocationSync {
    anchors: TrustAnchors,
    before: RevocationSet,
    set: RevocationSet,
    pages: usize,
    done: bool,
}

impl RevocationSync {
    /// Starts from the state's cached set.
    pub fn new(state: &DiaryState, config: &VisitorConfig) -> Self {
        Self {
            anchors: state.anchors(config),
            before: state.revocations.clone(),
            set: state.revocations.clone(),
            pages: 0,
            done: false,
        }
    }

    /// The cursor of the set so far.
    pub fn cursor(&self) -> u64 {
        self.set.cursor()
    }

    /// The path of the next page to fetch, `None` once the last page said none follow. More
    /// than [`MAX_REVOCATION_PAGES`] pages is refused.
    pub fn next_path(&self) -> Result<Option<String>> {
        if self.done {
            return Ok(None);
        }
        if self.pages >= MAX_REVOCATION_PAGES {
            return Err(Error::BadResponse(Reason::TooManyRevocationPages));
        }
        Ok(Some(revocations_path(self.cursor())))
    }

    /// Verifies and applies one page; returns whether more pages follow.
    pub fn apply_page(&mut self, list: &RevocationList) -> Result<bool> {
        if self.pages >= MAX_REVOCATION_PAGES {
            return Err(Error::BadResponse(Reason::TooManyRevocationPages));
        }
        self.pages += 1;
        let cursor = self.set.cursor();
        list.verify(&self.anchors)?;
        self.set.apply(list)?;
        let b = list.body();
        if b.up_to >= b.head {
            self.done = true;
            return Ok(false);
        }
        if b.up_to <= cursor {
            self.done = true;
            return Err(Error::BadResponse(Reason::RevocationPageWithoutProgress));
        }
        Ok(true)
    }

    /// [`Self::apply_page`] on the bytes of `GET /v1/revocations`.
    pub fn apply_page_bytes(&mut self, raw: &[u8]) -> Result<bool> {
        let list = RevocationList::decode(raw).map_err(Error::Protocol)?;
        self.apply_page(&list)
    }

    /// Whether the set differs from the cached one.
    pub fn changed(&self) -> bool {
        self.set != self.before
    }

    /// Stores the set in `state` (the pages applied so far); returns whether it changed.
    pub fn store(&self, state: &mut DiaryState) -> bool {
        state.revocations = self.set.clone();
        self.changed()
    }
}

/// One sync of the batch chain: the checkpoint, then the batches after the chain head up to
/// the checkpoint's sequence or the server's latest, whichever is higher, each fetched by its
/// sequence so that a batch left out of the listing is still asked for. Each batch's header
/// must be accepted by the chain before any of its matches count.
#[derive(Debug)]
pub struct ExposureSync {
    anchors: TrustAnchors,
    chain: ChainState,
    stored_checkpoint: Option<Checkpoint>,
    entries: Vec<DiaryEntry>,
    index: Arc<TokenIndex<usize>>,
    latest: u64,
    min_overlap: u32,
    now: UnixMinute,
    unsaved: bool,
}

/// The chain state as stored, with the configured stale bound.
pub(crate) fn chain_state(state: &DiaryState, config: &VisitorConfig) -> Result<ChainState> {
    let stored = &state.chain;
    Ok(ChainState::restore(stored.head, stored.checkpoint)
        .map_err(|_| Error::Corrupt)?
        .with_stale_minutes(config.stale_minutes))
}

impl DiaryState {
    /// The state of the exposure check at `now`: [`ChainStatus::Ok`] when the newest
    /// checkpoint is recent and every batch it names was read; [`ChainStatus::Withheld`] when
    /// the server did not give batches the HA published; [`ChainStatus::Stale`] when no
    /// checkpoint is held or it is older than the stale bound. In the last two the app must not
    /// say "no exposure".
    pub fn chain_status(&self, config: &VisitorConfig, now: UnixMinute) -> Result<ChainStatus> {
        Ok(chain_state(self, config)?.status(now))
    }

    /// How many slot tokens the diary currently yields for matching (for diagnostics).
    pub fn token_count(&self) -> usize {
        token_index(&self.sorted_entries()).len()
    }
}

impl ExposureSync {
    /// Starts a sync at `now` from the state's chain and entries.
    pub fn new(state: &DiaryState, config: &VisitorConfig, now: UnixMinute) -> Result<Self> {
        let entries = state.sorted_entries();
        Ok(Self {
            anchors: state.anchors(config),
            chain: chain_state(state, config)?,
            stored_checkpoint: state.chain.checkpoint,
            index: Arc::new(token_index(&entries)),
            entries,
            latest: 0,
            min_overlap: config.min_overlap_minutes,
            now,
            unsaved: false,
        })
    }

    /// The chain head's sequence (the batch cursor).
    pub fn cursor(&self) -> u64 {
        self.chain.cursor()
    }

    /// Verifies the HA's checkpoint and accepts it if it is newer; returns whether the held
    /// checkpoint changed.
    pub fn accept_checkpoint(&mut self, cp: &Checkpoint) -> Result<bool> {
        let r = self.chain.accept_checkpoint(cp, &self.anchors);
        let updated = self.chain.checkpoint() != self.stored_checkpoint.as_ref();
        self.unsaved |= updated;
        r?;
        Ok(updated)
    }

    /// [`Self::accept_checkpoint`] on the bytes of `GET /v1/checkpoint`.
    pub fn accept_checkpoint_bytes(&mut self, raw: &[u8]) -> Result<bool> {
        let cp = Checkpoint::decode(raw).map_err(Error::Protocol)?;
        self.accept_checkpoint(&cp)
    }

    /// The latest batch the server's listing announced.
    pub fn set_latest(&mut self, latest: u64) {
        self.latest = latest;
    }

    /// The last batch this sync reads: the checkpoint's sequence or the server's latest,
    /// whichever is higher.
    pub fn target(&self) -> u64 {
        self.chain
            .checkpoint()
            .map_or(self.latest, |cp| cp.body().sequence.max(self.latest))
    }

    /// The sequence of the next batch to read, `None` when the sync has read up to its target.
    pub fn next_batch(&self) -> Option<u64> {
        let sequence = next_sequence(&self.chain);
        (sequence <= self.target()).then_some(sequence)
    }

    /// A matcher for the next batch, borrowing the diary's token index.
    pub fn matcher(&self) -> BatchMatcher<'_, usize> {
        self.index.matcher(self.anchors.clone())
    }

    /// A matcher for the next batch that shares the token index, to keep across calls.
    pub fn shared_matcher(&self) -> BatchMatcher<'static, usize> {
        TokenIndex::shared_matcher(&self.index, self.anchors.clone())
    }

    /// A batch read whole: the chain must accept its header (no gap, reorder or fork), or it
    /// is refused whole; then its hits become exposures where the user's own stay overlaps the
    /// window enough. Returns what to commit to the state in one step.
    pub fn accept_batch(
        &mut self,
        header: &SignedBatchHeader,
        hits: &[Hit<usize>],
    ) -> Result<SyncCommit> {
        self.chain.accept_batch_header(header)?;
        let exposures = exposures_from_hits(
            &self.entries,
            hits,
            &header.header().messages,
            self.min_overlap,
            self.now,
        );
        self.unsaved = false;
        Ok(SyncCommit {
            exposures,
            chain: self.stored(),
        })
    }

    /// What is left to commit after the last batch (a newer checkpoint with no new batch).
    pub fn pending_commit(&mut self) -> Option<SyncCommit> {
        let unsaved = std::mem::take(&mut self.unsaved);
        unsaved.then(|| SyncCommit {
            exposures: Vec::new(),
            chain: self.stored(),
        })
    }

    /// The chain's status at `now`.
    pub fn status(&self, now: UnixMinute) -> ChainStatus {
        self.chain.status(now)
    }

    fn stored(&self) -> StoredChain {
        StoredChain {
            head: self.chain.head(),
            checkpoint: self.chain.checkpoint().copied(),
        }
    }
}

/// The diary's slot tokens, with margins (SPEC §12.4), owned by the entries' indices.
pub(crate) fn token_index(entries: &[DiaryEntry]) -> TokenIndex<usize> {
    let mut index = TokenIndex::new();
    for (i, e) in entries.iter().enumerate() {
        index.add_stay(i, e.code().slot_keys(), e.arrival(), e.departure());
    }
    index
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
        // A check-in the person shared herself is the case's own visit, not an exposure.
        if e.shared() {
            continue;
        }
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
            dismissed: false,
        };
        if !out.iter().any(|o| o.same_as(&exp)) {
            out.push(exp);
        }
    }
    out
}

/// The next batch to read after the chain's head: the one after it, or the first batch still
/// served when the ones after the head expired.
fn next_sequence(chain: &ChainState) -> u64 {
    let next = chain.cursor().saturating_add(1);
    match chain.checkpoint() {
        Some(cp) if next < cp.body().retained_from => cp.body().retained_from,
        _ => next,
    }
}
