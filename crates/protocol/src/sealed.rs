//! Messages sealed to the health authority with HPKE (RFC 9180, base mode,
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305): uploads from cases, guest-book
//! entries from venues, and seed releases. Plaintexts are padded to fixed buckets so that the
//! ciphertext size says little about the content.

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use zeroize::Zeroizing;

use crate::code::CodeKind;
use crate::code::{VenueCode, MAX_CODE_BYTES};
use crate::codec::{count_u16, count_u32, count_u8, read_version, Codec, Put, Reader};
use crate::envelope::{check_tan, MAX_TAN_CHARS};
use crate::error::{Error, Result};
use crate::keys::{DecryptionKey, EncryptionKey, KeyId, PublicKey, SigningKey};
use crate::primitives;
use crate::seed::Seed;
use crate::time::{
    Epoch, UnixMinute, CLOCK_SKEW_MINUTES, MAX_DISPLAY_VALIDITY_MINUTES, MAX_STAY_MINUTES,
};
use crate::venue::{FieldError, FieldProblem};

/// Wire version of [`SealedMessage`].
pub const SEALED_VERSION: u8 = 2;
/// HPKE `info` of a case's upload.
pub const UPLOAD_INFO: &[u8] = b"venuecode/v2/upload";
/// HPKE `info` of a guest-book entry.
pub const GUEST_BOOK_INFO: &[u8] = b"venuecode/v2/guest-book";
/// HPKE `info` of a venue's seed release.
pub const SEED_RELEASE_INFO: &[u8] = b"venuecode/v2/seed-release";
/// Domain label of the venue's signature inside a seed release.
pub const SEED_RELEASE_LABEL: &[u8] = b"venuecode/v2/seed-release";
/// Padded plaintext sizes: a plaintext fills the smallest bucket that holds it.
pub const PAD_BUCKETS: [usize; 9] = [256, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072];
/// Most entries in one upload.
pub const MAX_UPLOAD_ENTRIES: usize = 300;
/// Most days in one seed release.
pub const MAX_RELEASED_SEEDS: usize = 60;
/// Longest guest name in UTF-8 bytes.
pub const MAX_GUEST_NAME_BYTES: usize = 64;
/// Longest guest phone number in bytes.
pub const MAX_GUEST_PHONE_BYTES: usize = 24;
/// Longest sealed ciphertext: the largest padding bucket plus the AEAD tag.
pub const MAX_CIPHERTEXT_BYTES: usize = PAD_BUCKETS[PAD_BUCKETS.len() - 1] + 16;
const CIPHERTEXT_RULE: &str = "sealed ciphertext length is not a padding bucket plus the tag";

fn field(name: &'static str, problem: FieldProblem) -> FieldError {
    FieldError::new(name, problem)
}

/// An HPKE ciphertext addressed to one HA key: version, recipient key id, encapsulated key and
/// ciphertext. The AAD is the version byte and key id.
///
/// Every value holds a ciphertext whose length is a padding bucket plus the tag, so it encodes
/// to bytes the decoder accepts.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SealedMessage {
    recipient: KeyId,
    enc: [u8; 32],
    ciphertext: Vec<u8>,
}

impl SealedMessage {
    /// Builds a sealed message from its parts, refusing a ciphertext whose length is not a
    /// padding bucket plus the tag ([`Error::InvalidArgument`]). [`seal`] makes them.
    pub fn new(recipient: KeyId, enc: [u8; 32], ciphertext: Vec<u8>) -> Result<Self> {
        Self::try_new(recipient, enc, ciphertext).map_err(|e| e.error())
    }

    /// [`Self::new`], with an error naming the field at fault (`ciphertext`).
    pub fn try_new(
        recipient: KeyId,
        enc: [u8; 32],
        ciphertext: Vec<u8>,
    ) -> core::result::Result<Self, FieldError> {
        if !PAD_BUCKETS.iter().any(|b| b + 16 == ciphertext.len()) {
            return Err(field(
                "ciphertext",
                FieldProblem::Malformed {
                    expected: CIPHERTEXT_RULE,
                },
            ));
        }
        Ok(Self {
            recipient,
            enc,
            ciphertext,
        })
    }

