//! The venue's assisted check-in guest book, for guests without a smartphone.
//!
//! Staff enter the guest's name, phone and times on the venue's device. The entry is sealed to
//! the HA with HPKE at once; the device keeps only the ciphertext, a masked label for the staff
//! screen (卢*, 182****1234) and the times needed to pick a window, the times sealed at rest
//! under a key from the device's keystore (as the visitor's diary is). Only the HA can open the
//! entries, which are disclosed for a window to the server's mailbox with a TAN, and purged
//! after the retention period.
//!
//! A guest recorded on arrival without a departure ([`GuestBook::add_open`]) is *open* until
//! checked out ([`GuestBook::check_out`]): until then the device also keeps the name and phone,
//! sealed at rest under the guest-book key, so that the entry can be sealed to the HA again with
//! the real departure; checking out drops them. A checked-out entry is edited
//! ([`GuestBook::edit`]) only with its name and phone typed again. Every change is one redb
//! transaction with immediate durability: a crash leaves the old book or the new one.

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
use crate::error::{Error, Reason, Result};
use crate::key::DiaryKey;
use crate::transport::Transport;

const GUESTS: TableDefinition<u64, &[u8]> = TableDefinition::new("guests");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Entry id → the upload id of the disclosure that sent it to the HA.
const DISCLOSED: TableDefinition<u64, u64> = TableDefinition::new("disclosed");

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
    let bad = || Error::InvalidArgument(Reason::PhoneShape);
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
    /// Departure minute (for an open entry, the expected one: arrival plus the default stay).
    pub departure: UnixMinute,
    /// Still open: recorded on arrival and not yet checked out.
    pub open: bool,
    /// The upload that disclosed this entry to the HA, if any. Changing or deleting the entry
    /// here leaves that disclosed copy as it was.
    pub disclosed_in: Option<u64>,
    /// The entry sealed to the HA.
    pub sealed: SealedMessage,
}

/// The name and phone of an open entry, kept (sealed at rest) until it is checked out.
struct Identity {
    name: zeroize::Zeroizing<String>,
    phone: zeroize::Zeroizing<String>,
}

/// A change to a guest-book entry ([`GuestBook::edit`]): each field given replaces the stored
/// one.
#[derive(Default, Clone)]
pub struct GuestEdit<'a> {
    /// The new arrival.
    pub arrival: Option<UnixMinute>,
    /// The new departure.
    pub departure: Option<UnixMinute>,
    /// The guest's name.
    pub name: Option<&'a str>,
    /// The guest's phone number, read with [`normalize_phone`].
    pub phone: Option<&'a str>,
}

impl fmt::Debug for GuestEdit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Name and phone are personal data: never in a log.
        f.debug_struct("GuestEdit")
            .field("arrival", &self.arrival)
            .field("departure", &self.departure)
            .field("name", &self.name.map(|_| "…"))
            .field("phone", &self.phone.map(|_| "…"))
            .finish()
    }
}

/// A guest deleted from the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeletedGuest {
    /// Its id.
    pub id: u64,
    /// The upload that had disclosed it to the HA, if any: that copy is not affected.
    pub disclosed_in: Option<u64>,
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

/// Record format with the times, the open flag and (while open) the name and phone sealed
/// under the guest-book key.
const RECORD_V3: u8 = 3;
/// The largest sealed part of a V3 record: times, flag, name and phone with their lengths, nonce
/// and tag.
const MAX_SEALED_V3: usize = 12 + 9 + 2 * (2 + 255) + 16;

