//! The venue's side: registration with the server, the state kept under `venue/`, revocation
//! and updates.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use venuecode_client::transport::Transport;
use venuecode_client::venue::{self, Venue};
use venuecode_protocol::{
    Codec, MasterSeed, RegistrationRequest, SigningKey, VenueCertificate, VenueInfo,
};

use crate::home::Trust;

use crate::home::{read_key, refuse_existing, write_file, write_hex, write_key, Home};
use venuecode_protocol::keyfile::KeyKind;

/// Poster details that are not in the certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// English name for the poster.
    pub english_name: Option<String>,
    /// English address for the poster.
    pub english_address: Option<String>,
    /// The base URL codes point at.
    pub base_url: String,
    /// The venue's language for its posters and display page (`--lang` at registration);
    /// `None` in a profile written before languages were chosen: the run's language then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<crate::i18n::Lang>,
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
            if let Ok(pending) = read_pending(home) {
                return Err(
                    crate::cli_error!("error-registration-pending", id = pending.id).into(),
                );
            }
            return Err(crate::cli_error!(
                "error-no-venue",
                dir = home.root().display().to_string()
            )
            .into());
        }
        let key =
            SigningKey::from_seed(&*read_key(&dir.join("venue.key"), KeyKind::Ed25519Secret)?)?;
        let master = MasterSeed::from_bytes(*read_key(
            &dir.join("master.seed"),
            KeyKind::VenueMasterSeed,
        )?);
        let cert_hex = std::fs::read_to_string(dir.join("certificate.hex"))?;
        let cert_bytes = hex::decode(cert_hex.trim())
            .map_err(|e| damaged("venue/certificate.hex", e.to_string()))?;
        let certificate = VenueCertificate::decode(&cert_bytes)
            .map_err(|e| damaged("venue/certificate.hex", crate::errors::protocol_text(&e)))?;
        let profile: Profile = match std::fs::read_to_string(dir.join("profile.json")) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| damaged("venue/profile.json", e.to_string()))?,
            Err(_) => Profile {
                base_url: trust.bundle().code_base_url().to_owned(),
                ..Profile::default()
            },
        };
        let venue =
            Venue::new(certificate, master.clone(), key.clone(), trust.bundle()).map_err(|e| {
                crate::cli_error!(
                    "error-venue-certificate-untrusted",
                    detail = crate::errors::client_text(&e)
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
/// the server issued a certificate that verifies. A server that holds registrations for review
/// is an error here; [`submit_registration`] handles it.
pub fn register(
    home: &Home,
    t: &dyn Transport,
    trust: &Trust,
    info: VenueInfo,
    pledge: bool,
    profile: Profile,
) -> Result<VenueState> {
    match submit_registration(home, t, trust, info, pledge, profile)? {
        Registration::Issued(state) => Ok(*state),
        Registration::Pending(id) => {
            Err(crate::cli_error!("error-registration-pending", id = id).into())
        }
    }
}

/// How a registration ended.
#[derive(Debug)]
pub enum Registration {
    /// The certificate was issued and stored.
    Issued(Box<VenueState>),
    /// The server holds the registration (this is its number) for the RA administrator's
    /// review; the key, master seed and request are stored under `venue/` until [`collect`].
    Pending(u64),
}

/// [`register`], also when the server holds registrations for review (`--review-registrations`):
/// then the key, master seed, profile and request are kept in `venue/` and the registration's
/// number is returned.
pub fn submit_registration(
    home: &Home,
    t: &dyn Transport,
    trust: &Trust,
    info: VenueInfo,
    pledge: bool,
    profile: Profile,
) -> Result<Registration> {
    let dir = home.path("venue");
    for f in ["venue.key", "master.seed", "certificate.hex", PENDING_FILE] {
        refuse_existing(&dir.join(f))?;
    }
    if !pledge {
        return Err(crate::cli_error!("error-pledge-required").into());
    }
    let key = SigningKey::generate()?;
    let master = MasterSeed::generate()?;
    let certificate = match venue::register(t, &trust.anchors()?, &key, &info)? {
        venue::Registration::Issued(certificate) => *certificate,
        venue::Registration::Pending(id) => {
            let dir = save_secrets(home, &key, &master, &profile)?;
            let pending = Pending {
                id,
                request: hex::encode(venue::registration_request(&key, &info).encode()),
            };
            write_file(
                &dir.join(PENDING_FILE),
                serde_json::to_string_pretty(&pending)?.as_bytes(),
                false,
            )?;
            return Ok(Registration::Pending(id));
        }
    };
    save(home, &key, &master, &certificate, &profile)?;
    Ok(Registration::Issued(Box::new(VenueState {
        venue: Venue::new(certificate, master.clone(), key.clone(), trust.bundle())?,
        key,
        master,
        profile,
    })))
}

/// Where a registration held for review is kept while it waits.
const PENDING_FILE: &str = "pending.json";

/// A registration held for review: its number and the request sent.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    id: u64,
    /// The `RegistrationRequest`, hex.
    request: String,
}

fn read_pending(home: &Home) -> Result<Pending> {
    let text = std::fs::read_to_string(home.path("venue").join(PENDING_FILE))?;
    serde_json::from_str(&text).map_err(|e| damaged("venue/pending.json", e.to_string()))
}

/// What [`collect`] found.
#[derive(Debug)]
pub enum Review {
    /// Still waiting for the RA administrator.
    Waiting(u64),
    /// Approved: the certificate is checked and stored.
    Issued(Box<VenueState>),
    /// Refused: the key and seed kept for it are deleted, so that the venue can register again.
    Refused(u64),
}

/// Asks the server about the registration held for review and, once approved, checks and
/// stores its certificate as [`register`] would have: it must verify under the installed trust
/// bundle's anchors, and the venue is built with that bundle.
pub fn collect(home: &Home, t: &dyn Transport, trust: &Trust) -> Result<Review> {
    let pending = read_pending(home).map_err(|_| {
        crate::cli_error!(
            "error-no-registration-pending",
            dir = home.root().display().to_string()
        )
    })?;
    let request = hex::decode(&pending.request)
        .ok()
        .and_then(|b| RegistrationRequest::decode(&b).ok())
        .ok_or_else(|| damaged("venue/pending.json", crate::t!("venue-pending-no-request")))?;
    let dir = home.path("venue");
    let certificate = match venue::registration_status(t, pending.id, &trust.anchors()?, &request)?
    {
        venue::Review::Waiting => return Ok(Review::Waiting(pending.id)),
        venue::Review::Refused => {
            for f in ["venue.key", "master.seed", "profile.json", PENDING_FILE] {
                let _ = std::fs::remove_file(dir.join(f));
            }
            return Ok(Review::Refused(pending.id));
        }
        venue::Review::Issued(certificate) => *certificate,
    };
    let key = SigningKey::from_seed(&*read_key(&dir.join("venue.key"), KeyKind::Ed25519Secret)?)?;
    if key.public_key() != request.venue_key {
        return Err(damaged(
            "venue/venue.key",
            crate::t!("venue-pending-other-key"),
        ));
    }
    // Checked before anything is written: the stored certificate must build a venue under the
    // installed bundle.
    Venue::new(
        certificate.clone(),
        MasterSeed::from_bytes(*read_key(
            &dir.join("master.seed"),
            KeyKind::VenueMasterSeed,
        )?),
        key.clone(),
        trust.bundle(),
    )?;
    write_hex(&dir.join("certificate.hex"), &certificate.encode())?;
    std::fs::remove_file(dir.join(PENDING_FILE))?;
    Ok(Review::Issued(Box::new(VenueState::load(home)?)))
}

/// Updates the venue's information: the server issues a new certificate (new serial) and
/// supersedes the old one. The key and master seed stay. The new certificate and `profile`
/// are stored only once the server's certificate verifies and says what was asked.
pub fn update(
    home: &Home,
    t: &dyn Transport,
    state: &VenueState,
    info: VenueInfo,
    profile: &Profile,
) -> Result<VenueCertificate> {
    let cert = state.venue.request_update(t, &info)?;
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

/// Stores the venue key, master seed and profile under `venue/` (the folder, returned).
fn save_secrets(
    home: &Home,
    key: &SigningKey,
    master: &MasterSeed,
    profile: &Profile,
) -> Result<std::path::PathBuf> {
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
    Ok(dir)
}

fn save(
    home: &Home,
    key: &SigningKey,
    master: &MasterSeed,
    cert: &VenueCertificate,
    profile: &Profile,
) -> Result<()> {
    let dir = save_secrets(home, key, master, profile)?;
    // The certificate goes last: its presence marks a complete registration.
    write_hex(&dir.join("certificate.hex"), &cert.encode())
}

/// A file of the venue home that does not hold what this program wrote there.
fn damaged(file: &str, detail: String) -> anyhow::Error {
    crate::cli_error!(
        "error-venue-home-damaged",
        file = file,
        more = crate::errors::english_aside(&detail)
    )
    .into()
}

/// Checks a base URL for the codes: `https://` (or `http://` to a loopback host, for a drill
/// on one machine: SPEC §10.3), a host, a path, no fragment (the code's digits go in the
/// fragment), no spaces or user name. Returns it as given.
pub fn check_base_url(url: &str) -> std::result::Result<String, String> {
    let bad = |why: &str| crate::t!("base-url-refused", url = url, reason = crate::t!(why));
    let rest = match url.split_once("://") {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("https")
                || (scheme.eq_ignore_ascii_case("http")
                    && venuecode_protocol::code::is_code_base(url)) =>
        {
            rest
        }
        _ => return Err(bad("base-url-not-https")),
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("base-url-spaces"));
    }
    if url.contains('#') {
        return Err(bad("base-url-fragment"));
    }
    let (host, path) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at_checked(i).unwrap_or((rest, "")),
        None => (rest, ""),
    };
    if host.is_empty() {
        return Err(bad("base-url-no-host"));
    }
    if host.contains('@') {
        return Err(bad("base-url-user"));
    }
    let host_ok = host
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | ':' | '[' | ']'));
    if !host_ok || host.starts_with(['.', '-', ':']) {
        return Err(bad("base-url-bad-host"));
    }
    if !path.starts_with('/') || path.len() < 2 {
        return Err(bad("base-url-no-path"));
    }
    Ok(url.to_owned())
}

