//! `venuecode venue`: register, posters, the rotating-code display, counts, revocation.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use venuecode::i18n::{language, Lang};
use venuecode::output::{
    CodeUrl, CountTagsRegistered, Counts, DayCount, Notified, NotifiedWindow, PosterFiles,
    ProfileUpdated, RegistrationPending, RegistrationReview, SeedsReleased, SheetWritten,
    VenueRegistered, VenueRestored, VenueRevoked, VenueUpdated,
};
use venuecode::timefmt::{format_day, format_in, parse_day, rfc3339};
use venuecode::venue::{self as venue_ops, Profile, VenueState};
use venuecode::{cli_error, display, fail, poster, t};
use venuecode_client::{Clock, HttpTransport, SystemClock};
use venuecode_protocol::time::{Epoch, Epochs};
use venuecode_protocol::{FieldProblem, RegionCode, VenueCategory, VenueInfo};

use super::guestbook::{run_guestbook, GuestbookCmd};
use super::{cert_zone, runtime, stay_text, ClockRef, Ctx};

#[derive(Subcommand, Debug)]
pub(crate) enum VenueCmd {
    /// Register the venue: makes its keys, asks the server for a certificate.
    #[command(
        after_help = "Examples:\n  venuecode --home ./shop venue register --name 兰州牛肉面馆 --address 安宁区北滨河西路1号 --region 620105 --category restaurant --stay 60 --english-name 'Lanzhou Beef Noodles' --pledge\n  venuecode --home ./cafe venue register --name 'Café Kathmandu' --address 'Thamel 1' --region 110101 --category restaurant --utc-offset +05:45 --pledge"
    )]
    Register {
        /// Venue name as on the door (Chinese).
        #[arg(long)]
        name: String,
        /// Detailed address (Chinese).
        #[arg(long)]
        address: String,
        /// Six-digit administrative division code, e.g. 620105.
        #[arg(long)]
        region: u32,
        /// Category: medical, pharmacy, restaurant, mall, school, … (see `--help`).
        #[arg(long, value_parser = parse_category)]
        category: VenueCategory,
        /// Minutes after which phones check out automatically (15 to 720).
        #[arg(long, default_value_t = 60)]
        stay: u16,
        /// The venue's UTC offset, ±HH:MM in quarter hours from -12:00 to +14:00 (stored in the
        /// certificate; rotating codes change at the venue's local midnight).
        #[arg(long, default_value = "+08:00", value_parser = parse_utc_offset, allow_hyphen_values = true)]
        utc_offset: i8,
        /// English name for the poster.
        #[arg(long)]
        english_name: Option<String>,
        /// English address for the poster.
        #[arg(long)]
        english_address: Option<String>,
        /// I pledge that this information is true (asked interactively when omitted).
        #[arg(long)]
        pledge: bool,
        /// Base URL the codes point at: https://, a host and a path, no fragment (default:
        /// the trust bundle's code base URL).
        #[arg(long, value_parser = venue_ops::check_base_url)]
        base_url: Option<String>,
    },
    /// Rebuild this venue on a new device from its recovery sheet: fetches the current
    /// certificate from the server and restores key, master seed, poster details and the
    /// guest book key. Install the trust bundle first.
    #[command(
        after_help = "Example:\n  venuecode --home ./new-shop trust install trust-bundle.bin\n  venuecode --home ./new-shop venue restore --sheet /media/usb/recovery.txt"
    )]
    Restore {
        /// The recovery sheet (`venue recovery-sheet` wrote it; a typed copy works too).
        #[arg(long, value_name = "FILE")]
        sheet: PathBuf,
    },
    /// Fetch the certificate of a registration the server held for review, once the
    /// registration authority approved it.
    #[command(after_help = "Example:\n  venuecode --home ./shop venue collect")]
    Collect,
    /// Correct the venue's information: the server issues a new certificate (new serial) and
    /// supersedes the old one. Phones refuse the old posters after their next sync, with a
    /// message that points to the current poster; print new posters afterwards (a running
    /// `venue display` switches by itself). Fields not given stay as they are; the key and
    /// master seed stay too.
    #[command(
        after_help = "Example:\n  venuecode --home ./shop venue update --address 安宁区北滨河西路2号 --english-address '2 Beibinhe West Rd' --pledge\n  venuecode --home ./shop venue poster --out ./print/poster"
    )]
    Update {
        /// New venue name (Chinese).
        #[arg(long)]
        name: Option<String>,
        /// New detailed address (Chinese).
        #[arg(long)]
        address: Option<String>,
        /// New six-digit administrative division code.
        #[arg(long)]
        region: Option<u32>,
        /// New category.
        #[arg(long, value_parser = parse_category)]
        category: Option<VenueCategory>,
        /// New automatic check-out after this many minutes (15 to 720).
        #[arg(long)]
        stay: Option<u16>,
        /// New UTC offset, ±HH:MM in quarter hours (e.g. +08:00, +05:45, -03:30).
        #[arg(long, value_parser = parse_utc_offset, allow_hyphen_values = true)]
        utc_offset: Option<i8>,
        /// New English name for the poster.
        #[arg(long)]
        english_name: Option<String>,
        /// New English address for the poster.
        #[arg(long)]
        english_address: Option<String>,
        /// New base URL for the codes (https://, a host and a path, no fragment); reprint the
        /// posters afterwards.
        #[arg(long, value_parser = venue_ops::check_base_url)]
        base_url: Option<String>,
        /// Ask for a new certificate even if nothing changed: renews one that is about to
        /// expire (certificates last a year; posters need reprinting either way).
        #[arg(long)]
        renew: bool,
        /// I pledge that this information is true (asked interactively when omitted).
        #[arg(long)]
        pledge: bool,
    },
    /// Write the A4 poster as PDF, SVG and PNG.
    #[command(
        after_help = "Example:\n  venuecode --home ./shop venue poster --out ./print/poster   # poster.pdf, .svg, .png"
    )]
    Poster {
        /// Output path without extension.
        #[arg(long, default_value = "poster")]
        out: PathBuf,
        /// PNG resolution.
        #[arg(long, default_value_t = poster::DEFAULT_PNG_DPI)]
        dpi: u32,
    },
    /// Print the venue's code as a URL: the poster's static code, or the rotating code a screen
    /// would show now.
    #[command(after_help = "Example:\n  venuecode --home ./shop venue code --rotating --json")]
    Code {
        /// The rotating code for now instead of the static one.
        #[arg(long)]
        rotating: bool,
    },
    /// Write the private recovery sheet (master seed and venue key). Keep it locked away.
    #[command(
        after_help = "Example:\n  venuecode --home ./shop venue recovery-sheet --out /media/usb/recovery.txt"
    )]
    RecoverySheet {
        /// Output file.
        #[arg(long, default_value = "recovery-sheet.txt")]
        out: PathBuf,
    },
    /// Serve the rotating-code page for a screen at the entrance.
    #[command(
        after_help = "Examples:\n  venuecode --home ./library venue display   # open the printed URL full-screen on this machine\n  venuecode --home ./library venue display --listen 192.168.1.20:8090   # a screen on the local network: open the printed URL, token included"
    )]
    Display {
        /// Address to listen on. Loopback by default; on any other address, the display answers
        /// only requests carrying the access token it prints in the screen's URL (anyone who
        /// can fetch its codes can check in from elsewhere: keep that URL private).
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: std::net::SocketAddr,
    },
    /// Assisted check-ins for people without a smartphone.
    #[command(subcommand)]
    Guestbook(GuestbookCmd),
    /// Has my venue been notified? Checks the published lists on this device.
    #[command(after_help = "Example:\n  venuecode --home ./shop venue notified --days 14")]
    Notified {
        /// Days to look back.
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
    /// Release rotating seeds for days the health authority asks for, sealed to it.
    #[command(
        after_help = "Example:\n  venuecode --home ./library venue release-seeds --tan K7Q2M9XR4TPLW3NB --days 2026-11-24,2026-11-25"
    )]
    ReleaseSeeds {
        /// TAN the health authority gave the venue.
        #[arg(long)]
        tan: String,
        /// Days to release (`2026-11-24`), comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        days: Vec<String>,
    },
    /// Today's and cumulative check-in counts by the venue's local day, over the last 14 days
    /// by default (needs counts enabled on the server; registers the count tags first).
    #[command(after_help = "Example:\n  venuecode --home ./shop venue counts --days 14 --json")]
    Counts {
        /// Days back for the cumulative count.
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
    /// Register the venue's count tags for its local days from 14 days ago to tomorrow, so the
    /// server counts phones' check-in pings for it (and for no other venue). Run it daily (a
    /// `venue counts` registers too); the server must run with --counts.
    #[command(
        after_help = "Example:\n  venuecode --home ./shop venue count-tags\n  # crontab: 5 0 * * * venuecode --home /srv/shop venue count-tags"
    )]
    CountTags,
    /// Deactivate the venue's code.
    #[command(after_help = "Example:\n  venuecode --home ./shop venue revoke --yes")]
    Revoke {
        /// Confirm.
        #[arg(long)]
        yes: bool,
    },
}