    /// The recipient HA encryption key's id.
    pub fn recipient(&self) -> KeyId {
        self.recipient
    }

    /// The encapsulated (ephemeral) X25519 key.
    pub fn enc(&self) -> &[u8; 32] {
        &self.enc
    }

    /// Ciphertext and tag of the padded plaintext.
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    fn aad(&self) -> [u8; 9] {
        aad_for(&self.recipient)
    }
}

fn aad_for(id: &KeyId) -> [u8; 9] {
    let mut aad = [0u8; 9];
    aad[0] = SEALED_VERSION;
    aad[1..].copy_from_slice(&id.0);
    aad
}

impl Codec for SealedMessage {
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(SEALED_VERSION);
        out.extend_from_slice(&self.recipient.0);
        out.extend_from_slice(&self.enc);
        // Invariant: `try_new` holds the length to a padding bucket plus the tag (< 2³²).
        out.put_prefixed_u32(&self.ciphertext);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, SEALED_VERSION)?;
        let recipient = KeyId(r.array()?);
        let enc = r.array()?;
        let ciphertext = r.bytes_u32(MAX_CIPHERTEXT_BYTES)?.to_vec();
        Self::try_new(recipient, enc, ciphertext).map_err(|_| Error::NonCanonical)
    }
}

/// Pads `content` as u32 length || content || zeros, to the smallest bucket that holds it.
pub fn pad(content: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let need = content.len() + 4;
    let bucket = PAD_BUCKETS
        .iter()
        .copied()
        .find(|b| *b >= need)
        .ok_or(Error::TooLarge)?;
    let mut out = Zeroizing::new(Vec::with_capacity(bucket));
    // The bucket search above bounds the length by the largest bucket (< 2³²).
    out.put_u32(count_u32(content.len()));
    out.extend_from_slice(content);
    out.resize(bucket, 0);
    Ok(out)
}

/// Removes padding, insisting on a bucket size, a length that fits, all-zero padding, and the
/// smallest bucket that holds the content (the only one [`pad`] makes): a content padded to a
/// larger bucket is [`Error::NonCanonical`].
pub fn unpad(padded: &[u8]) -> Result<&[u8]> {
    if !PAD_BUCKETS.contains(&padded.len()) {
        return Err(Error::NonCanonical);
    }
    let mut r = Reader::new(padded);
    let len = usize::try_from(r.u32()?).map_err(|_| Error::NonCanonical)?;
    let content = r.take(len)?;
    let rest = r.take(r.remaining())?;
    if rest.iter().any(|b| *b != 0) {
        return Err(Error::NonCanonical);
    }
    let smallest = PAD_BUCKETS.iter().copied().find(|b| *b >= len + 4);
    if smallest != Some(padded.len()) {
        return Err(Error::NonCanonical);
    }
    Ok(content)
}

/// Seals `content` to `recipient`. `ikm_e` is the input keying material for the ephemeral key
/// pair (RFC 9180 `DeriveKeyPair`); pass fresh randomness (see [`seal`]) except in test vectors.
pub fn seal_with_ikm(
    recipient: &EncryptionKey,
    info: &[u8],
    content: &[u8],
    ikm_e: &[u8; 32],
) -> Result<SealedMessage> {
    let pk = <X25519HkdfSha256 as hpke::Kem>::PublicKey::from_bytes(recipient.as_bytes())
        .map_err(|_| Error::InvalidPublicKey)?;
    let padded = pad(content)?;
    let id = recipient.key_id();
    let mut rng = FixedIkm(Some(*ikm_e));
    let (enc, ciphertext) = hpke::single_shot_seal::<
        ChaCha20Poly1305,
        HkdfSha256,
        X25519HkdfSha256,
        _,
    >(&OpModeS::Base, &pk, info, &padded, &aad_for(&id), &mut rng)
    .map_err(|e| match e {
        hpke::HpkeError::EncapError => Error::NonContributory,
        _ => Error::InvalidArgument("HPKE seal failed"),
    })?;
    let mut enc_bytes = [0u8; 32];
    enc_bytes.copy_from_slice(&enc.to_bytes());
    SealedMessage::new(id, enc_bytes, ciphertext)
}

