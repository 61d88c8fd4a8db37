//! The authorities' part of a `venuecode` home: the [`venuecode_authority`] library's
//! [`AuthorityHome`] (key files, state files, `authority init`) rooted at the home, and the
//! library's work (TANs, uploads, planning, publishing, the chain, registrations, statistics)
//! re-exported here. The library holds the home's state lock whenever a state file is changed
//! ([`venuecode_authority::home`]); [`lock`] takes it, saying on stderr when it waits.

use anyhow::Result;
use venuecode_authority::home::AuthorityHome;
pub use venuecode_authority::home::{
    BundleUrls, CHAIN_FILE, PENDING_BATCH_FILE, PUBLISH_LEDGER_FILE, TAN_LEDGER_FILE,
    TRUST_BUNDLE_OUT,
};
pub use venuecode_authority::StateLock;
pub use venuecode_authority::{
    apply_chosen_windows, approve_registration, cancel_tan, check_entry, claim_bound,
    delete_upload, describe, disable, fetch_statistics, fetch_upload, find_venues, fresh_tans,
    list_uploads, now_seconds, open_upload, pending_registrations, plan, post_batch,
    publish_mailbox, received_minute, refuse_registration, register_tans, send_signed,
    server_state, stats, summarize_upload, tan_status, venue_certificate, window_fingerprint,
    write_atomic, AuthorityError, HaChain, HealthAuthority, IssuedTan, LedgerEntry, ListedPurpose,
    Locked, Opened, Plan, PublishEvent, PublishLedger, PublishRequest, Published, RegionFilter,
    RegistrationAuthority, Released, Skipped, Statistics, StatsFilter, TanLedger, TanState, Trace,
    UploadInfo, UploadPurpose, UploadSummary, VenueMatch, DEFAULT_MESSAGE, DEFAULT_RETENTION_DAYS,
    TAN_ID_LEN, TAN_ID_MIN,
};
use venuecode_client::transport::Transport;
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::TrustBundle;

use crate::home::{Home, Trust};
use crate::i18n::Localizer;
use crate::timefmt::{format_in, Zone};
use crate::tl;

/// Why an upload or a check-in was left out, in the language of `loc` (in English, as
/// [`Skipped::reason_text`] says it).
pub fn skipped_reason(s: &Skipped, loc: &Localizer) -> String {
    let why = crate::errors::authority_why_in(loc, &s.reason);
    match &s.venue {
        Some((name, serial)) => tl!(
            loc,
            "skipped-venue",
            venue = name.as_str(),
            serial = *serial,
            detail = why
        ),
        None => why,
    }
}

/// A step of [`publish_mailbox`] worded for the tracer in the language of `loc` (times in
/// `zone`).
pub fn publish_event_text(event: PublishEvent<'_>, zone: &Zone, loc: &Localizer) -> String {
    match event {
        PublishEvent::PostedPending { sequence } => {
            tl!(loc, "ha-progress-posted-pending", sequence = sequence)
        }
        PublishEvent::Opening { upload, purpose } => {
            tl!(
                loc,
                "ha-progress-opening",
                upload = upload,
                purpose = purpose
            )
        }
        PublishEvent::Skipped(s) => match s.entry {
            Some(i) => tl!(
                loc,
                "ha-skipped-entry",
                upload = s.upload,
                entry = i + 1,
                reason = skipped_reason(s, loc)
            ),
            None => tl!(
                loc,
                "ha-skipped",
                upload = s.upload,
                reason = skipped_reason(s, loc)
            ),
        },
        PublishEvent::StayRefused { serial, reason } => {
            tl!(
                loc,
                "ha-progress-stay-refused",
                serial = serial,
                reason = crate::errors::protocol_text_in(loc, &reason)
            )
        }
        PublishEvent::Sealing {
            windows,
            published_before,
        } => tl!(
            loc,
            "ha-progress-sealing",
            windows = windows,
            before = published_before
        ),
        PublishEvent::WindowRefused { start, end, reason } => tl!(
            loc,
            "ha-progress-window-refused",
            from = format_in(start, zone),
            until = format_in(end, zone),
            reason = crate::errors::protocol_text_in(loc, &reason)
        ),
        PublishEvent::Signed { sequence, records } => {
            tl!(
                loc,
                "ha-progress-signed",
                sequence = sequence,
                records = records
            )
        }
        PublishEvent::CheckpointPosted { sequence } => {
            tl!(loc, "ha-progress-checkpoint", sequence = sequence)
        }
    }
}

