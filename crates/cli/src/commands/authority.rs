//! `venuecode authority`: the health authority's and the registration authority's commands.

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use serde_json::json;
use venuecode::authority::{self, HealthAuthority, Opened, UploadPurpose};
use venuecode::home::Trust;
use venuecode::timefmt::{format_day, rfc3339};
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::RiskLevel;

use super::{cert_zone, stay_text, Ctx};

#[derive(Subcommand, Debug)]
pub(crate) enum AuthorityCmd {
    /// Create RA and HA keys in the home, and the signed trust bundle for clients
    /// (authority/trust-bundle.bin; also installed in this home).
    #[command(
        after_help = "Example:\n  venuecode --home ./ha authority init --server-url https://vc.example.cn --code-base-url https://vc.example.cn/c\n  venuecode --home ./alice trust install ./ha/authority/trust-bundle.bin"
    )]
    Init {
        /// The server URL the bundle names (https://…; http:// only to a loopback host).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server_url: String,
        /// The base URL of venue-code QR URLs the bundle names.
        #[arg(long, default_value = DEFAULT_BASE_URL)]
        code_base_url: String,
    },
    /// Issue TANs (one-time upload codes): recorded in authority/tans.json (the authority
    /// publishes a case upload only if the TAN sealed in it is one it issued there), their
    /// hashes registered with the server.
    #[command(
        after_help = "Example:\n  venuecode --home ./ha authority tan --purpose case --count 5 --valid-hours 48"
    )]
    Tan {
        /// What the TAN allows.
        #[arg(long, value_parser = purpose_parser(), default_value = "case")]
        purpose: UploadPurpose,
        /// How many.
        #[arg(long, default_value_t = 1)]
        count: usize,
        /// Hours until they expire.
        #[arg(long, default_value_t = 24)]
        valid_hours: u64,
    },
    /// The upload mailbox.
    #[command(subcommand)]
    Uploads(UploadsCmd),
    /// Publish exposures: open the mailbox, check every upload and shared check-in on its own
    /// (a bad one is reported and skipped), derive records for the shared stays, sign the
    /// next batch of the chain, post it, then post a fresh checkpoint.
    #[command(
        after_help = "Example:\n  venuecode --home ./ha authority publish --uploads 3 --window '7,2026-11-25 10:00,2026-11-25 11:30' --delete"
    )]
    Publish {
        /// Upload ids to publish (default: every case upload in the mailbox). Windows published
        /// before (recorded in `authority/published.json`) are never published again.
        #[arg(long, value_delimiter = ',')]
        uploads: Vec<u64>,
        /// A window the tracer chose, `SERIAL,FROM,UNTIL` (times as `2026-11-25 14:05`, in the
        /// device's zone unless an offset such as `+08:00` follows); repeat for several. It replaces the shared stays at that venue; venues not named
        /// keep the stays the case shared.
        #[arg(long = "window", value_name = "SERIAL,FROM,UNTIL")]
        windows: Vec<String>,
        /// Risk level.
        #[arg(long, value_parser = ["low", "high"], default_value = "high")]
        risk: String,
        /// The message phones show (must be generic: it is public).
        #[arg(long, default_value = authority::DEFAULT_MESSAGE)]
        message: String,
        /// Delete the uploads once published.
        #[arg(long)]
        delete: bool,
    },
    /// Sign and post a fresh checkpoint of the batch chain without a new batch, so phones can
    /// tell the list is complete and current (run it on a schedule, e.g. hourly from cron).
    #[command(
        after_help = "Example:\n  venuecode --home ./ha authority checkpoint\n  # crontab: 0 * * * * venuecode --home /srv/ha authority checkpoint"
    )]
    Checkpoint,
    /// Disable a venue's code (registration authority admin).
    #[command(after_help = "Example:\n  venuecode --home ./ha authority disable 42")]
    Disable {
        /// The certificate serial.
        serial: u64,
    },
    /// List the venue registrations waiting for review (server run with
    /// `--review-registrations`; registration authority admin).
    #[command(after_help = "Example:\n  venuecode --home ./ha authority registrations")]
    Registrations,
    /// Approve a registration waiting for review: the server issues its certificate.
    #[command(after_help = "Example:\n  venuecode --home ./ha authority approve 7")]
    Approve {
        /// The registration's number, from `authority registrations`.
        id: u64,
    },
    /// Refuse a registration waiting for review.
    #[command(after_help = "Example:\n  venuecode --home ./ha authority refuse 8")]
    Refuse {
        /// The registration's number, from `authority registrations`.
        id: u64,
    },
    /// Statistics by region and category.
    #[command(after_help = "Example:\n  venuecode --home ./ha authority stats --json")]
    Stats,
}