/// Seals `content` to `recipient` with a fresh ephemeral key.
pub fn seal(recipient: &EncryptionKey, info: &[u8], content: &[u8]) -> Result<SealedMessage> {
    let ikm = Zeroizing::new(primitives::random_array::<32>()?);
    seal_with_ikm(recipient, info, content, &ikm)
}

/// Opens a sealed message: key id first, then a low-order encapsulated key, then HPKE, then
/// the padding. Returns the content.
pub fn open(key: &DecryptionKey, info: &[u8], msg: &SealedMessage) -> Result<Zeroizing<Vec<u8>>> {
    if msg.recipient != key.public_key().key_id() {
        return Err(Error::UnknownKeyId);
    }
    primitives::x25519_agree(key.secret(), &msg.enc)?;
    let sk = <X25519HkdfSha256 as hpke::Kem>::PrivateKey::from_bytes(key.secret())
        .map_err(|_| Error::InvalidArgument("bad HA secret key"))?;
    let enc = <X25519HkdfSha256 as hpke::Kem>::EncappedKey::from_bytes(&msg.enc)
        .map_err(|_| Error::OpenFailed)?;
    let padded = Zeroizing::new(
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
            &OpModeR::Base,
            &sk,
            &enc,
            info,
            &msg.ciphertext,
            &msg.aad(),
        )
        .map_err(|_| Error::OpenFailed)?,
    );
    let content = unpad(&padded)?;
    Ok(Zeroizing::new(content.to_vec()))
}

/// A `rand_core` source that yields one fixed 32-byte block: hpke's key generation draws
/// exactly the ephemeral IKM from it.
struct FixedIkm(Option<[u8; 32]>);

impl rand_core::RngCore for FixedIkm {
    fn next_u32(&mut self) -> u32 {
        0
    }
    fn next_u64(&mut self) -> u64 {
        0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        match self.0.take() {
            Some(ikm) if dest.len() == 32 => dest.copy_from_slice(&ikm),
            // hpke asks for exactly one 32-byte IKM; anything else would be a library change
            // we must not paper over with zeros, so fill from the OS instead.
            _ => {
                let _ = primitives::random_bytes(dest);
            }
        }
    }
}

impl rand_core::CryptoRng for FixedIkm {}

/// One check-in a case shares: the code exactly as scanned and the stay. Every value has a
/// departure after its arrival and a code whose encoding fits [`MAX_CODE_BYTES`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UploadEntry {
    code: VenueCode,
    arrival: UnixMinute,
    departure: UnixMinute,
}

impl UploadEntry {
    /// Builds a shared check-in, refusing a departure not after the arrival
    /// ([`Error::ValueOutOfRange`]) or a code longer than [`MAX_CODE_BYTES`] encoded
    /// ([`Error::TooLarge`]).
    pub fn new(code: VenueCode, arrival: UnixMinute, departure: UnixMinute) -> Result<Self> {
        Self::try_new(code, arrival, departure).map_err(|e| e.error())
    }

    /// [`Self::new`], with an error naming the field at fault (`code` or `departure`).
    pub fn try_new(
        code: VenueCode,
        arrival: UnixMinute,
        departure: UnixMinute,
    ) -> core::result::Result<Self, FieldError> {
        let bytes = code.encode().len();
        if bytes > MAX_CODE_BYTES {
            return Err(field(
                "code",
                FieldProblem::TooLong {
                    bytes,
                    max: MAX_CODE_BYTES,
                },
            ));
        }
        if departure <= arrival {
            return Err(field(
                "departure",
                FieldProblem::NotAfter { earlier: "arrival" },
            ));
        }
        Ok(Self {
            code,
            arrival,
            departure,
        })
    }

