//! `venuecode venue guestbook`: assisted check-ins for people without a smartphone.

use std::sync::Arc;

use anyhow::Result;
use clap::Subcommand;
use serde_json::json;
use venuecode::timefmt::rfc3339;
use venuecode::venue::VenueState;
use venuecode_client::{DiaryKey, GuestBook};

use super::{cert_zone, stay_text, ClockRef, Ctx};

#[derive(Subcommand, Debug)]
pub(crate) enum GuestbookCmd {
    /// Record a guest: name and phone are sealed to the health authority at once.
    #[command(
        after_help = "Example:\n  venuecode --home ./library venue guestbook add --name 王芳 --phone 18212341234 --arrival '2026-11-25 09:30'"
    )]
    Add {
        /// The guest's name.
        #[arg(long)]
        name: String,
        /// The guest's phone number.
        #[arg(long)]
        phone: String,
        /// Arrival (default now), in the venue's zone unless an offset follows
        /// (`09:30`, `2026-11-25 09:30`, `09:30+08:00`).
        #[arg(long)]
        arrival: Option<String>,
        /// Departure (default arrival plus the venue's default stay), read like --arrival.
        #[arg(long)]
        departure: Option<String>,
    },
    /// List guests with masked labels.
    #[command(after_help = "Example:\n  venuecode --home ./library venue guestbook list")]
    List,
    /// Disclose the sealed entries of a window to the health authority's mailbox.
    #[command(
        after_help = "Example:\n  venuecode --home ./library venue guestbook disclose --tan K7Q2M9XR4TPLW3NB --from '2026-11-25 09:00' --until '2026-11-25 12:00'"
    )]
    Disclose {
        /// TAN the health authority gave the venue.
        #[arg(long)]
        tan: String,
        /// Window start.
        #[arg(long)]
        from: String,
        /// Window end.
        #[arg(long)]
        until: String,
    },
}

pub(crate) fn open_guestbook(ctx: &Ctx, state: &VenueState) -> Result<GuestBook> {
    let trust = ctx.trust()?;
    let dir = ctx.home.dir("venue")?;
    // The key that seals the guests' times at rest (a phone or tablet keeps it in its keystore).
    let key = venuecode::home::load_or_create_key(&dir.join("guestbook.key"))?;
    Ok(GuestBook::open(
        dir.join("guestbook.redb"),
        DiaryKey::from_bytes(*key),
        state.certificate().serial(),
        trust.bundle(),
        ClockRef(Arc::clone(&ctx.clock)),
    )?)
}

pub(crate) fn run_guestbook(ctx: &Ctx, cmd: GuestbookCmd) -> Result<()> {
    let state = VenueState::load(&ctx.home)?;
    let book = open_guestbook(ctx, &state)?;
    match cmd {
        GuestbookCmd::Add {
            name,
            phone,
            arrival,
            departure,
        } => {
            let vz = cert_zone(state.certificate());
            let arrival = match arrival {
                Some(a) => ctx.venue_time(&a, &vz)?,
                None => ctx.now(),
            };
            let departure = match departure {
                Some(d) => ctx.venue_time(&d, &vz)?,
                None => arrival + u32::from(state.certificate().info().default_stay_minutes()),
            };
            let rec = book.add(&name, &phone, arrival, departure)?;
            ctx.print(json!({"id": rec.id, "label": rec.label}), || {
                format!(
                    "recorded guest {} ({}), sealed to the health authority",
                    rec.id, rec.label
                )
            });
        }
        GuestbookCmd::List => {
            let list = book.list()?;
            let vz = cert_zone(state.certificate());
            let rows: Vec<_> = list
                .iter()
                .map(|g| json!({"id": g.id, "label": g.label, "arrival": rfc3339(g.arrival, &vz), "departure": rfc3339(g.departure, &vz)}))
                .collect();
            ctx.print(json!({"guests": rows}), || {
                let mut s = format!("{} guest(s):\n", list.len());
                for g in &list {
                    s.push_str(&format!(
                        "  {:>4}  {}  {}\n",
                        g.id,
                        g.label,
                        stay_text(g.arrival, g.departure, &vz)
                    ));
                }
                s
            });
        }
        GuestbookCmd::Disclose { tan, from, until } => {
            let (from, until) = (ctx.time(&from)?, ctx.time(&until)?);
            let n = book.in_window(from, until)?.len();
            eprintln!(
                "  uploading {n} sealed entr{} …",
                if n == 1 { "y" } else { "ies" }
            );
            let d = book.disclose(&ctx.transport()?, &tan, from, until)?;
            ctx.print(
                json!({"upload_id": d.upload_id, "entries": d.entries}),
                || {
                    format!(
                        "disclosed {} sealed entr{} to the health authority (upload {})",
                        d.entries,
                        if d.entries == 1 { "y" } else { "ies" },
                        d.upload_id
                    )
                },
            );
        }
    }
    Ok(())
}
