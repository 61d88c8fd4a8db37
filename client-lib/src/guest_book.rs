//! The venue's assisted check-in guest book, for guests without a smartphone.
//!
//! Staff enter the guest's name, phone and times on the venue's device. The entry is sealed to
//! the HA with HPKE at once; the device keeps only the ciphertext, a masked label for the staff
//! screen (卢*, 182****1234) and the times needed to pick a window, the times sealed at rest
//! under a key from the device's keystore (as the visitor's diary is). Only the HA can open the
//! entries, which are disclosed for a window to the server's mailbox with a TAN, and purged
//! after the retention period.

use core::fmt;
use std::path::Path;

use redb::{Database, Durability, ReadableTable, TableDefinition};
use venuecode_protocol::aead::{aead_open, aead_seal};
use venuecode_protocol::codec::{Put, Reader};
use venuecode_protocol::mask::{mask_name, mask_phone};
use venuecode_protocol::rand::random_array;
use venuecode_protocol::sealed::{SealedBundle, MAX_BUNDLE_ITEMS};
use venuecode_protocol::time::{overlap_minutes, UnixMinute, EPOCH_MINUTES, RETENTION_DAYS};
use venuecode_protocol::{Codec, EncryptionKey, GuestBookEntry, SealedMessage, TrustBundle};

use crate::api;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::key::DiaryKey;
use crate::transport::Transport;

const GUESTS: TableDefinition<u64, &[u8]> = TableDefinition::new("guests");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Reads a guest's phone number as staff type it (spaces, dashes, dots and parentheses are
/// ignored): a mainland mobile number (11 digits, `13…` to `19…`), returned as its digits, or
/// an international number with `+` and the country code (8 to 15 digits; after `+86`, a
/// mainland mobile number), returned as `+` and its digits.
pub fn normalize_phone(input: &str) -> Result<String> {
    let kept: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let bad = || {
        Error::InvalidArgument(
            "a phone number is a mainland mobile number (11 digits, 13… to 19…) or an \
             international one starting with + and the country code",
        )
    };
    let mainland = |d: &str| {
        d.len() == 11
            && d.bytes().all(|b| b.is_ascii_digit())
            && d.starts_with('1')
            && matches!(d.as_bytes().get(1), Some(b'3'..=b'9'))
    };
    match kept.strip_prefix('+') {
        Some(rest) => {
            if !rest.bytes().all(|b| b.is_ascii_digit()) || !(8..=15).contains(&rest.len()) {
                return Err(bad());
            }
            if let Some(national) = rest.strip_prefix("86") {
                if !mainland(national) {
                    return Err(bad());
                }
            }
            Ok(kept)
        }
        None if mainland(&kept) => Ok(kept),
        None => Err(bad()),
    }
}

/// The masked phone for the label: `182****1234`, `+86 182****1234`, `+44 77******56`.
fn phone_label(phone: &str) -> String {
    match phone.strip_prefix('+') {
        Some(rest) => match rest.strip_prefix("86") {
            Some(national) => format!("+86 {}", mask_phone(national)),
            None => format!("+{}", mask_phone(rest)),
        },
        None => mask_phone(phone),
    }
}

/// One guest as the venue's device keeps it: no name or phone in clear.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GuestRecord {
    /// Sequential id.
    pub id: u64,
    /// The masked label staff see, such as `卢* 182****1234`.
    pub label: String,
    /// Arrival minute.
    pub arrival: UnixMinute,
    /// Departure minute.
    pub departure: UnixMinute,
    /// The entry sealed to the HA.
    pub sealed: SealedMessage,
}

/// Record format with the times in clear, as written before the times were sealed; still read.
const RECORD_V1: u8 = 1;
/// Record format with the times sealed under the guest-book key.
const RECORD_V2: u8 = 2;
/// Nonce, two `u32` minutes and the tag.
const SEALED_TIMES_BYTES: usize = 12 + 8 + 16;

/// The AAD of a record's sealed times: binds them to the record id.
fn times_aad(id: u64) -> Vec<u8> {
    let mut a = b"venuecode/client/v1/guests".to_vec();
    a.push(0);
    a.extend_from_slice(&id.to_be_bytes());
    a
}