pub(crate) fn parse_category(s: &str) -> Result<VenueCategory, String> {
    VenueCategory::from_slug(s).ok_or_else(|| {
        let all: Vec<&str> = VenueCategory::ALL.iter().filter_map(|c| c.slug()).collect();
        t!("category-unknown", category = s, all = all.join(", "))
    })
}

pub(crate) fn run_venue(ctx: &Ctx, cmd: VenueCmd) -> Result<()> {
    match cmd {
        VenueCmd::Register {
            name,
            address,
            region,
            category,
            stay,
            utc_offset,
            english_name,
            english_address,
            pledge,
            base_url,
        } => {
            let region = RegionCode::new(region)
                .map_err(|_| cli_error!("error-bad-region", region = region))?;
            let info = venue_info(&name, &address, region, category, stay, utc_offset)?;
            let pledge = pledge || ask_pledge()?;
            let trust = ctx.trust()?;
            let base_url = base_url.unwrap_or_else(|| trust.bundle().code_base_url().to_owned());
            let registration = venue_ops::submit_registration(
                &ctx.home,
                &ctx.transport()?,
                &trust,
                info,
                pledge,
                Profile {
                    english_name,
                    english_address,
                    base_url,
                    lang: Some(ctx.lang.unwrap_or_else(language)),
                },
            )?;
            let state = match registration {
                venue_ops::Registration::Issued(state) => *state,
                venue_ops::Registration::Pending(id) => {
                    ctx.print(RegistrationPending { pending: id }, || {
                        t!("venue-pending", id = id)
                    });
                    return Ok(());
                }
            };
            let cert = state.certificate();
            ctx.print(registered(cert), || {
                t!(
                    "venue-registered",
                    name = cert.info().name(),
                    serial = cert.serial(),
                    until = format_in(cert.body().valid_until, &cert_zone(cert))
                )
            });
            Ok(())
        }
        VenueCmd::Collect => {
            let trust = ctx.trust()?;
            match venue_ops::collect(&ctx.home, &ctx.transport()?, &trust)? {
                venue_ops::Review::Waiting(id) => {
                    let out = RegistrationReview {
                        pending: id,
                        state: "waiting".to_owned(),
                    };
                    ctx.print(out, || t!("venue-still-waiting", id = id));
                }
                venue_ops::Review::Refused(id) => {
                    let out = RegistrationReview {
                        pending: id,
                        state: "refused".to_owned(),
                    };
                    ctx.print(out, || t!("venue-refused", id = id));
                }
                venue_ops::Review::Issued(state) => {
                    let cert = state.certificate();
                    ctx.print(registered(cert), || {
                        t!(
                            "venue-approved",
                            name = cert.info().name(),
                            serial = cert.serial(),
                            until = format_in(cert.body().valid_until, &cert_zone(cert))
                        )
                    });
                }
            }
            Ok(())
        }
        VenueCmd::Update {
            name,
            address,
            region,
            category,
            stay,
            utc_offset,
            english_name,
            english_address,
            base_url,
            renew,
            pledge,
        } => {
            let state = VenueState::load(&ctx.home)?;
            let old = state.certificate().info().clone();
            let region = match region {
                Some(r) => {
                    RegionCode::new(r).map_err(|_| cli_error!("error-bad-region", region = r))?
                }
                None => old.region(),
            };
            let info = venue_info(
                name.as_deref().unwrap_or(old.name()),
                address.as_deref().unwrap_or(old.address()),
                region,
                category.unwrap_or(old.category()),
                stay.unwrap_or(old.default_stay_minutes()),
                utc_offset.unwrap_or(old.utc_offset()),
            )?;
            let mut profile = state.profile.clone();
            if english_name.is_some() {
                profile.english_name = english_name;
            }
            if english_address.is_some() {
                profile.english_address = english_address;
            }
            if let Some(u) = base_url {
                profile.base_url = u;
            }
            if ctx.lang.is_some() {
                profile.lang = ctx.lang;
            }
            if info == old && !renew {
                if profile == state.profile {
                    fail!("error-nothing-to-update");
                }
                // Only the poster's details changed: no new certificate is needed.
                venue_ops::save_profile(&ctx.home, &profile)?;
                ctx.print(
                    ProfileUpdated {
                        serial: state.certificate().serial(),
                        new_certificate: false,
                        base_url: profile.base_url.clone(),
                    },
                    || t!("venue-profile-updated"),
                );
                return Ok(());
            }
            if !(pledge || ask_pledge()?) {
                fail!("error-pledge-required");
            }
            let old_serial = state.certificate().serial();
            let cert = venue_ops::update(&ctx.home, &ctx.transport()?, &state, info, &profile)?;
            ctx.print(
                VenueUpdated {
                    serial: cert.serial(),
                    superseded: old_serial,
                    new_certificate: true,
                    valid_until: rfc3339(cert.body().valid_until, &cert_zone(&cert)),
                },
                || {
                    t!(
                        "venue-updated",
                        name = cert.info().name(),
                        serial = cert.serial(),
                        old = old_serial,
                        until = format_in(cert.body().valid_until, &cert_zone(&cert))
                    )
                },
            );
            Ok(())
        }
        VenueCmd::Poster { out, dpi } => {
            let state = VenueState::load(&ctx.home)?;
            refuse_if_revoked(ctx, &state)?;
            warn_if_expiring(ctx, state.certificate());
            let code = state.venue.static_code()?;
            let font = poster::CjkFont::find()?;
            let mut input = poster::PosterInput::new(&code);
            input.base_url = &state.profile.base_url;
            input.english_name = state.profile.english_name.as_deref();
            input.english_address = state.profile.english_address.as_deref();
            input.lang = venue_lang(ctx, &state.profile);
            if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            let files = poster::Poster::build(&input, &font)?.write_files(&out, dpi)?;
            ctx.print(
                PosterFiles {
                    pdf: files.pdf.clone(),
                    svg: files.svg.clone(),
                    png: files.png.clone(),
                },
                || {
                    t!(
                        "venue-poster-written",
                        pdf = files.pdf.display().to_string(),
                        svg = files.svg.display().to_string(),
                        png = files.png.display().to_string()
                    )
                },
            );
            Ok(())
        }
        VenueCmd::Code { rotating } => {
            let state = VenueState::load(&ctx.home)?;
            refuse_if_revoked(ctx, &state)?;
            warn_if_expiring(ctx, state.certificate());
            let code = if rotating {
                state
                    .venue
                    .rotating_code(&ClockRef(Arc::clone(&ctx.clock)))?
            } else {
                state.venue.static_code()?
            };
            let url = code.to_url(&state.profile.base_url);
            ctx.print(
                CodeUrl {
                    url: url.clone(),
                    serial: state.certificate().serial(),
                },
                || url.clone(),
            );
            Ok(())
        }
        VenueCmd::RecoverySheet { out } => {
            let state = VenueState::load(&ctx.home)?;
            let cert = state.certificate();
            // The guest book key goes on the sheet too, made now if the book was never opened.
            let gb_key =
                venuecode::home::load_or_create_key(&ctx.home.dir("venue")?.join("guestbook.key"))?;
            let text = venue_ops::RecoverySheet::render(
                &state,
                Some(&gb_key),
                &format_in(cert.body().valid_from, &cert_zone(cert)),
            );
            let text = zeroize::Zeroizing::new(text);
            venuecode::home::write_file(&out, text.as_bytes(), true)?;
            ctx.print(SheetWritten { path: out.clone() }, || {
                t!("venue-sheet-written", path = out.display().to_string())
            });
            Ok(())
        }
        VenueCmd::Restore { sheet } => {
            let trust = ctx.trust()?;
            let text = zeroize::Zeroizing::new(
                std::fs::read_to_string(&sheet)
                    .with_context(|| format!("reading {}", sheet.display()))?,
            );
            let parsed = venue_ops::RecoverySheet::parse(&text)?;
            let state = venue_ops::restore(&ctx.home, &ctx.transport()?, &trust, &parsed)?;
            let cert = state.certificate();
            if cert.info().name() != parsed.name {
                eprintln!(
                    "{}",
                    t!(
                        "venue-restored-other-name",
                        name = cert.info().name(),
                        sheet = parsed.name.as_str()
                    )
                );
            }
            ctx.print(
                VenueRestored {
                    serial: cert.serial(),
                    name: cert.info().name().to_owned(),
                    base_url: state.profile.base_url.clone(),
                    valid_until: rfc3339(cert.body().valid_until, &cert_zone(cert)),
                },
                || {
                    t!(
                        "venue-restored",
                        name = cert.info().name(),
                        serial = cert.serial(),
                        until = format_in(cert.body().valid_until, &cert_zone(cert)),
                        home = ctx.home.root().display().to_string()
                    )
                },
            );
            Ok(())
        }
        VenueCmd::Display { listen } => {
            let state = VenueState::load(&ctx.home)?;
            refuse_if_revoked(ctx, &state)?;
            warn_if_expiring(ctx, state.certificate());
            // A screen runs for days: it keeps the venue's count tags registered (today and
            // tomorrow, local days), every few hours, so phones' pings for it count.
            keep_count_tags_registered(state.venue.clone(), ctx.transport()?);
            let venue = Arc::new(display::DisplayVenue {
                venue: state.venue.clone(),
                base_url: state.profile.base_url.clone(),
                lang: venue_lang(ctx, &state.profile),
            });
            let clock = Arc::clone(&ctx.clock);
            let access = display::DisplayAccess::for_address(listen)?;
            let app = display::router_with_access(
                venue,
                Arc::new(move || clock.now_minute()),
                Some(certificate_reload(ctx.home.clone())),
                access.clone(),
            );
            runtime()?.block_on(async move {
                let listener = tokio::net::TcpListener::bind(listen).await?;
                let addr = listener.local_addr()?;
                println!("{}", t!("venue-display-showing", url = access.url(addr)));
                if access != display::DisplayAccess::Loopback {
                    let mut note = t!("venue-display-exposed", addr = addr.to_string());
                    if addr.ip().is_unspecified() {
                        note.push(' ');
                        note.push_str(&t!("venue-display-unspecified"));
                    }
                    eprintln!("{note}");
                }
                axum::serve(listener, app)
                    .with_graceful_shutdown(venuecode_server::shutdown_signal())
                    .await?;
                Ok(())
            })
        }
        VenueCmd::Guestbook(cmd) => run_guestbook(ctx, cmd),
        VenueCmd::Notified { days } => {
            let state = VenueState::load(&ctx.home)?;
            let now = ctx.now();
            let from = now.saturating_sub(days * 1440);
            let vz = cert_zone(state.certificate());
            let check = state
                .venue
                .check_notified(&ctx.transport()?, 0, from, now + 1)?;
            let windows = check
                .notices
                .iter()
                .map(|n| NotifiedWindow {
                    batch: n.batch,
                    from: rfc3339(n.window_start, &vz),
                    until: rfc3339(n.window_end, &vz),
                    risk: n.risk.0,
                })
                .collect();
            ctx.print(
                Notified {
                    notified: !check.notices.is_empty(),
                    windows,
                },
                || {
                    if check.notices.is_empty() {
                        t!("venue-not-notified", days = days)
                    } else {
                        let mut s = t!("venue-notified");
                        s.push('\n');
                        for n in &check.notices {
                            s.push_str("  ");
                            s.push_str(&t!(
                                "venue-notified-window",
                                window = stay_text(n.window_start, n.window_end, &vz),
                                batch = n.batch
                            ));
                            s.push('\n');
                        }
                        s
                    }
                },
            );
            Ok(())
        }
        VenueCmd::ReleaseSeeds { tan, days } => {
            let state = VenueState::load(&ctx.home)?;
            // Days are the venue's local days (its rotating seed changes at local midnight).
            let epochs = days
                .iter()
                .map(|d| parse_day(d).map(Epoch::new).map_err(|e| anyhow!(e)))
                .collect::<Result<Vec<Epoch>>>()?;
            let release = state.venue.release_seeds(&epochs)?;
            let id = state
                .venue
                .upload_seed_release(&ctx.transport()?, &tan, &release)?;
            let out = SeedsReleased {
                upload_id: id,
                days: days.clone(),
            };
            ctx.print(out, || {
                t!("venue-seeds-released", count = epochs.len(), id = id)
            });
            Ok(())
        }
        VenueCmd::Counts { days } => {
            if days == 0 || days > venuecode_protocol::time::RETENTION_DAYS + 1 {
                fail!(
                    "error-counts-days",
                    max = venuecode_protocol::time::RETENTION_DAYS + 1
                );
            }
            let state = VenueState::load(&ctx.home)?;
            // The server accepts tags for days around its own today, and the registration is a
            // signed request: both on the real clock.
            let clock = SystemClock;
            // The venue's local day: count tags change at its local midnight.
            let today = state.venue.day_of(ctx.now());
            let t = ctx.transport()?;
            // Tags count only once registered; registering again changes nothing. A refusal
            // here (e.g. days the server does not accept yet) does not stop the query.
            let window: Vec<Epoch> = state.venue.count_tag_window(&clock).collect();
            if let Err(e) = state.venue.register_count_tags(&t, &window, &clock) {
                let e = counts_error(e);
                if e.downcast_ref::<venuecode::errors::CliError>().is_some() {
                    return Err(e);
                }
                eprintln!(
                    "{}",
                    t!(
                        "venue-count-tags-failed",
                        detail = venuecode::errors::report(&e).message
                    )
                );
            }
            let today_count = state
                .venue
                .check_in_count(&t, today)
                .map_err(counts_error)?;
            let mut total = 0u64;
            let mut by_day = Vec::new();
            for d in Epochs::new(today.saturating_sub(days - 1), today) {
                let n = state.venue.check_in_count(&t, d).map_err(counts_error)?;
                by_day.push(DayCount {
                    day: format_day(d.get()),
                    count: n,
                });
                total += n;
            }
            ctx.print(
                Counts {
                    today: today_count,
                    cumulative: total,
                    days,
                    by_day,
                },
                || {
                    t!(
                        "venue-counts",
                        day = format_day(today.get()),
                        today = today_count,
                        days = days,
                        total = total
                    )
                },
            );
            Ok(())
        }
        VenueCmd::CountTags => {
            let state = VenueState::load(&ctx.home)?;
            // Days around the server's today, in a request signed on the real clock.
            let clock = SystemClock;
            let window: Vec<Epoch> = state.venue.count_tag_window(&clock).collect();
            state
                .venue
                .register_count_tags(&ctx.transport()?, &window, &clock)
                .map_err(counts_error)?;
            let (first, last) = (
                window.first().copied().unwrap_or_default(),
                window.last().copied().unwrap_or_default(),
            );
            ctx.print(
                CountTagsRegistered {
                    registered_from: format_day(first.get()),
                    registered_until: format_day(last.get()),
                },
                || {
                    t!(
                        "venue-count-tags-registered",
                        first = format_day(first.get()),
                        last = format_day(last.get())
                    )
                },
            );
            Ok(())
        }
        VenueCmd::Revoke { yes } => {
            if !yes {
                fail!("error-revoke-needs-yes");
            }
            let state = VenueState::load(&ctx.home)?;
            let seq = match state
                .venue
                .revoke(&ctx.transport()?)
                .map_err(anyhow::Error::from)
            {
                Ok(seq) => Some(seq),
                // Revoking twice is not an error: the code is deactivated either way.
                Err(e)
                    if matches!(
                        e.downcast_ref::<venuecode_client::Error>(),
                        Some(venuecode_client::Error::Server { status: 409, .. })
                    ) && state
                        .venue
                        .revocation_status(&ctx.transport()?)
                        .ok()
                        .flatten()
                        .is_some() =>
                {
                    None
                }
                Err(e) => return Err(e),
            };
            if seq.is_none() {
                ctx.print(
                    VenueRevoked {
                        serial: state.certificate().serial(),
                        sequence: None,
                        already_revoked: true,
                    },
                    || {
                        t!(
                            "venue-already-revoked",
                            serial = state.certificate().serial()
                        )
                    },
                );
                return Ok(());
            }
            ctx.print(
                VenueRevoked {
                    serial: state.certificate().serial(),
                    sequence: seq,
                    already_revoked: false,
                },
                || t!("venue-revoked", serial = state.certificate().serial()),
            );
            Ok(())
        }
    }
}

