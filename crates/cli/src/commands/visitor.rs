//! `venuecode visitor`: the commands a phone app would run.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Subcommand;
use venuecode::home::Trust;
use venuecode::output::{
    ChainState, CheckedIn, CheckedOut, Diary, DiaryRow, Dismissed, EntryDeleted, EntryEdited,
    EntryHidden, ExposureRow, Exposures, ScanPreview, ScanRefused, ShareLists, Shared, SyncPart,
    Synced,
};
use venuecode::timefmt::{format_in, rfc3339};
use venuecode::{cli_error, fail, t};
use venuecode_client::sync::PartOutcome;
use venuecode_client::{DiaryKey, EntryId, Visitor, VisitorConfig};
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::ChainStatus;

use super::{entry_zone, stay_text, ClockRef, Ctx};

#[derive(Subcommand, Debug)]
pub(crate) enum VisitorCmd {
    /// Scan a code (URL, digits, or a PNG/JPEG photo) and check in.
    #[command(
        after_help = "Example:\n  venuecode --home ./alice visitor scan 'https://vc.example/c#0123…'\n  venuecode --home ./alice visitor scan --image ./photo.jpg"
    )]
    Scan {
        /// The scanned URL or digits.
        code: Option<String>,
        /// A photo of the code instead.
        #[arg(long)]
        image: Option<PathBuf>,
        /// Only show the preview; do not check in.
        #[arg(long)]
        preview: bool,
        /// How long you expect to stay, in minutes (15 to 720): the automatic check-out
        /// (default: the venue's usual stay). `visitor edit` corrects it later.
        #[arg(long, value_name = "MINUTES")]
        stay: Option<u16>,
    },
    /// Check out of the current venue.
    #[command(after_help = "Example:\n  venuecode --home ./alice visitor checkout")]
    Checkout,
    /// Show the diary.
    #[command(after_help = "Example:\n  venuecode --home ./alice visitor diary --all")]
    Diary {
        /// Include hidden entries.
        #[arg(long)]
        all: bool,
    },
    /// List the exposures this phone raised and the person has not dismissed (high risk
    /// first marked as such), with the overlap and the health authority's advice.
    Exposures {
        /// Include dismissed exposures.
        #[arg(long)]
        all: bool,
    },
    /// Dismiss an exposure once read and acted on: it is no longer listed.
    #[command(after_help = "Example:\n  venuecode --home ./alice visitor dismiss 7")]
    Dismiss {
        /// Exposure id (from `exposures`).
        id: u64,
    },
    /// Edit an entry's arrival and departure.
    #[command(
        after_help = "Example:\n  venuecode --home ./alice visitor edit 3 --arrival 10:15 --departure 11:40"
    )]
    Edit {
        /// Entry id (from `diary`).
        id: u64,
        /// New arrival, in the device's zone unless an offset follows (`10:15`,
        /// `2026-11-25 10:15`, `10:15+08:00`).
        #[arg(long)]
        arrival: String,
        /// New departure, read like --arrival.
        #[arg(long)]
        departure: String,
    },
    /// Hide, show or delete an entry.
    #[command(
        after_help = "Example:\n  venuecode --home ./alice visitor hide 3   # --unhide, or --delete"
    )]
    Hide {
        /// Entry id.
        id: u64,
        /// Show it again instead.
        #[arg(long)]
        unhide: bool,
        /// Delete it for good.
        #[arg(long)]
        delete: bool,
    },
    /// Fetch revocations and exposure lists and match them on this device, and say whether
    /// the list is complete. Exit status: 0 when synced (a stale list, a refused revocation
    /// list or trust bundle are warnings on the output); 4 when the server withheld batches
    /// (exposures in them cannot be checked); 1 when revocations, the checkpoint or the
    /// batches could not be fetched.
    #[command(
        after_help = "Example:\n  venuecode --home ./alice visitor sync\n  venuecode --home ./alice visitor sync --json | jq .chain"
    )]
    Sync,
    /// Share check-ins after a positive test. Lists what will be sent and what is left out,
    /// then asks to confirm (--yes for scripts); hidden entries stay out unless named with
    /// --include-hidden. The TAN is read case-insensitively, spaces and dashes ignored; a typo
    /// is reported before anything is sent.
    #[command(
        after_help = "Example:\n  venuecode --home ./alice visitor share --tan 7K2M-9XR4-TPLW-3NBQ --exclude 4,5\n  venuecode --home ./alice visitor share --tan 7K2M-9XR4-TPLW-3NBQ --preview\n  venuecode --home ./alice visitor share --tan 7k2m9xr4tplw3nbq --include-hidden 3 --yes"
    )]
    Share {
        /// The TAN from the health authority.
        #[arg(long)]
        tan: String,
        /// Start of the infectious window (default 14 days ago), in the device's zone unless an
        /// offset follows.
        #[arg(long)]
        from: Option<String>,
        /// Entry ids to leave out.
        #[arg(long, value_delimiter = ',')]
        exclude: Vec<u64>,
        /// Hidden entry ids to send after all (hidden entries are left out otherwise).
        #[arg(long, value_delimiter = ',')]
        include_hidden: Vec<u64>,
        /// Only list what would be sent; send nothing.
        #[arg(long)]
        preview: bool,
        /// Send without asking to confirm (for scripts).
        #[arg(long)]
        yes: bool,
    },
}

