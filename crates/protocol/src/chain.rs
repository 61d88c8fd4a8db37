//! The exposure-batch hash chain: HA-signed checkpoints, the HA's chain head and retention
//! bookkeeping, and the phone's sans-I/O [`ChainState`].
//!
//! Every batch names the link of the one before it (see
//! [`SignedBatchHeader::link`](crate::exposure::SignedBatchHeader::link)). A checkpoint, signed
//! by the HA and re-issued often, names the latest batch and the oldest one still served. With
//! both, a phone notices a server that withholds batches (it knows batches exist that it has
//! not seen), that forks the chain (two batches with one sequence), or that replays an old
//! checkpoint (rollback), instead of silently reporting "no exposure".

use crate::codec::{read_version, Codec, Put, Reader};
use crate::error::{Error, Result};
use crate::exposure::SignedBatchHeader;
use crate::keys::{KeyId, SigningKey, TrustAnchors};
use crate::time::UnixMinute;

/// Wire version of [`Checkpoint`].
pub const CHECKPOINT_VERSION: u8 = 2;
/// Domain label of the HA's checkpoint signature.
pub const CHECKPOINT_LABEL: &[u8] = b"venuecode/v2/checkpoint";
/// Encoded size of a checkpoint: version, key id, issued_at, sequence, head, retained_from,
/// retained_previous, signature.
pub const CHECKPOINT_BYTES: usize = 1 + 8 + 4 + 8 + 32 + 8 + 32 + 64;
/// How old a phone's newest checkpoint may be before [`ChainState::status`] says
/// [`ChainStatus::Stale`], by default: two days.
pub const DEFAULT_STALE_MINUTES: u32 = 2880;

/// A position in an HA's batch chain: the sequence of the latest batch and its link.
/// [`ChainHead::GENESIS`] (sequence 0, zero link) is the chain before any batch.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ChainHead {
    /// Sequence of the latest batch; 0 before the first.
    pub sequence: u64,
    /// Link of that batch; 32 zero bytes when `sequence` is 0.
    pub link: [u8; 32],
}

impl ChainHead {
    /// The chain before its first batch.
    pub const GENESIS: Self = Self {
        sequence: 0,
        link: [0u8; 32],
    };

    /// Refuses a head at sequence 0 with a non-zero link.
    pub fn check(&self) -> Result<()> {
        if self.sequence == 0 && self.link != [0u8; 32] {
            return Err(Error::InvalidArgument(
                "a chain head at sequence 0 has a zero link",
            ));
        }
        Ok(())
    }
}

impl Default for ChainHead {
    fn default() -> Self {
        Self::GENESIS
    }
}

/// The fields an HA signs in a checkpoint.
///
/// Wire: `version u8 = 2 | ha_key_id [8] | issued_at u32 | sequence u64 | head [32] |
/// retained_from u64 | retained_previous [32] | signature [64]` (157 bytes).
///
/// Canonical rules (decoding refuses the rest with [`Error::NonCanonical`], or
/// [`Error::ValueOutOfRange`] for `retained_from`):
/// - `sequence` 0 (no batch yet) has a zero `head`;
/// - `1 <= retained_from <= sequence + 1`;
/// - `retained_from` 1 has a zero `retained_previous`;
/// - `retained_from = sequence + 1` (every batch expired) has `retained_previous = head`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CheckpointBody {
    /// The signing HA key.
    pub ha_key_id: KeyId,
    /// When the checkpoint was signed, in Unix minutes.
    pub issued_at: UnixMinute,
    /// Sequence of the latest published batch; 0 when none.
    pub sequence: u64,
    /// Link of that batch; zeros when `sequence` is 0.
    pub head: [u8; 32],
    /// Lowest sequence the server still serves: 1 when nothing expired, `sequence + 1` when
    /// everything did.
    pub retained_from: u64,
    /// The `previous` of batch `retained_from`, that is the link of batch `retained_from − 1`;
    /// zeros when `retained_from` is 1.
    pub retained_previous: [u8; 32],
}

impl CheckpointBody {
    /// The body for an HA whose latest batch is `head` and whose oldest served batch is given
    /// by `retained` (see [`retained_range`]).
    pub fn new(
        ha_key_id: KeyId,
        issued_at: UnixMinute,
        head: ChainHead,
        retained: (u64, [u8; 32]),
    ) -> Self {
        Self {
            ha_key_id,
            issued_at,
            sequence: head.sequence,
            head: head.link,
            retained_from: retained.0,
            retained_previous: retained.1,
        }
    }

    /// The latest batch as a chain head.
    pub fn chain_head(&self) -> ChainHead {
        ChainHead {
            sequence: self.sequence,
            link: self.head,
        }
    }

    fn check(&self) -> Result<()> {
        if self.sequence == 0 && self.head != [0u8; 32] {
            return Err(Error::NonCanonical);
        }
        if self.retained_from == 0 || self.retained_from > self.sequence.saturating_add(1) {
            return Err(Error::ValueOutOfRange);
        }
        if self.retained_from == 1 && self.retained_previous != [0u8; 32] {
            return Err(Error::NonCanonical);
        }
        if self.retained_from == self.sequence.saturating_add(1)
            && self.retained_previous != self.head
        {
            return Err(Error::NonCanonical);
        }
        Ok(())
    }