    /// The venue code as scanned.
    pub fn code(&self) -> &VenueCode {
        &self.code
    }

    /// Arrival minute.
    pub fn arrival(&self) -> UnixMinute {
        self.arrival
    }

    /// Departure minute, after arrival.
    pub fn departure(&self) -> UnixMinute {
        self.departure
    }

    /// The HA's check of a shared check-in received at minute `received_at`, in order:
    /// - the stay is at most [`MAX_STAY_MINUTES`] long, and departure is not after
    ///   `received_at + CLOCK_SKEW_MINUTES` ([`Error::ValueOutOfRange`]);
    /// - rotating code: arrival lies in `[valid_until − MAX_DISPLAY_VALIDITY_MINUTES −
    ///   CLOCK_SKEW_MINUTES, valid_until + CLOCK_SKEW_MINUTES)`, when the code could have been
    ///   scanned ([`Error::ClaimOutsideDisplayWindow`]): a photographed code cannot claim other
    ///   hours;
    /// - static code: arrival lies within the certificate validity
    ///   ([`Error::CertificateNotYetValid`], [`Error::CertificateExpired`]).
    ///
    /// Signatures are checked separately ([`VenueCode::verify_signatures`]).
    pub fn check_claim(&self, received_at: UnixMinute) -> Result<()> {
        if self.departure <= self.arrival
            || self.departure - self.arrival > u32::from(MAX_STAY_MINUTES)
        {
            return Err(Error::ValueOutOfRange);
        }
        if self.departure > received_at.saturating_add(CLOCK_SKEW_MINUTES) {
            return Err(Error::ValueOutOfRange);
        }
        match self.code.kind() {
            CodeKind::Rotating { valid_until, .. } => {
                let first =
                    valid_until.saturating_sub(MAX_DISPLAY_VALIDITY_MINUTES + CLOCK_SKEW_MINUTES);
                let end = valid_until.saturating_add(CLOCK_SKEW_MINUTES);
                if self.arrival < first || self.arrival >= end {
                    return Err(Error::ClaimOutsideDisplayWindow);
                }
                Ok(())
            }
            CodeKind::Static => self.code.certificate().check_validity(self.arrival),
        }
    }
}

/// Wire version of the upload plaintext.
pub const UPLOAD_VERSION: u8 = 2;

/// What a case shares with the HA.
///
/// Plaintext: `version u8 = 2 | tan_len u8 (10..=64) | tan (printable ASCII) | count u16
/// (0..=300) | (code_len u16, code, arrival u32, departure u32)…`. The TAN is the one the HA
/// issued to the case: the server only ever sees its hash (the `Venuecode-Tan-Hash` header), so
/// whoever controls the server cannot seal an upload the HA would accept as a case's.
#[derive(Clone, PartialEq, Eq)]
pub struct Upload {
    tan: String,
    entries: Vec<UploadEntry>,
}

impl core::fmt::Debug for Upload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Upload")
            .field("tan", &"…")
            .field("entries", &self.entries)
            .finish()
    }
}

impl Codec for Upload {
    fn encode_into(&self, out: &mut Vec<u8>) {
        // Invariants of `Upload::try_new` and `UploadEntry::try_new`: a TAN of at most 64
        // bytes, at most 300 entries, codes of at most MAX_CODE_BYTES.
        out.push(UPLOAD_VERSION);
        out.put_prefixed_u8(self.tan.as_bytes());
        let n = count_u16(self.entries.len());
        out.put_u16(n);
        for e in self.entries.iter().take(usize::from(n)) {
            out.put_prefixed_u16(&e.code.encode());
            out.put_minute(e.arrival);
            out.put_minute(e.departure);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, UPLOAD_VERSION)?;
        let tan = r.text_u8(MAX_TAN_CHARS)?;
        check_tan(&tan).map_err(|_| Error::NonCanonical)?;
        let n = usize::from(r.u16()?);
        if n > MAX_UPLOAD_ENTRIES {
            return Err(Error::TooLarge);
        }
        let mut entries = Vec::with_capacity(n.min(r.remaining() / 8));
        for _ in 0..n {
            let code = VenueCode::decode(r.bytes_u16(MAX_CODE_BYTES)?)?;
            let arrival = r.minute()?;
            let departure = r.minute()?;
            if departure <= arrival {
                return Err(Error::ValueOutOfRange);
            }
            entries.push(UploadEntry {
                code,
                arrival,
                departure,
            });
        }
        Ok(Self { tan, entries })
    }
}