/// Registers the venue's count tags now and then every [`COUNT_TAG_REFRESH`], on a thread of
/// its own; stops quietly when the server does not count, and reports other failures on stderr.
pub(crate) fn keep_count_tags_registered(venue: venuecode_client::Venue, t: HttpTransport) {
    std::thread::spawn(move || loop {
        let window: Vec<Epoch> = venue.count_tag_window(&SystemClock).collect();
        match venue.register_count_tags(&t, &window, &SystemClock) {
            Ok(()) => {}
            Err(venuecode_client::Error::Server {
                code: venuecode_client::error::ErrorCode::CountsDisabled,
                ..
            }) => {
                return;
            }
            Err(e) => eprintln!(
                "{}",
                t!(
                    "venue-display-tags-failed",
                    detail = venuecode::errors::client_text(&e)
                )
            ),
        }
        std::thread::sleep(COUNT_TAG_REFRESH);
    });
}

/// How often a running `venue display` registers its count tags again.
pub(crate) const COUNT_TAG_REFRESH: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// Explains a count request the server refused because counting is off.
pub(crate) fn counts_error(e: venuecode_client::Error) -> anyhow::Error {
    match &e {
        venuecode_client::Error::Server {
            code: venuecode_client::error::ErrorCode::CountsDisabled,
            ..
        } => cli_error!("error-counts-disabled").into(),
        _ => anyhow!(e),
    }
}