impl GuestRecord {
    fn encode(&self, key: &[u8; 32]) -> Result<Vec<u8>> {
        let mut out = vec![RECORD_V2];
        let _ = out.put_bytes_u16(self.label.as_bytes(), u16::MAX as usize);
        let mut times = [0u8; 8];
        times[..4].copy_from_slice(&self.arrival.to_be_bytes());
        times[4..].copy_from_slice(&self.departure.to_be_bytes());
        let nonce: [u8; 12] = random_array()?;
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&aead_seal(key, &nonce, &times_aad(self.id), &times)?);
        self.sealed.encode_into(&mut out);
        Ok(out)
    }

    fn decode(id: u64, bytes: &[u8], key: &[u8; 32]) -> Result<Self> {
        let c = |_| Error::Corrupt;
        let mut r = Reader::new(bytes);
        let version = r.u8().map_err(c)?;
        let label = String::from_utf8(r.bytes_u16(u16::MAX as usize).map_err(c)?.to_vec())
            .map_err(|_| Error::Corrupt)?;
        let (arrival, departure) = match version {
            RECORD_V1 => (r.u32().map_err(c)?, r.u32().map_err(c)?),
            RECORD_V2 => {
                let sealed = r.take(SEALED_TIMES_BYTES).map_err(c)?;
                let (nonce, ct) = sealed.split_at(12);
                let times =
                    aead_open(key, nonce, &times_aad(id), ct).map_err(|_| Error::Corrupt)?;
                let mut t = Reader::new(&times);
                (t.u32().map_err(c)?, t.u32().map_err(c)?)
            }
            _ => return Err(Error::Corrupt),
        };
        let sealed = SealedMessage::read(&mut r).map_err(c)?;
        r.finish().map_err(c)?;
        Ok(Self {
            id,
            label,
            arrival,
            departure,
            sealed,
        })
    }
}

/// A disclosure that the server accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    /// The server's upload id.
    pub upload_id: u64,
    /// How many entries were disclosed.
    pub entries: usize,
}

/// The guest book: a redb file on the venue's device.
pub struct GuestBook {
    db: Database,
    /// Seals the times at rest.
    key: zeroize::Zeroizing<[u8; 32]>,
    serial: u64,
    ha: EncryptionKey,
    clock: Box<dyn Clock>,
    retention_days: u32,
}

impl fmt::Debug for GuestBook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuestBook")
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

impl GuestBook {
    /// Opens (or creates) the guest book of venue `serial`, sealing entries to the HA
    /// encryption key of the trust bundle (which must verify on its own,
    /// `TrustBundle::verify_initial`) and the times kept for choosing a window under `key` (a
    /// 32-byte key from the device's keystore, like a diary key), and purges what is past the
    /// default retention. A wrong key makes the records read as [`Error::Corrupt`].
    pub fn open(
        path: impl AsRef<Path>,
        key: DiaryKey,
        serial: u64,
        trust: &TrustBundle,
        clock: impl Clock + 'static,
    ) -> Result<Self> {
        trust.verify_initial()?;
        let ha = trust.ha_encryption_key();
        let db = crate::private_file::create_database(path.as_ref())?;
        let book = Self {
            db,
            key: key.derive(b"guest-book"),
            serial,
            ha,
            clock: Box::new(clock),
            retention_days: RETENTION_DAYS,
        };
        {
            let tx = book.write()?;
            tx.open_table(GUESTS)?;
            tx.open_table(META)?;
            tx.commit()?;
        }
        book.purge()?;
        Ok(book)
    }

    fn write(&self) -> Result<redb::WriteTransaction> {
        let mut tx = self.db.begin_write()?;
        tx.set_durability(Durability::Immediate);
        Ok(tx)
    }

    /// Records an assisted check-in: seals it to the HA and stores the ciphertext with a masked
    /// label. The phone number is read with [`normalize_phone`] (a mainland mobile number, or an
    /// international one with `+`); the name and phone are checked as the protocol requires.
    pub fn add(
        &self,
        name: &str,
        phone: &str,
        arrival: UnixMinute,
        departure: UnixMinute,
    ) -> Result<GuestRecord> {
        let entry = GuestBookEntry::new(
            self.serial,
            name.trim(),
            &normalize_phone(phone)?,
            arrival,
            departure,
        )?;
        let sealed = entry.seal(&self.ha)?;
        let mut record = GuestRecord {
            id: 0,
            label: format!("{} {}", mask_name(entry.name()), phone_label(entry.phone())),
            arrival,
            departure,
            sealed,
        };
        drop(entry);
        let tx = self.write()?;
        {
            let mut meta = tx.open_table(META)?;
            let next = meta.get("next_id")?.map(|v| v.value()).unwrap_or(1);
            meta.insert("next_id", next.saturating_add(1))?;
            record.id = next;
            let mut t = tx.open_table(GUESTS)?;
            t.insert(record.id, record.encode(&self.key)?.as_slice())?;
        }
        tx.commit()?;
        self.purge()?;
        Ok(record)
    }