impl GuestRecord {
    fn encode(&self, key: &[u8; 32], identity: Option<&Identity>) -> Result<Vec<u8>> {
        let mut out = vec![RECORD_V3];
        let _ = out.put_bytes_u16(self.label.as_bytes(), u16::MAX as usize);
        let mut plain = zeroize::Zeroizing::new(Vec::with_capacity(64));
        plain.put_minute(self.arrival);
        plain.put_minute(self.departure);
        plain.push(u8::from(self.open));
        if self.open {
            let id = identity.ok_or(Error::InvalidArgument(Reason::OpenEntryNeedsGuest))?;
            plain
                .put_bytes_u16(id.name.as_bytes(), 255)
                .map_err(|_| Error::InvalidArgument(Reason::NameTooLong))?;
            plain
                .put_bytes_u16(id.phone.as_bytes(), 255)
                .map_err(|_| Error::InvalidArgument(Reason::PhoneTooLong))?;
        }
        let nonce: [u8; 12] = random_array()?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&aead_seal(key, &nonce, &times_aad(self.id), &plain)?);
        let _ = out.put_bytes_u16(&sealed, MAX_SEALED_V3);
        self.sealed.encode_into(&mut out);
        Ok(out)
    }

    fn decode(id: u64, bytes: &[u8], key: &[u8; 32]) -> Result<(Self, Option<Identity>)> {
        let c = |_| Error::Corrupt;
        let mut r = Reader::new(bytes);
        let version = r.u8().map_err(c)?;
        let label = String::from_utf8(r.bytes_u16(u16::MAX as usize).map_err(c)?.to_vec())
            .map_err(|_| Error::Corrupt)?;
        let open_sealed = |sealed: &[u8]| -> Result<zeroize::Zeroizing<Vec<u8>>> {
            if sealed.len() < 12 {
                return Err(Error::Corrupt);
            }
            let (nonce, ct) = sealed.split_at(12);
            Ok(zeroize::Zeroizing::new(
                aead_open(key, nonce, &times_aad(id), ct).map_err(|_| Error::Corrupt)?,
            ))
        };
        let (arrival, departure, open, identity) = match version {
            RECORD_V1 => (r.minute().map_err(c)?, r.minute().map_err(c)?, false, None),
            RECORD_V2 => {
                let times = open_sealed(r.take(SEALED_TIMES_BYTES).map_err(c)?)?;
                let mut t = Reader::new(&times);
                (t.minute().map_err(c)?, t.minute().map_err(c)?, false, None)
            }
            RECORD_V3 => {
                let plain = open_sealed(r.bytes_u16(MAX_SEALED_V3).map_err(c)?)?;
                let mut t = Reader::new(&plain);
                let (a, d) = (t.minute().map_err(c)?, t.minute().map_err(c)?);
                let open = match t.u8().map_err(c)? {
                    0 => false,
                    1 => true,
                    _ => return Err(Error::Corrupt),
                };
                let identity = if open {
                    let text = |b: &[u8]| {
                        String::from_utf8(b.to_vec())
                            .map(zeroize::Zeroizing::new)
                            .map_err(|_| Error::Corrupt)
                    };
                    let name = text(t.bytes_u16(255).map_err(c)?)?;
                    let phone = text(t.bytes_u16(255).map_err(c)?)?;
                    Some(Identity { name, phone })
                } else {
                    None
                };
                t.finish().map_err(c)?;
                (a, d, open, identity)
            }
            _ => return Err(Error::Corrupt),
        };
        let sealed = SealedMessage::read(&mut r).map_err(c)?;
        r.finish().map_err(c)?;
        Ok((
            Self {
                id,
                label,
                arrival,
                departure,
                open,
                disclosed_in: None,
                sealed,
            },
            identity,
        ))
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
            tx.open_table(DISCLOSED)?;
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
        self.insert(name, phone, arrival, departure, false)
    }

    /// Records a guest on arrival, before the departure is known: sealed to the HA with
    /// `expected_departure` (arrival plus the venue's default stay) until
    /// [`check_out`](Self::check_out) seals it again with the real one. Until then the device
    /// keeps the name and phone, sealed under the guest-book key.
    pub fn add_open(
        &self,
        name: &str,
        phone: &str,
        arrival: UnixMinute,
        expected_departure: UnixMinute,
    ) -> Result<GuestRecord> {
        self.insert(name, phone, arrival, expected_departure, true)
    }

    fn insert(
        &self,
        name: &str,
        phone: &str,
        arrival: UnixMinute,
        departure: UnixMinute,
        open: bool,
    ) -> Result<GuestRecord> {
        let identity = Identity {
            name: zeroize::Zeroizing::new(name.trim().to_owned()),
            phone: zeroize::Zeroizing::new(normalize_phone(phone)?),
        };
        let tx = self.write()?;
        let record = {
            let mut meta = tx.open_table(META)?;
            let next = meta.get("next_id")?.map(|v| v.value()).unwrap_or(1);
            meta.insert("next_id", next.saturating_add(1))?;
            let record = self.seal(next, &identity, arrival, departure, open)?;
            let mut t = tx.open_table(GUESTS)?;
            t.insert(
                record.id,
                record.encode(&self.key, Some(&identity))?.as_slice(),
            )?;
            record
        };
        tx.commit()?;
        self.purge()?;
        Ok(record)
    }

    /// Seals the entry to the HA and makes its record (not yet stored).
    fn seal(
        &self,
        id: u64,
        identity: &Identity,
        arrival: UnixMinute,
        departure: UnixMinute,
        open: bool,
    ) -> Result<GuestRecord> {
        let entry = GuestBookEntry::new(
            self.serial,
            &identity.name,
            &identity.phone,
            arrival,
            departure,
        )?;
        let sealed = entry.seal(&self.ha)?;
        let label = format!(
            "{} {}",
            mask_name(&identity.name),
            phone_label(&identity.phone)
        );
        drop(entry);
        Ok(GuestRecord {
            id,
            label,
            arrival,
            departure,
            open,
            disclosed_in: None,
            sealed,
        })
    }

    /// One stored guest, with the name and phone of an open entry.
    fn get(&self, id: u64) -> Result<(GuestRecord, Option<Identity>)> {
        let rtx = self.db.begin_read()?;
        let t = rtx.open_table(GUESTS)?;
        let row = t.get(id)?.ok_or(Error::GuestNotFound(id))?;
        let (mut record, identity) = GuestRecord::decode(id, row.value(), &self.key)?;
        record.disclosed_in = rtx.open_table(DISCLOSED)?.get(id)?.map(|v| v.value());
        Ok((record, identity))
    }

    /// Stores a changed record in place of the old one, in one transaction.
    fn replace(&self, record: &GuestRecord, identity: Option<&Identity>) -> Result<()> {
        let bytes = record.encode(&self.key, identity)?;
        let tx = self.write()?;
        {
            let mut t = tx.open_table(GUESTS)?;
            if t.get(record.id)?.is_none() {
                return Err(Error::GuestNotFound(record.id));
            }
            t.insert(record.id, bytes.as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Checks out the open guest `id` at `departure`: seals the entry to the HA again with it
    /// and drops the name and phone the device kept. A guest already checked out (or recorded
    /// with a departure) is [`Error::GuestCheckedOut`]; a departure not after the arrival is
    /// [`Error::EditOutOfBounds`].
    pub fn check_out(&self, id: u64, departure: UnixMinute) -> Result<GuestRecord> {
        let (old, identity) = self.get(id)?;
        let identity = match (old.open, identity) {
            (true, Some(i)) => i,
            _ => return Err(Error::GuestCheckedOut(id)),
        };
        if departure <= old.arrival {
            return Err(Error::EditOutOfBounds(Reason::DepartureBeforeArrival));
        }
        let mut record = self.seal(id, &identity, old.arrival, departure, false)?;
        record.disclosed_in = old.disclosed_in;
        self.replace(&record, None)?;
        Ok(record)
    }

    /// Changes the arrival, departure, name or phone of guest `id` and seals the entry to the
    /// HA again (the label follows a new name or phone). An open entry stays open. A
    /// checked-out entry keeps no name or phone on the device, so both must be given
    /// ([`Error::GuestIdentityNotKept`] otherwise). The departure must stay after the arrival
    /// ([`Error::EditOutOfBounds`]); an edit that changes nothing is
    /// [`Error::InvalidArgument`].
    pub fn edit(&self, id: u64, change: &GuestEdit<'_>) -> Result<GuestRecord> {
        if change.arrival.is_none()
            && change.departure.is_none()
            && change.name.is_none()
            && change.phone.is_none()
        {
            return Err(Error::InvalidArgument(Reason::NothingToChange));
        }
        let (old, kept) = self.get(id)?;
        let arrival = change.arrival.unwrap_or(old.arrival);
        let departure = change.departure.unwrap_or(old.departure);
        if departure <= arrival {
            return Err(Error::EditOutOfBounds(Reason::DepartureBeforeArrival));
        }
        let phone = change.phone.map(normalize_phone).transpose()?;
        let identity = match (change.name, phone, kept) {
            (Some(n), Some(p), _) => Identity {
                name: zeroize::Zeroizing::new(n.trim().to_owned()),
                phone: zeroize::Zeroizing::new(p),
            },
            (n, p, Some(k)) => Identity {
                name: n.map_or(k.name, |n| zeroize::Zeroizing::new(n.trim().to_owned())),
                phone: p.map_or(k.phone, zeroize::Zeroizing::new),
            },
            (_, _, None) => return Err(Error::GuestIdentityNotKept(id)),
        };
        let mut record = self.seal(id, &identity, arrival, departure, old.open)?;
        record.disclosed_in = old.disclosed_in;
        self.replace(&record, old.open.then_some(&identity))?;
        Ok(record)
    }

    /// Deletes guest `id` from the device. An entry already disclosed stays with the HA as it
    /// was sent: [`DeletedGuest::disclosed_in`] names that upload.
    pub fn delete(&self, id: u64) -> Result<DeletedGuest> {
        let tx = self.write()?;
        let disclosed_in = {
            let mut t = tx.open_table(GUESTS)?;
            if t.remove(id)?.is_none() {
                return Err(Error::GuestNotFound(id));
            }
            let mut d = tx.open_table(DISCLOSED)?;
            let upload = d.remove(id)?.map(|v| v.value());
            upload
        };
        tx.commit()?;
        Ok(DeletedGuest { id, disclosed_in })
    }

    /// Every stored guest, by id.
    pub fn list(&self) -> Result<Vec<GuestRecord>> {
        let rtx = self.db.begin_read()?;
        let t = rtx.open_table(GUESTS)?;
        let disclosed = rtx.open_table(DISCLOSED)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            let (mut record, _) = GuestRecord::decode(k.value(), v.value(), &self.key)?;
            record.disclosed_in = disclosed.get(k.value())?.map(|v| v.value());
            out.push(record);
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
            return Err(Error::InvalidArgument(Reason::WindowEmpty));
        }
        let guests = self.in_window(from, until)?;
        let ids: Vec<u64> = guests.iter().map(|g| g.id).collect();
        let items: Vec<SealedMessage> = guests.into_iter().map(|g| g.sealed).collect();
        let entries = items.len();
        if entries > MAX_BUNDLE_ITEMS {
            // One TAN carries one bundle: refuse before spending it.
            return Err(Error::InvalidArgument(Reason::TooManyGuests));
        }
        let bundle = SealedBundle::new(items).map_err(Error::Protocol)?;
        let upload_id = api::upload(transport, tan, bundle.encode())?;
        // Remembered so that changing or deleting an entry can say the HA's copy stays.
        let tx = self.write()?;
        {
            let mut d = tx.open_table(DISCLOSED)?;
            for id in ids {
                d.insert(id, upload_id)?;
            }
        }
        tx.commit()?;
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
            let mut d = tx.open_table(DISCLOSED)?;
            for id in &old {
                t.remove(*id)?;
                d.remove(*id)?;
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
        let (a, d) = (UnixMinute::new(29_000_000), UnixMinute::new(29_000_045));
        let entry = GuestBookEntry::new(7, "卢伟", "18212341234", a, d).expect("entry");
        GuestRecord {
            id: 3,
            label: "卢* 182****1234".into(),
            arrival: entry.arrival(),
            departure: entry.departure(),
            open: false,
            disclosed_in: None,
            sealed: entry.seal(&ha.public_key()).expect("seal"),
        }
    }

    #[test]
    fn times_are_sealed_bound_to_the_id_and_old_records_still_read() {
        let key = [9u8; 32];
        let r = record();
        let bytes = r.encode(&key, None).expect("encode");
        for t in [r.arrival, r.departure] {
            assert!(!bytes.windows(4).any(|w| w == t.get().to_be_bytes()));
        }
        assert_eq!(GuestRecord::decode(3, &bytes, &key).expect("decode").0, r);
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
        v1.put_minute(r.arrival);
        v1.put_minute(r.departure);
        r.sealed.encode_into(&mut v1);
        assert_eq!(GuestRecord::decode(3, &v1, &key).expect("v1").0, r);
        // The format with the times sealed and no open flag, as written before.
        let mut v2 = vec![RECORD_V2];
        let _ = v2.put_bytes_u16(r.label.as_bytes(), u16::MAX as usize);
        let mut times = r.arrival.get().to_be_bytes().to_vec();
        times.put_minute(r.departure);
        let nonce = [5u8; 12];
        v2.extend_from_slice(&nonce);
        v2.extend_from_slice(&aead_seal(&key, &nonce, &times_aad(3), &times).expect("seal"));
        r.sealed.encode_into(&mut v2);
        assert_eq!(GuestRecord::decode(3, &v2, &key).expect("v2").0, r);
    }

    #[test]
    fn an_open_record_keeps_its_guest_sealed_and_a_closed_one_does_not() {
        let key = [9u8; 32];
        let mut r = record();
        r.open = true;
        let guest = Identity {
            name: zeroize::Zeroizing::new("卢伟".to_owned()),
            phone: zeroize::Zeroizing::new("18212341234".to_owned()),
        };
        assert!(r.encode(&key, None).is_err());
        let bytes = r.encode(&key, Some(&guest)).expect("encode");
        for needle in ["卢伟", "18212341234"] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()));
        }
        let (back, kept) = GuestRecord::decode(3, &bytes, &key).expect("decode");
        assert_eq!(back, r);
        let kept = kept.expect("kept while open");
        assert_eq!(
            (kept.name.as_str(), kept.phone.as_str()),
            ("卢伟", "18212341234")
        );
        r.open = false;
        let closed = r.encode(&key, Some(&guest)).expect("encode");
        assert!(GuestRecord::decode(3, &closed, &key)
            .expect("decode")
            .1
            .is_none());
        assert!(closed.len() < bytes.len());
    }
}
