//! The authorities' home: where `venuecode` keeps the keys and state files of the health
//! authority and the registration authority, and key generation (`authority init`). The work
//! itself (TANs, uploads, planning, publishing, the chain, registrations, statistics) is the
//! [`venuecode_authority`] library's, re-exported here.

use anyhow::{anyhow, Result};
pub use venuecode_authority::{
    apply_chosen_windows, approve_registration, cancel_tan, check_entry, claim_bound,
    delete_upload, describe, disable, fetch_statistics, fetch_upload, fresh_tans, list_uploads,
    now_seconds, open_upload, pending_registrations, plan, post_batch, publish_mailbox,
    received_minute, refuse_registration, register_tans, send_signed, server_state, stats,
    summarize_upload, tan_status, venue_certificate, window_fingerprint, write_atomic,
    AuthorityError, HaChain, HealthAuthority, IssuedTan, LedgerEntry, ListedPurpose, Opened, Plan,
    PublishLedger, PublishRequest, Published, RegionFilter, RegistrationAuthority, Released,
    Skipped, Statistics, StatsFilter, TanLedger, TanState, Trace, UploadInfo, UploadPurpose,
    UploadSummary, DEFAULT_MESSAGE, RETENTION_MINUTES, TAN_ID_LEN, TAN_ID_MIN,
};
use venuecode_client::transport::Transport;
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::{Codec, DecryptionKey, SigningKey, TrustBundle, TrustBundleBody};

use crate::home::{read_key, refuse_existing, write_file, write_key, Home, Trust};
use venuecode_server::keyfile::KeyKind;

/// Where `authority init` writes the signed trust bundle to hand out (apps ship it; homes
/// install it with `venuecode trust install`).
pub const TRUST_BUNDLE_OUT: &str = "authority/trust-bundle.bin";

/// Where the HA keeps its batch chain: head, ledger of published batches, batch ids used.
pub const CHAIN_FILE: &str = "authority/chain.json";

/// A batch signed but not yet known to be stored by the server (posted again first).
pub const PENDING_BATCH_FILE: &str = "authority/pending-batch.bin";

/// Where the HA keeps the TANs it issued ([`TanLedger`]), mode 0600.
pub const TAN_LEDGER_FILE: &str = "authority/tans.json";

/// The HA's batch chain kept in this home ([`CHAIN_FILE`], [`PENDING_BATCH_FILE`]).
pub fn chain(home: &Home) -> Result<HaChain> {
    Ok(HaChain::load(
        home.path(CHAIN_FILE),
        home.path(PENDING_BATCH_FILE),
    )?)
}

/// Where the HA keeps the fingerprints of the windows it published ([`PublishLedger`]).
pub const PUBLISH_LEDGER_FILE: &str = "authority/published.json";

/// The HA's publish ledger kept in this home ([`PUBLISH_LEDGER_FILE`]).
pub fn publish_ledger(home: &Home) -> Result<PublishLedger> {
    Ok(PublishLedger::load(home.path(PUBLISH_LEDGER_FILE))?)
}

/// The HA's TAN ledger kept in this home ([`TAN_LEDGER_FILE`]).
pub fn tan_ledger(home: &Home) -> Result<TanLedger> {
    Ok(TanLedger::load(home.path(TAN_LEDGER_FILE))?)
}

/// Issues TANs with this home's ledger (see [`venuecode_authority::register_tans`]).
pub fn issue_tans(
    t: &dyn Transport,
    ha: &HealthAuthority,
    home: &Home,
    tans: &[String],
    purpose: UploadPurpose,
    valid_seconds: u64,
) -> Result<()> {
    let mut ledger = tan_ledger(home)?;
    Ok(register_tans(
        t,
        ha,
        &mut ledger,
        tans,
        purpose,
        valid_seconds,
    )?)
}

/// Where the trust bundle says the server and the codes are.
#[derive(Debug, Clone)]
pub struct BundleUrls {
    /// The server's base URL.
    pub server_url: String,
    /// The base URL of venue-code QR URLs.
    pub code_base_url: String,
}