/// A newer certificate once `venue update` has replaced `venue/certificate.hex`: the file's
/// modification time is checked on each call (cheap), and the state is read again only when it
/// changed. A file that cannot be read keeps the current certificate.
pub(crate) fn certificate_reload(home: venuecode::home::Home) -> display::Reload {
    let path = home.path("venue").join("certificate.hex");
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let seen = std::sync::Mutex::new(modified(&path));
    Arc::new(move || {
        let now = modified(&path);
        let mut seen = seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if now == *seen {
            return None;
        }
        *seen = now;
        VenueState::load(&home)
            .ok()
            .map(|s| s.certificate().clone())
    })
}

/// Refuses to make new codes for a venue the revocation list names: phones would refuse them.
/// When the server cannot be asked, says so and goes on (a poster can be printed offline).
pub(crate) fn refuse_if_revoked(ctx: &Ctx, state: &VenueState) -> Result<()> {
    use venuecode_protocol::RevocationReason as R;
    let serial = state.certificate().serial();
    let status = ctx
        .transport()
        .map_err(|e| anyhow!(e))
        .and_then(|t| state.venue.revocation_status(&t).map_err(|e| anyhow!(e)));
    match status {
        Ok(None) => Ok(()),
        Ok(Some(R::DEACTIVATED_BY_VENUE)) => fail!("error-venue-deactivated", serial = serial),
        Ok(Some(R::DISABLED_BY_AUTHORITY)) => fail!("error-venue-disabled", serial = serial),
        Ok(Some(R::SUPERSEDED)) => fail!("error-venue-superseded", serial = serial),
        Ok(Some(_)) => fail!("error-venue-revoked", serial = serial),
        Err(e) => {
            eprintln!(
                "{}",
                t!(
                    "venue-revocation-unknown",
                    detail = venuecode::errors::report(&e).message
                )
            );
            Ok(())
        }
    }
}