/// Exit status of `visitor sync` when the server withheld batches the HA published.
pub(crate) const EXIT_WITHHELD: i32 = 4;

/// What `visitor sync` prints and how it exits.
pub(crate) struct SyncOutput {
    json: Synced,
    text: String,
    exit: i32,
    /// The first part that could not be fetched (network or server), when not withheld: its
    /// code and sentence.
    failure: Option<(String, String)>,
}

pub(crate) fn part_json(p: &PartOutcome) -> SyncPart {
    match p {
        PartOutcome::Updated => SyncPart::Updated,
        PartOutcome::Unchanged => SyncPart::Unchanged,
        PartOutcome::Refused(e) => SyncPart::Refused {
            error: e.to_string(),
        },
        PartOutcome::Failed(e) => SyncPart::Failed {
            error: e.to_string(),
        },
    }
}

/// The newest checkpoint the server serves, verified, for the "stale" message.
pub(crate) fn served_checkpoint(
    ctx: &Ctx,
    anchors: &venuecode_protocol::TrustAnchors,
) -> Option<UnixMinute> {
    let t = ctx.transport().ok()?;
    let cp = venuecode_client::api::fetch_verified_checkpoint(&t, anchors).ok()?;
    Some(cp.body().issued_at)
}

/// Turns a sync report into the command's output: the chain state first (complete, withheld
/// or stale), then each part that failed or was refused, then the exposures.
pub(crate) fn sync_report(
    ctx: &Ctx,
    r: &venuecode_client::SyncReport,
    listed: &[venuecode_client::Exposure],
) -> SyncOutput {
    let ex: Vec<_> = r
        .new_exposures
        .iter()
        .map(|x| exposure_json(ctx, x))
        .collect();
    let mut exit = 0;
    let (chain_json, chain_text) = match r.chain {
        ChainStatus::Ok => (
            ChainState::Complete { up_to: r.cursor },
            t!("sync-complete", cursor = r.cursor),
        ),
        ChainStatus::Withheld { from, to } => {
            exit = EXIT_WITHHELD;
            let range = if from == to {
                t!("sync-withheld-one", from = from)
            } else {
                t!("sync-withheld-range", from = from, to = to)
            };
            (
                ChainState::Withheld {
                    from,
                    to,
                    up_to: r.cursor,
                },
                t!("sync-withheld", range = range, cursor = r.cursor),
            )
        }
        ChainStatus::Stale => {
            let anchors = Trust::load(&ctx.home)
                .ok()
                .flatten()
                .and_then(|t| t.anchors().ok());
            let last = anchors.and_then(|a| served_checkpoint(ctx, &a));
            let when = match last {
                Some(m) => t!("sync-last-checkpoint", time = ctx.show(m)),
                None => t!("sync-no-checkpoint"),
            };
            (
                ChainState::Stale {
                    last_checkpoint: last.map(|m| ctx.stamp(m)),
                    up_to: r.cursor,
                },
                t!("sync-stale", when = when, cursor = r.cursor),
            )
        }
    };
    let parts = [
        ("sync-part-trust-bundle", &r.trust_bundle),
        ("sync-part-revocations", &r.revocations),
        ("sync-part-checkpoint", &r.checkpoint),
        ("sync-part-batches", &r.batch_sync),
        ("sync-part-pings", &r.pings),
    ];
    let mut text = t!("sync-synced", count = r.batches, chain = chain_text);
    for (name, p) in parts {
        match p {
            PartOutcome::Refused(e) => {
                text.push('\n');
                text.push_str(&t!(
                    "sync-refused",
                    part = t!(name),
                    detail = venuecode::errors::client_text(e)
                ));
                match name {
                    "sync-part-trust-bundle" => text.push_str(&t!("sync-refused-bundle-kept")),
                    "sync-part-revocations" => text.push_str(&t!("sync-refused-revocations-kept")),
                    _ => {}
                }
            }
            // No checkpoint yet (404 before the health authority published one): the chain
            // line above says so; it is not a failure to warn about.
            PartOutcome::Failed(venuecode_client::Error::Server {
                code: venuecode_client::error::ErrorCode::NotFound,
                ..
            }) if name == "sync-part-checkpoint" => {}
            PartOutcome::Failed(e) => {
                text.push('\n');
                text.push_str(&t!(
                    "sync-failed",
                    part = t!(name),
                    detail = venuecode::errors::client_text(e)
                ));
            }
            PartOutcome::Updated if name == "sync-part-trust-bundle" => {
                text.push('\n');
                text.push_str(&t!("sync-bundle-updated"));
            }
            _ => {}
        }
    }
    if r.pings_sent > 0 {
        text.push('\n');
        text.push_str(&t!("sync-pings-sent", count = r.pings_sent));
    }
    // Exposures raised before and not dismissed stay in view: "no exposure" only when none is
    // listed.
    let earlier = listed
        .iter()
        .filter(|x| !r.new_exposures.iter().any(|n| n.id() == x.id()))
        .count();
    if r.new_exposures.is_empty() && r.chain == ChainStatus::Ok && r.batch_sync.is_ok() {
        text.push('\n');
        if earlier == 0 {
            text.push_str(&t!("sync-no-exposure"));
        } else {
            text.push_str(&t!("sync-no-new-exposure"));
        }
    }
    for x in &r.new_exposures {
        text.push_str(&format!("\n{}", exposure_text(ctx, x)));
    }
    if earlier > 0 {
        text.push('\n');
        text.push_str(&t!("sync-earlier-listed", count = earlier));
    }
    // Revocations, checkpoint or batches that could not be fetched: the sync did not complete
    // (exit 1), unless the chain already reports withheld batches (exit 4).
    let failure = [&r.revocations, &r.checkpoint, &r.batch_sync]
        .into_iter()
        .find_map(|p| match p {
            // No checkpoint yet (the HA has not published): the chain status says stale.
            PartOutcome::Failed(venuecode_client::Error::Server { status: 404, .. })
                if std::ptr::eq(p, &r.checkpoint) =>
            {
                None
            }
            PartOutcome::Failed(e) => Some(e),
            _ => None,
        });
    if exit == 0 && failure.is_some() {
        exit = 1;
    }
    SyncOutput {
        failure: if exit == 1 {
            failure.map(|e| (e.code().to_owned(), venuecode::errors::client_text(e)))
        } else {
            None
        },
        json: Synced {
            batches: r.batches,
            cursor: r.cursor,
            new_exposures: ex,
            chain: chain_json,
            up_to_date: r.is_up_to_date(),
            trust_bundle: part_json(&r.trust_bundle),
            revocations: part_json(&r.revocations),
            checkpoint: part_json(&r.checkpoint),
            batch_sync: part_json(&r.batch_sync),
            pings: part_json(&r.pings),
            pings_sent: r.pings_sent,
            exposures: listed.iter().map(|x| exposure_json(ctx, x)).collect(),
        },
        text,
        exit,
    }
}