/// Creates fresh RA and HA keys in the home, signs the first trust bundle (sequence 1) with
/// the RA key, writes it to [`TRUST_BUNDLE_OUT`] and installs it in the home itself. Refuses to
/// overwrite existing keys.
pub fn init(
    home: &Home,
    urls: &BundleUrls,
    now: UnixMinute,
) -> Result<(RegistrationAuthority, HealthAuthority, TrustBundle)> {
    for (flag, url) in [
        ("--server-url", &urls.server_url),
        ("--code-base-url", &urls.code_base_url),
    ] {
        venuecode_protocol::trust::check_url(url).map_err(|e| {
            anyhow!(
                "{flag} `{url}`: {e} (https://…, or http:// only to 127.0.0.1, [::1] or localhost)"
            )
        })?;
    }
    let ra_dir = home.dir("ra")?;
    let ha_dir = home.dir("authority")?;
    for p in [
        ra_dir.join("ra.key"),
        ra_dir.join("admin.key"),
        ha_dir.join("ha-signing.key"),
        ha_dir.join("ha-encryption.key"),
    ] {
        refuse_existing(&p)?;
    }
    let ra = RegistrationAuthority {
        signing: SigningKey::generate()?,
        admin: SigningKey::generate()?,
    };
    let ha = HealthAuthority {
        signing: SigningKey::generate()?,
        decryption: DecryptionKey::generate()?,
    };
    write_key(
        &ra_dir.join("ra.key"),
        KeyKind::Ed25519Secret,
        &ra.signing.to_seed(),
    )?;
    write_key(
        &ra_dir.join("ra.pub"),
        KeyKind::Ed25519Public,
        ra.signing.public_key().as_bytes(),
    )?;
    write_key(
        &ra_dir.join("admin.key"),
        KeyKind::Ed25519Secret,
        &ra.admin.to_seed(),
    )?;
    write_key(
        &ra_dir.join("admin.pub"),
        KeyKind::Ed25519Public,
        ra.admin.public_key().as_bytes(),
    )?;
    write_key(
        &ha_dir.join("ha-signing.key"),
        KeyKind::Ed25519Secret,
        &ha.signing.to_seed(),
    )?;
    write_key(
        &ha_dir.join("ha-signing.pub"),
        KeyKind::Ed25519Public,
        ha.signing.public_key().as_bytes(),
    )?;
    write_key(
        &ha_dir.join("ha-encryption.key"),
        KeyKind::X25519Secret,
        &ha.decryption.to_secret(),
    )?;
    write_key(
        &ha_dir.join("ha-encryption.pub"),
        KeyKind::X25519Public,
        ha.decryption.public_key().as_bytes(),
    )?;
    let bundle = TrustBundle::sign(
        TrustBundleBody {
            sequence: 1,
            issued_at: now,
            ra_keys: vec![ra.signing.public_key()],
            ha_signing_keys: vec![ha.signing.public_key()],
            ha_encryption_key: ha.decryption.public_key(),
            server_url: urls.server_url.clone(),
            code_base_url: urls.code_base_url.clone(),
        },
        &ra.signing,
    )?;
    write_file(&home.path(TRUST_BUNDLE_OUT), &bundle.encode(), false)?;
    Trust::install(home, &bundle)?;
    Ok((ra, ha, bundle))
}

/// Loads the HA keys from `authority/`.
pub fn load_ha(home: &Home) -> Result<HealthAuthority> {
    let dir = home.path("authority");
    let signing = SigningKey::from_seed(&*read_key(
        &dir.join("ha-signing.key"),
        KeyKind::Ed25519Secret,
    )?)?;
    let decryption = DecryptionKey::from_secret(&*read_key(
        &dir.join("ha-encryption.key"),
        KeyKind::X25519Secret,
    )?)?;
    Ok(HealthAuthority {
        signing,
        decryption,
    })
}

/// Loads the RA keys from `ra/`.
pub fn load_ra(home: &Home) -> Result<RegistrationAuthority> {
    let dir = home.path("ra");
    Ok(RegistrationAuthority {
        signing: SigningKey::from_seed(&*read_key(&dir.join("ra.key"), KeyKind::Ed25519Secret)?)?,
        admin: SigningKey::from_seed(&*read_key(&dir.join("admin.key"), KeyKind::Ed25519Secret)?)?,
    })
}
