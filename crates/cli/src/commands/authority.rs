//! `venuecode authority`: the health authority's and the registration authority's commands.

use anyhow::{Context, Result};
use clap::Subcommand;
use serde::{Deserialize, Serialize};
use serde_json::json;
use venuecode::authority::{self, HealthAuthority, ListedPurpose, Opened, UploadPurpose};
use venuecode::home::Trust;
use venuecode::i18n::{category_text, language, region_text, Localizer};
use venuecode::output::{
    AuthorityInitialised, CaseEntry, CaseOpened, CheckpointPosted, GuestBookOpened, MissingSeed,
    OpenedGuest, Published, PublishedCheckpoint, RegistrationApproved, RegistrationRefused,
    SeedsOpened, SkippedUpload, TanCheck, TansIssued,
};
use venuecode::timefmt::{format_day, parse_day, rfc3339};
use venuecode::{cli_error, fail, t};
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
    /// hashes registered with the server. `tan list` shows the TANs issued, `tan cancel` cancels
    /// one.
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:\n  venuecode --home ./ha authority tan --purpose case --count 5 --valid-hours 48\n  venuecode --home ./ha authority tan list\n  venuecode --home ./ha authority tan cancel 3fa9c21b07"
    )]
    Tan {
        /// List or cancel TANs instead of issuing new ones.
        #[command(subcommand)]
        cmd: Option<TanCmd>,
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
        /// Upload ids to publish (default: every case upload in the mailbox); an id the mailbox
        /// does not hold is an error, and nothing is published. Windows published before
        /// (recorded in `authority/published.json`) are never published again.
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
        #[command(flatten)]
        retention: Retention,
    },
    /// Sign and post a fresh checkpoint of the batch chain without a new batch, so phones can
    /// tell the list is complete and current (run it on a schedule, e.g. hourly from cron).
    #[command(
        after_help = "Example:\n  venuecode --home ./ha authority checkpoint\n  # crontab: 0 * * * * venuecode --home /srv/ha authority checkpoint"
    )]
    Checkpoint {
        #[command(flatten)]
        retention: Retention,
    },
    /// Disable a venue's code for good (registration authority admin): phones warn when they
    /// scan it and the venue key cannot register again. Give its serial, or `--name` and a part
    /// of its name (several matches: pick one, or narrow the name). Shows the venue (name,
    /// address, region, key id, serial) and asks to confirm; `--yes` skips the question
    /// (required when stdin is not a terminal).
    #[command(
        after_help = "Examples:\n  venuecode --home ./ha authority disable 42\n  venuecode --home ./ha authority disable --name \"golden dragon\"\n  venuecode --home ./ha authority disable 42 --yes"
    )]
    Disable {
        /// The certificate serial.
        #[arg(required_unless_present = "name", conflicts_with = "name")]
        serial: Option<u64>,
        /// Find the venue by a part of its name (any case) instead of its serial.
        #[arg(long, value_name = "TEXT")]
        name: Option<String>,
        /// Do not ask; disable at once (for scripts).
        #[arg(long)]
        yes: bool,
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
    /// Statistics, as tables: venues by region and category, exposure batches by the day they
    /// arrived, and counted visits by region, category and day (when the server counts
    /// visits). Regions are named from the GB/T 2260 table (a code it does not hold is shown
    /// bare). Filters narrow every table they apply to: the region and category filters apply
    /// to venues and visits, the dates to exposures and visits.
    #[command(
        after_help = "Examples:\n  venuecode --home ./ha authority stats\n  venuecode --home ./ha authority stats --region 4403 --category restaurant --from 2026-11-01 --until 2026-11-30\n  venuecode --home ./ha authority stats --json"
    )]
    Stats {
        /// Only this province (44 or 440000) or prefecture (4403 or 440300), GB/T 2260.
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
        /// Only this venue category (restaurant, pharmacy, …).
        #[arg(long, value_name = "SLUG")]
        category: Option<String>,
        /// Only days from this date on (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Only days up to this date, included (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum TanCmd {
    /// List the TANs this authority issued (from authority/tans.json): id, purpose, issued,
    /// expires and state (unused, used, expired, cancelled), and what the server says of the
    /// ones the ledger still counts as unused (an upload it holds but that was not published
    /// yet shows as used there). The TAN itself is shown only when it is issued; a TAN is
    /// named here by its id, the start of its hash.
    #[command(
        after_help = "Examples:\n  venuecode --home ./ha authority tan list\n  venuecode --home ./ha authority tan list --offline --json"
    )]
    List {
        /// Do not ask the server; the ledger only.
        #[arg(long)]
        offline: bool,
    },
    /// Cancel a TAN that was not used, so that no upload can use it any more (a TAN handed to
    /// the wrong person, or lost): the server refuses an upload with it (410 tan_cancelled),
    /// and the ledger marks it cancelled.
    #[command(
        after_help = "Examples:\n  venuecode --home ./ha authority tan cancel 3fa9c21b07\n  venuecode --home ./ha authority tan cancel 7K2M-9XR4-TPLW-3NBQ"
    )]
    Cancel {
        /// The TAN's id from `authority tan list` (at least 6 hex digits), or the TAN itself.
        id: String,
    },
}

