//! The authorities' part of a `venuecode` home: the [`venuecode_authority`] library's
//! [`AuthorityHome`] (key files, state files, `authority init`) rooted at the home, and the
//! library's work (TANs, uploads, planning, publishing, the chain, registrations, statistics)
//! re-exported here.

use anyhow::Result;
use venuecode_authority::home::AuthorityHome;
pub use venuecode_authority::home::{
    BundleUrls, CHAIN_FILE, PENDING_BATCH_FILE, PUBLISH_LEDGER_FILE, TAN_LEDGER_FILE,
    TRUST_BUNDLE_OUT,
};
pub use venuecode_authority::{
    apply_chosen_windows, approve_registration, cancel_tan, check_entry, claim_bound,
    delete_upload, describe, disable, fetch_statistics, fetch_upload, find_venues, fresh_tans,
    list_uploads, now_seconds, open_upload, pending_registrations, plan, post_batch,
    publish_mailbox, received_minute, refuse_registration, register_tans, send_signed,
    server_state, stats, summarize_upload, tan_status, venue_certificate, window_fingerprint,
    write_atomic, AuthorityError, HaChain, HealthAuthority, IssuedTan, LedgerEntry, ListedPurpose,
    Opened, Plan, PublishLedger, PublishRequest, Published, RegionFilter, RegistrationAuthority,
    Released, Skipped, Statistics, StatsFilter, TanLedger, TanState, Trace, UploadInfo,
    UploadPurpose, UploadSummary, VenueMatch, DEFAULT_MESSAGE, RETENTION_MINUTES, TAN_ID_LEN,
    TAN_ID_MIN,
};
use venuecode_client::transport::Transport;
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::TrustBundle;

use crate::home::{Home, Trust};

/// The authorities' part of this home, as the library keeps it.
fn authority_home(home: &Home) -> AuthorityHome {
    AuthorityHome::new(home.root())
}

/// The HA's batch chain kept in this home ([`CHAIN_FILE`], [`PENDING_BATCH_FILE`]).
pub fn chain(home: &Home) -> Result<HaChain> {
    Ok(authority_home(home).chain()?)
}

/// The HA's publish ledger kept in this home ([`PUBLISH_LEDGER_FILE`]).
pub fn publish_ledger(home: &Home) -> Result<PublishLedger> {
    Ok(authority_home(home).publish_ledger()?)
}

/// The HA's TAN ledger kept in this home ([`TAN_LEDGER_FILE`]).
pub fn tan_ledger(home: &Home) -> Result<TanLedger> {
    Ok(authority_home(home).tan_ledger()?)
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

/// Creates fresh RA and HA keys in the home and the first trust bundle (see
/// [`AuthorityHome::init`]), and installs the bundle in the home itself.
pub fn init(
    home: &Home,
    urls: &BundleUrls,
    now: UnixMinute,
) -> Result<(RegistrationAuthority, HealthAuthority, TrustBundle)> {
    let (ra, ha, bundle) = authority_home(home).init(urls, now).map_err(|e| match e {
        // Said with the flag that gave the URL.
        AuthorityError::InvalidUrl { what, url, reason } => crate::cli_error!(
            "error-bad-bundle-url",
            flag = if what == "server URL" {
                "--server-url"
            } else {
                "--code-base-url"
            },
            url = url,
            detail = reason.to_string()
        )
        .into(),
        e => anyhow::Error::new(e),
    })?;
    Trust::install(home, &bundle)?;
    Ok((ra, ha, bundle))
}

/// Loads the HA keys from `authority/`.
pub fn load_ha(home: &Home) -> Result<HealthAuthority> {
    Ok(authority_home(home).load_ha()?)
}

/// Loads the RA keys from `ra/`.
pub fn load_ra(home: &Home) -> Result<RegistrationAuthority> {
    Ok(authority_home(home).load_ra()?)
}
