//! Sharing after a positive test: list the entries of the infectious window, let the user
//! deselect any, seal the rest to the HA and upload them with the TAN.
//!
//! The sealed bytes are stored in the diary before the first attempt and kept until the server
//! accepts them, so that a failed upload is retried with exactly the same content.

use venuecode_protocol::envelope::tan_hash;
use venuecode_protocol::time::{overlap_minutes, UnixMinute};
use venuecode_protocol::{Codec, Upload, UploadEntry};
use zeroize::Zeroizing;

use crate::api;
use crate::diary::{DiaryEntry, EntryId, PendingUpload};
use crate::error::{Error, Result};
use crate::visitor::Visitor;
use crate::Tone;

/// A successful upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareReceipt {
    /// The server's id for the upload.
    pub upload_id: u64,
    /// How many entries were shared.
    pub entries: usize,
    /// Size of the sealed upload in bytes (a padding bucket).
    pub bytes: usize,
}

impl ShareReceipt {
    /// The tone to play: success.
    pub fn tone(&self) -> Tone {
        Tone::Success
    }
}

/// An upload sealed and stored, waiting to be (re)sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingShare {
    /// How many entries it holds.
    pub entries: usize,
    /// Its size in bytes.
    pub bytes: usize,
}

impl Visitor {
    /// The entries whose stay overlaps the infectious window `[from, until)`, hidden ones
    /// included, oldest first. The app shows them all selected; the user may deselect any.
    pub fn share_candidates(&self, from: UnixMinute, until: UnixMinute) -> Result<Vec<DiaryEntry>> {
        if until <= from {
            return Err(Error::InvalidArgument("the infectious window is empty"));
        }
        let now = self.now();
        Ok(self
            .diary
            .entries()?
            .into_iter()
            .filter(|e| {
                let (a, d) = e.stay_at(now);
                overlap_minutes(a, d, from, until) > 0
            })
            .collect())
    }

    /// Seals the selected entries to the HA (padded to a size bucket), stores the sealed bytes,
    /// and uploads them with the TAN. Any earlier pending upload is replaced. On failure the
    /// sealed upload stays stored for [`Self::retry_share`] or [`Self::retry_share_with_tan`].
    pub fn share(&self, tan: &str, selected: &[EntryId]) -> Result<ShareReceipt> {
        check_tan(tan)?;
        if selected.is_empty() {
            return Err(Error::NothingSelected);
        }
        let now = self.now();
        let mut ids = selected.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut entries = Vec::with_capacity(ids.len());
        for id in ids {
            let e = self.diary.entry(id)?;
            let (arrival, departure) = e.stay_at(now);
            entries.push(UploadEntry {
                code: e.code().clone(),
                arrival,
                departure: departure.max(arrival.saturating_add(1)),
            });
        }
        let count = entries.len();
        let upload = Upload { entries };
        let sealed = upload.seal(&self.config.ha_encryption_key)?.encode();
        let pending = PendingUpload {
            tan: Zeroizing::new(tan.to_owned()),
            sealed,
            entries: u16::try_from(count)
                .map_err(|_| Error::InvalidArgument("too many entries"))?,
        };
        self.diary.set_pending_upload(Some(&pending))?;
        self.send_pending(pending)
    }

    /// The upload waiting to be sent, if an earlier attempt failed.
    pub fn pending_share(&self) -> Result<Option<PendingShare>> {
        Ok(self.diary.pending_upload()?.map(|p| PendingShare {
            entries: usize::from(p.entries),
            bytes: p.sealed.len(),
        }))
    }

    /// Sends the stored upload again, with the same TAN and the same bytes.
    pub fn retry_share(&self) -> Result<ShareReceipt> {
        let pending = self.diary.pending_upload()?.ok_or(Error::NoPendingUpload)?;
        self.send_pending(pending)
    }

    /// Sends the stored upload with a new TAN (after the old one expired or was refused).
    pub fn retry_share_with_tan(&self, tan: &str) -> Result<ShareReceipt> {
        check_tan(tan)?;
        let mut pending = self.diary.pending_upload()?.ok_or(Error::NoPendingUpload)?;
        pending.tan = Zeroizing::new(tan.to_owned());
        self.diary.set_pending_upload(Some(&pending))?;
        self.send_pending(pending)
    }

    /// Drops the stored upload without sending it.
    pub fn discard_pending_share(&self) -> Result<()> {
        self.diary.set_pending_upload(None)
    }

    fn send_pending(&self, pending: PendingUpload) -> Result<ShareReceipt> {
        let bytes = pending.sealed.len();
        let upload_id = api::upload(&*self.transport, &pending.tan, pending.sealed.clone())?;
        self.diary.set_pending_upload(None)?;
        Ok(ShareReceipt {
            upload_id,
            entries: usize::from(pending.entries),
            bytes,
        })
    }
}

fn check_tan(tan: &str) -> Result<()> {
    tan_hash(tan)
        .map(|_| ())
        .map_err(|_| Error::InvalidArgument("a TAN is 10 to 64 printable ASCII characters"))
}