/// `--purpose`: the names of [`UploadPurpose`], each with what it allows in `--help`.
fn purpose_parser() -> impl clap::builder::TypedValueParser<Value = UploadPurpose> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("case").help(t!("ha-purpose-case")),
        PossibleValue::new("guestbook").help(t!("ha-purpose-guestbook")),
        PossibleValue::new("seeds").help(t!("ha-purpose-seeds")),
    ])
    .try_map(|s| s.parse::<UploadPurpose>())
}

#[derive(Subcommand, Debug)]
pub(crate) enum UploadsCmd {
    /// List the mailbox: each upload's id, purpose, when it arrived (this device's zone), its
    /// size and what it holds as far as this authority can open it (the venues a case
    /// checked in at, the serials of a guest book, the key of a seed release).
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

/// The server's retention period, which a checkpoint declares (`authority publish`,
/// `authority checkpoint`).
#[derive(Debug, Clone, Copy, clap::Args)]
pub(crate) struct Retention {
    /// The server keeps batches this many days: the same as its `--retention-days` (the same
    /// variable sets both). The checkpoint tells phones which batches are no longer served; a
    /// shorter period than the server's makes them skip batches it still serves, a longer one
    /// makes them warn that batches are withheld. Both commands ask the server for its period
    /// first and post nothing when it differs
    #[arg(
        long,
        env = "VENUECODE_RETENTION_DAYS",
        default_value_t = authority::DEFAULT_RETENTION_DAYS,
        value_parser = clap::value_parser!(u32).range(1..=3650)
    )]
    pub retention_days: u32,
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
                AuthorityInitialised {
                    ra_key_id: ra.signing.key_id().to_hex(),
                    ha_key_id: ha.signing.key_id().to_hex(),
                    trust_bundle: bundle_path.clone(),
                    sequence: bundle.sequence(),
                    server_url: bundle.server_url().to_owned(),
                    code_base_url: bundle.code_base_url().to_owned(),
                },
                || {
                    t!(
                        "ha-initialised",
                        root = root.to_string(),
                        bundle = bundle_path.display().to_string(),
                        server = bundle.server_url(),
                        codes = bundle.code_base_url(),
                    )
                },
            );
            Ok(())
        }
        AuthorityCmd::Tan { cmd: Some(cmd), .. } => run_tans(ctx, cmd),
        AuthorityCmd::Tan {
            cmd: None,
            purpose,
            count,
            valid_hours,
        } => {
            if count == 0 || count > 10_000 {
                fail!("error-tan-count", most = 10_000);
            }
            if valid_hours == 0 || valid_hours > 14 * 24 {
                fail!("error-tan-hours", most = 14 * 24);
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
            let ids = tans
                .iter()
                .map(|t| authority::TanLedger::short_id(t))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let expires = ctx
                .now()
                .saturating_add(u32::try_from(valid_hours * 60).unwrap_or(u32::MAX));
            ctx.print(
                TansIssued {
                    tans: shown.clone(),
                    ids: ids.clone(),
                    valid_hours,
                    purpose: purpose.as_str().to_owned(),
                    expires_at: ctx.stamp(expires),
                },
                || {
                    let lines: Vec<String> = shown
                        .iter()
                        .zip(&ids)
                        .map(|(tan, id)| format!("{tan}   (id {id})"))
                        .collect();
                    format!(
                        "{}\n{}",
                        lines.join("\n"),
                        t!(
                            "ha-tans-issued",
                            purpose = purpose.as_str(),
                            about = purpose_text(purpose),
                            expires = ctx.show(expires),
                            hours = valid_hours
                        )
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
            retention,
        } => {
            let ha = authority::load_ha(&ctx.home)?;
            let trust = ctx.trust()?;
            let windows = windows
                .iter()
                .map(|w| parse_window(ctx, w))
                .collect::<Result<Vec<_>>>()?;
            let (json, text) = publish(
                ctx,
                &ha,
                &trust,
                &uploads,
                &windows,
                &risk,
                &message,
                delete,
                retention.retention_days,
            )?;
            ctx.print(json, || text);
            Ok(())
        }
        AuthorityCmd::Checkpoint { retention } => {
            let ha = authority::load_ha(&ctx.home)?;
            // Under the state lock, as publish: a head read while a publish runs could be
            // declared after that publish's newer checkpoint.
            let state = authority::lock(&ctx.home)?;
            let chain = state.chain()?;
            let cp =
                chain.checkpoint(&ctx.transport()?, &ha, ctx.now(), retention.retention_days)?;
            let b = cp.body();
            ctx.print(
                CheckpointPosted {
                    sequence: b.sequence,
                    issued_at: ctx.stamp(b.issued_at),
                    retained_from: b.retained_from,
                },
                || {
                    t!(
                        "ha-checkpoint-posted",
                        sequence = b.sequence,
                        issued = ctx.show(b.issued_at),
                        retained = b.retained_from
                    )
                },
            );
            Ok(())
        }
        AuthorityCmd::Registrations => {
            let ra = authority::load_ra(&ctx.home)?;
            let list = authority::pending_registrations(&ctx.transport()?, &ra.admin)?;
            ctx.print(&list, || {
                let rows = &list.registrations;
                if rows.is_empty() {
                    return t!("ra-no-registrations");
                }
                rows.iter()
                    .map(|r| {
                        t!(
                            "ra-registration-row",
                            id = r.id,
                            name = r.name.as_str(),
                            address = r.address.as_str(),
                            region = region_text(r.region),
                            category = category_text(&r.category),
                            key = r.venue_key.get(..16).unwrap_or("")
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
            let out = RegistrationApproved {
                approved: id,
                serial,
            };
            ctx.print(out, || t!("ra-approved", id = id, serial = serial));
            Ok(())
        }
        AuthorityCmd::Refuse { id } => {
            let ra = authority::load_ra(&ctx.home)?;
            authority::refuse_registration(&ctx.transport()?, &ra.admin, id)?;
            ctx.print(RegistrationRefused { refused: id }, || {
                t!("ra-refused", id = id)
            });
            Ok(())
        }
        AuthorityCmd::Disable { serial, name, yes } => {
            let ra = authority::load_ra(&ctx.home)?;
            let t = ctx.transport()?;
            // clap asks for one of the serial and --name.
            let venue = match name {
                Some(name) => venue_by_name(&t, &ra.admin, &name, yes)?,
                None => venue_by_serial(&t, serial.unwrap_or_default())?,
            };
            let about = venue_about(&venue);
            if !venue.revoked
                && !yes
                && !confirm(&t!("ra-disable-confirm", about = about.as_str()))?
            {
                fail!("error-not-confirmed");
            }
            let already = venue.revoked || !authority::disable(&t, &ra.admin, venue.serial)?;
            ctx.print(Disabled::of(&venue, already), || {
                if already {
                    t!("ra-disable-already", about = about.as_str())
                } else {
                    t!("ra-disabled", about = about.as_str())
                }
            });
            Ok(())
        }
        AuthorityCmd::Stats {
            region,
            category,
            from,
            until,
        } => {
            let region = region
                .as_deref()
                .map(authority::RegionFilter::parse)
                .transpose()?;
            let day = |flag: &str, d: Option<String>| -> Result<Option<u32>> {
                d.map(|d| {
                    parse_day(&d).map_err(|e| cli_error!("error-bad-time", flag = flag, detail = e))
                })
                .transpose()
                .map_err(Into::into)
            };
            let filter = authority::StatsFilter::new(
                region,
                category.as_deref(),
                day("--from", from)?,
                day("--until", until)?,
            )?;
            let stats = authority::fetch_statistics(&ctx.transport()?)?.filtered(&filter);
            ctx.print(serde_json::to_value(&stats)?, || {
                stats_text(&stats, &filter)
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
            let mut rows = Vec::with_capacity(list.len());
            for u in &list {
                let contents = match authority::fetch_upload(&t, &ha, u.id) {
                    Ok(bytes) => authority::summarize_upload(&ha, u, &bytes),
                    Err(e) => authority::UploadSummary::unreadable(e),
                };
                let received = authority::received_minute(u.received_at, ctx.shift_seconds);
                rows.push((
                    received,
                    UploadRow {
                        id: u.id,
                        purpose: u.purpose.clone(),
                        received_at: ctx.stamp(received),
                        size: u.size,
                        contents,
                    },
                ));
            }
            let listing = UploadListing {
                uploads: rows.iter().map(|(_, r)| r.clone()).collect(),
            };
            ctx.print(serde_json::to_value(&listing)?, || {
                if rows.is_empty() {
                    return t!("ha-mailbox-empty");
                }
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|(received, r)| {
                        vec![
                            r.id.to_string(),
                            r.purpose.clone(),
                            ctx.show(*received),
                            r.size.to_string(),
                            contents_text(&r.contents),
                        ]
                    })
                    .collect();
                format!(
                    "{}\n{}",
                    t!("ha-uploads-count", count = rows.len()),
                    render_table(
                        &[
                            "col-id",
                            "col-purpose",
                            "col-arrived",
                            "col-bytes",
                            "col-holds"
                        ],
                        &table
                    )
                )
            });
        }
        UploadsCmd::Open { id } => {
            let trust = ctx.trust()?;
            let info = authority::list_uploads(&t, &ha)?
                .into_iter()
                .find(|u| u.id == id)
                .ok_or_else(|| cli_error!("error-no-upload", id = id))?;
            let bytes = authority::fetch_upload(&t, &ha, id)?;
            let opened = info
                .purpose()
                .and_then(|purpose| authority::open_upload(&ha, purpose, &bytes))
                .with_context(|| t!("ha-upload-context", id = id))?;
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
                                t!("ha-tan-check-used")
                            } else {
                                t!("ha-tan-check-unused")
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
            ctx.print(json!({"deleted": id}), || t!("ha-upload-deleted", id = id));
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
                None => (false, t!("ha-tan-not-checked")),
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
                    CaseEntry {
                        serial: e.code().certificate().serial(),
                        venue: e.code().certificate().info().name().to_owned(),
                        arrival: rfc3339(e.arrival(), &vz),
                        departure: rfc3339(e.departure(), &vz),
                        problem: c.clone(),
                    }
                })
                .collect();
            ctx.print(
                CaseOpened {
                    case: rows,
                    tan: TanCheck {
                        authorised: tan_ok,
                        check: tan_text.clone(),
                    },
                },
                || {
                    let mut s = if tan_ok {
                        t!("ha-case-tan", check = tan_text.as_str())
                    } else {
                        t!("ha-case-tan-refused", check = tan_text.as_str())
                    };
                    s.push('\n');
                    s.push_str(&t!("ha-case-shared", count = upload.entries().len()));
                    s.push('\n');
                    for (e, c) in upload.entries().iter().zip(&checks) {
                        s.push_str(&format!(
                            "  {}{}\n",
                            t!(
                                "ha-case-entry",
                                venue = e.code().certificate().info().name(),
                                serial = e.code().certificate().serial(),
                                stay = stay_text(
                                    e.arrival(),
                                    e.departure(),
                                    &cert_zone(e.code().certificate())
                                )
                            ),
                            c.as_ref()
                                .map(|c| format!(
                                    "\n    {}",
                                    t!("ha-case-entry-refused", reason = c.as_str())
                                ))
                                .unwrap_or_default()
                        ));
                    }
                    s
                },
            );
        }
        Opened::GuestBook(entries) => {
            let guestbook = entries
                .iter()
                .map(|g| OpenedGuest {
                    serial: g.venue_serial(),
                    name: g.name().to_owned(),
                    phone: g.phone().to_owned(),
                    arrival: g.arrival().get(),
                    departure: g.departure().get(),
                })
                .collect();
            ctx.print(GuestBookOpened { guestbook }, || {
                let mut s = t!("ha-guestbook-entries", count = entries.len());
                s.push('\n');
                for g in entries {
                    s.push_str("  ");
                    s.push_str(&t!(
                        "ha-guestbook-entry",
                        name = g.name(),
                        phone = g.phone(),
                        serial = g.venue_serial(),
                        arrival = ctx.show(g.arrival()),
                        departure = ctx.show(g.departure())
                    ));
                    s.push('\n');
                }
                s
            });
        }
        Opened::Seeds { venue_key, seeds } => {
            let days: Vec<String> = seeds.iter().map(|(e, _)| format_day(*e)).collect();
            let key = hex::encode(venue_key);
            let out = SeedsOpened {
                venue_key: key.clone(),
                days: days.clone(),
            };
            ctx.print(out, || {
                t!(
                    "ha-seeds-opened",
                    key = key.as_str(),
                    days = days.join(", ")
                )
            });
        }
    }
}

pub(crate) fn parse_window(ctx: &Ctx, w: &str) -> Result<(u64, UnixMinute, UnixMinute)> {
    let parts: Vec<&str> = w.split(',').map(str::trim).collect();
    let [serial, from, until] = parts.as_slice() else {
        fail!("error-bad-window", window = w);
    };
    let serial = serial
        .parse()
        .map_err(|_| cli_error!("error-bad-window", window = w))?;
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
    retention_days: u32,
) -> Result<(Published, String)> {
    let t = ctx.transport()?;
    let risk = if risk == "low" {
        RiskLevel::LOW
    } else {
        RiskLevel::HIGH
    };
    let state = authority::lock(&ctx.home)?;
    let mut ledger = state.publish_ledger()?;
    let mut chain = state.chain()?;
    let mut tans = state.tan_ledger()?;
    let loc = Localizer::get(language());
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
            retention_days,
        },
        ledger.windows(),
        &mut tans,
        &mut |event| eprintln!("  {}", authority::publish_event_text(event, &ctx.zone, loc)),
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
        .map(|(s, n, e)| MissingSeed {
            serial: *s,
            venue: n.clone(),
            day: format_day(*e),
        })
        .collect();
    let skipped: Vec<_> = out
        .skipped
        .iter()
        .map(|s| SkippedUpload {
            upload: s.upload,
            entry: s.entry,
            code: s.code().to_owned(),
            reason: s.reason_text(),
            message: authority::skipped_reason(s, loc),
        })
        .collect();
    let mut text = t!(
        "ha-published",
        sequence = out.sequence,
        records = out.records,
        stays = out.stays,
        uploads = out.used_uploads.len()
    );
    for s in &out.skipped {
        text.push_str("\n  ");
        text.push_str(&authority::publish_event_text(
            authority::PublishEvent::Skipped(s),
            &ctx.zone,
            loc,
        ));
    }
    for (serial, name, e) in &out.missing_seeds {
        text.push_str("\n  ");
        text.push_str(&t!(
            "ha-missing-seed",
            venue = name.as_str(),
            serial = *serial,
            day = format_day(*e)
        ));
    }
    Ok((
        Published {
            sequence: out.sequence,
            records: out.records,
            stays: out.stays,
            missing_seeds: missing,
            skipped,
            used_uploads: out.used_uploads.clone(),
            checkpoint: PublishedCheckpoint {
                sequence: out.checkpoint.body().sequence,
                issued_at: ctx.stamp(out.checkpoint.body().issued_at),
            },
        },
        text,
    ))
}

/// `authority tan list` and `authority tan cancel`.
fn run_tans(ctx: &Ctx, cmd: TanCmd) -> Result<()> {
    let ha = authority::load_ha(&ctx.home)?;
    match cmd {
        TanCmd::List { offline } => {
            // Read only: no lock.
            let ledger = authority::tan_ledger(&ctx.home)?;
            let now = authority::now_seconds();
            let t = if offline {
                None
            } else {
                Some(ctx.transport()?)
            };
            let mut unreachable: Option<String> = None;
            let mut rows = Vec::new();
            for (hash, issued) in ledger.entries() {
                let state = issued.state(now);
                // The server can tell more only of a TAN the ledger counts as unused: an
                // upload it stored that was not published yet.
                let server = match (&t, state, &unreachable) {
                    (Some(t), authority::TanState::Unused, None) => {
                        match authority::tan_status(t, &ha, hash) {
                            Ok(Some(st)) => Some(authority::server_state(&st, now)),
                            Ok(None) => None,
                            Err(e) => {
                                unreachable = Some(venuecode::errors::authority_why(&e));
                                None
                            }
                        }
                    }
                    _ => None,
                };
                let at = |secs: u64| ctx.stamp(authority::received_minute(secs, ctx.shift_seconds));
                rows.push(TanRow {
                    id: hash.get(..authority::TAN_ID_LEN).unwrap_or(hash).to_owned(),
                    hash: hash.to_owned(),
                    purpose: issued.purpose.clone(),
                    issued_at: at(issued.issued_at),
                    expires_at: at(issued.expires_at),
                    cancelled_at: issued.cancelled_at.map(at),
                    state,
                    server_state: server,
                });
            }
            if let Some(e) = &unreachable {
                eprintln!("{}", t!("ha-tans-server-unreachable", detail = e.as_str()));
            }
            let ledger_rows = ledger.entries();
            let listing = TanListing { tans: rows };
            ctx.print(serde_json::to_value(&listing)?, || {
                if listing.tans.is_empty() {
                    return t!("ha-no-tans");
                }
                let show =
                    |secs: u64| ctx.show(authority::received_minute(secs, ctx.shift_seconds));
                let table: Vec<Vec<String>> = listing
                    .tans
                    .iter()
                    .zip(&ledger_rows)
                    .map(|(r, (_, issued))| {
                        let state = match r.server_state {
                            Some(s) if s != r.state => {
                                t!(
                                    "ha-tan-state-server",
                                    state = r.state.as_str(),
                                    server = s.as_str()
                                )
                            }
                            _ => r.state.as_str().to_owned(),
                        };
                        vec![
                            r.id.clone(),
                            r.purpose.clone(),
                            show(issued.issued_at),
                            show(issued.expires_at),
                            state,
                        ]
                    })
                    .collect();
                render_table(
                    &[
                        "col-id",
                        "col-purpose",
                        "col-issued",
                        "col-expires",
                        "col-state",
                    ],
                    &table,
                )
            });
            Ok(())
        }
        TanCmd::Cancel { id } => {
            // A cancel changes the ledger: loaded under the home's lock, held until it is saved.
            let state = authority::lock(&ctx.home)?;
            let mut ledger = state.tan_ledger()?;
            let hash = authority::cancel_tan(&ctx.transport()?, &ha, &mut ledger, &id)?;
            let short = hash
                .get(..authority::TAN_ID_LEN)
                .unwrap_or(&hash)
                .to_owned();
            let out = TanCancelled {
                cancelled: short.clone(),
                hash,
            };
            ctx.print(serde_json::to_value(&out)?, || {
                t!("ha-tan-cancelled", id = short.as_str())
            });
            Ok(())
        }
    }
}

/// One TAN of `authority tan list --json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TanRow {
    /// The short id (start of the hash).
    pub(crate) id: String,
    /// The hash, hex.
    pub(crate) hash: String,
    /// `case`, `guestbook` or `seeds`.
    pub(crate) purpose: String,
    /// RFC 3339.
    pub(crate) issued_at: String,
    /// RFC 3339.
    pub(crate) expires_at: String,
    /// RFC 3339, when cancelled.
    pub(crate) cancelled_at: Option<String>,
    /// The ledger's state.
    pub(crate) state: authority::TanState,
    /// The server's, when asked and known.
    pub(crate) server_state: Option<authority::TanState>,
}

/// `authority tan list --json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TanListing {
    pub(crate) tans: Vec<TanRow>,
}

/// `authority tan cancel --json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TanCancelled {
    /// The short id.
    pub(crate) cancelled: String,
    /// The hash, hex.
    pub(crate) hash: String,
}

/// `authority disable --json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Disabled {
    pub(crate) disabled: u64,
    pub(crate) name: String,
    pub(crate) address: String,
    pub(crate) region: u32,
    /// The venue key's id, hex.
    pub(crate) key_id: String,
    /// It was revoked already: nothing was done.
    pub(crate) already: bool,
}

impl Disabled {
    fn of(v: &authority::VenueMatch, already: bool) -> Disabled {
        Disabled {
            disabled: v.serial,
            name: v.name.clone(),
            address: v.address.clone(),
            region: v.region,
            key_id: v.key_id.clone(),
            already,
        }
    }
}

/// Most venues `disable --name` lists for the person to pick from.
const MOST_MATCHES: usize = 20;

/// The venue of certificate `serial` (its current certificate, when the venue was updated since),
/// as the name search shows one.
fn venue_by_serial(
    t: &dyn venuecode_client::transport::Transport,
    serial: u64,
) -> Result<authority::VenueMatch> {
    let Some(cert) = authority::venue_certificate(t, serial)? else {
        fail!("error-no-such-serial", serial = serial);
    };
    let info = cert.info();
    Ok(authority::VenueMatch {
        // The server answers with the newest certificate of the venue: an old serial of an
        // updated venue is revoked already, and the venue is disabled through its current one.
        serial: cert.serial(),
        key_id: cert.body().venue_key.key_id().to_hex(),
        name: info.name().to_owned(),
        address: info.address().to_owned(),
        region: info.region().get(),
        category: info.category().slug().unwrap_or("other").to_owned(),
        // Not known from the certificate; the server says so when asked to disable it.
        revoked: false,
    })
}

/// The one current venue whose name holds `name`: the only match, or the one the person picks
/// on a terminal. None, too many, or several without a terminal (or with `--yes`) are errors
/// that say how to go on.
fn venue_by_name(
    t: &dyn venuecode_client::transport::Transport,
    admin: &venuecode_protocol::SigningKey,
    name: &str,
    yes: bool,
) -> Result<authority::VenueMatch> {
    use std::io::IsTerminal;
    let mut found = authority::find_venues(t, admin, name, MOST_MATCHES)?;
    if found.is_empty() {
        fail!("error-venue-name-not-found", name = name);
    }
    if found.len() > MOST_MATCHES {
        fail!(
            "error-venue-name-too-many",
            name = name,
            most = MOST_MATCHES
        );
    }
    if found.len() == 1 {
        return Ok(found.remove(0));
    }
    let list = found
        .iter()
        .map(|v| format!("  {}", venue_about(v)))
        .collect::<Vec<_>>()
        .join("\n");
    if yes || !std::io::stdin().is_terminal() {
        fail!(
            "error-venue-name-ambiguous",
            name = name,
            count = found.len(),
            list = list
        );
    }
    eprintln!(
        "{}\n{list}",
        t!("ra-disable-matches", name = name, count = found.len())
    );
    let answer = ask(&t!("ra-disable-pick"))?;
    let picked = answer.trim().parse::<u64>().ok();
    match found.into_iter().find(|v| Some(v.serial) == picked) {
        Some(v) => Ok(v),
        None => fail!("error-not-confirmed"),
    }
}

/// A venue as `disable` shows it: name, category, address, region, key id and serial.
fn venue_about(v: &authority::VenueMatch) -> String {
    t!(
        "ra-venue-about",
        name = v.name.as_str(),
        category = category_text(&v.category),
        address = v.address.as_str(),
        region = region_text(v.region),
        key = v.key_id.as_str(),
        serial = v.serial
    )
}

/// One upload of `authority uploads list --json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UploadRow {
    pub(crate) id: u64,
    pub(crate) purpose: String,
    /// RFC 3339.
    pub(crate) received_at: String,
    pub(crate) size: u64,
    /// What it holds, as far as this authority can open it.
    pub(crate) contents: authority::UploadSummary,
}

