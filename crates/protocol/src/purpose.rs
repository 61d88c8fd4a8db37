//! What a TAN lets its holder upload, and how each kind of upload body decodes.
//!
//! The server registers a TAN's hash with its purpose and refuses an upload body that does not
//! decode as that purpose's wire type; the health authority lists uploads by purpose and opens
//! each as what it is.

use crate::codec::Codec;
use crate::error::{Error, Result};
use crate::primitives::x25519_is_low_order;
use crate::sealed::{SealedBundle, SealedMessage};

/// What a TAN authorises an upload of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UploadPurpose {
    /// A confirmed case shares her check-ins: one [`SealedMessage`] holding an `Upload`.
    Case,
    /// A venue discloses guest-book entries: a [`SealedBundle`] of `GuestBookEntry`s.
    GuestBook,
    /// A venue releases rotating-code seeds: one [`SealedMessage`] holding a `SeedRelease`.
    Seeds,
}

/// An upload body decoded as its purpose's wire type, still sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadBody {
    /// A case's upload or a seed release.
    Message(SealedMessage),
    /// Guest-book entries, at least one.
    Bundle(SealedBundle),
}

impl UploadBody {
    /// The sealed messages the body carries.
    pub fn messages(&self) -> &[SealedMessage] {
        match self {
            Self::Message(m) => core::slice::from_ref(m),
            Self::Bundle(b) => b.items(),
        }
    }
}

impl UploadPurpose {
    /// Every purpose, in the order of their stored bytes.
    pub const ALL: [Self; 3] = [Self::Case, Self::GuestBook, Self::Seeds];

    /// The byte a store keeps for this purpose.
    pub fn to_byte(self) -> u8 {
        match self {
            Self::Case => 1,
            Self::GuestBook => 2,
            Self::Seeds => 3,
        }
    }

    /// The purpose a stored byte names.
    pub fn from_byte(b: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.to_byte() == b)
    }

    /// The purpose's name in the JSON API and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Case => "case",
            Self::GuestBook => "guestbook",
            Self::Seeds => "seeds",
        }
    }

    /// The purpose with this JSON name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Decodes an upload body as this purpose's wire type, strictly: a case's upload and a seed
    /// release are one [`SealedMessage`], guest-book entries a non-empty [`SealedBundle`]. A
    /// sealed message whose encapsulated key is a low-order X25519 point, which no health
    /// authority could open, is refused ([`Error::NonContributory`]).
    pub fn decode_body(self, bytes: &[u8]) -> Result<UploadBody> {
        let body = match self {
            Self::Case | Self::Seeds => UploadBody::Message(SealedMessage::decode(bytes)?),
            Self::GuestBook => {
                let bundle = SealedBundle::decode(bytes)?;
                if bundle.items().is_empty() {
                    return Err(Error::Empty);
                }
                UploadBody::Bundle(bundle)
            }
        };
        if body.messages().iter().any(|m| x25519_is_low_order(m.enc())) {
            return Err(Error::NonContributory);
        }
        Ok(body)
    }
}

impl core::fmt::Display for UploadPurpose {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for UploadPurpose {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s).ok_or(Error::InvalidArgument("unknown upload purpose"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyId;

    fn message(enc: [u8; 32]) -> SealedMessage {
        SealedMessage::new(KeyId([7; 8]), enc, vec![0; 256 + 16]).unwrap()
    }

    #[test]
    fn bytes_and_names_round_trip_and_unknown_ones_are_refused() {
        for p in UploadPurpose::ALL {
            assert_eq!(UploadPurpose::from_byte(p.to_byte()), Some(p));
            assert_eq!(UploadPurpose::parse(p.as_str()), Some(p));
            assert_eq!(p.as_str().parse::<UploadPurpose>().ok(), Some(p));
        }
        assert_eq!(UploadPurpose::from_byte(0), None);
        assert_eq!(UploadPurpose::from_byte(4), None);
        assert_eq!(UploadPurpose::parse("Case"), None);
        assert!("guest-book".parse::<UploadPurpose>().is_err());
    }

    #[test]
    fn each_purpose_decodes_only_its_own_wire_type() {
        let m = message([9; 32]);
        let sealed = m.encode();
        let bundle = SealedBundle::new(vec![m.clone()]).unwrap().encode();
        assert_eq!(
            UploadPurpose::Case.decode_body(&sealed).ok(),
            Some(UploadBody::Message(m.clone()))
        );
        assert_eq!(
            UploadPurpose::Seeds.decode_body(&sealed).ok(),
            Some(UploadBody::Message(m.clone()))
        );
        assert_eq!(
            UploadPurpose::GuestBook
                .decode_body(&bundle)
                .map(|b| b.messages().to_vec())
                .ok(),
            Some(vec![m])
        );
        assert!(UploadPurpose::Case.decode_body(&bundle).is_err());
        assert!(UploadPurpose::GuestBook.decode_body(&sealed).is_err());
    }

    #[test]
    fn an_empty_bundle_and_a_low_order_key_are_refused() {
        let empty = SealedBundle::new(vec![]).unwrap().encode();
        assert!(matches!(
            UploadPurpose::GuestBook.decode_body(&empty),
            Err(Error::Empty)
        ));
        // The identity point (all zeroes) is of low order.
        let weak = message([0; 32]).encode();
        assert!(matches!(
            UploadPurpose::Case.decode_body(&weak),
            Err(Error::NonContributory)
        ));
    }
}