/// What a recovery sheet holds: enough to rebuild a working venue home with the server's help
/// (`venue restore`). The certificate itself is fetched again by serial.
#[derive(Debug)]
pub struct RecoverySheet {
    /// The venue's name (to check against the certificate fetched).
    pub name: String,
    /// The certificate serial when the sheet was written.
    pub serial: u64,
    /// The venue key's RFC 8032 seed.
    pub key: zeroize::Zeroizing<[u8; 32]>,
    /// The master seed.
    pub master: zeroize::Zeroizing<[u8; 32]>,
    /// The key that seals the guest book at rest, when the venue kept one.
    pub guest_book_key: Option<zeroize::Zeroizing<[u8; 32]>>,
    /// Poster details.
    pub profile: Profile,
}

/// A line of the recovery sheet. The sheet is written in the run's language; `venue restore`
/// reads a sheet written (or typed) in any language of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum SheetField {
    Venue,
    EnglishName,
    EnglishAddress,
    Serial,
    Issued,
    BaseUrl,
    Master,
    Key,
    GuestBook,
}

impl SheetField {
    const ALL: [SheetField; 9] = [
        SheetField::Venue,
        SheetField::EnglishName,
        SheetField::EnglishAddress,
        SheetField::Serial,
        SheetField::Issued,
        SheetField::BaseUrl,
        SheetField::Master,
        SheetField::Key,
        SheetField::GuestBook,
    ];