impl Upload {
    /// Builds an upload, refusing a TAN that is not 10 to 64 printable ASCII characters
    /// ([`Error::InvalidArgument`]) or more than [`MAX_UPLOAD_ENTRIES`] entries
    /// ([`Error::TooLarge`]).
    pub fn new(tan: &str, entries: Vec<UploadEntry>) -> Result<Self> {
        Self::try_new(tan, entries).map_err(|e| e.error())
    }

    /// [`Self::new`], with an error naming the field at fault (`tan` or `entries`).
    pub fn try_new(tan: &str, entries: Vec<UploadEntry>) -> core::result::Result<Self, FieldError> {
        if let Err(Error::InvalidArgument(expected)) = check_tan(tan) {
            return Err(field("tan", FieldProblem::Malformed { expected }));
        }
        if entries.len() > MAX_UPLOAD_ENTRIES {
            return Err(field(
                "entries",
                FieldProblem::TooMany {
                    count: entries.len(),
                    max: MAX_UPLOAD_ENTRIES,
                },
            ));
        }
        Ok(Self {
            tan: tan.to_owned(),
            entries,
        })
    }

    /// The TAN the HA issued for this upload (10 to 64 printable ASCII characters).
    pub fn tan(&self) -> &str {
        &self.tan
    }

    /// The shared check-ins.
    pub fn entries(&self) -> &[UploadEntry] {
        &self.entries
    }

    /// Encodes and seals the upload to the HA.
    pub fn seal(&self, recipient: &EncryptionKey) -> Result<SealedMessage> {
        seal(recipient, UPLOAD_INFO, &self.encode())
    }

    /// Opens and decodes a sealed upload.
    pub fn open(key: &DecryptionKey, msg: &SealedMessage) -> Result<Self> {
        let content = open(key, UPLOAD_INFO, msg)?;
        Self::decode(&content)
    }

    /// [`tan_hash`](crate::envelope::tan_hash) of the sealed TAN: what the upload's header
    /// carried and the HA's ledger is keyed by.
    pub fn tan_hash(&self) -> Result<[u8; 32]> {
        crate::envelope::tan_hash(&self.tan)
    }
}

/// Wire version of the guest-book plaintext.
pub const GUEST_BOOK_VERSION: u8 = 2;

/// An assisted check-in that venue staff record for someone without a phone.
#[derive(Clone, PartialEq, Eq)]
pub struct GuestBookEntry {
    venue_serial: u64,
    name: String,
    phone: String,
    arrival: UnixMinute,
    departure: UnixMinute,
}

impl core::fmt::Debug for GuestBookEntry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GuestBookEntry")
            .field("venue_serial", &self.venue_serial)
            .field("name", &crate::mask::mask_name(&self.name))
            .field("phone", &crate::mask::mask_phone(&self.phone))
            .finish_non_exhaustive()
    }
}

impl GuestBookEntry {
    /// Builds an entry, refusing a name that is blank, longer than [`MAX_GUEST_NAME_BYTES`] or
    /// holds control characters, a phone number that is not digits, spaces, dashes and a
    /// leading `+` (at least three digits, at most [`MAX_GUEST_PHONE_BYTES`]) (all
    /// [`Error::InvalidArgument`]), or a departure not after the arrival
    /// ([`Error::ValueOutOfRange`]).
    pub fn new(
        venue_serial: u64,
        name: &str,
        phone: &str,
        arrival: UnixMinute,
        departure: UnixMinute,
    ) -> Result<Self> {
        Self::try_new(venue_serial, name, phone, arrival, departure).map_err(|e| e.error())
    }