/// Days before a certificate's end from which venue commands warn that it needs renewing.
pub(crate) const RENEWAL_WARNING_DAYS: u32 = 30;

/// Warns on standard error when the venue's certificate ends within
/// [`RENEWAL_WARNING_DAYS`], or has ended: its codes stop working then.
pub(crate) fn warn_if_expiring(ctx: &Ctx, cert: &venuecode_protocol::VenueCertificate) {
    let until = cert.body().valid_until;
    let now = ctx.now();
    if now >= until {
        eprintln!(
            "{}",
            t!(
                "venue-cert-expired",
                until = format_in(until, &cert_zone(cert))
            )
        );
    } else if until - now < RENEWAL_WARNING_DAYS * 1440 {
        eprintln!(
            "{}",
            t!(
                "venue-cert-expiring",
                until = format_in(until, &cert_zone(cert)),
                days = (until - now).div_ceil(1440)
            )
        );
    }
}

/// Venue information from the command line, with an error that names the flag at fault.
pub(crate) fn venue_info(
    name: &str,
    address: &str,
    region: RegionCode,
    category: VenueCategory,
    stay: u16,
    utc_offset: i8,
) -> Result<VenueInfo> {
    // The server issues names and addresses in NFC and refuses invisible and bidi-control
    // characters; doing the same here keeps the certificate what was asked for.
    let nfc = |flag: &str, text: &str| {
        venuecode_server::venue_text::normalized(text)
            .ok_or_else(|| cli_error!("error-text-invisible", flag = flag))
    };
    let (name, address) = (nfc("--name", name)?, nfc("--address", address)?);
    // The protocol's own rules, reported under the flag of the field at fault.
    VenueInfo::try_new(&name, &address, region, category, stay, utc_offset).map_err(|e| {
        let flag = match e.field() {
            "name" => "--name",
            "address" => "--address",
            "default_stay_minutes" => "--stay",
            "utc_offset" => "--utc-offset",
            other => other,
        };
        match e.problem() {
            FieldProblem::NotText => cli_error!("error-text-blank", flag = flag).into(),
            FieldProblem::TooLong { bytes, max } => cli_error!(
                "error-text-too-long",
                flag = flag,
                bytes = bytes,
                max = max,
                chars = max / 3
            )
            .into(),
            FieldProblem::OutOfRange {
                value, min, max, ..
            } if flag == "--stay" => {
                cli_error!("error-stay-range", min = min, max = max, stay = value).into()
            }
            _ => anyhow!("{}", e.describe(flag)),
        }
    })
}