    fn encode_tbs(&self, out: &mut Vec<u8>) {
        out.push(CHECKPOINT_VERSION);
        out.extend_from_slice(&self.ha_key_id.0);
        out.put_minute(self.issued_at);
        out.put_u64(self.sequence);
        out.extend_from_slice(&self.head);
        out.put_u64(self.retained_from);
        out.extend_from_slice(&self.retained_previous);
    }
}

/// An HA-signed checkpoint: the latest batch of the HA's chain and the oldest still served.
/// Small and cacheable; the HA re-signs one with every batch and periodically without one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Checkpoint {
    body: CheckpointBody,
    signature: [u8; 64],
}

impl Checkpoint {
    /// Signs a checkpoint body with the HA key; the body's `ha_key_id` must be that key's id
    /// and the body must be canonical.
    pub fn sign(body: CheckpointBody, ha: &SigningKey) -> Result<Self> {
        if body.ha_key_id != ha.key_id() {
            return Err(Error::InvalidArgument(
                "ha_key_id does not match the signing key",
            ));
        }
        body.check()?;
        let mut tbs = Vec::new();
        body.encode_tbs(&mut tbs);
        let signature = ha.sign(CHECKPOINT_LABEL, &tbs);
        Ok(Self { body, signature })
    }

    /// The signed fields.
    pub fn body(&self) -> &CheckpointBody {
        &self.body
    }

    /// The HA's signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// Checks the HA signature: unknown key id first ([`Error::UnknownKeyId`]), then the
    /// signature ([`Error::CheckpointSignatureInvalid`]).
    pub fn verify(&self, anchors: &TrustAnchors) -> Result<()> {
        let ha = anchors.ha(&self.body.ha_key_id)?;
        let mut tbs = Vec::new();
        self.body.encode_tbs(&mut tbs);
        ha.verify(
            CHECKPOINT_LABEL,
            &tbs,
            &self.signature,
            Error::CheckpointSignatureInvalid,
        )
    }
}

impl Codec for Checkpoint {
    fn encode_into(&self, out: &mut Vec<u8>) {
        self.body.encode_tbs(out);
        out.extend_from_slice(&self.signature);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, CHECKPOINT_VERSION)?;
        let body = CheckpointBody {
            ha_key_id: KeyId(r.array()?),
            issued_at: r.minute()?,
            sequence: r.u64()?,
            head: r.array()?,
            retained_from: r.u64()?,
            retained_previous: r.array()?,
        };
        body.check()?;
        let signature = r.array()?;
        Ok(Self { body, signature })
    }
}

/// One batch in the HA's ledger of what it published: `(sequence, link, created_at)`.
pub type PublishedBatch = (u64, [u8; 32], UnixMinute);

/// The HA's `(retained_from, retained_previous)` for a checkpoint, from its ledger of published
/// batches: a batch created before `expire_before` (now minus the retention period) is no
/// longer served. `retained_from` is one more than the highest expired sequence (1 when none
/// expired) and `retained_previous` is the link of batch `retained_from − 1` (zeros when
/// `retained_from` is 1).
///
/// The ledger may be in any order but must hold that batch `retained_from − 1` when it is not
/// 0, or the link is unknown ([`Error::InvalidArgument`]). An empty ledger gives `(1, zeros)`.
pub fn retained_range(
    ledger: &[PublishedBatch],
    expire_before: UnixMinute,
) -> Result<(u64, [u8; 32])> {
    let last_expired = ledger
        .iter()
        .filter(|(_, _, created)| *created < expire_before)
        .map(|(seq, _, _)| *seq)
        .max();
    match last_expired {
        None => Ok((1, [0u8; 32])),
        Some(seq) => {
            let link = ledger
                .iter()
                .find(|(s, _, _)| *s == seq)
                .map(|(_, l, _)| *l)
                .ok_or(Error::InvalidArgument("ledger entry missing"))?;
            let from = seq
                .checked_add(1)
                .ok_or(Error::InvalidArgument("sequence overflow"))?;
            Ok((from, link))
        }
    }
}

/// What a phone can say about the exposure batches it has, after a sync.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ChainStatus {
    /// Every batch the newest checkpoint names has been read, and the checkpoint is recent.
    Ok,
    /// The newest checkpoint names batches the server still serves that the phone has not been
    /// given: `from..=to`. The phone must not say "no exposure" for them.
    Withheld {
        /// First missing sequence.
        from: u64,
        /// Last missing sequence (the checkpoint's).
        to: u64,
    },
    /// The phone has no checkpoint, or its newest is older than the stale bound: the server
    /// may be hiding newer batches.
    Stale,
}