    /// [`Self::new`], with an error naming the field at fault (`name`, `phone` or
    /// `departure`).
    pub fn try_new(
        venue_serial: u64,
        name: &str,
        phone: &str,
        arrival: UnixMinute,
        departure: UnixMinute,
    ) -> core::result::Result<Self, FieldError> {
        if name.trim().is_empty() || name.len() > MAX_GUEST_NAME_BYTES {
            return Err(field(
                "name",
                FieldProblem::Malformed {
                    expected: "guest name must be 1 to 64 bytes",
                },
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(field(
                "name",
                FieldProblem::Malformed {
                    expected: "guest name has control characters",
                },
            ));
        }
        if let Err(Error::InvalidArgument(expected)) = check_phone(phone) {
            return Err(field("phone", FieldProblem::Malformed { expected }));
        }
        if departure <= arrival {
            return Err(field(
                "departure",
                FieldProblem::NotAfter { earlier: "arrival" },
            ));
        }
        Ok(Self {
            venue_serial,
            name: name.to_owned(),
            phone: phone.to_owned(),
            arrival,
            departure,
        })
    }

    /// The venue's certificate serial.
    pub fn venue_serial(&self) -> u64 {
        self.venue_serial
    }

    /// The guest's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The guest's phone number: digits, optionally a leading `+`, spaces and dashes.
    pub fn phone(&self) -> &str {
        &self.phone
    }

    /// Arrival minute.
    pub fn arrival(&self) -> UnixMinute {
        self.arrival
    }

    /// Departure minute, after arrival.
    pub fn departure(&self) -> UnixMinute {
        self.departure
    }

    /// Encodes and seals the entry to the HA.
    pub fn seal(&self, recipient: &EncryptionKey) -> Result<SealedMessage> {
        seal(recipient, GUEST_BOOK_INFO, &self.encode())
    }

    /// Opens and decodes a sealed entry.
    pub fn open(key: &DecryptionKey, msg: &SealedMessage) -> Result<Self> {
        let content = open(key, GUEST_BOOK_INFO, msg)?;
        Self::decode(&content)
    }
}

fn check_phone(phone: &str) -> Result<()> {
    let digits = phone.bytes().filter(u8::is_ascii_digit).count();
    let ok = !phone.is_empty()
        && phone.len() <= MAX_GUEST_PHONE_BYTES
        && digits >= 3
        && phone
            .bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || b == b' ' || b == b'-' || (b == b'+' && i == 0));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(
            "phone must be digits, spaces, dashes and a leading +",
        ))
    }
}

impl Codec for GuestBookEntry {
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(GUEST_BOOK_VERSION);
        out.put_u64(self.venue_serial);
        // Invariant of `try_new`: a name of at most 64 bytes and a phone of at most 24.
        out.put_prefixed_u8(self.name.as_bytes());
        out.put_prefixed_u8(self.phone.as_bytes());
        out.put_minute(self.arrival);
        out.put_minute(self.departure);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, GUEST_BOOK_VERSION)?;
        let venue_serial = r.u64()?;
        let name = r.text_u8(MAX_GUEST_NAME_BYTES)?;
        let phone = r.text_u8(MAX_GUEST_PHONE_BYTES)?;
        let arrival = r.minute()?;
        let departure = r.minute()?;
        Self::try_new(venue_serial, &name, &phone, arrival, departure).map_err(|e| {
            match e.error() {
                Error::InvalidArgument(_) => Error::NonCanonical,
                other => other,
            }
        })
    }
}

/// Wire version of the seed-release plaintext.
pub const SEED_RELEASE_VERSION: u8 = 2;

