//! The canonical binary codec: big-endian integers, length-prefixed fields with named limits, and
//! a reader that refuses trailing bytes.

use crate::error::{Error, Result};
use crate::time::{Epoch, Slot, UnixMinute};

/// A cursor over borrowed bytes. Every read is bounds-checked; nothing indexes directly.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    rest: &'a [u8],
    consumed: usize,
}

impl<'a> Reader<'a> {
    /// Starts reading `bytes` from the beginning.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            rest: bytes,
            consumed: 0,
        }
    }

    /// How many bytes have been read so far.
    pub fn position(&self) -> usize {
        self.consumed
    }

    /// How many bytes remain.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Takes exactly `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let (head, tail) = self.rest.split_at_checked(n).ok_or(Error::Truncated)?;
        self.rest = tail;
        self.consumed += n;
        Ok(head)
    }

    /// Takes a fixed-size array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// Reads one byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    /// Reads a big-endian u16.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian u32.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Reads a [`UnixMinute`]: a big-endian u32.
    pub fn minute(&mut self) -> Result<UnixMinute> {
        Ok(UnixMinute::new(self.u32()?))
    }

    /// Reads a [`Slot`]: a big-endian u32.
    pub fn slot(&mut self) -> Result<Slot> {
        Ok(Slot::new(self.u32()?))
    }

    /// Reads an [`Epoch`]: a big-endian u32.
    pub fn epoch(&mut self) -> Result<Epoch> {
        Ok(Epoch::new(self.u32()?))
    }

    /// Reads a big-endian u64.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Reads a u8-length-prefixed byte string of at most `max` bytes.
    pub fn bytes_u8(&mut self, max: usize) -> Result<&'a [u8]> {
        let len = usize::from(self.u8()?);
        self.bounded(len, max)
    }

    /// Reads a u16-length-prefixed byte string of at most `max` bytes.
    pub fn bytes_u16(&mut self, max: usize) -> Result<&'a [u8]> {
        let len = usize::from(self.u16()?);
        self.bounded(len, max)
    }

    /// Reads a u32-length-prefixed byte string of at most `max` bytes.
    pub fn bytes_u32(&mut self, max: usize) -> Result<&'a [u8]> {
        let len = usize::try_from(self.u32()?).map_err(|_| Error::TooLarge)?;
        self.bounded(len, max)
    }

    fn bounded(&mut self, len: usize, max: usize) -> Result<&'a [u8]> {
        if len > max {
            return Err(Error::TooLarge);
        }
        self.take(len)
    }

    /// Reads a u8-length-prefixed UTF-8 string of 1 to `max` bytes.
    pub fn text_u8(&mut self, max: usize) -> Result<String> {
        let raw = self.bytes_u8(max)?;
        text(raw)
    }

    /// Reads a u16-length-prefixed UTF-8 string of 1 to `max` bytes.
    pub fn text_u16(&mut self, max: usize) -> Result<String> {
        let raw = self.bytes_u16(max)?;
        text(raw)
    }

    /// Fails unless every byte has been read.
    pub fn finish(self) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingBytes)
        }
    }
}

fn text(raw: &[u8]) -> Result<String> {
    if raw.is_empty() {
        return Err(Error::NonCanonical);
    }
    core::str::from_utf8(raw)
        .map(str::to_owned)
        .map_err(|_| Error::InvalidUtf8)
}

/// Reads and checks a leading version byte, in the order the spec fixes: empty, then unknown.
/// Only a wholly empty input is [`Error::Empty`]; a nested structure whose bytes ran out (the
/// third item of a bundle that holds two) is [`Error::Truncated`].
pub fn read_version(r: &mut Reader<'_>, expected: u8) -> Result<()> {
    if r.remaining() == 0 {
        return Err(if r.position() == 0 {
            Error::Empty
        } else {
            Error::Truncated
        });
    }
    let found = r.u8()?;
    if found == expected {
        Ok(())
    } else {
        Err(Error::UnsupportedVersion { found })
    }
}