/// The phone's view of the HA's batch chain: its head (the last batch it read) and the newest
/// checkpoint it accepted. Sans-I/O: the client stores it (see [`ChainState::head`],
/// [`ChainState::checkpoint`] and [`ChainState::restore`]) and feeds it what it downloads.
///
/// Order of a sync: [`accept_checkpoint`](Self::accept_checkpoint), then for each batch after
/// the head, [`accept_batch_header`](Self::accept_batch_header) on its verified header before
/// trusting its records, then [`status`](Self::status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainState {
    head: ChainHead,
    checkpoint: Option<Checkpoint>,
    stale_minutes: u32,
}

impl Default for ChainState {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainState {
    /// A phone that has read no batch and holds no checkpoint, with the default stale bound.
    pub fn new() -> Self {
        Self {
            head: ChainHead::GENESIS,
            checkpoint: None,
            stale_minutes: DEFAULT_STALE_MINUTES,
        }
    }

    /// Rebuilds a stored state. The checkpoint was verified when first accepted.
    pub fn restore(head: ChainHead, checkpoint: Option<Checkpoint>) -> Result<Self> {
        head.check()?;
        Ok(Self {
            head,
            checkpoint,
            stale_minutes: DEFAULT_STALE_MINUTES,
        })
    }

    /// Sets how many minutes old the newest checkpoint may be before the state is stale.
    pub fn with_stale_minutes(mut self, minutes: u32) -> Self {
        self.stale_minutes = minutes;
        self
    }

    /// The last batch read.
    pub fn head(&self) -> ChainHead {
        self.head
    }

    /// The newest accepted checkpoint.
    pub fn checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoint.as_ref()
    }

    /// The sequence to ask the server for batches after (`GET /v1/batches?after=N`).
    pub fn cursor(&self) -> u64 {
        self.head.sequence
    }

    /// Verifies and stores a checkpoint. Refused, and nothing changes, when:
    /// - its HA key id is unknown or its signature fails;
    /// - it is older than the held checkpoint: lower `issued_at` or lower `sequence`
    ///   ([`Error::Rollback`]);
    /// - it names the same sequence as the held checkpoint or the phone's head with another
    ///   link ([`Error::BatchChainBroken`]: a fork).
    pub fn accept_checkpoint(&mut self, cp: &Checkpoint, anchors: &TrustAnchors) -> Result<()> {
        cp.verify(anchors)?;
        let b = cp.body();
        if let Some(held) = &self.checkpoint {
            let h = held.body();
            if b.issued_at < h.issued_at || b.sequence < h.sequence {
                return Err(Error::Rollback);
            }
            if b.sequence == h.sequence && b.head != h.head {
                return Err(Error::BatchChainBroken);
            }
        }
        // A checkpoint below the head is older news (a cached copy signed before the batches
        // the phone already read): taken, it changes nothing about those batches.
        if b.sequence == self.head.sequence && b.head != self.head.link {
            return Err(Error::BatchChainBroken);
        }
        self.checkpoint = Some(*cp);
        Ok(())
    }

    /// Takes the verified header of the next batch. It must extend the head (`sequence =
    /// head + 1`, `previous = head link`), or, when the head is older than the oldest batch the
    /// checkpoint says is served, start at the checkpoint's `retained_from` with its
    /// `retained_previous`. A batch at the checkpoint's sequence must have the checkpoint's
    /// head link. Anything else (a gap, a reordered or repeated batch, a fork) is
    /// [`Error::BatchChainBroken`]: the batch is refused and its records must not be matched.
    pub fn accept_batch_header(&mut self, header: &SignedBatchHeader) -> Result<()> {
        let h = header.header();
        let extends =
            self.head.sequence.checked_add(1) == Some(h.sequence) && h.previous == self.head.link;
        let jumps = self.checkpoint.as_ref().is_some_and(|cp| {
            let b = cp.body();
            self.head.sequence.saturating_add(1) < b.retained_from
                && h.sequence == b.retained_from
                && h.previous == b.retained_previous
        });
        if !extends && !jumps {
            return Err(Error::BatchChainBroken);
        }
        let link = header.link();
        if let Some(cp) = &self.checkpoint {
            if cp.body().sequence == h.sequence && cp.body().head != link {
                return Err(Error::BatchChainBroken);
            }
        }
        self.head = ChainHead {
            sequence: h.sequence,
            link,
        };
        Ok(())
    }

    /// The state after a sync at `now`: [`ChainStatus::Withheld`] when the newest checkpoint
    /// names batches beyond the head that are still served (from `max(head + 1,
    /// retained_from)` to the checkpoint's sequence), else [`ChainStatus::Stale`] when there is no checkpoint
    /// or it was issued more than the stale bound before `now`, else [`ChainStatus::Ok`].
    pub fn status(&self, now: UnixMinute) -> ChainStatus {
        let Some(cp) = &self.checkpoint else {
            return ChainStatus::Stale;
        };
        let b = cp.body();
        // Batches below retained_from expired on the server: they are gone, not withheld.
        let from = self.head.sequence.saturating_add(1).max(b.retained_from);
        if from <= b.sequence {
            return ChainStatus::Withheld {
                from,
                to: b.sequence,
            };
        }
        if b.issued_at.saturating_add(self.stale_minutes) < now {
            return ChainStatus::Stale;
        }
        ChainStatus::Ok
    }
}
