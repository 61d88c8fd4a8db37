//! Count pings: batches of per-venue-per-day tags that let a venue count check-ins without
//! anyone learning who checked in.

use crate::codec::{read_version, Codec, Put, Reader};
use crate::error::{Error, Result};
pub use crate::seed::CountTag;

/// Wire version of [`CountPingBatch`].
pub const COUNT_PING_VERSION: u8 = 1;
/// Most tags in one batch of pings.
pub const MAX_PINGS: usize = 256;

/// A phone's batch of count pings, each tag one check-in, sent late and together.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CountPingBatch {
    /// The tags, one per check-in; a tag may repeat (two visits to one venue in a day).
    pub tags: Vec<CountTag>,
}

impl CountPingBatch {
    /// Refuses what the decoder would refuse: no tags, or more than [`MAX_PINGS`]. Call it
    /// before sending a batch.
    pub fn check(&self) -> Result<()> {
        if self.tags.is_empty() {
            return Err(Error::InvalidArgument(
                "a ping batch needs at least one tag",
            ));
        }
        if self.tags.len() > MAX_PINGS {
            return Err(Error::TooLarge);
        }
        Ok(())
    }
}

impl Codec for CountPingBatch {
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(COUNT_PING_VERSION);
        out.put_u16(self.tags.len() as u16);
        for t in &self.tags {
            out.extend_from_slice(&t.0);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, COUNT_PING_VERSION)?;
        let n = usize::from(r.u16()?);
        if n == 0 {
            return Err(Error::NonCanonical);
        }
        if n > MAX_PINGS {
            return Err(Error::TooLarge);
        }
        let mut tags = Vec::with_capacity(n);
        for _ in 0..n {
            tags.push(CountTag(r.array()?));
        }
        Ok(Self { tags })
    }
}