/// The rotating seeds a venue releases to the HA for a trace, signed by the venue key inside
/// it and sealed whole to the HA: nothing identifying travels in clear.
///
/// Plaintext: `version u8 = 2 | venue_key [32] | count u8 (0..=60) | (epoch u32, seed [32])… |
/// signature [64]`, epochs strictly increasing. The signature is by `venue_key` over
/// `"venuecode/v2/seed-release" || 0x00 || (every byte before the signature) || recipient key
/// id [8]`, the recipient being the HA encryption key it is sealed to, so a release cannot be
/// re-sealed to another key. The HA matches releases to traces by venue key.
///
/// Values are made by [`SeedRelease::sign`] or decoded, so the seeds are at most
/// [`MAX_RELEASED_SEEDS`] with strictly increasing epochs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SeedRelease {
    venue_key: PublicKey,
    seeds: Vec<(Epoch, Seed)>,
    signature: [u8; 64],
}

impl SeedRelease {
    /// The releasing venue's key; the signature is checked against it.
    pub fn venue_key(&self) -> &PublicKey {
        &self.venue_key
    }

    /// `(epoch, seed)` pairs, venue-local epochs strictly increasing.
    pub fn seeds(&self) -> &[(Epoch, Seed)] {
        &self.seeds
    }

    /// The venue's signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    fn encode_tbs(venue_key: &PublicKey, seeds: &[(Epoch, Seed)], out: &mut Vec<u8>) {
        // Invariant of `sign` and `read`: at most MAX_RELEASED_SEEDS (60) seeds.
        out.push(SEED_RELEASE_VERSION);
        out.extend_from_slice(venue_key.as_bytes());
        let n = count_u8(seeds.len());
        out.push(n);
        for (epoch, seed) in seeds.iter().take(usize::from(n)) {
            out.put_epoch(*epoch);
            out.extend_from_slice(seed.expose());
        }
    }

    fn signed_bytes(&self, recipient: &KeyId) -> Zeroizing<Vec<u8>> {
        let mut tbs = Zeroizing::new(Vec::new());
        Self::encode_tbs(&self.venue_key, &self.seeds, &mut tbs);
        tbs.extend_from_slice(&recipient.0);
        tbs
    }

    /// Signs a release of `seeds` with the venue key, for the HA encryption key `recipient`.
    /// More than [`MAX_RELEASED_SEEDS`] seeds is [`Error::TooLarge`], epochs not strictly
    /// increasing [`Error::NonCanonical`]; [`Self::try_sign`] names the field.
    pub fn sign(
        venue_key: &SigningKey,
        seeds: Vec<(Epoch, Seed)>,
        recipient: &KeyId,
    ) -> Result<Self> {
        Self::try_sign(venue_key, seeds, recipient).map_err(|e| e.error())
    }

    /// [`Self::sign`], with an error naming the field at fault (`seeds`).
    pub fn try_sign(
        venue_key: &SigningKey,
        seeds: Vec<(Epoch, Seed)>,
        recipient: &KeyId,
    ) -> core::result::Result<Self, FieldError> {
        if seeds.len() > MAX_RELEASED_SEEDS {
            return Err(field(
                "seeds",
                FieldProblem::TooMany {
                    count: seeds.len(),
                    max: MAX_RELEASED_SEEDS,
                },
            ));
        }
        if seeds.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(field("seeds", FieldProblem::NotIncreasing));
        }
        let mut release = Self {
            venue_key: venue_key.public_key(),
            seeds,
            signature: [0u8; 64],
        };
        release.signature = venue_key.sign(SEED_RELEASE_LABEL, &release.signed_bytes(recipient));
        Ok(release)
    }

    /// Checks the venue signature for a release sealed to the key with id `recipient`.
    pub fn verify(&self, recipient: &KeyId) -> Result<()> {
        self.venue_key.verify(
            SEED_RELEASE_LABEL,
            &self.signed_bytes(recipient),
            &self.signature,
            Error::SeedReleaseSignatureInvalid,
        )
    }

    /// Signs and seals a release to the HA: what the venue uploads is just the
    /// [`SealedMessage`].
    pub fn create(
        venue_key: &SigningKey,
        seeds: Vec<(Epoch, Seed)>,
        recipient: &EncryptionKey,
    ) -> Result<SealedMessage> {
        Self::sign(venue_key, seeds, &recipient.key_id())?.seal(recipient)
    }

    /// Seals this (signed) release to `recipient`, whose key id it must be signed for.
    pub fn seal(&self, recipient: &EncryptionKey) -> Result<SealedMessage> {
        self.verify(&recipient.key_id())
            .map_err(|_| Error::InvalidArgument("release is not signed for this recipient"))?;
        seal(recipient, SEED_RELEASE_INFO, &Zeroizing::new(self.encode()))
    }

    /// Opens a sealed release, decodes it and verifies the venue signature for this HA key.
    /// The caller then matches it to traces by [`SeedRelease::venue_key`].
    pub fn open(key: &DecryptionKey, msg: &SealedMessage) -> Result<Self> {
        let content = open(key, SEED_RELEASE_INFO, msg)?;
        let release = Self::decode(&content)?;
        release.verify(&msg.recipient)?;
        Ok(release)
    }
}