/// `high` or `low`: the risk level the health authority gave.
pub(crate) fn risk_name(x: &venuecode_client::Exposure) -> &'static str {
    if x.is_high_risk() {
        "high"
    } else {
        "low"
    }
}

/// An exposure for JSON: id, venue, risk level, overlap (RFC 3339 start, minutes), advice.
pub(crate) fn exposure_json(ctx: &Ctx, x: &venuecode_client::Exposure) -> ExposureRow {
    ExposureRow {
        id: x.id(),
        venue: x.venue_name().to_owned(),
        risk: x.risk().0,
        risk_level: risk_name(x).to_owned(),
        overlap_start: ctx.stamp(x.overlap_start()),
        overlap_minutes: x.overlap_minutes(),
        message: x.message().to_owned(),
        dismissed: x.dismissed(),
    }
}

/// An exposure for people: high risk stands out and says what to do; low risk reads as a
/// notice. The overlap is shown in the device's zone, with its length.
pub(crate) fn exposure_text(ctx: &Ctx, x: &venuecode_client::Exposure) -> String {
    let (head, advice) = if x.is_high_risk() {
        (t!("exposure-high-head"), t!("exposure-high-advice"))
    } else {
        (t!("exposure-low-head"), t!("exposure-low-advice"))
    };
    let message = if x.message().is_empty() {
        advice
    } else {
        x.message().to_owned()
    };
    let mut s = t!(
        "exposure-line",
        head = head,
        id = x.id(),
        venue = x.venue_name(),
        minutes = x.overlap_minutes(),
        start = ctx.show(x.overlap_start())
    );
    s.push_str("\n  ");
    s.push_str(&message);
    if x.dismissed() {
        s.push_str("\n  ");
        s.push_str(&t!("exposure-dismissed"));
    }
    s
}

