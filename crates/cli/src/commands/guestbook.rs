//! `venuecode venue guestbook`: assisted check-ins for people without a smartphone.

use std::sync::Arc;

use anyhow::Result;
use clap::Subcommand;
use venuecode::output::{
    GuestAdded, GuestChanged, GuestDeleted, GuestList, GuestRow, GuestsDisclosed,
};
use venuecode::timefmt::{rfc3339, Zone};
use venuecode::venue::VenueState;
use venuecode::{fail, t};
use venuecode_client::{DiaryKey, GuestBook, GuestEdit, GuestRecord};

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
        /// Departure, read like --arrival. Without it the guest stays open (expected to leave
        /// after the venue's default stay) until `guestbook checkout`.
        #[arg(long)]
        departure: Option<String>,
    },
    /// Check out an open guest: seal the entry again with the departure.
    #[command(
        after_help = "Example:\n  venuecode --home ./library venue guestbook checkout 3 --departure '2026-11-25 11:10'"
    )]
    Checkout {
        /// The entry id (`guestbook list` shows them).
        id: u64,
        /// Departure (default now), in the venue's zone unless an offset follows.
        #[arg(long)]
        departure: Option<String>,
    },
    /// Correct a guest's arrival, departure, name or phone (sealed again). A checked-out guest
    /// needs both --name and --phone: the device no longer keeps them.
    #[command(
        after_help = "Example:\n  venuecode --home ./library venue guestbook edit 3 --arrival '2026-11-25 09:15'"
    )]
    Edit {
        /// The entry id (`guestbook list` shows them).
        id: u64,
        /// New arrival, read like `add --arrival`.
        #[arg(long)]
        arrival: Option<String>,
        /// New departure, read like `add --arrival`.
        #[arg(long)]
        departure: Option<String>,
        /// The guest's name.
        #[arg(long)]
        name: Option<String>,
        /// The guest's phone number.
        #[arg(long)]
        phone: Option<String>,
    },
    /// Delete a guest from this device (a copy already disclosed stays with the authority).
    #[command(
        after_help = "Example:\n  venuecode --home ./library venue guestbook delete 3 --yes"
    )]
    Delete {
        /// The entry id (`guestbook list` shows them).
        id: u64,
        /// Delete without asking to confirm (for scripts).
        #[arg(long)]
        yes: bool,
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
            let rec = match departure {
                Some(d) => book.add(&name, &phone, arrival, ctx.venue_time(&d, &vz)?)?,
                None => {
                    let expected =
                        arrival + u32::from(state.certificate().info().default_stay_minutes());
                    book.add_open(&name, &phone, arrival, expected)?
                }
            };
            let out = GuestAdded {
                id: rec.id,
                label: rec.label.clone(),
            };
            ctx.print(out, || {
                t!("guests-recorded", id = rec.id, label = rec.label.as_str())
            });
        }
        GuestbookCmd::List => {
            let list = book.list()?;
            let vz = cert_zone(state.certificate());
            let guests = list.iter().map(|g| guest_row(g, &vz)).collect();
            ctx.print(GuestList { guests }, || {
                let mut s = t!("guests-count", count = list.len());
                s.push('\n');
                for g in &list {
                    s.push_str(&format!(
                        "  {:>4}  {}  {}{}\n",
                        g.id,
                        g.label,
                        stay_text(g.arrival, g.departure, &vz),
                        if g.open {
                            format!("  {}", t!("guests-open"))
                        } else {
                            String::new()
                        }
                    ));
                }
                s.trim_end().to_owned()
            });
        }
        GuestbookCmd::Disclose { tan, from, until } => {
            let (from, until) = (ctx.time(&from)?, ctx.time(&until)?);
            let n = book.in_window(from, until)?.len();
            eprintln!("  {}", t!("guests-uploading", count = n));
            let d = book.disclose(&ctx.transport()?, &tan, from, until)?;
            ctx.print(
                GuestsDisclosed {
                    upload_id: d.upload_id,
                    entries: d.entries,
                },
                || t!("guests-disclosed", count = d.entries, upload = d.upload_id),
            );
        }
        GuestbookCmd::Checkout { id, departure } => {
            let vz = cert_zone(state.certificate());
            let departure = match departure {
                Some(d) => ctx.venue_time(&d, &vz)?,
                None => ctx.now(),
            };
            let rec = book.check_out(id, departure).map_err(guest_error)?;
            print_changed(ctx, &rec, &vz, "guests-checked-out");
        }
        GuestbookCmd::Edit {
            id,
            arrival,
            departure,
            name,
            phone,
        } => {
            let vz = cert_zone(state.certificate());
            let change = GuestEdit {
                arrival: arrival.map(|a| ctx.venue_time(&a, &vz)).transpose()?,
                departure: departure.map(|d| ctx.venue_time(&d, &vz)).transpose()?,
                name: name.as_deref(),
                phone: phone.as_deref(),
            };
            let rec = book.edit(id, &change).map_err(guest_error)?;
            print_changed(ctx, &rec, &vz, "guests-changed");
        }
        GuestbookCmd::Delete { id, yes } => {
            let rec = book
                .list()?
                .into_iter()
                .find(|g| g.id == id)
                .ok_or_else(|| guest_error(venuecode_client::Error::GuestNotFound(id)))?;
            if !yes && !confirm_delete(&rec)? {
                fail!("error-not-confirmed");
            }
            let d = book.delete(id).map_err(guest_error)?;
            ctx.print(
                GuestDeleted {
                    deleted: d.id,
                    disclosed_in: d.disclosed_in,
                },
                || match d.disclosed_in {
                    Some(u) => t!("guests-deleted-disclosed", id = id, upload = u),
                    None => t!("guests-deleted", id = id),
                },
            );
        }
    }
    Ok(())
}