    /// The catalogue id of the line's label.
    fn id(self) -> &'static str {
        match self {
            SheetField::Venue => "sheet-venue",
            SheetField::EnglishName => "sheet-english-name",
            SheetField::EnglishAddress => "sheet-english-address",
            SheetField::Serial => "sheet-serial",
            SheetField::Issued => "sheet-issued",
            SheetField::BaseUrl => "sheet-base-url",
            SheetField::Master => "sheet-master",
            SheetField::Key => "sheet-key",
            SheetField::GuestBook => "sheet-guest-book",
        }
    }

    /// The label in the run's language.
    fn label(self) -> String {
        crate::t!(self.id())
    }

    /// The field a label names, in any language (letter case ignored).
    fn of_label(label: &str) -> Option<SheetField> {
        Self::ALL.into_iter().find(|f| {
            crate::i18n::Lang::ALL.iter().any(|lang| {
                crate::i18n::Localizer::get(*lang)
                    .format(f.id(), &[])
                    .eq_ignore_ascii_case(label)
            })
        })
    }
}

impl RecoverySheet {
    /// The sheet for a venue home, in the run's language: the lines `venue restore` reads, and
    /// how to use them.
    pub fn render(state: &VenueState, guest_book_key: Option<&[u8; 32]>, issued: &str) -> String {
        use SheetField as F;
        let cert = state.certificate();
        let line = |f: F, value: &str| format!("{}: {value}\n", f.label());
        let noted = |f: F, note: &str, value: &str| {
            format!("{} ({}): {value}\n", f.label(), crate::t!(note))
        };
        let mut s = crate::t!("sheet-header");
        s.push_str("\n\n");
        s.push_str(&line(F::Venue, cert.info().name()));
        if let Some(n) = &state.profile.english_name {
            s.push_str(&line(F::EnglishName, n));
        }
        if let Some(a) = &state.profile.english_address {
            s.push_str(&line(F::EnglishAddress, a));
        }
        s.push_str(&line(F::Serial, &cert.serial().to_string()));
        s.push_str(&line(F::Issued, issued));
        s.push_str(&line(F::BaseUrl, &state.profile.base_url));
        s.push('\n');
        s.push_str(&noted(
            F::Master,
            "sheet-master-note",
            zeroize::Zeroizing::new(hex::encode(state.master.expose())).as_str(),
        ));
        s.push_str(&noted(
            F::Key,
            "sheet-key-note",
            zeroize::Zeroizing::new(hex::encode(*state.key.to_seed())).as_str(),
        ));
        if let Some(k) = guest_book_key {
            s.push_str(&noted(
                F::GuestBook,
                "sheet-guest-book-note",
                zeroize::Zeroizing::new(hex::encode(k)).as_str(),
            ));
        }
        s.push('\n');
        s.push_str(&crate::t!("sheet-footer"));
        s.push('\n');
        s
    }