/// `authority uploads list --json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UploadListing {
    pub(crate) uploads: Vec<UploadRow>,
}

/// What an upload holds, in a table cell.
fn contents_text(c: &authority::UploadSummary) -> String {
    match c {
        authority::UploadSummary::Case { entries, venues } => t!(
            "ha-holds-case",
            count = *entries,
            venues = venues
                .iter()
                .map(|(serial, name)| t!(
                    "ha-venue-serial",
                    venue = name.as_str(),
                    serial = *serial
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        authority::UploadSummary::GuestBook { entries, serials } => t!(
            "ha-holds-guestbook",
            count = *entries,
            serials = serials
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        authority::UploadSummary::Seeds { days } => t!("ha-holds-seeds", count = *days),
        authority::UploadSummary::Unreadable { reason, error, .. } => t!(
            "ha-holds-unreadable",
            reason = match error {
                Some(e) => venuecode::errors::authority_why(e),
                None => reason.clone(),
            }
        ),
    }
}

/// Asks on the terminal; without one, refuses and says to pass `--yes`.
fn confirm(question: &str) -> Result<bool> {
    let answer = ask(question)?;
    let answer = answer.trim();
    Ok(answer.eq_ignore_ascii_case("yes") || answer == t!("answer-yes"))
}

/// One line typed on the terminal after `question`; without a terminal, refuses and says to
/// pass `--yes`.
fn ask(question: &str) -> Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        fail!("error-needs-terminal");
    }
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line)
}

/// What a TAN of this purpose lets its holder do, for the tracer.
fn purpose_text(purpose: UploadPurpose) -> String {
    match purpose {
        UploadPurpose::Case => t!("ha-purpose-case"),
        UploadPurpose::GuestBook => t!("ha-purpose-guestbook"),
        UploadPurpose::Seeds => t!("ha-purpose-seeds"),
    }
}

/// `authority stats` as text tables.
fn stats_text(stats: &authority::Statistics, filter: &authority::StatsFilter) -> String {
    let mut out = String::new();
    let mut narrowed = Vec::new();
    if let Some(r) = &filter.region {
        narrowed.push(t!("stats-filter-region", region = region_text(r.code)));
    }
    if let Some(c) = &filter.category {
        narrowed.push(t!("stats-filter-category", category = category_text(c)));
    }
    match (filter.from, filter.until) {
        (Some(f), Some(u)) => narrowed.push(t!(
            "stats-filter-between",
            from = format_day(f),
            until = format_day(u)
        )),
        (Some(f), None) => narrowed.push(t!("stats-filter-from", from = format_day(f))),
        (None, Some(u)) => narrowed.push(t!("stats-filter-until", until = format_day(u))),
        (None, None) => {}
    }
    if !narrowed.is_empty() {
        out.push_str(&t!("stats-filtered", filters = narrowed.join("; ")));
        out.push_str("\n\n");
    }
    out.push_str(&t!("stats-venues"));
    out.push('\n');
    let none = format!("  {}\n", t!("stats-none"));
    let rows = &stats.venues.by_region;
    if rows.is_empty() {
        out.push_str(&none);
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    region_text(r.region),
                    category_text(&r.category),
                    r.active.to_string(),
                    r.revoked.to_string(),
                ]
            })
            .collect();
        out.push_str(&render_table(
            &["col-region", "col-category", "col-active", "col-revoked"],
            &table,
        ));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&t!("stats-exposures"));
    out.push('\n');
    if stats.exposures.by_day.is_empty() {
        out.push_str(&none);
    } else {
        let table: Vec<Vec<String>> = stats
            .exposures
            .by_day
            .iter()
            .map(|r| {
                vec![
                    format_day(r.day.get()),
                    r.batches.to_string(),
                    r.records.to_string(),
                ]
            })
            .collect();
        out.push_str(&render_table(
            &["col-date", "col-batches", "col-records"],
            &table,
        ));
        out.push('\n');
    }
    out.push('\n');
    match &stats.counts {
        None => out.push_str(&t!("stats-no-counts")),
        // A row appears at 0 as soon as a venue registers its tags for a day; the table shows
        // the days with visits (`--json` has every row).
        Some(c) if c.rows.iter().all(|r| r.count == 0) => {
            out.push_str(&t!("stats-visits"));
            out.push('\n');
            out.push_str(&none);
        }
        Some(c) => {
            out.push_str(&t!("stats-visits-by-date"));
            out.push('\n');
            let table: Vec<Vec<String>> = c
                .rows
                .iter()
                .filter(|r| r.count > 0)
                .map(|r| {
                    vec![
                        format_day(r.epoch.get()),
                        region_text(r.region),
                        category_text(&r.category),
                        r.count.to_string(),
                    ]
                })
                .collect();
            out.push_str(&render_table(
                &["col-date", "col-region", "col-category", "col-visits"],
                &table,
            ));
        }
    }
    out.trim_end().to_owned()
}