/// A guest as `--json` shows it.
fn guest_row(g: &GuestRecord, vz: &Zone) -> GuestRow {
    GuestRow {
        id: g.id,
        label: g.label.clone(),
        arrival: rfc3339(g.arrival, vz),
        departure: rfc3339(g.departure, vz),
        open: g.open,
        disclosed_in: g.disclosed_in,
    }
}

/// Prints an entry after a check-out or an edit (message `what`), saying when a disclosed copy
/// stays as sent.
fn print_changed(ctx: &Ctx, rec: &GuestRecord, vz: &Zone, what: &'static str) {
    let out = GuestChanged {
        guest: guest_row(rec, vz),
        disclosed_copy_unchanged: rec.disclosed_in.is_some(),
    };
    ctx.print(out, || {
        let mut s = venuecode::i18n::tr(
            what,
            &[
                ("id", rec.id.into()),
                ("label", rec.label.as_str().into()),
                ("stay", stay_text(rec.arrival, rec.departure, vz).into()),
            ],
        );
        if let Some(u) = rec.disclosed_in {
            s.push('\n');
            s.push_str(&t!("guests-copy-unaffected", upload = u));
        }
        s
    });
}

/// The library's guest-book errors, kept typed: the run's report words them from the catalogue
/// (`client-guest-*`), with what the staff member can do next, and gives their stable codes.
fn guest_error(e: venuecode_client::Error) -> anyhow::Error {
    anyhow::Error::new(e)
}

/// Asks the staff member to confirm a deletion on the terminal; without one, `--yes` is required.
fn confirm_delete(rec: &GuestRecord) -> Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        fail!("error-delete-needs-terminal", id = rec.id);
    }
    if let Some(u) = rec.disclosed_in {
        eprintln!("{}", t!("guests-delete-disclosed", id = rec.id, upload = u));
    }
    eprint!(
        "{}",
        t!(
            "guests-delete-confirm",
            id = rec.id,
            label = rec.label.as_str()
        )
    );
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let answer = line.trim();
    Ok(answer.eq_ignore_ascii_case("yes") || answer == t!("answer-yes"))
}