    /// Reads a sheet written by [`Self::render`] in any language (or typed from a printed one):
    /// `Label: value` lines (a full-width `：` works too), the label before any parenthesis;
    /// other lines are ignored.
    pub fn parse(text: &str) -> Result<Self> {
        use SheetField as F;
        let mut fields = std::collections::HashMap::new();
        for line in text.lines() {
            let split = [':', '：']
                .into_iter()
                .filter_map(|c| line.find(c))
                .min()
                .and_then(|i| {
                    let colon = line[i..].chars().next()?.len_utf8();
                    Some((line.get(..i)?, line.get(i + colon..)?))
                });
            let Some((label, value)) = split else {
                continue;
            };
            let label = label.split(['(', '（']).next().unwrap_or_default().trim();
            if let Some(field) = F::of_label(label) {
                fields.insert(field, value.trim().to_owned());
            }
        }
        let get = |f: F| {
            fields
                .get(&f)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or_else(|| crate::cli_error!("error-sheet-missing-line", label = f.label()))
        };
        let hex32 = |f: F| -> Result<zeroize::Zeroizing<[u8; 32]>> {
            let text = zeroize::Zeroizing::new(get(f)?.replace([' ', '-'], ""));
            let mut out = zeroize::Zeroizing::new([0u8; 32]);
            hex::decode_to_slice(text.as_str(), &mut *out)
                .map_err(|_| crate::cli_error!("error-sheet-bad-hex", label = f.label()))?;
            Ok(out)
        };
        let serial = get(F::Serial)?
            .parse()
            .map_err(|_| crate::cli_error!("error-sheet-bad-serial", label = F::Serial.label()))?;
        let base_url = match fields.get(&F::BaseUrl) {
            Some(u) if !u.is_empty() => check_base_url(u)
                .map_err(|e| crate::cli_error!("error-bad-base-url", detail = e))?,
            _ => String::new(),
        };
        Ok(Self {
            name: get(F::Venue)?,
            serial,
            key: hex32(F::Key)?,
            master: hex32(F::Master)?,
            guest_book_key: if fields.contains_key(&F::GuestBook) {
                Some(hex32(F::GuestBook)?)
            } else {
                None
            },
            profile: Profile {
                english_name: fields.get(&F::EnglishName).cloned(),
                english_address: fields.get(&F::EnglishAddress).cloned(),
                base_url,
                lang: None,
            },
        })
    }
}

