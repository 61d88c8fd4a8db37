//! The venue certificate: the registration authority's signature over a venue's public key and
//! public information.

use crate::codec::{read_version, Codec, Reader};
use crate::error::{Error, Result};
use crate::keys::{KeyId, PublicKey, SigningKey, TrustAnchors};
use crate::time::UnixMinute;
use crate::venue::VenueInfo;

/// Wire version of [`VenueCertificate`].
pub const CERTIFICATE_VERSION: u8 = 2;
/// Domain label of the RA's certificate signature.
pub const CERTIFICATE_LABEL: &[u8] = b"venuecode/v2/certificate";

/// The fields the registration authority signs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CertificateBody {
    /// The RA key that signs.
    pub ra_key_id: KeyId,
    /// A serial unique per RA, used by revocation lists.
    pub serial: u64,
    /// The venue's Ed25519 key.
    pub venue_key: PublicKey,
    /// Name, address, region, category and default stay.
    pub info: VenueInfo,
    /// First minute of validity.
    pub valid_from: UnixMinute,
    /// First minute after validity.
    pub valid_until: UnixMinute,
}

/// An RA-signed venue certificate. All of it is public.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VenueCertificate {
    body: CertificateBody,
    signature: [u8; 64],
}

impl CertificateBody {
    fn encode_tbs(&self, out: &mut Vec<u8>) {
        use crate::codec::Put;
        out.push(CERTIFICATE_VERSION);
        out.extend_from_slice(&self.ra_key_id.0);
        out.put_u64(self.serial);
        out.extend_from_slice(self.venue_key.as_bytes());
        self.info.encode_into(out);
        out.put_minute(self.valid_from);
        out.put_minute(self.valid_until);
    }
}

impl VenueCertificate {
    /// Signs a certificate body with the RA key. The body's `ra_key_id` must be that key's id,
    /// and its validity must be a non-empty interval.
    pub fn sign(body: CertificateBody, ra: &SigningKey) -> Result<Self> {
        if body.ra_key_id != ra.key_id() {
            return Err(Error::InvalidArgument(
                "ra_key_id does not match the signing key",
            ));
        }
        if body.valid_until <= body.valid_from {
            return Err(Error::InvalidArgument("certificate validity is empty"));
        }
        let mut tbs = Vec::new();
        body.encode_tbs(&mut tbs);
        let signature = ra.sign(CERTIFICATE_LABEL, &tbs);
        Ok(Self { body, signature })
    }

    /// The signed fields.
    pub fn body(&self) -> &CertificateBody {
        &self.body
    }

    /// Shorthand for the serial.
    pub fn serial(&self) -> u64 {
        self.body.serial
    }

    /// Shorthand for the venue information.
    pub fn info(&self) -> &VenueInfo {
        &self.body.info
    }

    /// The RA's signature.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// Checks the RA signature against the trust anchors: unknown key id first, then the
    /// signature. Validity in time is checked separately by [`Self::check_validity`].
    pub fn verify_signature(&self, anchors: &TrustAnchors) -> Result<()> {
        let ra = anchors.ra(&self.body.ra_key_id)?;
        let mut tbs = Vec::new();
        self.body.encode_tbs(&mut tbs);
        ra.verify(
            CERTIFICATE_LABEL,
            &tbs,
            &self.signature,
            Error::CertificateSignatureInvalid,
        )
    }

    /// Checks that `now` lies within `[valid_from, valid_until)`.
    pub fn check_validity(&self, now: UnixMinute) -> Result<()> {
        if now < self.body.valid_from {
            Err(Error::CertificateNotYetValid)
        } else if now >= self.body.valid_until {
            Err(Error::CertificateExpired)
        } else {
            Ok(())
        }
    }
}

impl Codec for VenueCertificate {
    fn encode_into(&self, out: &mut Vec<u8>) {
        self.body.encode_tbs(out);
        out.extend_from_slice(&self.signature);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, CERTIFICATE_VERSION)?;
        let ra_key_id = KeyId(r.array()?);
        let serial = r.u64()?;
        let venue_key = PublicKey::from_bytes(&r.array()?)?;
        let info = VenueInfo::read(r)?;
        let valid_from = r.minute()?;
        let valid_until = r.minute()?;
        if valid_until <= valid_from {
            return Err(Error::ValueOutOfRange);
        }
        let signature = r.array()?;
        Ok(Self {
            body: CertificateBody {
                ra_key_id,
                serial,
                venue_key,
                info,
                valid_from,
                valid_until,
            },
            signature,
        })
    }
}

/// Wire version of [`RegistrationRequest`].
pub const REGISTRATION_VERSION: u8 = 2;

/// What a venue sends to register or update: its key, its public information and the pledge
/// that the information is true. The request envelope around it is signed by `venue_key`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RegistrationRequest {
    /// The venue's Ed25519 key.
    pub venue_key: PublicKey,
    /// The information to certify.
    pub info: VenueInfo,
    /// The manager pledged that the information is true; the RA refuses `false`.
    pub pledge: bool,
}

impl Codec for RegistrationRequest {
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(REGISTRATION_VERSION);
        out.extend_from_slice(self.venue_key.as_bytes());
        self.info.encode_into(out);
        out.push(u8::from(self.pledge));
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        read_version(r, REGISTRATION_VERSION)?;
        let venue_key = PublicKey::from_bytes(&r.array()?)?;
        let info = VenueInfo::read(r)?;
        let pledge = match r.u8()? {
            0 => false,
            1 => true,
            _ => return Err(Error::NonCanonical),
        };
        Ok(Self {
            venue_key,
            info,
            pledge,
        })
    }
}