/// What a share sends and leaves out, one entry a line (times in each venue's zone).
pub(crate) fn share_listing(plan: &venuecode_client::SharePreview) -> String {
    let mut s = t!("visitor-share-will-send", count = plan.to_send().len());
    s.push('\n');
    let line = |s: &mut String, e: &venuecode_client::DiaryEntry| {
        s.push_str(&format!(
            "  {:>4}  {}  {}\n",
            e.id().0,
            e.venue_name(),
            stay_text(e.arrival(), e.departure(), &entry_zone(e))
        ));
    };
    for e in plan.to_send() {
        line(&mut s, e);
    }
    if !plan.hidden().is_empty() {
        s.push_str(&t!(
            "visitor-share-left-hidden",
            count = plan.hidden().len()
        ));
        s.push('\n');
        for e in plan.hidden() {
            line(&mut s, e);
        }
    }
    if !plan.excluded().is_empty() {
        s.push_str(&t!(
            "visitor-share-left-excluded",
            count = plan.excluded().len()
        ));
        s.push('\n');
        for e in plan.excluded() {
            line(&mut s, e);
        }
    }
    s
}

/// Asks the person to confirm a share on the terminal; without one, `--yes` is required.
pub(crate) fn confirm_share(count: usize) -> Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        fail!("error-share-needs-terminal", count = count);
    }
    eprint!("{} ", t!("visitor-share-confirm", count = count));
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let answer = line.trim();
    Ok(answer.eq_ignore_ascii_case("yes") || answer == t!("visitor-confirm-word"))
}