/// Rebuilds a venue home from a recovery sheet: fetches the current certificate for the
/// sheet's serial (the newest one, if the venue updated since), checks that the registration
/// authority signed it for the sheet's key, and stores key, master seed, certificate, poster
/// details and guest book key. Nothing is written unless all of that holds, and nothing that
/// exists is overwritten.
pub fn restore(
    home: &Home,
    t: &dyn Transport,
    trust: &Trust,
    sheet: &RecoverySheet,
) -> Result<VenueState> {
    let dir = home.path("venue");
    for f in [
        "venue.key",
        "master.seed",
        "certificate.hex",
        "guestbook.key",
        PENDING_FILE,
    ] {
        refuse_existing(&dir.join(f))?;
    }
    let key = SigningKey::from_seed(&sheet.key)?;
    let master = MasterSeed::from_bytes(*sheet.master);
    let certificate = venue::fetch_certificate(t, sheet.serial)
        .with_context(|| crate::t!("restore-fetching", serial = sheet.serial))?;
    certificate
        .verify_signature(&trust.anchors()?)
        .map_err(|e| {
            crate::cli_error!(
                "error-server-certificate-invalid",
                detail = crate::errors::protocol_text(&e)
            )
        })?;
    if certificate.body().venue_key != key.public_key() {
        return Err(crate::cli_error!("error-sheet-wrong-key", serial = sheet.serial).into());
    }
    let mut profile = sheet.profile.clone();
    if profile.base_url.is_empty() {
        profile.base_url = trust.bundle().code_base_url().to_owned();
    }
    let venue = Venue::new(
        certificate.clone(),
        master.clone(),
        key.clone(),
        trust.bundle(),
    )?;
    save(home, &key, &master, &certificate, &profile)?;
    if let Some(k) = &sheet.guest_book_key {
        crate::home::write_key(&dir.join("guestbook.key"), KeyKind::SymmetricSecret, k)?;
    }
    Ok(VenueState {
        venue,
        key,
        master,
        profile,
    })
}

#[cfg(test)]
mod tests {
    use super::check_base_url;

    #[test]
    fn base_urls_need_https_or_loopback_http_a_host_and_a_path() {
        for good in [
            "https://vc.example.cn/c",
            "HTTPS://vc.example.cn:8443/codes/v1",
            "https://[::1]/c",
            "https://vc.example.cn/c?src=poster",
            "http://127.0.0.1:8080/c",
            "http://[::1]/c",
            "HTTP://LOCALHOST/c",
        ] {
            assert_eq!(check_base_url(good).as_deref(), Ok(good));
        }
        for bad in [
            "",
            "not a url",
            "http://vc.example.cn/c",
            "http://127.0.0.1.example/c",
            "http://127.0.0.1:8080",
            "ftp://vc.example.cn/c",
            "https://vc.example.cn",
            "https://vc.example.cn/",
            "https:///c",
            "https://vc.example.cn/c#x",
            "https://a@vc.example.cn/c",
            "https://vc example.cn/c",
            "https://-vc.example.cn/c",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }
}
