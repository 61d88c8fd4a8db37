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

use core::fmt;

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

/// What the user chose among the entries of the infectious window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShareSelection {
    /// Entries the user deselected: never sent.
    pub exclude: Vec<EntryId>,
    /// Hidden entries the user chose to send after all. A hidden entry not named here is left
    /// out.
    pub include_hidden: Vec<EntryId>,
}

/// What a share will send, before anything is sealed or sent: the entries of the infectious
/// window split into those to send, the hidden ones left out, and those the user excluded.
#[derive(Clone)]
pub struct SharePreview {
    window: (UnixMinute, UnixMinute),
    to_send: Vec<DiaryEntry>,
    hidden: Vec<DiaryEntry>,
    excluded: Vec<DiaryEntry>,
    include_hidden: Vec<EntryId>,
}

impl fmt::Debug for SharePreview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Which venues and when is the user's history: only the counts are printed.
        f.debug_struct("SharePreview")
            .field("to_send", &self.to_send.len())
            .field("hidden", &self.hidden.len())
            .field("excluded", &self.excluded.len())
            .finish_non_exhaustive()
    }
}

impl SharePreview {
    /// The infectious window `[from, until)` the preview covers.
    pub fn window(&self) -> (UnixMinute, UnixMinute) {
        self.window
    }
    /// The entries that will be sealed and sent, oldest first.
    pub fn to_send(&self) -> &[DiaryEntry] {
        &self.to_send
    }
    /// Hidden entries of the window that stay out, because the user did not include them.
    pub fn hidden(&self) -> &[DiaryEntry] {
        &self.hidden
    }
    /// Entries of the window the user excluded.
    pub fn excluded(&self) -> &[DiaryEntry] {
        &self.excluded
    }
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
        let candidates = self.share_candidates(from, until)?;
        for id in selection.exclude.iter().chain(&selection.include_hidden) {
            if !candidates.iter().any(|e| e.id() == *id) {
                return Err(Error::InvalidArgument(
                    "a selected entry is not in the infectious window",
                ));
            }
        }
        let mut preview = SharePreview {
            window: (from, until),
            to_send: Vec::new(),
            hidden: Vec::new(),
            excluded: Vec::new(),
            include_hidden: selection.include_hidden.clone(),
        };
        for e in candidates {
            if selection.exclude.contains(&e.id()) {
                preview.excluded.push(e);
            } else if e.hidden() && !selection.include_hidden.contains(&e.id()) {
                preview.hidden.push(e);
            } else {
                preview.to_send.push(e);
            }
        }
        Ok(preview)
    }

    /// Seals and uploads exactly the entries [`SharePreview::to_send`] lists, as
    /// [`Self::share`] does. An entry hidden since the preview is left out unless the preview
    /// included it.
    pub fn share_previewed(&self, tan: &str, preview: &SharePreview) -> Result<ShareReceipt> {
        let ids: Vec<EntryId> = preview.to_send.iter().map(DiaryEntry::id).collect();
        self.share_entries(tan, &ids, &preview.include_hidden)
    }

    /// The entries whose stay overlaps the infectious window `[from, until)`, hidden ones
    /// included (see [`DiaryEntry::hidden`]), oldest first. The app shows the visible ones
    /// selected and the hidden ones not; [`Self::preview_share`] does that split.
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
    /// and uploads them with the TAN. Hidden entries among `selected` are left out (the
    /// receipt counts what was sent); to send a hidden entry, name it in
    /// [`ShareSelection::include_hidden`] and use [`Self::share_previewed`]. Any earlier pending
    /// upload is replaced. On failure the sealed upload stays stored for [`Self::retry_share`]
    /// or [`Self::retry_share_with_tan`].
    pub fn share(&self, tan: &str, selected: &[EntryId]) -> Result<ShareReceipt> {
        self.share_entries(tan, selected, &[])
    }

    fn share_entries(
        &self,
        tan: &str,
        selected: &[EntryId],
        include_hidden: &[EntryId],
    ) -> Result<ShareReceipt> {
        // Sealed and stored in canonical form: the form the HA generated, hashed and kept.
        let tan = crate::tan::normalize(tan)?;
        let tan = tan.as_str();
        let now = self.now();
        let mut ids = selected.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut entries = Vec::with_capacity(ids.len());
        let mut sent = Vec::with_capacity(ids.len());
        for id in ids {
            let e = self.diary.entry(id)?;
            if e.hidden() && !include_hidden.contains(&id) {
                continue;
            }
            sent.push(id);
            let (arrival, departure) = e.stay_at(now);
            entries.push(UploadEntry::new(
                e.code().clone(),
                arrival,
                departure.max(arrival.saturating_add(1)),
            )?);
        }
        if entries.is_empty() {
            return Err(Error::NothingSelected);
        }
        let count = entries.len();
        // The TAN goes inside the seal, for the HA alone; the server sees only its hash.
        let upload = Upload::new(tan, entries)?;
        let sealed = upload.seal(&self.ha_encryption_key()?)?.encode();
        let pending = PendingUpload {
            tan: Zeroizing::new(tan.to_owned()),
            sealed,
            plain: Zeroizing::new(upload.encode()),
            entries: u16::try_from(count)
                .map_err(|_| Error::InvalidArgument("too many entries"))?,
            ids: sent,
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

    /// Sends the stored upload with a new TAN (after the old one expired or was refused): the
    /// same entries, sealed again with the new TAN inside, since the HA accepts an upload only
    /// under the TAN sealed in it.
    pub fn retry_share_with_tan(&self, tan: &str) -> Result<ShareReceipt> {
        let tan = crate::tan::normalize(tan)?;
        let tan = tan.as_str();
        let mut pending = self.diary.pending_upload()?.ok_or(Error::NoPendingUpload)?;
        let old = Upload::decode(&pending.plain).map_err(|_| Error::Corrupt)?;
        let upload = Upload::new(tan, old.entries().to_vec())?;
        pending.sealed = upload.seal(&self.ha_encryption_key()?)?.encode();
        pending.plain = Zeroizing::new(upload.encode());
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
        // Accepted: the person is the case for these check-ins and is not alerted about them.
        self.diary.finish_share(&pending.ids)?;
        Ok(ShareReceipt {
            upload_id,
            entries: usize::from(pending.entries),
            bytes,
        })
    }
}
