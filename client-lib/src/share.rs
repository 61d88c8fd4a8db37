//! Sharing after a positive test: list the entries of the infectious window, let the user
//! deselect any, seal the rest to the HA and upload them with the TAN.
//!
//! Entries the user hid stay out of a share unless the user names them again: hiding says
//! "not this one", and a share must not override it silently. [`Visitor::preview_share`] says
//! exactly what will be sent, what stays out because it is hidden, and what the user excluded.
//!
//! The sealed [`Upload`] carries the TAN itself, so that the HA can tell a case's upload from
//! one planted by whoever controls the server; the upload request carries only the TAN's hash.
//!
//! The sealed bytes are stored in the diary before the first attempt and kept until the server
//! accepts them, so that a failed upload is retried with exactly the same content (with a new
//! TAN, the same entries are sealed again around it).

use venuecode_protocol::time::UnixMinute;

use crate::api;
use crate::error::{Error, Result};
pub use crate::rules::{SealedShare, SharePreview, ShareSelection};
use crate::state::{DiaryEntry, EntryId};
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
    /// Splits the entries of the infectious window `[from, until)` by the user's choice: what
    /// will be sent, hidden entries left out, excluded entries. Nothing is sealed or sent; pass
    /// the preview to [`Self::share_previewed`] to send exactly what it lists. An id in the
    /// selection that is not an entry of the window is an error, so that a typo never passes
    /// for a choice.
    pub fn preview_share(
        &self,
        from: UnixMinute,
        until: UnixMinute,
        selection: &ShareSelection,
    ) -> Result<SharePreview> {
        self.diary
            .load()?
            .preview_share(from, until, self.now(), selection)
    }

    /// Seals and uploads exactly the entries [`SharePreview::to_send`] lists, as
    /// [`Self::share`] does. An entry hidden since the preview is left out unless the preview
    /// included it.
    pub fn share_previewed(&self, tan: &str, preview: &SharePreview) -> Result<ShareReceipt> {
        let now = self.now();
        self.diary
            .update(|s| s.seal_previewed(&self.config, tan, preview, now))?;
        self.send_pending()
    }

    /// The entries whose stay overlaps the infectious window `[from, until)`, hidden ones
    /// included (see [`DiaryEntry::hidden`]), oldest first. The app shows the visible ones
    /// selected and the hidden ones not; [`Self::preview_share`] does that split.
    pub fn share_candidates(&self, from: UnixMinute, until: UnixMinute) -> Result<Vec<DiaryEntry>> {
        self.diary.load()?.share_candidates(from, until, self.now())
    }

    /// Seals the selected entries to the HA (padded to a size bucket), stores the sealed bytes,
    /// and uploads them with the TAN. Hidden entries among `selected` are left out (the
    /// receipt counts what was sent); to send a hidden entry, name it in
    /// [`ShareSelection::include_hidden`] and use [`Self::share_previewed`]. Any earlier pending
    /// upload is replaced. On failure the sealed upload stays stored for [`Self::retry_share`]
    /// or [`Self::retry_share_with_tan`].
    pub fn share(&self, tan: &str, selected: &[EntryId]) -> Result<ShareReceipt> {
        let now = self.now();
        self.diary
            .update(|s| s.seal_share(&self.config, tan, selected, &[], now))?;
        self.send_pending()
    }

    /// The upload waiting to be sent, if an earlier attempt failed.
    pub fn pending_share(&self) -> Result<Option<PendingShare>> {
        Ok(self.diary.load()?.pending_share().map(|p| PendingShare {
            entries: p.entries,
            bytes: p.body.len(),
        }))
    }

    /// Sends the stored upload again, with the same TAN and the same bytes.
    pub fn retry_share(&self) -> Result<ShareReceipt> {
        self.send_pending()
    }

    /// Sends the stored upload with a new TAN (after the old one expired or was refused): the
    /// same entries, sealed again with the new TAN inside, since the HA accepts an upload only
    /// under the TAN sealed in it.
    pub fn retry_share_with_tan(&self, tan: &str) -> Result<ShareReceipt> {
        self.diary.update(|s| s.reseal_share(&self.config, tan))?;
        self.send_pending()
    }

    /// Drops the stored upload without sending it.
    pub fn discard_pending_share(&self) -> Result<()> {
        self.diary.update(|s| {
            s.discard_pending_share();
            Ok(())
        })
    }

    /// Sends the stored upload; once the server accepted it, its entries are marked shared.
    fn send_pending(&self) -> Result<ShareReceipt> {
        let pending = self
            .diary
            .load()?
            .pending_share()
            .ok_or(Error::NoPendingUpload)?;
        let bytes = pending.body.len();
        let upload_id = api::upload(&*self.transport, &pending.tan, pending.body)?;
        // Accepted: the person is the case for these check-ins and is not alerted about them.
        self.diary.update(|s| s.share_accepted())?;
        Ok(ShareReceipt {
            upload_id,
            entries: pending.entries,
            bytes,
        })
    }
}
