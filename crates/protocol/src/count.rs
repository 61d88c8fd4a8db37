//! Count pings: one per-venue-per-day tag per request, which lets a venue count check-ins
//! without anyone learning who checked in, and the venue's registration of its tags.
//!
//! A phone sends each pending ping alone, at an independent random time, so pings of one phone
//! cannot be linked by arriving together. The server counts a ping only when the venue key id
//! and tag were registered by that venue key ([`CountTagRegistration`], in a request signed
//! by the venue key), so nobody can squat another venue's tags.

use crate::codec::{count_u16, read_version, Codec, Put, Reader};
use crate::error::{Error, Result};
use crate::keys::KeyId;
pub use crate::seed::CountTag;
use crate::time::{Epoch, RETENTION_DAYS};
use crate::venue::{FieldError, FieldProblem};

/// Wire version of [`CountPing`] and [`CountTagRegistration`].
pub const COUNT_PING_VERSION: u8 = 2;
/// Encoded size of a count ping: version, venue key id, tag.
pub const COUNT_PING_BYTES: usize = 1 + 8 + 16;
/// Most `(epoch, tag)` pairs in one registration.
pub const MAX_TAG_REGISTRATIONS: usize = 64;

/// One check-in's count ping: `version u8 = 2 | venue_key_id [8] | tag [16]` (25 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct CountPing {
    /// The key id of the venue key the tag was registered under.
    pub venue_key_id: KeyId,
    /// The count tag of the check-in's seed and local day (see
    /// [`SlotKeys::count_tag`](crate::seed::SlotKeys::count_tag)).
    pub tag: CountTag,
}

impl Codec for CountPing {
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(COUNT_PING_VERSION);
        out.extend_from_slice(&self.venue_key_id.0);
        out.extend_from_slice(&self.tag.0);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, COUNT_PING_VERSION)?;
        Ok(Self {
            venue_key_id: KeyId(r.array()?),
            tag: CountTag(r.array()?),
        })
    }
}

/// The count tags a venue registers, as `(epoch, tag)` pairs: the body of a request signed by
/// the venue key.
///
/// Wire: `version u8 = 2 | count u16 (1..=64) | (epoch u32, tag [16])…`, pairs strictly
/// increasing by epoch then tag (a venue with a poster and a screen registers two tags for one
/// day). An empty list or an unsorted or repeated pair is [`Error::NonCanonical`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CountTagRegistration {
    tags: Vec<(Epoch, CountTag)>,
}

impl CountTagRegistration {
    /// Builds a registration, refusing what the decoder refuses: no pairs
    /// ([`Error::NonCanonical`]), more than [`MAX_TAG_REGISTRATIONS`] ([`Error::TooLarge`]), or
    /// pairs not strictly increasing ([`Error::NonCanonical`]).
    pub fn new(tags: Vec<(Epoch, CountTag)>) -> Result<Self> {
        Self::try_new(tags).map_err(|e| e.error())
    }

    /// [`Self::new`], with an error naming the field at fault (`tags`).
    pub fn try_new(tags: Vec<(Epoch, CountTag)>) -> core::result::Result<Self, FieldError> {
        let problem = if tags.is_empty() {
            FieldProblem::Empty
        } else if tags.len() > MAX_TAG_REGISTRATIONS {
            FieldProblem::TooMany {
                count: tags.len(),
                max: MAX_TAG_REGISTRATIONS,
            }
        } else if tags.windows(2).any(|w| w[0] >= w[1]) {
            FieldProblem::NotIncreasing
        } else {
            return Ok(Self { tags });
        };
        Err(FieldError::new("tags", problem))
    }

    /// The venue-local epochs and their tags, strictly increasing.
    pub fn tags(&self) -> &[(Epoch, CountTag)] {
        &self.tags
    }

    /// Refuses epochs outside `[today − RETENTION_DAYS, today + 1]`, `today` being the venue's
    /// local epoch now ([`Error::ValueOutOfRange`]): a venue cannot register tags for days it
    /// cannot have counted yet, nor keep old days alive.
    pub fn check_epochs(&self, today: Epoch) -> Result<()> {
        let first = today.saturating_sub(RETENTION_DAYS);
        let last = today.saturating_add(1);
        if self.tags.iter().all(|(e, _)| (first..=last).contains(e)) {
            Ok(())
        } else {
            Err(Error::ValueOutOfRange)
        }
    }
}

impl Codec for CountTagRegistration {
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(COUNT_PING_VERSION);
        // Invariant of `try_new`: 1 to MAX_TAG_REGISTRATIONS (64) pairs.
        let n = count_u16(self.tags.len());
        out.put_u16(n);
        for (epoch, tag) in self.tags.iter().take(usize::from(n)) {
            out.put_epoch(*epoch);
            out.extend_from_slice(&tag.0);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, COUNT_PING_VERSION)?;
        let n = usize::from(r.u16()?);
        if n > MAX_TAG_REGISTRATIONS {
            return Err(Error::TooLarge);
        }
        let mut tags = Vec::with_capacity(n);
        for _ in 0..n {
            tags.push((r.epoch()?, CountTag(r.array()?)));
        }
        Self::new(tags)
    }
}
