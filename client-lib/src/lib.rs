#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
pub mod clock;
mod diary;
pub mod error;
pub mod guest_book;
pub mod key;
mod private_file;
pub mod regions;
pub mod share;
pub mod sync;
pub mod tan;
pub mod transport;
pub mod venue;
pub mod visitor;

pub use clock::{Clock, ManualClock, SystemClock};
pub use diary::{DiaryEntry, EntryId, Exposure};
pub use error::{Error, Result};
pub use guest_book::{DeletedGuest, Disclosure, GuestBook, GuestEdit, GuestRecord};
pub use key::DiaryKey;
pub use share::{PendingShare, SharePreview, ShareReceipt, ShareSelection};
pub use sync::{PartOutcome, SyncProgress, SyncReport};
pub use transport::{HttpTransport, HttpTransportBuilder, MemoryServer, Transport};
pub use venue::{NotificationCheck, Venue, VenueNotice};
pub use venuecode_protocol::{ChainStatus, TrustBundle};
pub use visitor::{
    CheckIn, CheckInStatus, CheckoutReminder, CodeType, ScanPreview, Visitor, VisitorConfig,
    CHECKOUT_REMINDER_LEAD_MINUTES,
};

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