/// Appends canonical encodings to a byte vector.
pub trait Put {
    /// Appends a big-endian u16.
    fn put_u16(&mut self, v: u16);
    /// Appends a big-endian u32.
    fn put_u32(&mut self, v: u32);
    /// Appends a big-endian u64.
    fn put_u64(&mut self, v: u64);
    /// Appends a [`UnixMinute`] as a big-endian u32.
    fn put_minute(&mut self, t: UnixMinute) {
        self.put_u32(t.get());
    }
    /// Appends a [`Slot`] as a big-endian u32.
    fn put_slot(&mut self, s: Slot) {
        self.put_u32(s.get());
    }
    /// Appends an [`Epoch`] as a big-endian u32.
    fn put_epoch(&mut self, e: Epoch) {
        self.put_u32(e.get());
    }
    /// Appends a u8 length and the bytes; fails when longer than `max`.
    fn put_bytes_u8(&mut self, b: &[u8], max: usize) -> Result<()>;
    /// Appends a u16 length and the bytes; fails when longer than `max`.
    fn put_bytes_u16(&mut self, b: &[u8], max: usize) -> Result<()>;
    /// Appends a u32 length and the bytes; fails when longer than `max`.
    fn put_bytes_u32(&mut self, b: &[u8], max: usize) -> Result<()>;
    /// Appends a u8 length and the bytes, for a field whose constructor guarantees it holds at
    /// most 255 bytes. Should that invariant ever break, at most 255 bytes are written, so the
    /// length prefix still matches what follows.
    fn put_prefixed_u8(&mut self, b: &[u8]);
    /// Appends a u16 length and the bytes, for a field whose constructor guarantees it holds at
    /// most 65 535 bytes (a broken invariant writes at most that many, prefix matching).
    fn put_prefixed_u16(&mut self, b: &[u8]);
    /// Appends a u32 length and the bytes, for a field whose constructor guarantees it holds
    /// fewer than 2³² bytes (a broken invariant writes at most that many, prefix matching).
    fn put_prefixed_u32(&mut self, b: &[u8]);
}

impl Put for Vec<u8> {
    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_bytes_u8(&mut self, b: &[u8], max: usize) -> Result<()> {
        let len = u8::try_from(b.len()).map_err(|_| Error::TooLarge)?;
        if b.len() > max {
            return Err(Error::TooLarge);
        }
        self.push(len);
        self.extend_from_slice(b);
        Ok(())
    }
    fn put_bytes_u16(&mut self, b: &[u8], max: usize) -> Result<()> {
        let len = u16::try_from(b.len()).map_err(|_| Error::TooLarge)?;
        if b.len() > max {
            return Err(Error::TooLarge);
        }
        self.put_u16(len);
        self.extend_from_slice(b);
        Ok(())
    }
    fn put_bytes_u32(&mut self, b: &[u8], max: usize) -> Result<()> {
        let len = u32::try_from(b.len()).map_err(|_| Error::TooLarge)?;
        if b.len() > max {
            return Err(Error::TooLarge);
        }
        self.put_u32(len);
        self.extend_from_slice(b);
        Ok(())
    }
    fn put_prefixed_u8(&mut self, b: &[u8]) {
        let len = u8::try_from(b.len()).unwrap_or(u8::MAX);
        self.push(len);
        self.extend_from_slice(b.get(..usize::from(len)).unwrap_or_default());
    }
    fn put_prefixed_u16(&mut self, b: &[u8]) {
        let len = u16::try_from(b.len()).unwrap_or(u16::MAX);
        self.put_u16(len);
        self.extend_from_slice(b.get(..usize::from(len)).unwrap_or_default());
    }
    fn put_prefixed_u32(&mut self, b: &[u8]) {
        let len = u32::try_from(b.len()).unwrap_or(u32::MAX);
        self.put_u32(len);
        let n = usize::try_from(len).unwrap_or(usize::MAX);
        self.extend_from_slice(b.get(..n).unwrap_or(b));
    }
}

/// A count of list items as its u8 prefix, for a list whose constructor bounds it (a broken
/// invariant saturates; the caller then writes only that many items).
pub fn count_u8(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

/// A count of list items as its u16 prefix (see [`count_u8`]).
pub fn count_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// A count of list items as its u32 prefix (see [`count_u8`]).
pub fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A type with one canonical binary encoding.
pub trait Codec: Sized {
    /// Appends the canonical encoding.
    fn encode_into(&self, out: &mut Vec<u8>);

    /// Reads one value from the reader, leaving what follows.
    fn read(r: &mut Reader<'_>) -> Result<Self>;

    /// The canonical encoding.
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Decodes exactly one value; trailing bytes are an error.
    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let v = Self::read(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}