/// Parses `--utc-offset`: `±HH:MM` in quarter hours from -12:00 to +14:00, as quarter hours.
pub(crate) fn parse_utc_offset(s: &str) -> Result<i8, String> {
    use venuecode_protocol::time::{MAX_UTC_OFFSET, MIN_UTC_OFFSET};
    let err = || {
        format!(
            "`{s}` is not a UTC offset: give ±HH:MM in quarter hours from -12:00 to +14:00, \
             e.g. +08:00 (China), +05:45, -03:30"
        )
    };
    let t = s.trim();
    let (sign, rest) = if let Some(r) = t.strip_prefix('+') {
        (1i32, r)
    } else if let Some(r) = t.strip_prefix('-').or_else(|| t.strip_prefix('−')) {
        (-1i32, r)
    } else {
        return Err(err());
    };
    let (h, m) = rest.split_once(':').ok_or_else(err)?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    let (h, m): (i32, i32) = (h.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?);
    if m >= 60 || m % 15 != 0 {
        return Err(err());
    }
    let quarters = sign * (h * 4 + m / 15);
    if quarters < i32::from(MIN_UTC_OFFSET) || quarters > i32::from(MAX_UTC_OFFSET) {
        return Err(err());
    }
    i8::try_from(quarters).map_err(|_| err())
}

/// `+08:00` for an offset in quarter hours.
pub(crate) fn format_utc_offset(q: i8) -> String {
    let minutes = i32::from(q) * 15;
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// The language of a venue's posters and display page: `--lang` for this run, else the one
/// stored at registration, else the run's language.
pub(crate) fn venue_lang(ctx: &Ctx, profile: &Profile) -> Lang {
    ctx.lang.or(profile.lang).unwrap_or_else(language)
}

pub(crate) fn ask_pledge() -> Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        fail!("error-pledge-required");
    }
    print!("{} ", t!("venue-pledge-prompt"));
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}

/// An issued certificate for JSON.
fn registered(cert: &venuecode_protocol::VenueCertificate) -> VenueRegistered {
    VenueRegistered {
        serial: cert.serial(),
        valid_until: rfc3339(cert.body().valid_until, &cert_zone(cert)),
        utc_offset: format_utc_offset(cert.info().utc_offset()),
    }
}