/// The columns a string takes on a terminal: two for East Asian wide characters.
fn text_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let c = u32::from(c);
            let wide = (0x1100..=0x115F).contains(&c)
                || (0x2E80..=0xA4CF).contains(&c)
                || (0xAC00..=0xD7A3).contains(&c)
                || (0xF900..=0xFAFF).contains(&c)
                || (0xFE30..=0xFE4F).contains(&c)
                || (0xFF00..=0xFF60).contains(&c)
                || (0xFFE0..=0xFFE6).contains(&c)
                || (0x20000..=0x3FFFD).contains(&c);
            if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

/// A text table: a header line (the catalogue's messages `header`), a rule, then the rows,
/// columns padded to their widest cell (numbers are right-aligned), two spaces apart.
fn render_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let header: Vec<String> = header.iter().map(|id| t!(id)).collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| text_width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(text_width(cell));
        }
    }
    let numeric: Vec<bool> = (0..header.len())
        .map(|i| {
            !rows.is_empty()
                && rows.iter().all(|r| {
                    r.get(i)
                        .is_some_and(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
                })
        })
        .collect();
    let line = |cells: Vec<&str>| -> String {
        let mut l = String::from("  ");
        let last = cells.len().saturating_sub(1);
        for (i, cell) in cells.into_iter().enumerate() {
            let pad = " ".repeat(widths[i].saturating_sub(text_width(cell)));
            if numeric[i] {
                l.push_str(&pad);
                l.push_str(cell);
            } else {
                l.push_str(cell);
                if i != last {
                    l.push_str(&pad);
                }
            }
            if i != last {
                l.push_str("  ");
            }
        }
        l.trim_end().to_owned()
    };
    let mut out = vec![line(header.clone())];
    out.push(line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    ));
    for row in rows {
        out.push(line(row.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}