    /// Every stored guest, by id.
    pub fn list(&self) -> Result<Vec<GuestRecord>> {
        let rtx = self.db.begin_read()?;
        let t = rtx.open_table(GUESTS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            out.push(GuestRecord::decode(k.value(), v.value(), &self.key)?);
        }
        Ok(out)
    }

    /// The guests whose stay overlaps `[from, until)`.
    pub fn in_window(&self, from: UnixMinute, until: UnixMinute) -> Result<Vec<GuestRecord>> {
        Ok(self
            .list()?
            .into_iter()
            .filter(|g| overlap_minutes(g.arrival, g.departure, from, until) > 0)
            .collect())
    }

    /// Uploads the sealed entries of the window `[from, until)` to the server's mailbox with the
    /// TAN the HA gave the venue.
    pub fn disclose(
        &self,
        transport: &dyn Transport,
        tan: &str,
        from: UnixMinute,
        until: UnixMinute,
    ) -> Result<Disclosure> {
        if until <= from {
            return Err(Error::InvalidArgument("the window is empty"));
        }
        let items: Vec<SealedMessage> = self
            .in_window(from, until)?
            .into_iter()
            .map(|g| g.sealed)
            .collect();
        let entries = items.len();
        if entries > MAX_BUNDLE_ITEMS {
            // One TAN carries one bundle: refuse before spending it.
            return Err(Error::InvalidArgument(
                "more than 10,000 guests in the window; disclose it as shorter windows",
            ));
        }
        let bundle = SealedBundle::new(items).map_err(Error::Protocol)?;
        let upload_id = api::upload(transport, tan, bundle.encode())?;
        Ok(Disclosure { upload_id, entries })
    }

    /// Deletes the guests whose departure is older than the retention period; returns how
    /// many.
    pub fn purge(&self) -> Result<usize> {
        let keep = self.retention_days.saturating_mul(EPOCH_MINUTES);
        let cutoff = self.clock.now_minute().saturating_sub(keep);
        let old: Vec<u64> = self
            .list()?
            .into_iter()
            .filter(|g| g.departure < cutoff)
            .map(|g| g.id)
            .collect();
        if old.is_empty() {
            return Ok(0);
        }
        let tx = self.write()?;
        {
            let mut t = tx.open_table(GUESTS)?;
            for id in &old {
                t.remove(*id)?;
            }
        }
        tx.commit()?;
        Ok(old.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use venuecode_protocol::DecryptionKey;

    fn record() -> GuestRecord {
        let ha = DecryptionKey::derive(&[3; 32]).expect("key");
        let entry =
            GuestBookEntry::new(7, "卢伟", "18212341234", 29_000_000, 29_000_045).expect("entry");
        GuestRecord {
            id: 3,
            label: "卢* 182****1234".into(),
            arrival: entry.arrival(),
            departure: entry.departure(),
            sealed: entry.seal(&ha.public_key()).expect("seal"),
        }
    }

    #[test]
    fn times_are_sealed_bound_to_the_id_and_old_records_still_read() {
        let key = [9u8; 32];
        let r = record();
        let bytes = r.encode(&key).expect("encode");
        for t in [r.arrival, r.departure] {
            assert!(!bytes.windows(4).any(|w| w == t.to_be_bytes()));
        }
        assert_eq!(GuestRecord::decode(3, &bytes, &key).expect("decode"), r);
        assert!(matches!(
            GuestRecord::decode(3, &bytes, &[8u8; 32]),
            Err(Error::Corrupt)
        ));
        assert!(matches!(
            GuestRecord::decode(4, &bytes, &key),
            Err(Error::Corrupt)
        ));
        // The format with clear times, as written before.
        let mut v1 = vec![RECORD_V1];
        let _ = v1.put_bytes_u16(r.label.as_bytes(), u16::MAX as usize);
        v1.put_u32(r.arrival);
        v1.put_u32(r.departure);
        r.sealed.encode_into(&mut v1);
        assert_eq!(GuestRecord::decode(3, &v1, &key).expect("v1"), r);
    }
}