pub(crate) fn open_visitor(ctx: &Ctx) -> Result<Visitor> {
    let trust = ctx.trust()?;
    let dir = ctx.home.dir("visitor")?;
    let key = venuecode::home::load_or_create_key(&dir.join("diary.key"))?;
    let mut config = VisitorConfig::new(trust.bundle().clone())?;
    // Anonymous check-in counts: one ping per request, each at its own random time, sent by
    // the syncs after it is due.
    config.count_pings = true;
    Ok(Visitor::open(
        dir.join("diary.redb"),
        DiaryKey::from_bytes(*key),
        config,
        ClockRef(Arc::clone(&ctx.clock)),
        ctx.transport()?,
    )?)
}

pub(crate) fn run_visitor(ctx: &Ctx, cmd: VisitorCmd) -> Result<()> {
    let v = open_visitor(ctx)?;
    match cmd {
        VisitorCmd::Scan {
            code,
            image,
            preview,
            stay,
        } => {
            let text = match (code, image) {
                (Some(c), None) => c,
                (None, Some(path)) => {
                    let bytes = std::fs::read(&path).map_err(|e| {
                        cli_error!(
                            "error-cannot-read",
                            path = path.display().to_string(),
                            detail = venuecode::errors::io_text(&e)
                        )
                    })?;
                    let mut found = venuecode::scan_image::decode(&bytes)?;
                    if found.is_empty() {
                        fail!("error-no-qr-in-photo", path = path.display().to_string());
                    }
                    found.swap_remove(0)
                }
                _ => fail!("error-scan-input"),
            };
            let result = v.scan(&text);
            let p = match result {
                Ok(p) => p,
                Err(e) => {
                    ctx.print(
                        ScanRefused {
                            ok: false,
                            tone: "failure".to_owned(),
                            error: e.to_string(),
                        },
                        || {
                            t!(
                                "visitor-scan-refused",
                                detail = venuecode::errors::client_text(&e)
                            )
                        },
                    );
                    std::process::exit(3);
                }
            };
            if preview {
                ctx.print(
                    ScanPreview {
                        venue: p.venue_name().to_owned(),
                        address: p.address().to_owned(),
                        category: p.category().to_string(),
                        code_type: format!("{:?}", p.code_type()),
                    },
                    || {
                        t!(
                            "visitor-preview",
                            venue = p.venue_name(),
                            address = p.address(),
                            category = p.category().to_string(),
                            kind = format!("{:?}", p.code_type())
                        )
                    },
                );
                return Ok(());
            }
            let c = match stay {
                Some(m) => v.check_in_with_stay(&p, m)?,
                None => v.check_in(&p)?,
            };
            let e = &c.entry;
            let reminder = c.checkout_reminder();
            ctx.print(
                CheckedIn {
                    ok: true,
                    tone: "success".to_owned(),
                    entry: e.id().0,
                    venue: e.venue_name().to_owned(),
                    status: format!("{:?}", c.status),
                    checked_out_of: c.checked_out_of.map(|i| i.0),
                    arrival: rfc3339(e.arrival(), &entry_zone(e)),
                    auto_checkout: rfc3339(e.departure(), &entry_zone(e)),
                    checkout_reminder: rfc3339(reminder.remind_at, &entry_zone(e)),
                },
                || {
                    let mut s = t!(
                        "visitor-checked-in",
                        venue = e.venue_name(),
                        address = e.venue_address(),
                        arrival = format_in(e.arrival(), &entry_zone(e)),
                        departure = format_in(e.departure(), &entry_zone(e)),
                        reminder =
                            venuecode::timefmt::format_clock_in(reminder.remind_at, &entry_zone(e))
                    );
                    if c.status == venuecode_client::CheckInStatus::AlreadyCheckedIn {
                        s.push_str("\n  ");
                        s.push_str(&t!("visitor-already-checked-in"));
                    }
                    if let Some(prev) = c.checked_out_of {
                        s.push_str("\n  ");
                        s.push_str(&t!("visitor-checked-out-of-entry", id = prev.0));
                    }
                    s
                },
            );
        }
        VisitorCmd::Checkout => {
            let Some(cur) = v.current()? else {
                // The automatic check-out may have ended the last stay: say when, and how to
                // correct it.
                let last = v
                    .entries()?
                    .into_iter()
                    .max_by_key(|e| (e.arrival(), e.id()));
                match last {
                    Some(e) if !e.checked_out() => fail!(
                        "error-auto-checked-out",
                        venue = e.venue_name(),
                        time = format_in(e.departure(), &entry_zone(&e)),
                        id = e.id().0
                    ),
                    _ => fail!("error-not-checked-in"),
                }
            };
            let e = v.check_out(cur.id())?;
            ctx.print(
                CheckedOut {
                    entry: e.id().0,
                    departure: rfc3339(e.departure(), &entry_zone(&e)),
                },
                || {
                    t!(
                        "visitor-checked-out",
                        venue = e.venue_name(),
                        time = format_in(e.departure(), &entry_zone(&e))
                    )
                },
            );
        }
        VisitorCmd::Diary { all } => {
            let entries = if all { v.all_entries()? } else { v.entries()? };
            let exposures = v.exposures()?;
            let out = Diary {
                entries: entries
                    .iter()
                    .map(|e| DiaryRow {
                        hidden: Some(e.hidden()),
                        ..diary_row(e)
                    })
                    .collect(),
                exposures: exposures.iter().map(|x| exposure_json(ctx, x)).collect(),
            };
            ctx.print(out, || {
                let mut s = t!("visitor-diary-head", count = entries.len());
                s.push('\n');
                let hidden = format!("  {}", t!("visitor-hidden-mark"));
                for e in &entries {
                    s.push_str(&format!(
                        "  {:>4}  {}  {}{}\n",
                        e.id().0,
                        e.venue_name(),
                        stay_text(e.arrival(), e.departure(), &entry_zone(e)),
                        if e.hidden() { hidden.as_str() } else { "" }
                    ));
                }
                for x in &exposures {
                    s.push_str(&format!("{}\n", exposure_text(ctx, x)));
                }
                s
            });
        }
        VisitorCmd::Edit {
            id,
            arrival,
            departure,
        } => {
            let e = v.edit_times(EntryId(id), ctx.time(&arrival)?, ctx.time(&departure)?)?;
            ctx.print(
                EntryEdited {
                    entry: id,
                    arrival: rfc3339(e.arrival(), &entry_zone(&e)),
                    departure: rfc3339(e.departure(), &entry_zone(&e)),
                },
                || {
                    format!(
                        "{}: {}",
                        e.venue_name(),
                        stay_text(e.arrival(), e.departure(), &entry_zone(&e))
                    )
                },
            );
        }
        VisitorCmd::Exposures { all } => {
            let list = if all {
                v.all_exposures()?
            } else {
                v.exposures()?
            };
            let exposures = list.iter().map(|x| exposure_json(ctx, x)).collect();
            ctx.print(Exposures { exposures }, || {
                if list.is_empty() {
                    return t!("visitor-no-exposure-listed");
                }
                let mut s = String::new();
                for x in &list {
                    s.push_str(&exposure_text(ctx, x));
                    s.push('\n');
                }
                s.push_str(&t!("visitor-dismiss-hint"));
                s
            });
        }
        VisitorCmd::Dismiss { id } => {
            let x = v.dismiss_exposure(id)?;
            ctx.print(Dismissed { dismissed: id }, || {
                t!("visitor-dismissed", id = id, venue = x.venue_name())
            });
        }
        VisitorCmd::Hide { id, unhide, delete } => {
            if delete {
                v.delete(EntryId(id))?;
                ctx.print(EntryDeleted { deleted: id }, || {
                    t!("visitor-deleted", id = id)
                });
            } else {
                v.set_hidden(EntryId(id), !unhide)?;
                let out = EntryHidden {
                    entry: id,
                    hidden: !unhide,
                };
                ctx.print(out, || {
                    if unhide {
                        t!("visitor-entry-shown", id = id)
                    } else {
                        t!("visitor-entry-hidden", id = id)
                    }
                });
            }
        }
        VisitorCmd::Sync => {
            // Progress says how far the check got, never a count that could pass for matches.
            let quiet = ctx.json;
            let r = v.sync_with_progress(&mut |p| {
                if !quiet {
                    eprintln!(
                        "  {}",
                        t!("visitor-sync-progress", batch = p.batch, latest = p.latest)
                    );
                }
            })?;
            // Keep the home's bundle in step with a genuine rotation the sync applied.
            if matches!(r.trust_bundle, PartOutcome::Updated) {
                Trust::install(&ctx.home, &v.trust_bundle()?)?;
            }
            let listed = v.exposures()?;
            let report = sync_report(ctx, &r, &listed);
            ctx.print(report.json, || report.text);
            if let Some((code, e)) = &report.failure {
                let message = t!("error-sync-incomplete", detail = e.as_str());
                if ctx.json {
                    let r = venuecode::errors::ErrorReport {
                        code: code.clone(),
                        message,
                    };
                    eprintln!(
                        "{}",
                        serde_json::to_string(&venuecode::errors::ErrorJson { error: &r })?
                    );
                } else {
                    eprintln!("{}: {message}", t!("label-error"));
                }
            }
            if report.exit != 0 {
                std::process::exit(report.exit);
            }
        }
        VisitorCmd::Share {
            tan,
            from,
            exclude,
            include_hidden,
            preview,
            yes,
        } => {
            // A mistyped TAN is reported first, before the list and any request.
            venuecode_client::tan::normalize(&tan)?;
            let now = ctx.now();
            let from = match from {
                Some(f) => ctx.time(&f)?,
                None => now.saturating_sub(14 * 1440),
            };
            let selection = venuecode_client::ShareSelection {
                exclude: exclude.into_iter().map(EntryId).collect(),
                include_hidden: include_hidden.into_iter().map(EntryId).collect(),
            };
            let plan = v
                .preview_share(from, now + 1, &selection)
                .context(t!("error-share-ids"))?;
            let rows = |list: &[venuecode_client::DiaryEntry]| -> Vec<DiaryRow> {
                list.iter().map(diary_row).collect()
            };
            let listing = share_listing(&plan);
            let lists = ShareLists {
                to_send: rows(plan.to_send()),
                hidden: rows(plan.hidden()),
                excluded: rows(plan.excluded()),
            };
            if preview {
                ctx.print(
                    Shared {
                        preview: Some(true),
                        shared: 0,
                        lists,
                        receipt: None,
                    },
                    || format!("{listing}{}", t!("visitor-share-preview-done")),
                );
                return Ok(());
            }
            if plan.to_send().is_empty() {
                if plan.hidden().is_empty() {
                    fail!("error-nothing-to-share");
                }
                fail!("error-nothing-to-share-hidden", count = plan.hidden().len());
            }
            // The list goes out before anything is sent, so the person sees what leaves the
            // phone even if the upload then fails (on stderr under --json, which keeps stdout
            // one JSON document).
            if ctx.json {
                eprint!("{listing}");
            } else {
                print!("{listing}");
            }
            if !yes && !confirm_share(plan.to_send().len())? {
                fail!("error-share-not-confirmed");
            }
            let receipt = v.share_previewed(&tan, &plan)?;
            ctx.print(
                Shared {
                    preview: None,
                    shared: receipt.entries,
                    lists,
                    receipt: Some(format!("{receipt:?}")),
                },
                || t!("visitor-shared", count = receipt.entries),
            );
        }
    }
    Ok(())
}

/// A diary entry for JSON, without its hidden flag.
fn diary_row(e: &venuecode_client::DiaryEntry) -> DiaryRow {
    DiaryRow {
        id: e.id().0,
        venue: e.venue_name().to_owned(),
        arrival: rfc3339(e.arrival(), &entry_zone(e)),
        departure: rfc3339(e.departure(), &entry_zone(e)),
        hidden: None,
    }
}
