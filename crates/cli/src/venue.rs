//! The venue's side: registration with the server, the state kept under `venue/`, revocation
//! and updates.

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use venuecode_client::api;
use venuecode_client::transport::{Method, Request, Transport};
use venuecode_client::Venue;
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::{
    Codec, MasterSeed, RegistrationRequest, SigningKey, TrustAnchors, VenueCertificate, VenueInfo,
};

use crate::home::Trust;

use crate::authority::now_seconds;
use crate::home::{read_key, refuse_existing, write_file, write_hex, write_key, Home};
use venuecode_server::keyfile::KeyKind;

/// Poster details that are not in the certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// English name for the poster.
    pub english_name: Option<String>,
    /// English address for the poster.
    pub english_address: Option<String>,
    /// The base URL codes point at.
    pub base_url: String,
}

/// Everything the venue's device holds.
#[derive(Debug)]
pub struct VenueState {
    /// Certificate, master seed and key, as the client library uses them.
    pub venue: Venue,
    /// The venue key (also inside `venue`).
    pub key: SigningKey,
    /// The master seed (also inside `venue`).
    pub master: MasterSeed,
    /// Poster details.
    pub profile: Profile,
}

impl VenueState {
    /// Loads the venue from `venue/`, with the trust bundle installed in the home.
    pub fn load(home: &Home) -> Result<Self> {
        let trust = Trust::require(home)?;
        let dir = home.path("venue");
        if !dir.join("certificate.hex").exists() {
            bail!(
                "no venue registered in {} (run `venuecode venue register` first)",
                home.root().display()
            );
        }
        let key =
            SigningKey::from_seed(&*read_key(&dir.join("venue.key"), KeyKind::Ed25519Secret)?)?;
        let master = MasterSeed::from_bytes(*read_key(
            &dir.join("master.seed"),
            KeyKind::VenueMasterSeed,
        )?);
        let cert_hex = std::fs::read_to_string(dir.join("certificate.hex"))?;
        let cert_bytes = hex::decode(cert_hex.trim()).context("certificate.hex is not hex")?;
        let certificate = VenueCertificate::decode(&cert_bytes)
            .map_err(|e| anyhow!("venue/certificate.hex: {e}"))?;
        let profile: Profile = match std::fs::read_to_string(dir.join("profile.json")) {
            Ok(text) => serde_json::from_str(&text).context("venue/profile.json")?,
            Err(_) => Profile {
                base_url: DEFAULT_BASE_URL.to_owned(),
                ..Profile::default()
            },
        };
        let venue =
            Venue::new(certificate, master.clone(), key.clone(), trust.bundle()).map_err(|e| {
                anyhow!(
                    "venue/certificate.hex does not verify under the installed trust bundle: {e}"
                )
            })?;
        Ok(Self {
            venue,
            key,
            master,
            profile,
        })
    }

    /// The certificate.
    pub fn certificate(&self) -> &VenueCertificate {
        self.venue.certificate()
    }
}

/// Registers a new venue: makes its key and master seed, sends the signed request, checks the
/// certificate that comes back, and stores everything under `venue/`. Nothing is written unless
/// the server issued a certificate that verifies.
pub fn register(
    home: &Home,
    t: &dyn Transport,
    trust: &Trust,
    info: VenueInfo,
    pledge: bool,
    profile: Profile,
) -> Result<VenueState> {
    let dir = home.path("venue");
    for f in ["venue.key", "master.seed", "certificate.hex"] {
        refuse_existing(&dir.join(f))?;
    }
    if !pledge {
        bail!("the pledge that the information is true is required (pass --pledge)");
    }
    let key = SigningKey::generate()?;
    let master = MasterSeed::generate()?;
    let certificate = request_certificate(
        t,
        &trust.anchors()?,
        &key,
        &info,
        "/v1/venues",
        Method::Post,
    )?;
    save(home, &key, &master, &certificate, &profile)?;
    Ok(VenueState {
        venue: Venue::new(certificate, master.clone(), key.clone(), trust.bundle())?,
        key,
        master,
        profile,
    })
}

