#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// The rules, sans I/O: built everywhere, WebAssembly included.
pub mod api;
pub mod clock;
pub mod error;
pub mod key;
mod reason;
pub mod regions;
pub mod rules;
pub mod state;
pub mod sync_core;
pub mod tan;
pub mod transport;

// Storage (redb), files and the HTTPS transport: the `native` feature.
#[cfg(feature = "native")]
mod diary;
#[cfg(feature = "native")]
pub mod guest_book;
#[cfg(feature = "native")]
mod private_file;
#[cfg(feature = "native")]
pub mod share;
#[cfg(feature = "native")]
pub mod sync;
#[cfg(feature = "native")]
pub mod venue;
#[cfg(feature = "native")]
pub mod visitor;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{
    CaError, CaProblem, CertificateProblem, Error, IoKind, NetworkError, NetworkKind, Reason,
    Result,
};
#[cfg(feature = "native")]
pub use guest_book::{DeletedGuest, Disclosure, GuestBook, GuestEdit, GuestRecord};
pub use key::DiaryKey;
pub use rules::{
    CheckIn, CheckInStatus, CheckoutReminder, CodeType, ScanPreview, SealedShare, SharePreview,
    ShareSelection, VisitorConfig, CHECKOUT_REMINDER_LEAD_MINUTES,
};
#[cfg(feature = "native")]
pub use share::{PendingShare, ShareReceipt};
pub use state::{DiaryEntry, DiaryState, EntryId, Exposure};
#[cfg(feature = "native")]
pub use sync::{PartOutcome, SyncProgress, SyncReport};
pub use sync_core::{ExposureSync, RevocationSync};
#[cfg(feature = "native")]
pub use transport::{HttpTransport, HttpTransportBuilder};
pub use transport::{MemoryServer, Transport};
#[cfg(feature = "native")]
pub use venue::{NotificationCheck, Venue, VenueNotice};
pub use venuecode_protocol::{ChainStatus, TrustBundle};
#[cfg(feature = "native")]
pub use visitor::Visitor;

/// The sound the app plays after an operation, as the venue-code programme did: a success tone
/// or a failure tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// The operation succeeded.
    Success,
    /// The operation failed.
    Failure,
}

impl Tone {
    /// The tone for any operation's result.
    pub fn of<T>(result: &Result<T>) -> Self {
        match result {
            Ok(_) => Self::Success,
            Err(_) => Self::Failure,
        }
    }
}