/// The authorities' part of this home, as the library keeps it.
fn authority_home(home: &Home) -> AuthorityHome {
    AuthorityHome::new(home.root())
}

/// The HA's TAN ledger kept in this home ([`TAN_LEDGER_FILE`]), to read; to change it,
/// [`StateLock::tan_ledger`] through [`lock`].
pub fn tan_ledger(home: &Home) -> Result<TanLedger> {
    Ok(authority_home(home).tan_ledger()?)
}

/// Holds this home's state lock ([`AuthorityHome::lock`]) until dropped, saying on stderr that
/// it waits while another command holds it. The state files to change are loaded through it.
pub fn lock(home: &Home) -> Result<StateLock> {
    Ok(authority_home(home).lock(|| eprintln!("{}", crate::t!("ha-waiting-for-lock")))?)
}

/// Issues TANs with this home's ledger (see [`venuecode_authority::register_tans`]), under the
/// home's state lock.
pub fn issue_tans(
    t: &dyn Transport,
    ha: &HealthAuthority,
    home: &Home,
    tans: &[String],
    purpose: UploadPurpose,
    valid_seconds: u64,
) -> Result<()> {
    let state = lock(home)?;
    let mut ledger = state.tan_ledger()?;
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
    let (ra, ha, bundle) = lock(home)?.init(urls, now).map_err(|e| match e {
        // Said with the flag that gave the URL.
        AuthorityError::InvalidUrl { what, url, reason } => crate::cli_error!(
            "error-bad-bundle-url",
            flag = if what == "server URL" {
                "--server-url"
            } else {
                "--code-base-url"
            },
            url = url,
            detail = crate::errors::protocol_text(&reason)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn publish_progress_is_worded_in_the_language_asked() {
        let zh = Localizer::new(Lang::ZhCn);
        let en = Localizer::new(Lang::En);
        let zone = Zone::fixed(8 * 60);
        let opening = PublishEvent::Opening {
            upload: 3,
            purpose: "case",
        };
        assert_eq!(
            publish_event_text(opening, &zone, &zh),
            "正在打开上传 3（case）"
        );
        assert_eq!(
            publish_event_text(opening, &zone, &en),
            "opening upload 3 (case)"
        );
        let signed = PublishEvent::Signed {
            sequence: 7,
            records: 12,
        };
        assert_eq!(
            publish_event_text(signed, &zone, &zh),
            "已签署批次 7，共 12 条记录；正在发布"
        );
        let skipped = Skipped {
            upload: 4,
            entry: Some(1),
            venue: Some(("兰州牛肉面".into(), 7)),
            reason: venuecode_authority::AuthorityError::ClaimInvalid {
                reason: venuecode_protocol::Error::ClaimOutsideDisplayWindow,
                minutes: 30,
                arrival: 100,
                received_at: 200,
            }
            .into(),
        };
        assert_eq!(
            publish_event_text(PublishEvent::Skipped(&skipped), &zone, &zh),
            "已跳过上传 4 的第 2 条登记（SKIPPED）：兰州牛肉面（序号 7）：声明不成立（登记时间不在动态码的\
             显示时段内）：从第 100 分钟起停留 30 分钟，于第 200 分钟收到"
        );
        assert_eq!(
            publish_event_text(PublishEvent::Skipped(&skipped), &zone, &en),
            format!("SKIPPED upload 4, check-in 2: {}", skipped.reason_text())
        );
        let sealing = PublishEvent::Sealing {
            windows: 1,
            published_before: 2,
        };
        assert_eq!(
            publish_event_text(sealing, &zone, &en),
            "deriving and sealing records for 1 new window (2 published before)"
        );
    }
}