/// Updates the venue's information: the server issues a new certificate (new serial) and
/// supersedes the old one. The key and master seed stay. The new certificate and `profile`
/// are stored only once the server's certificate verifies and says what was asked.
pub fn update(
    home: &Home,
    t: &dyn Transport,
    anchors: &TrustAnchors,
    state: &VenueState,
    info: VenueInfo,
    profile: &Profile,
) -> Result<VenueCertificate> {
    let path = format!("/v1/venues/{}", state.certificate().serial());
    let cert = request_certificate(t, anchors, &state.key, &info, &path, Method::Put)?;
    if cert.serial() == state.certificate().serial() {
        bail!("the server answered the update with the same certificate serial");
    }
    save(home, &state.key, &state.master, &cert, profile)?;
    Ok(cert)
}

/// Stores a changed profile (the poster's English lines) without a new certificate.
pub fn save_profile(home: &Home, profile: &Profile) -> Result<()> {
    let dir = home.dir("venue")?;
    write_file(
        &dir.join("profile.json"),
        serde_json::to_string_pretty(profile)?.as_bytes(),
        false,
    )
}

fn request_certificate(
    t: &dyn Transport,
    anchors: &TrustAnchors,
    key: &SigningKey,
    info: &VenueInfo,
    path: &str,
    method: Method,
) -> Result<VenueCertificate> {
    let body = RegistrationRequest {
        venue_key: key.public_key(),
        info: info.clone(),
        pledge: true,
    }
    .encode();
    let req = Request {
        method,
        path: path.to_owned(),
        headers: Vec::new(),
        body,
        content_type: Some("application/octet-stream"),
    };
    let resp = api::check(t.send(api::sign(req, key, now_seconds())?)?)?;
    let bytes = api::read_body(resp, 64 * 1024)?;
    let cert = VenueCertificate::decode(&bytes).map_err(|e| anyhow!("certificate: {e}"))?;
    cert.verify_signature(anchors)
        .map_err(|e| anyhow!("the certificate from the server does not verify: {e}"))?;
    if cert.body().venue_key != key.public_key() || cert.info() != info {
        bail!("the server certified something other than what was asked");
    }
    Ok(cert)
}

fn save(
    home: &Home,
    key: &SigningKey,
    master: &MasterSeed,
    cert: &VenueCertificate,
    profile: &Profile,
) -> Result<()> {
    let dir = home.dir("venue")?;
    write_key(
        &dir.join("venue.key"),
        KeyKind::Ed25519Secret,
        &key.to_seed(),
    )?;
    write_key(
        &dir.join("master.seed"),
        KeyKind::VenueMasterSeed,
        master.expose(),
    )?;
    save_profile(home, profile)?;
    // The certificate goes last: its presence marks a complete registration.
    write_hex(&dir.join("certificate.hex"), &cert.encode())
}

/// Revokes the venue's own certificate (deactivates its code).
pub fn revoke(t: &dyn Transport, state: &VenueState) -> Result<u64> {
    #[derive(Deserialize)]
    struct Revoked {
        sequence: u64,
    }
    let req = Request::post(
        format!("/v1/venues/{}/revoke", state.certificate().serial()),
        Vec::new(),
        "application/octet-stream",
    );
    let resp = api::check(t.send(api::sign(req, &state.key, now_seconds())?)?)?;
    let body = api::read_body(resp, 64 * 1024)?;
    let r: Revoked = serde_json::from_slice(&body).context("revoke response")?;
    Ok(r.sequence)
}

/// Fetches a venue's current certificate by serial.
pub fn fetch_certificate(t: &dyn Transport, serial: u64) -> Result<VenueCertificate> {
    let resp = api::check(t.send(Request::get(format!("/v1/venues/{serial}")))?)?;
    let bytes = api::read_body(resp, 64 * 1024)?;
    VenueCertificate::decode(&bytes).map_err(|e| anyhow!("certificate: {e}"))
}