/// `--purpose`: the names of [`UploadPurpose`], each with what it allows in `--help`.
fn purpose_parser() -> impl clap::builder::TypedValueParser<Value = UploadPurpose> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("case").help("A confirmed case shares check-ins"),
        PossibleValue::new("guestbook").help("A venue discloses guest-book entries"),
        PossibleValue::new("seeds").help("A venue releases rotating seeds"),
    ])
    .try_map(|s| s.parse::<UploadPurpose>())
}

#[derive(Subcommand, Debug)]
pub(crate) enum UploadsCmd {
    /// List the mailbox.
    #[command(after_help = "Example:\n  venuecode --home ./ha authority uploads list")]
    List,
    /// Open an upload and show what it holds.
    #[command(after_help = "Example:\n  venuecode --home ./ha authority uploads open 3")]
    Open {
        /// Upload id.
        id: u64,
    },
    /// Delete an upload.
    #[command(after_help = "Example:\n  venuecode --home ./ha authority uploads delete 3")]
    Delete {
        /// Upload id.
        id: u64,
    },
}

pub(crate) fn run_authority(ctx: &Ctx, cmd: AuthorityCmd) -> Result<()> {
    match cmd {
        AuthorityCmd::Init {
            server_url,
            code_base_url,
        } => {
            let urls = authority::BundleUrls {
                server_url,
                code_base_url,
            };
            let (ra, ha, bundle) = authority::init(&ctx.home, &urls, ctx.now())?;
            let root = ctx.home.root().display();
            let bundle_path = ctx.home.path(authority::TRUST_BUNDLE_OUT);
            ctx.print(
                json!({
                    "ra_key_id": ra.signing.key_id().to_hex(),
                    "ha_key_id": ha.signing.key_id().to_hex(),
                    "trust_bundle": bundle_path,
                    "sequence": bundle.sequence(),
                    "server_url": bundle.server_url(),
                    "code_base_url": bundle.code_base_url(),
                }),
                || {
                    format!(
                        "created RA and HA keys in {root}, and the signed trust bundle {bundle}\n\
                         (sequence 1; server {server}; codes {codes}).\n\
                         Start the server with:\n  venuecode server --data-dir DATA \
                         --ra-key {root}/ra/ra.key --admin-key {root}/ra/admin.pub \
                         --ha-keys {root}/authority/ha-signing.pub \
                         --ha-encryption-key {root}/authority/ha-encryption.pub \
                         --trust-bundle {bundle}\n\
                         Ship the bundle with the app; on every other home (venue, visitor) install it:\n  \
                         venuecode --home HOME trust install {bundle}\n\
                         (or pass --trust-bundle {bundle}, or set VENUECODE_TRUST_BUNDLE). Nothing \
                         trusts keys fetched from the server.",
                        bundle = bundle_path.display(),
                        server = bundle.server_url(),
                        codes = bundle.code_base_url(),
                    )
                },
            );
            Ok(())
        }
        AuthorityCmd::Tan {
            purpose,
            count,
            valid_hours,
        } => {
            if count == 0 || count > 10_000 {
                bail!("--count must be between 1 and 10000");
            }
            if valid_hours == 0 || valid_hours > 14 * 24 {
                bail!("--valid-hours must be between 1 and 336 (the retention period)");
            }
            let ha = authority::load_ha(&ctx.home)?;
            let tans = authority::fresh_tans(count)?;
            authority::issue_tans(
                &ctx.transport()?,
                &ha,
                &ctx.home,
                &tans,
                purpose,
                valid_hours * 3600,
            )?;
            let shown: Vec<String> = tans
                .iter()
                .map(|t| venuecode_client::tan::display(t))
                .collect();
            let expires = ctx
                .now()
                .saturating_add(u32::try_from(valid_hours * 60).unwrap_or(u32::MAX));
            ctx.print(
                json!({"tans": shown, "valid_hours": valid_hours, "purpose": purpose.as_str(), "expires_at": ctx.stamp(expires)}),
                || {
                    format!(
                        "{}\npurpose: {} ({}); expires {} ({valid_hours} h); each works once",
                        shown.join("\n"),
                        purpose.as_str(),
                        authority::describe(purpose),
                        ctx.show(expires)
                    )
                },
            );
            Ok(())
        }
        AuthorityCmd::Uploads(cmd) => run_uploads(ctx, cmd),
        AuthorityCmd::Publish {
            uploads,
            windows,
            risk,
            message,
            delete,
        } => {
            let ha = authority::load_ha(&ctx.home)?;
            let trust = ctx.trust()?;
            let windows = windows
                .iter()
                .map(|w| parse_window(ctx, w))
                .collect::<Result<Vec<_>>>()?;
            let (json, text) = publish(
                ctx, &ha, &trust, &uploads, &windows, &risk, &message, delete,
            )?;
            ctx.print(json, || text);
            Ok(())
        }
        AuthorityCmd::Checkpoint => {
            let ha = authority::load_ha(&ctx.home)?;
            let chain = authority::chain(&ctx.home)?;
            let cp = chain.checkpoint(&ctx.transport()?, &ha, ctx.now())?;
            let b = cp.body();
            ctx.print(
                json!({"sequence": b.sequence, "issued_at": ctx.stamp(b.issued_at), "retained_from": b.retained_from}),
                || {
                    format!(
                        "posted a checkpoint at batch {} issued {} (batches from {} still served)",
                        b.sequence,
                        ctx.show(b.issued_at),
                        b.retained_from
                    )
                },
            );
            Ok(())
        }
        AuthorityCmd::Registrations => {
            let ra = authority::load_ra(&ctx.home)?;
            let list = authority::pending_registrations(&ctx.transport()?, &ra.admin)?;
            ctx.print(list.clone(), || {
                let rows = list["registrations"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if rows.is_empty() {
                    return "no registration is waiting for review".to_owned();
                }
                rows.iter()
                    .map(|r| {
                        format!(
                            "#{}  {}  {}  region {}  {}  (key {})",
                            r["id"],
                            r["name"].as_str().unwrap_or(""),
                            r["address"].as_str().unwrap_or(""),
                            r["region"],
                            r["category"].as_str().unwrap_or(""),
                            r["venue_key"]
                                .as_str()
                                .unwrap_or("")
                                .get(..16)
                                .unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
        AuthorityCmd::Approve { id } => {
            let ra = authority::load_ra(&ctx.home)?;
            let serial = authority::approve_registration(&ctx.transport()?, &ra.admin, id)?;
            ctx.print(json!({"approved": id, "serial": serial}), || {
                format!("approved registration {id}: certificate serial {serial} issued")
            });
            Ok(())
        }
        AuthorityCmd::Refuse { id } => {
            let ra = authority::load_ra(&ctx.home)?;
            authority::refuse_registration(&ctx.transport()?, &ra.admin, id)?;
            ctx.print(json!({"refused": id}), || {
                format!("refused registration {id}")
            });
            Ok(())
        }
        AuthorityCmd::Disable { serial } => {
            let ra = authority::load_ra(&ctx.home)?;
            authority::disable(&ctx.transport()?, &ra.admin, serial)?;
            ctx.print(json!({"disabled": serial}), || {
                format!("disabled serial {serial}; phones warn when they scan it")
            });
            Ok(())
        }
        AuthorityCmd::Stats => {
            let t = ctx.transport()?;
            let venues = authority::stats(&t, "venues")?;
            let exposures = authority::stats(&t, "exposures")?;
            let counts = authority::stats(&t, "counts").unwrap_or(serde_json::Value::Null);
            let all = json!({"venues": venues, "exposures": exposures, "counts": counts});
            ctx.print(all.clone(), || {
                serde_json::to_string_pretty(&all).unwrap_or_default()
            });
            Ok(())
        }
    }
}

pub(crate) fn run_uploads(ctx: &Ctx, cmd: UploadsCmd) -> Result<()> {
    let ha = authority::load_ha(&ctx.home)?;
    let t = ctx.transport()?;
    match cmd {
        UploadsCmd::List => {
            let list = authority::list_uploads(&t, &ha)?;
            let rows: Vec<_> = list
                .iter()
                .map(|u| json!({"id": u.id, "purpose": u.purpose, "received_at": ctx.stamp(authority::received_minute(u.received_at, ctx.shift_seconds)), "size": u.size}))
                .collect();
            ctx.print(json!({"uploads": rows}), || {
                let mut s = format!("{} upload(s):\n", list.len());
                for u in &list {
                    s.push_str(&format!(
                        "  {:>4}  {:<9}  received {}  {} bytes\n",
                        u.id,
                        u.purpose,
                        ctx.show(authority::received_minute(u.received_at, ctx.shift_seconds)),
                        u.size
                    ));
                }
                s
            });
        }
        UploadsCmd::Open { id } => {
            let trust = ctx.trust()?;
            let info = authority::list_uploads(&t, &ha)?
                .into_iter()
                .find(|u| u.id == id)
                .ok_or_else(|| anyhow!("no upload {id}"))?;
            let bytes = authority::fetch_upload(&t, &ha, id)?;
            let opened = info
                .purpose()
                .and_then(|purpose| authority::open_upload(&ha, purpose, &bytes))
                .with_context(|| format!("upload {id}"))?;
            let mut received = authority::received_minute(info.received_at, ctx.shift_seconds);
            // A case upload: the TAN sealed in it, checked against the HA's ledger (read only:
            // opening does not mark it used), and the claims bounded by that TAN's expiry.
            let tan_check = match &opened {
                Opened::Case(upload) => {
                    let ledger = authority::tan_ledger(&ctx.home)?;
                    Some(match ledger.check_case(upload, id, &bytes) {
                        Ok(issued) => {
                            received = authority::claim_bound(
                                info.received_at,
                                &issued,
                                ctx.shift_seconds,
                            );
                            Ok(if issued.used {
                                "issued by this authority for a case; already used by this upload"
                                    .to_owned()
                            } else {
                                "issued by this authority for a case; not used before".to_owned()
                            })
                        }
                        Err(e) => Err(format!("{e:#}")),
                    })
                }
                _ => None,
            };
            print_opened(
                ctx,
                &opened,
                &trust.anchors()?,
                received,
                tan_check.as_ref(),
            );
        }
        UploadsCmd::Delete { id } => {
            authority::delete_upload(&t, &ha, id)?;
            ctx.print(json!({"deleted": id}), || format!("deleted upload {id}"));
        }
    }
    Ok(())
}

pub(crate) fn print_opened(
    ctx: &Ctx,
    opened: &Opened,
    anchors: &venuecode_protocol::TrustAnchors,
    received: UnixMinute,
    tan_check: Option<&std::result::Result<String, String>>,
) {
    match opened {
        Opened::Case(upload) => {
            let (tan_ok, tan_text) = match tan_check {
                Some(Ok(s)) => (true, s.clone()),
                Some(Err(s)) => (false, s.clone()),
                None => (false, "not checked".to_owned()),
            };
            let checks: Vec<Option<String>> = upload
                .entries()
                .iter()
                .map(|e| {
                    authority::check_entry(e, anchors, received)
                        .err()
                        .map(|err| format!("{err:#}"))
                })
                .collect();
            let rows: Vec<_> = upload
                .entries()
                .iter()
                .zip(&checks)
                .map(|(e, c)| {
                    let vz = cert_zone(e.code().certificate());
                    json!({"serial": e.code().certificate().serial(), "venue": e.code().certificate().info().name(), "arrival": rfc3339(e.arrival(), &vz), "departure": rfc3339(e.departure(), &vz), "problem": c})
                })
                .collect();
            ctx.print(
                json!({"case": rows, "tan": {"authorised": tan_ok, "check": tan_text}}),
                || {
                    let mut s = if tan_ok {
                        format!("TAN: {tan_text}\n")
                    } else {
                        format!("TAN: REFUSED, nothing in it will be published: {tan_text}\n")
                    };
                    s.push_str(&format!(
                        "a case shared {} check-in(s):\n",
                        upload.entries().len()
                    ));
                    for (e, c) in upload.entries().iter().zip(&checks) {
                        s.push_str(&format!(
                            "  {} (serial {}): {}{}\n",
                            e.code().certificate().info().name(),
                            e.code().certificate().serial(),
                            stay_text(
                                e.arrival(),
                                e.departure(),
                                &cert_zone(e.code().certificate())
                            ),
                            c.as_ref()
                                .map(|c| format!("\n    REFUSED, will not be published: {c}"))
                                .unwrap_or_default()
                        ));
                    }
                    s
                },
            );
        }
        Opened::GuestBook(entries) => {
            let rows: Vec<_> = entries
                .iter()
                .map(|g| json!({"serial": g.venue_serial(), "name": g.name(), "phone": g.phone(), "arrival": g.arrival(), "departure": g.departure()}))
                .collect();
            ctx.print(json!({"guestbook": rows}), || {
                let mut s = format!("{} guest-book entr(y/ies):\n", entries.len());
                for g in entries {
                    s.push_str(&format!(
                        "  {} {} at serial {}: {} – {}\n",
                        g.name(),
                        g.phone(),
                        g.venue_serial(),
                        ctx.show(g.arrival()),
                        ctx.show(g.departure())
                    ));
                }
                s
            });
        }
        Opened::Seeds { venue_key, seeds } => {
            let days: Vec<String> = seeds.iter().map(|(e, _)| format_day(*e)).collect();
            let key = hex::encode(venue_key);
            ctx.print(json!({"venue_key": key, "days": days}), || {
                format!(
                    "the venue with key {key} released seeds for {} (its local days)",
                    days.join(", ")
                )
            });
        }
    }
}

pub(crate) fn parse_window(ctx: &Ctx, w: &str) -> Result<(u64, UnixMinute, UnixMinute)> {
    let parts: Vec<&str> = w.split(',').map(str::trim).collect();
    let [serial, from, until] = parts.as_slice() else {
        bail!("--window takes SERIAL,FROM,UNTIL, got `{w}`");
    };
    let serial = serial
        .parse()
        .map_err(|_| anyhow!("`{serial}` is not a certificate serial"))?;
    Ok((serial, ctx.time(from)?, ctx.time(until)?))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn publish(
    ctx: &Ctx,
    ha: &HealthAuthority,
    trust: &Trust,
    ids: &[u64],
    windows: &[(u64, UnixMinute, UnixMinute)],
    risk: &str,
    message: &str,
    delete: bool,
) -> Result<(serde_json::Value, String)> {
    let t = ctx.transport()?;
    let risk = if risk == "low" {
        RiskLevel::LOW
    } else {
        RiskLevel::HIGH
    };
    let mut ledger = authority::publish_ledger(&ctx.home)?;
    let mut chain = authority::chain(&ctx.home)?;
    let mut tans = authority::tan_ledger(&ctx.home)?;
    let out = authority::publish_mailbox(
        &t,
        ha,
        &trust.anchors()?,
        &mut chain,
        &authority::PublishRequest {
            ids,
            windows,
            risk,
            message,
            now: ctx.now(),
            received_shift_seconds: ctx.shift_seconds,
        },
        ledger.windows(),
        &mut tans,
        &mut |line| eprintln!("  {line}"),
    )?;
    ledger.record(&out.fingerprints);
    ledger.save()?;
    if delete {
        for id in &out.used_uploads {
            authority::delete_upload(&t, ha, *id)?;
        }
    }
    let missing: Vec<_> = out
        .missing_seeds
        .iter()
        .map(|(s, n, e)| json!({"serial": s, "venue": n, "day": format_day(*e)}))
        .collect();
    let skipped: Vec<_> = out
        .skipped
        .iter()
        .map(|s| json!({"upload": s.upload, "entry": s.entry, "reason": s.reason}))
        .collect();
    let mut text = format!(
        "published batch {}: {} record(s) for {} stay(s) from {} upload(s); checkpoint posted",
        out.sequence,
        out.records,
        out.stays,
        out.used_uploads.len()
    );
    for s in &out.skipped {
        text.push_str(&format!(
            "\n  SKIPPED upload {}{}: {}",
            s.upload,
            s.entry
                .map(|i| format!(", check-in {}", i + 1))
                .unwrap_or_default(),
            s.reason
        ));
    }
    for (serial, name, e) in &out.missing_seeds {
        text.push_str(&format!(
            "\n  warning: {name} (serial {serial}) has not released its seed for {}; \
             visitors who scanned its screen that day cannot be notified",
            format_day(*e)
        ));
    }
    Ok((
        json!({"sequence": out.sequence, "records": out.records, "stays": out.stays, "missing_seeds": missing, "skipped": skipped, "used_uploads": out.used_uploads, "checkpoint": {"sequence": out.checkpoint.body().sequence, "issued_at": ctx.stamp(out.checkpoint.body().issued_at)}}),
        text,
    ))
}