impl Codec for SeedRelease {
    fn encode_into(&self, out: &mut Vec<u8>) {
        Self::encode_tbs(&self.venue_key, &self.seeds, out);
        out.extend_from_slice(&self.signature);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, SEED_RELEASE_VERSION)?;
        let venue_key = PublicKey::from_bytes(&r.array()?)?;
        let n = usize::from(r.u8()?);
        if n > MAX_RELEASED_SEEDS {
            return Err(Error::TooLarge);
        }
        let mut seeds: Vec<(Epoch, Seed)> = Vec::with_capacity(n);
        for _ in 0..n {
            let epoch = r.epoch()?;
            if seeds.last().is_some_and(|(e, _)| *e >= epoch) {
                return Err(Error::NonCanonical);
            }
            seeds.push((epoch, Seed::from_bytes(r.array()?)));
        }
        let signature = r.array()?;
        Ok(Self {
            venue_key,
            seeds,
            signature,
        })
    }
}

/// Wire version of [`SealedBundle`].
pub const BUNDLE_VERSION: u8 = 2;
/// Most sealed messages in one bundle.
pub const MAX_BUNDLE_ITEMS: usize = 10_000;

/// Several sealed messages sent together, such as a venue's guest-book entries for a window.
/// Every value holds at most [`MAX_BUNDLE_ITEMS`] messages.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SealedBundle {
    items: Vec<SealedMessage>,
}

impl SealedBundle {
    /// Builds a bundle, refusing more than [`MAX_BUNDLE_ITEMS`] messages ([`Error::TooLarge`]).
    pub fn new(items: Vec<SealedMessage>) -> Result<Self> {
        Self::try_new(items).map_err(|e| e.error())
    }

    /// [`Self::new`], with an error naming the field at fault (`items`).
    pub fn try_new(items: Vec<SealedMessage>) -> core::result::Result<Self, FieldError> {
        if items.len() > MAX_BUNDLE_ITEMS {
            return Err(field(
                "items",
                FieldProblem::TooMany {
                    count: items.len(),
                    max: MAX_BUNDLE_ITEMS,
                },
            ));
        }
        Ok(Self { items })
    }

    /// The sealed messages.
    pub fn items(&self) -> &[SealedMessage] {
        &self.items
    }

    /// The sealed messages, by value.
    pub fn into_items(self) -> Vec<SealedMessage> {
        self.items
    }
}

impl Codec for SealedBundle {
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(BUNDLE_VERSION);
        // Invariant of `try_new` and `read`: at most MAX_BUNDLE_ITEMS items.
        let n = count_u32(self.items.len());
        out.put_u32(n);
        for item in self
            .items
            .iter()
            .take(usize::try_from(n).unwrap_or(usize::MAX))
        {
            item.encode_into(out);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, BUNDLE_VERSION)?;
        let n = usize::try_from(r.u32()?).map_err(|_| Error::TooLarge)?;
        if n > MAX_BUNDLE_ITEMS {
            return Err(Error::TooLarge);
        }
        let mut items = Vec::with_capacity(n.min(r.remaining() / (41 + 272)));
        for _ in 0..n {
            items.push(SealedMessage::read(r)?);
        }
        Ok(Self { items })
    }
}
