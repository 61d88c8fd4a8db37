//! `venuecode`: one command for the server, venues, health authorities and visitors.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use serde_json::json;
use venuecode::authority::{self, HealthAuthority, Opened, RegistrationAuthority, TanPurpose};
use venuecode::home::{Home, Trust, TrustInstall};
use venuecode::timefmt::{format_day, format_in, parse_day, parse_in, rfc3339, Zone};
use venuecode::venue::{self as venue_ops, Profile, VenueState};
use venuecode::{demo, display, poster};
use venuecode_client::sync::PartOutcome;
use venuecode_client::{
    Clock, DiaryKey, EntryId, GuestBook, HttpTransport, ManualClock, SystemClock, Visitor,
    VisitorConfig,
};
use venuecode_protocol::code::DEFAULT_BASE_URL;
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::{ChainStatus, RegionCode, RiskLevel, VenueCategory, VenueInfo};

const AFTER_HELP: &str = "\
Examples (one machine, one home per role):
  venuecode --home /tmp/ha authority init
  venuecode server --data-dir /tmp/srv --ra-key /tmp/ha/ra/ra.key \\
      --ha-keys /tmp/ha/authority/ha-signing.pub \\
      --ha-encryption-key /tmp/ha/authority/ha-encryption.pub --admin-key /tmp/ha/ra/admin.pub \\
      --trust-bundle /tmp/ha/authority/trust-bundle.bin
  venuecode --home /tmp/shop trust install /tmp/ha/authority/trust-bundle.bin
  venuecode --home /tmp/shop venue register --name 兰州牛肉面 --address 安宁区1号 \\
      --region 620105 --category restaurant --pledge
  venuecode --home /tmp/shop venue poster --out ./poster
  venuecode --home /tmp/alice visitor scan 'https://vc.example/c#0123...'
  venuecode demo";

const SERVER_HELP: &str = "\
Examples:
  venuecode server --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub \\
      --trust-bundle trust-bundle.bin   # served at /v1/trust-bundle for rotation
  # HTTPS on its own (PEM files; the key as PKCS#8, SEC1 or RSA):
  venuecode server --listen 0.0.0.0:443 --tls-cert fullchain.pem --tls-key key.pem \\
      --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub
Without --tls-cert/--tls-key the server speaks plain HTTP: keep it on 127.0.0.1 behind a reverse
proxy that terminates TLS (see README.md, \"TLS\"); every connection then comes from the proxy, so
give --max-connections-per-ip the value of --max-connections.";

/// Venuecode: privacy-preserving venue check-in. Check-ins stay on the phone; the server holds
/// only public venue certificates and opaque tokens.
#[derive(Parser, Debug)]
#[command(name = "venuecode", version, after_help = AFTER_HELP)]
struct Cli {
    /// State directory for keys and data (one folder per role inside).
    #[arg(long, global = true, env = "VENUECODE_HOME", default_value_os_t = default_home())]
    home: PathBuf,

    /// The Venuecode server (default: the server URL of the installed trust bundle, else
    /// http://127.0.0.1:8080).
    #[arg(long, global = true, env = "VENUECODE_SERVER")]
    server: Option<String>,

    /// Trust the CA certificate(s) in this PEM file for the server's HTTPS certificate, for a
    /// health authority that runs its own PKI (instead of the public web roots).
    #[arg(long, global = true, env = "VENUECODE_CA_FILE", value_name = "FILE")]
    ca_file: Option<PathBuf>,

    /// Allow plain http:// to a server on another machine. Everything, TANs included, then
    /// travels unencrypted and unauthenticated: for drills on a closed network only. Plain
    /// HTTP to this machine (127.0.0.1, [::1], localhost) needs no flag.
    #[arg(long, global = true)]
    insecure_http: bool,

    /// Show and read times in this time zone: an offset (`+08:00`, `UTC`) or a zone name
    /// (`Asia/Shanghai`). Default: the TZ environment variable, else the system's zone.
    /// Times of a venue (check-ins, guest book, certificates) are shown in the venue's zone.
    #[arg(long, global = true, env = "VENUECODE_TZ", value_name = "ZONE")]
    tz: Option<String>,

    /// Pretend the clock shows this time (`2026-11-25 14:05`, in the device's zone unless an
    /// offset such as `+08:00` or `UTC` follows), for drills and tests.
    /// Signed requests to the server always use the real clock; times the server reports
    /// (an upload's arrival) are read on the same simulated timeline.
    #[arg(long, global = true, env = "VENUECODE_NOW")]
    now: Option<String>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

fn default_home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".venuecode")
}

// Parsed once per run; the server's configuration makes its variant large, and boxing it
// would gain nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server (registry, revocations, exposure batches, TAN uploads, counts, stats).
    #[command(after_help = SERVER_HELP)]
    Server(ServerArgs),
    /// Commands for a venue: register, print posters, display rotating codes, guest book.
    Venue(Group<VenueCmd>),
    /// Commands for the health authority (and the registration authority's admin).
    Authority(Group<AuthorityCmd>),
    /// Commands for a visitor, as a phone app would run them.
    Visitor(Group<VisitorCmd>),
    /// The trust bundle: the authority keys this home trusts (no trust on first use).
    #[command(subcommand)]
    Trust(TrustCmd),
    /// Run the whole flow on this machine with an embedded server, and tell the story.
    Demo {
        /// Where the demo writes posters.
        #[arg(long, default_value = "demo-out")]
        out: PathBuf,
    },
}

/// A role's commands, with the trust bundle to install first.
#[derive(Args, Debug)]
struct Group<C: Subcommand> {
    /// Install this trust bundle into the home before the command runs: the first bundle, or
    /// an update signed by an RA key of the installed one with a higher sequence (anything
    /// else is refused). `authority init` writes it as authority/trust-bundle.bin.
    #[arg(
        long = "trust-bundle",
        global = true,
        env = "VENUECODE_TRUST_BUNDLE",
        value_name = "FILE"
    )]
    trust_bundle: Option<PathBuf>,

    #[command(subcommand)]
    cmd: C,
}

#[derive(Subcommand, Debug)]
enum TrustCmd {
    /// Install a trust bundle in this home. The first bundle must verify on its own (signed by
    /// one of its own RA keys); over an installed bundle only an update signed by one of the
    /// installed RA keys, with a higher sequence, is accepted. Every role (visitor, venue,
    /// authority) reads the authority keys from this bundle and nowhere else.
    #[command(
        after_help = "Example:\n  venuecode --home ./alice trust install ./trust-bundle.bin\n  venuecode --home ./shop trust install /media/usb/trust-bundle.bin"
    )]
    Install {
        /// The bundle file (`authority init` writes authority/trust-bundle.bin).
        file: PathBuf,
    },
    /// Show the installed trust bundle: sequence, keys and URLs.
    #[command(after_help = "Example:\n  venuecode --home ./alice trust show --json")]
    Show,
}

#[derive(Args, Debug)]
struct ServerArgs {
    #[command(flatten)]
    config: venuecode_server::Config,
}

#[derive(Subcommand, Debug)]
enum VenueCmd {
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

#[derive(Subcommand, Debug)]
enum GuestbookCmd {
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

#[derive(Subcommand, Debug)]
enum AuthorityCmd {
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
        #[arg(long, value_enum, default_value = "case")]
        purpose: TanPurpose,
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

#[derive(Subcommand, Debug)]
enum UploadsCmd {
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

#[derive(Subcommand, Debug)]
enum VisitorCmd {
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
const EXIT_WITHHELD: i32 = 4;

/// What `visitor sync` prints and how it exits.
struct SyncOutput {
    json: serde_json::Value,
    text: String,
    exit: i32,
    /// The first part that could not be fetched (network or server), when not withheld.
    failure: Option<String>,
}

fn part_json(p: &PartOutcome) -> serde_json::Value {
    match p {
        PartOutcome::Updated => json!({"status": "updated"}),
        PartOutcome::Unchanged => json!({"status": "unchanged"}),
        PartOutcome::Refused(e) => json!({"status": "refused", "error": e.to_string()}),
        PartOutcome::Failed(e) => json!({"status": "failed", "error": e.to_string()}),
    }
}

/// The newest checkpoint the server serves, verified, for the "stale" message.
fn served_checkpoint(ctx: &Ctx, anchors: &venuecode_protocol::TrustAnchors) -> Option<UnixMinute> {
    use venuecode_client::transport::{Request, Transport};
    use venuecode_protocol::Codec;
    let t = ctx.transport().ok()?;
    let resp = venuecode_client::api::check(t.send(Request::get("/v1/checkpoint")).ok()?).ok()?;
    let bytes = venuecode_client::api::read_body(resp, 1024).ok()?;
    let cp = venuecode_protocol::Checkpoint::decode(&bytes).ok()?;
    cp.verify(anchors).ok()?;
    Some(cp.body().issued_at)
}

/// Turns a sync report into the command's output: the chain state first (complete, withheld
/// or stale), then each part that failed or was refused, then the exposures.
fn sync_report(
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
            json!({"status": "complete", "up_to": r.cursor}),
            format!("the exposure list is complete up to batch {}", r.cursor),
        ),
        ChainStatus::Withheld { from, to } => {
            exit = EXIT_WITHHELD;
            let range = if from == to {
                format!("batch {from} was")
            } else {
                format!("batches {from}–{to} were")
            };
            (
                json!({"status": "withheld", "from": from, "to": to, "up_to": r.cursor}),
                format!(
                    "WARNING: {range} withheld by the server; exposures in them cannot be \
                     checked (the list is complete only up to batch {}). Sync again later or \
                     over another network.",
                    r.cursor
                ),
            )
        }
        ChainStatus::Stale => {
            let anchors = Trust::load(&ctx.home)
                .ok()
                .flatten()
                .and_then(|t| t.anchors().ok());
            let last = anchors.and_then(|a| served_checkpoint(ctx, &a));
            let when = match last {
                Some(m) => format!("last checkpoint at {}", ctx.show(m)),
                None => "no checkpoint from the health authority yet".to_owned(),
            };
            (
                json!({"status": "stale", "last_checkpoint": last.map(|m| ctx.stamp(m)), "up_to": r.cursor}),
                format!(
                    "the list may be stale ({when}): newer batches may exist that this device \
                     was not shown; read up to batch {}",
                    r.cursor
                ),
            )
        }
    };
    let parts = [
        ("trust bundle", &r.trust_bundle),
        ("revocations", &r.revocations),
        ("checkpoint", &r.checkpoint),
        ("batches", &r.batch_sync),
        ("count pings", &r.pings),
    ];
    let mut text = format!("synced {} new batch(es); {chain_text}", r.batches);
    for (name, p) in parts {
        match p {
            PartOutcome::Refused(e) => text.push_str(&format!(
                "\nWARNING: {name} refused: {e}{}",
                match name {
                    "trust bundle" => "; the installed keys stay",
                    "revocations" => "; the revocations held before stay in force",
                    _ => "",
                }
            )),
            PartOutcome::Failed(e) => {
                text.push_str(&format!("\nwarning: {name} failed: {e}"));
            }
            PartOutcome::Updated if name == "trust bundle" => {
                text.push_str("\ntrust bundle updated (a rotation signed by a held RA key)");
            }
            _ => {}
        }
    }
    if r.pings_sent > 0 {
        text.push_str(&format!("\nsent {} count ping(s)", r.pings_sent));
    }
    // Exposures raised before and not dismissed stay in view: "no exposure" only when none is
    // listed.
    let earlier = listed
        .iter()
        .filter(|x| !r.new_exposures.iter().any(|n| n.id() == x.id()))
        .count();
    if r.new_exposures.is_empty() && r.chain == ChainStatus::Ok && r.batch_sync.is_ok() {
        if earlier == 0 {
            text.push_str("\nno exposure");
        } else {
            text.push_str("\nno new exposure");
        }
    }
    for x in &r.new_exposures {
        text.push_str(&format!("\n{}", exposure_text(ctx, x)));
    }
    if earlier > 0 {
        text.push_str(&format!(
            "\n{earlier} earlier exposure(s) still listed: `venuecode visitor exposures`; \
             `venuecode visitor dismiss ID` once you have acted"
        ));
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
            PartOutcome::Failed(e) => Some(e.to_string()),
            _ => None,
        });
    if exit == 0 && failure.is_some() {
        exit = 1;
    }
    SyncOutput {
        failure: if exit == 1 { failure } else { None },
        json: json!({
            "batches": r.batches,
            "cursor": r.cursor,
            "new_exposures": ex,
            "chain": chain_json,
            "up_to_date": r.is_up_to_date(),
            "trust_bundle": part_json(&r.trust_bundle),
            "revocations": part_json(&r.revocations),
            "checkpoint": part_json(&r.checkpoint),
            "batch_sync": part_json(&r.batch_sync),
            "pings": part_json(&r.pings),
            "pings_sent": r.pings_sent,
            "exposures": listed.iter().map(|x| exposure_json(ctx, x)).collect::<Vec<_>>(),
        }),
        text,
        exit,
    }
}

/// `high` or `low`: the risk level the health authority gave.
fn risk_name(x: &venuecode_client::Exposure) -> &'static str {
    if x.is_high_risk() {
        "high"
    } else {
        "low"
    }
}

/// An exposure for JSON: id, venue, risk level, overlap (RFC 3339 start, minutes), advice.
fn exposure_json(ctx: &Ctx, x: &venuecode_client::Exposure) -> serde_json::Value {
    json!({
        "id": x.id(),
        "venue": x.venue_name(),
        "risk": x.risk().0,
        "risk_level": risk_name(x),
        "overlap_start": ctx.stamp(x.overlap_start()),
        "overlap_minutes": x.overlap_minutes(),
        "message": x.message(),
        "dismissed": x.dismissed(),
    })
}

/// An exposure for people: high risk stands out and says what to do; low risk reads as a
/// notice. The overlap is shown in the device's zone, with its length.
fn exposure_text(ctx: &Ctx, x: &venuecode_client::Exposure) -> String {
    let (head, advice) = if x.is_high_risk() {
        (
            "⚠ HIGH RISK EXPOSURE",
            "Get tested and stay at home; follow the health authority's instructions.",
        )
    } else {
        (
            "Low-risk exposure",
            "Watch for symptoms and get tested if any appear.",
        )
    };
    let message = if x.message().is_empty() {
        advice
    } else {
        x.message()
    };
    format!(
        "{head} (exposure {}) at {}: {} minute(s) of overlap from {}.\n  {message}{}",
        x.id(),
        x.venue_name(),
        x.overlap_minutes(),
        ctx.show(x.overlap_start()),
        if x.dismissed() { "\n  (dismissed)" } else { "" }
    )
}

/// What a share sends and leaves out, one entry a line (times in each venue's zone).
fn share_listing(plan: &venuecode_client::SharePreview) -> String {
    let mut s = format!(
        "will send {} check-in(s) to the health authority:\n",
        plan.to_send().len()
    );
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
        s.push_str(&format!(
            "left out, hidden ({}; --include-hidden ID to send):\n",
            plan.hidden().len()
        ));
        for e in plan.hidden() {
            line(&mut s, e);
        }
    }
    if !plan.excluded().is_empty() {
        s.push_str(&format!(
            "left out, excluded ({}):\n",
            plan.excluded().len()
        ));
        for e in plan.excluded() {
            line(&mut s, e);
        }
    }
    s
}

fn parse_category(s: &str) -> Result<VenueCategory, String> {
    VenueCategory::from_slug(s).ok_or_else(|| {
        let all: Vec<&str> = VenueCategory::ALL.iter().filter_map(|c| c.slug()).collect();
        format!("unknown category `{s}`; one of: {}", all.join(", "))
    })
}

fn main() {
    let cli = Cli::parse();
    let json = cli.json;
    if let Err(e) = run(cli) {
        let message = error_text(&e);
        if json {
            println!("{}", json!({"ok": false, "error": message}));
        }
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

/// The error and its causes, `: `-separated, each said once: a cause whose text its error
/// already includes (a network error quoting the I/O error) is not repeated.
fn error_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

struct Ctx {
    home: Home,
    server: Option<String>,
    ca_file: Option<PathBuf>,
    insecure_http: bool,
    clock: Arc<dyn Clock>,
    /// Simulated minus real seconds under `--now` (0 otherwise): server times such as an
    /// upload's `received_at` are shifted by it so a drill stays on one timeline.
    shift_seconds: i64,
    json: bool,
    /// The device's zone (`--tz`, TZ or the system's): for times not tied to a venue, and
    /// for reading typed times.
    zone: Zone,
}

/// The server when neither `--server` nor an installed bundle names one.
const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

impl Ctx {
    /// `--server`, else the installed bundle's server URL, else [`DEFAULT_SERVER`].
    fn server_url(&self) -> String {
        if let Some(s) = &self.server {
            return s.clone();
        }
        match Trust::load(&self.home) {
            Ok(Some(t)) => t.bundle().server_url().to_owned(),
            _ => DEFAULT_SERVER.to_owned(),
        }
    }

    fn transport(&self) -> Result<HttpTransport> {
        let server = self.server_url();
        let mut builder = HttpTransport::builder(&server).allow_insecure_http(self.insecure_http);
        if let Some(ca) = &self.ca_file {
            builder = builder.trust_ca_file(ca);
        }
        builder.build().map_err(|e| match e {
            venuecode_client::Error::InsecureServerUrl(_) => {
                anyhow!("{e} (--insecure-http)")
            }
            e => anyhow!(e),
        })
    }

    fn now(&self) -> UnixMinute {
        self.clock.now_minute()
    }

    /// The trust bundle installed in the home; an error saying how to install one otherwise.
    /// Keys are never taken from the server.
    fn trust(&self) -> Result<Trust> {
        Trust::require(&self.home)
    }

    /// A time the person typed, in the device's zone unless it names an offset.
    fn time(&self, s: &str) -> Result<UnixMinute> {
        parse_in(s, &self.zone, self.now()).map_err(|e| anyhow!(e))
    }

    /// A time typed at a venue (staff), in the venue's zone unless it names an offset.
    fn venue_time(&self, s: &str, zone: &Zone) -> Result<UnixMinute> {
        parse_in(s, zone, self.now()).map_err(|e| anyhow!(e))
    }

    /// An instant in the device's zone, the zone named.
    fn show(&self, t: UnixMinute) -> String {
        format_in(t, &self.zone)
    }

    /// An instant for JSON: RFC 3339 with the device zone's offset.
    fn stamp(&self, t: UnixMinute) -> String {
        rfc3339(t, &self.zone)
    }

    fn print(&self, value: serde_json::Value, text: impl FnOnce() -> String) {
        if self.json {
            println!("{value}");
        } else {
            println!("{}", text());
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let real = SystemClock.now_minute();
    let zone = match &cli.tz {
        Some(tz) => Zone::parse(tz, real).map_err(|e| anyhow!("--tz: {e}"))?,
        None => Zone::device(real),
    };
    let clock: Arc<dyn Clock> = match &cli.now {
        Some(s) => Arc::new(ManualClock::at_minute(
            parse_in(s, &zone, real).map_err(|e| anyhow!("--now: {e}"))?,
        )),
        None => Arc::new(SystemClock),
    };
    if cli.insecure_http {
        eprintln!(
            "WARNING: --insecure-http: plain HTTP to the server is allowed; requests, answers \
             and TANs can be read and changed by anyone on the network. Use it for drills only."
        );
    }
    let shift_seconds = match &cli.now {
        Some(_) => {
            i64::try_from(clock.now_seconds()).unwrap_or(i64::MAX)
                - i64::try_from(SystemClock.now_seconds()).unwrap_or(i64::MAX)
        }
        None => 0,
    };
    let ctx = Ctx {
        home: Home::new(cli.home),
        server: cli.server,
        ca_file: cli.ca_file,
        insecure_http: cli.insecure_http,
        clock,
        shift_seconds,
        json: cli.json,
        zone,
    };
    let bundle_file = match &cli.command {
        Command::Venue(g) => g.trust_bundle.clone(),
        Command::Authority(g) => g.trust_bundle.clone(),
        Command::Visitor(g) => g.trust_bundle.clone(),
        _ => None,
    };
    // `authority init` makes the bundle; installing one before it would refuse the new one.
    let initialising =
        matches!(&cli.command, Command::Authority(g) if matches!(g.cmd, AuthorityCmd::Init { .. }));
    if let (Some(file), false) = (&bundle_file, initialising) {
        install_bundle(&ctx, file, false)?;
    }
    match cli.command {
        Command::Server(args) => run_server(args),
        Command::Venue(g) => run_venue(&ctx, g.cmd),
        Command::Authority(g) => run_authority(&ctx, g.cmd),
        Command::Visitor(g) => run_visitor(&ctx, g.cmd),
        Command::Trust(cmd) => run_trust(&ctx, cmd),
        Command::Demo { out } => demo::run(&out),
    }
}

/// Installs a bundle file into the home; `report` prints the outcome on stdout (the `trust
/// install` command), otherwise only a change is noted on stderr.
fn install_bundle(ctx: &Ctx, file: &std::path::Path, report: bool) -> Result<()> {
    let new = Trust::read_file(file)?;
    let outcome = Trust::install(&ctx.home, new.bundle())?;
    let b = new.bundle();
    let what = match outcome {
        TrustInstall::Installed => "installed".to_owned(),
        TrustInstall::Unchanged => "already installed".to_owned(),
        TrustInstall::Updated { from } => format!("updated from sequence {from}"),
    };
    let text = format!(
        "trust bundle sequence {} {what} in {} (RA key {}, server {})",
        b.sequence(),
        ctx.home.root().display(),
        b.signer_key_id().to_hex(),
        b.server_url()
    );
    if report {
        ctx.print(
            json!({"installed": outcome != TrustInstall::Unchanged, "sequence": b.sequence(), "outcome": what}),
            || text,
        );
    } else if outcome != TrustInstall::Unchanged {
        eprintln!("{text}");
    }
    Ok(())
}

fn run_trust(ctx: &Ctx, cmd: TrustCmd) -> Result<()> {
    match cmd {
        TrustCmd::Install { file } => install_bundle(ctx, &file, true),
        TrustCmd::Show => {
            let t = ctx.trust()?;
            let b = t.bundle();
            let body = b.body();
            let hexes = |keys: &[venuecode_protocol::PublicKey]| -> Vec<String> {
                keys.iter().map(|k| hex::encode(k.as_bytes())).collect()
            };
            let ra = hexes(&body.ra_keys);
            let ha = hexes(&body.ha_signing_keys);
            let enc = hex::encode(body.ha_encryption_key.as_bytes());
            ctx.print(
                json!({
                    "sequence": b.sequence(),
                    "issued_at": ctx.stamp(body.issued_at),
                    "signer_key_id": b.signer_key_id().to_hex(),
                    "ra_keys": ra,
                    "ha_signing_keys": ha,
                    "ha_encryption_key": enc,
                    "server_url": b.server_url(),
                    "code_base_url": b.code_base_url(),
                }),
                || {
                    format!(
                        "trust bundle sequence {} issued {}, signed by RA key {}\n  RA keys: {}\n  HA signing keys: {}\n  HA encryption key: {}\n  server: {}\n  codes: {}",
                        b.sequence(),
                        ctx.show(body.issued_at),
                        b.signer_key_id().to_hex(),
                        ra.join(", "),
                        ha.join(", "),
                        enc,
                        b.server_url(),
                        b.code_base_url()
                    )
                },
            );
            Ok(())
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn run_server(args: ServerArgs) -> Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    runtime()?.block_on(async move {
        let server = venuecode_server::Server::bind(args.config).await?;
        let addr = server.local_addr()?;
        println!("venuecode server listening on {}://{addr}", server.scheme());
        server.run(venuecode_server::shutdown_signal()).await?;
        Ok::<(), anyhow::Error>(())
    })
}

fn run_venue(ctx: &Ctx, cmd: VenueCmd) -> Result<()> {
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
                .map_err(|_| anyhow!("region {region} is not a six-digit division code"))?;
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
                },
            )?;
            let state = match registration {
                venue_ops::Registration::Issued(state) => *state,
                venue_ops::Registration::Pending(id) => {
                    ctx.print(json!({"pending": id}), || {
                        format!(
                            "the registration authority reviews new venues: registration {id} \
                             is waiting for its approval.\n\
                             Next: `venuecode venue collect` fetches the certificate once approved."
                        )
                    });
                    return Ok(());
                }
            };
            let cert = state.certificate();
            ctx.print(
                json!({"serial": cert.serial(), "valid_until": rfc3339(cert.body().valid_until, &cert_zone(cert)), "utc_offset": format_utc_offset(cert.info().utc_offset())}),
                || {
                    format!(
                        "registered {} as serial {}; certificate valid until {}.\n\
                         Next: `venuecode venue poster` and `venuecode venue recovery-sheet`.",
                        cert.info().name(),
                        cert.serial(),
                        format_in(cert.body().valid_until, &cert_zone(cert))
                    )
                },
            );
            Ok(())
        }
        VenueCmd::Collect => {
            let trust = ctx.trust()?;
            match venue_ops::collect(&ctx.home, &ctx.transport()?, &trust)? {
                venue_ops::Review::Waiting(id) => {
                    ctx.print(json!({"pending": id, "state": "waiting"}), || {
                        format!("registration {id} is still waiting for the registration authority")
                    });
                }
                venue_ops::Review::Refused(id) => {
                    ctx.print(json!({"pending": id, "state": "refused"}), || {
                        format!(
                            "the registration authority refused registration {id}; the key kept \
                             for it is deleted, and `venuecode venue register` may be run again"
                        )
                    });
                }
                venue_ops::Review::Issued(state) => {
                    let cert = state.certificate();
                    ctx.print(
                        json!({"serial": cert.serial(), "valid_until": rfc3339(cert.body().valid_until, &cert_zone(cert)), "utc_offset": format_utc_offset(cert.info().utc_offset())}),
                        || {
                            format!(
                                "approved: {} is serial {}; certificate valid until {}.\n\
                                 Next: `venuecode venue poster` and `venuecode venue recovery-sheet`.",
                                cert.info().name(),
                                cert.serial(),
                                format_in(cert.body().valid_until, &cert_zone(cert))
                            )
                        },
                    );
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
                Some(r) => RegionCode::new(r)
                    .map_err(|_| anyhow!("region {r} is not a six-digit division code"))?,
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
            if info == old && !renew {
                if profile == state.profile {
                    bail!(
                        "nothing to update: give at least one field that differs, or --renew (see --help)"
                    );
                }
                // Only the poster's details changed: no new certificate is needed.
                venue_ops::save_profile(&ctx.home, &profile)?;
                ctx.print(
                    json!({"serial": state.certificate().serial(), "new_certificate": false, "base_url": profile.base_url}),
                    || {
                        "updated the poster's details (English lines, code base URL); the \
                         certificate is unchanged.\n\
                         Next: `venuecode venue poster` to print the new poster."
                            .to_owned()
                    },
                );
                return Ok(());
            }
            if !(pledge || ask_pledge()?) {
                bail!("the pledge that the information is true is required (pass --pledge)");
            }
            let trust = ctx.trust()?;
            let old_serial = state.certificate().serial();
            let cert = venue_ops::update(
                &ctx.home,
                &ctx.transport()?,
                &trust.anchors()?,
                &state,
                info,
                &profile,
            )?;
            ctx.print(
                json!({
                    "serial": cert.serial(),
                    "superseded": old_serial,
                    "new_certificate": true,
                    "valid_until": rfc3339(cert.body().valid_until, &cert_zone(&cert)),
                }),
                || {
                    format!(
                        "updated {}: new certificate serial {} replaces serial {}, valid until {}.\n\
                         Phones refuse the old posters after their next sync and point visitors to the\n\
                         current one. Next: `venuecode venue poster`, and replace every printed poster\n\
                         (a running `venuecode venue display` switches to the new certificate by itself).",
                        cert.info().name(),
                        cert.serial(),
                        old_serial,
                        format_in(cert.body().valid_until, &cert_zone(&cert))
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
            if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            let files = poster::Poster::build(&input, &font)?.write_files(&out, dpi)?;
            ctx.print(
                json!({"pdf": files.pdf, "svg": files.svg, "png": files.png}),
                || {
                    format!(
                        "wrote {}, {} and {}. Print at A4 or larger, one at every entrance.",
                        files.pdf.display(),
                        files.svg.display(),
                        files.png.display()
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
                json!({"url": url, "serial": state.certificate().serial()}),
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
            ctx.print(json!({"path": out}), || {
                format!("wrote the recovery sheet to {} (mode 0600)", out.display())
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
                    "note: the venue is now registered as {} (the sheet says {})",
                    cert.info().name(),
                    parsed.name
                );
            }
            ctx.print(
                json!({"serial": cert.serial(), "name": cert.info().name(), "base_url": state.profile.base_url, "valid_until": rfc3339(cert.body().valid_until, &cert_zone(cert))}),
                || {
                    format!(
                        "restored {} (serial {}; certificate valid until {}) in {}.\n\
                         Next: `venuecode venue poster` or `venuecode venue display` work again; \
                         put back a copy of venue/guestbook.redb to keep earlier guests.",
                        cert.info().name(),
                        cert.serial(),
                        format_in(cert.body().valid_until, &cert_zone(cert)),
                        ctx.home.root().display()
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
                certificate: state.certificate().clone(),
                master: state.master.clone(),
                venue_key: state.key.clone(),
                base_url: state.profile.base_url.clone(),
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
                println!(
                    "showing the rotating code at {} (full-screen it on the entrance screen; Ctrl-C stops)",
                    access.url(addr)
                );
                if access != display::DisplayAccess::Loopback {
                    eprintln!(
                        "venue display: listening on {addr}, which other machines can reach: only \
                         requests with the access token in the URL above get codes; keep it private{}",
                        if addr.ip().is_unspecified() {
                            " (put this machine's address in place of the unspecified one)"
                        } else {
                            ""
                        }
                    );
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
            let rows: Vec<_> = check
                .notices
                .iter()
                .map(|n| json!({"batch": n.batch, "from": rfc3339(n.window_start, &vz), "until": rfc3339(n.window_end, &vz), "risk": n.risk.0}))
                .collect();
            ctx.print(
                json!({"notified": !check.notices.is_empty(), "windows": rows}),
                || {
                    if check.notices.is_empty() {
                        format!("not notified in the last {days} days")
                    } else {
                        let mut s = String::from(
                            "NOTIFIED: the health authority published these windows:\n",
                        );
                        for n in &check.notices {
                            s.push_str(&format!(
                                "  {} (batch {})\n",
                                stay_text(n.window_start, n.window_end, &vz),
                                n.batch
                            ));
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
                .map(|d| parse_day(d).map_err(|e| anyhow!(e)))
                .collect::<Result<Vec<u32>>>()?;
            let release = state.venue.release_seeds(&epochs)?;
            let id = state
                .venue
                .upload_seed_release(&ctx.transport()?, &tan, &release)?;
            ctx.print(json!({"upload_id": id, "days": days}), || {
                format!(
                    "released the seeds of {} day(s), sealed to the health authority (upload {id})",
                    epochs.len()
                )
            });
            Ok(())
        }
        VenueCmd::Counts { days } => {
            if days == 0 || days > venuecode_protocol::time::RETENTION_DAYS + 1 {
                bail!(
                    "--days must be between 1 and {} (counts are kept for the retention period)",
                    venuecode_protocol::time::RETENTION_DAYS + 1
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
            let window: Vec<u32> = state.venue.count_tag_window(&clock).collect();
            if let Err(e) = state.venue.register_count_tags(&t, &window, &clock) {
                let e = counts_error(e);
                if e.to_string().contains("does not count") {
                    return Err(e);
                }
                eprintln!("warning: registering the count tags failed: {e}");
            }
            let today_count = state
                .venue
                .check_in_count(&t, today)
                .map_err(counts_error)?;
            let mut total = 0u64;
            let mut by_day = Vec::new();
            for d in today.saturating_sub(days - 1)..=today {
                let n = state.venue.check_in_count(&t, d).map_err(counts_error)?;
                by_day.push(json!({"day": format_day(d), "count": n}));
                total += n;
            }
            ctx.print(
                json!({"today": today_count, "cumulative": total, "days": days, "by_day": by_day}),
                || format!("check-ins today (venue's local day {}): {today_count}; last {days} days: {total}", format_day(today)),
            );
            Ok(())
        }
        VenueCmd::CountTags => {
            let state = VenueState::load(&ctx.home)?;
            // Days around the server's today, in a request signed on the real clock.
            let clock = SystemClock;
            let window: Vec<u32> = state.venue.count_tag_window(&clock).collect();
            state
                .venue
                .register_count_tags(&ctx.transport()?, &window, &clock)
                .map_err(counts_error)?;
            let (first, last) = (
                window.first().copied().unwrap_or_default(),
                window.last().copied().unwrap_or_default(),
            );
            ctx.print(
                json!({"registered_from": format_day(first), "registered_until": format_day(last)}),
                || {
                    format!(
                        "registered this venue's count tags for {} to {} (its local days); run daily",
                        format_day(first),
                        format_day(last)
                    )
                },
            );
            Ok(())
        }
        VenueCmd::Revoke { yes } => {
            if !yes {
                bail!("revoking deactivates every poster of this venue; pass --yes to confirm");
            }
            let state = VenueState::load(&ctx.home)?;
            let seq = match venue_ops::revoke(&ctx.transport()?, &state) {
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
                    json!({"serial": state.certificate().serial(), "already_revoked": true}),
                    || {
                        format!(
                            "serial {} was already deactivated; nothing to do",
                            state.certificate().serial()
                        )
                    },
                );
                return Ok(());
            }
            ctx.print(
                json!({"serial": state.certificate().serial(), "sequence": seq, "already_revoked": false}),
                || {
                    format!(
                        "deactivated serial {}; phones that scan it now see a warning",
                        state.certificate().serial()
                    )
                },
            );
            Ok(())
        }
    }
}

/// Registers the venue's count tags now and then every [`COUNT_TAG_REFRESH`], on a thread of
/// its own; stops quietly when the server does not count, and reports other failures on stderr.
fn keep_count_tags_registered(venue: venuecode_client::Venue, t: HttpTransport) {
    std::thread::spawn(move || loop {
        let window: Vec<u32> = venue.count_tag_window(&SystemClock).collect();
        match venue.register_count_tags(&t, &window, &SystemClock) {
            Ok(()) => {}
            Err(venuecode_client::Error::Server { code, .. }) if code == "counts_disabled" => {
                return;
            }
            Err(e) => eprintln!("venue display: registering count tags failed: {e}"),
        }
        std::thread::sleep(COUNT_TAG_REFRESH);
    });
}

/// How often a running `venue display` registers its count tags again.
const COUNT_TAG_REFRESH: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// Explains a count request the server refused because counting is off.
fn counts_error(e: venuecode_client::Error) -> anyhow::Error {
    match &e {
        venuecode_client::Error::Server { code, .. } if code == "counts_disabled" => {
            anyhow!("the server does not count check-ins (start it with --counts to enable counts)")
        }
        _ => anyhow!(e),
    }
}

/// A newer certificate once `venue update` has replaced `venue/certificate.hex`: the file's
/// modification time is checked on each call (cheap), and the state is read again only when it
/// changed. A file that cannot be read keeps the current certificate.
fn certificate_reload(home: venuecode::home::Home) -> display::Reload {
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
fn refuse_if_revoked(ctx: &Ctx, state: &VenueState) -> Result<()> {
    use venuecode_protocol::RevocationReason as R;
    let serial = state.certificate().serial();
    let status = ctx
        .transport()
        .map_err(|e| anyhow!(e))
        .and_then(|t| state.venue.revocation_status(&t).map_err(|e| anyhow!(e)));
    match status {
        Ok(None) => Ok(()),
        Ok(Some(R::DEACTIVATED_BY_VENUE)) => bail!(
            "this venue deactivated its code (serial {serial}): phones refuse it, so no new code \
             is made. To check in visitors again, register anew in a fresh home"
        ),
        Ok(Some(R::DISABLED_BY_AUTHORITY)) => bail!(
            "the registration authority disabled this venue (serial {serial}): phones refuse its \
             codes, so no new code is made. Contact the authority"
        ),
        Ok(Some(R::SUPERSEDED)) => bail!(
            "serial {serial} was replaced by a newer certificate: restore or update this venue \
             home (`venuecode venue restore`) before making codes"
        ),
        Ok(Some(_)) => bail!("serial {serial} is on the revocation list: no new code is made"),
        Err(e) => {
            eprintln!("warning: could not check whether this venue is revoked: {e:#}");
            Ok(())
        }
    }
}

/// Days before a certificate's end from which venue commands warn that it needs renewing.
const RENEWAL_WARNING_DAYS: u32 = 30;

/// Warns on standard error when the venue's certificate ends within
/// [`RENEWAL_WARNING_DAYS`], or has ended: its codes stop working then.
fn warn_if_expiring(ctx: &Ctx, cert: &venuecode_protocol::VenueCertificate) {
    let until = cert.body().valid_until;
    let now = ctx.now();
    if now >= until {
        eprintln!(
            "warning: this venue's certificate expired on {}: phones refuse its codes. Renew it with `venuecode venue update --renew --pledge` and print new posters.",
            format_in(until, &cert_zone(cert))
        );
    } else if until - now < RENEWAL_WARNING_DAYS * 1440 {
        eprintln!(
            "warning: this venue's certificate expires on {} ({} day(s) left): renew it with `venuecode venue update --renew --pledge` and print new posters.",
            format_in(until, &cert_zone(cert)),
            (until - now).div_ceil(1440)
        );
    }
}

/// Venue information from the command line, with an error that names the flag at fault.
fn venue_info(
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
        venuecode_server::venue_text::normalized(text).ok_or_else(|| {
            anyhow!(
                "{flag} holds an invisible, bidirectional-control or other control character \
                 (zero-width space or joiner, byte order mark, direction mark or override, line \
                 separator, ...)"
            )
        })
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
        anyhow!("{}", e.describe(flag))
    })
}

/// Parses `--utc-offset`: `±HH:MM` in quarter hours from -12:00 to +14:00, as quarter hours.
fn parse_utc_offset(s: &str) -> Result<i8, String> {
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

/// A venue's zone, from its certificate's offset.
fn cert_zone(cert: &venuecode_protocol::VenueCertificate) -> Zone {
    Zone::venue(cert.info().utc_offset())
}

/// The zone of the venue a diary entry was made at.
fn entry_zone(e: &venuecode_client::DiaryEntry) -> Zone {
    Zone::venue(e.code().utc_offset())
}

/// `10:15 – 11:40 UTC+08:00` or, across days, both dates: a stay in the venue's zone.
fn stay_text(arrival: UnixMinute, departure: UnixMinute, zone: &Zone) -> String {
    let a = format_in(arrival, zone);
    let d = format_in(departure, zone);
    match (a.split_once(' '), d.split_once(' ')) {
        (Some((ad, _)), Some((dd, rest))) if ad == dd => {
            let a_clock = a.get(ad.len() + 1..ad.len() + 6).unwrap_or_default();
            format!("{ad} {a_clock} – {rest}")
        }
        _ => format!("{a} – {d}"),
    }
}

/// `+08:00` for an offset in quarter hours.
fn format_utc_offset(q: i8) -> String {
    let minutes = i32::from(q) * 15;
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// Asks the person to confirm a share on the terminal; without one, `--yes` is required.
fn confirm_share(count: usize) -> Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        bail!(
            "nothing was sent: confirm the share on a terminal, or pass --yes to send the {count} \
             check-in(s) listed above"
        );
    }
    eprint!("Send these {count} check-in(s) to the health authority? Type yes: ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}

fn ask_pledge() -> Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        bail!("the pledge that the information is true is required: pass --pledge");
    }
    print!("I pledge that this information is true (本人承诺所填信息真实). Type yes: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}

fn open_guestbook(ctx: &Ctx, state: &VenueState) -> Result<GuestBook> {
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

/// Shares the command's clock with the library.
struct ClockRef(Arc<dyn Clock>);

impl Clock for ClockRef {
    fn now_seconds(&self) -> u64 {
        self.0.now_seconds()
    }
}

fn run_guestbook(ctx: &Ctx, cmd: GuestbookCmd) -> Result<()> {
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

fn run_authority(ctx: &Ctx, cmd: AuthorityCmd) -> Result<()> {
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
            let ha = HealthAuthority::load(&ctx.home)?;
            let tans = authority::fresh_tans(count)?;
            authority::register_tans(
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
                        purpose.describe(),
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
            let ha = HealthAuthority::load(&ctx.home)?;
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
            let ha = HealthAuthority::load(&ctx.home)?;
            let chain = authority::HaChain::load(&ctx.home)?;
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
            let ra = RegistrationAuthority::load(&ctx.home)?;
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
            let ra = RegistrationAuthority::load(&ctx.home)?;
            let serial = authority::approve_registration(&ctx.transport()?, &ra.admin, id)?;
            ctx.print(json!({"approved": id, "serial": serial}), || {
                format!("approved registration {id}: certificate serial {serial} issued")
            });
            Ok(())
        }
        AuthorityCmd::Refuse { id } => {
            let ra = RegistrationAuthority::load(&ctx.home)?;
            authority::refuse_registration(&ctx.transport()?, &ra.admin, id)?;
            ctx.print(json!({"refused": id}), || {
                format!("refused registration {id}")
            });
            Ok(())
        }
        AuthorityCmd::Disable { serial } => {
            let ra = RegistrationAuthority::load(&ctx.home)?;
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

fn run_uploads(ctx: &Ctx, cmd: UploadsCmd) -> Result<()> {
    let ha = HealthAuthority::load(&ctx.home)?;
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
            let opened = authority::open_upload(&ha, &info.purpose, &bytes)
                .with_context(|| format!("upload {id}"))?;
            let mut received = authority::received_minute(info.received_at, ctx.shift_seconds);
            // A case upload: the TAN sealed in it, checked against the HA's ledger (read only:
            // opening does not mark it used), and the claims bounded by that TAN's expiry.
            let tan_check = match &opened {
                Opened::Case(upload) => {
                    let ledger = authority::TanLedger::load(&ctx.home)?;
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

fn print_opened(
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
                .entries
                .iter()
                .map(|e| {
                    authority::check_entry(e, anchors, received)
                        .err()
                        .map(|err| format!("{err:#}"))
                })
                .collect();
            let rows: Vec<_> = upload
                .entries
                .iter()
                .zip(&checks)
                .map(|(e, c)| {
                    let vz = cert_zone(e.code.certificate());
                    json!({"serial": e.code.certificate().serial(), "venue": e.code.certificate().info().name(), "arrival": rfc3339(e.arrival, &vz), "departure": rfc3339(e.departure, &vz), "problem": c})
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
                        upload.entries.len()
                    ));
                    for (e, c) in upload.entries.iter().zip(&checks) {
                        s.push_str(&format!(
                            "  {} (serial {}): {}{}\n",
                            e.code.certificate().info().name(),
                            e.code.certificate().serial(),
                            stay_text(e.arrival, e.departure, &cert_zone(e.code.certificate())),
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
                .map(|g| json!({"serial": g.venue_serial, "name": g.name, "phone": g.phone, "arrival": g.arrival, "departure": g.departure}))
                .collect();
            ctx.print(json!({"guestbook": rows}), || {
                let mut s = format!("{} guest-book entr(y/ies):\n", entries.len());
                for g in entries {
                    s.push_str(&format!(
                        "  {} {} at serial {}: {} – {}\n",
                        g.name,
                        g.phone,
                        g.venue_serial,
                        ctx.show(g.arrival),
                        ctx.show(g.departure)
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

fn parse_window(ctx: &Ctx, w: &str) -> Result<(u64, UnixMinute, UnixMinute)> {
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
fn publish(
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
    let ledger_path = ctx.home.dir("authority")?.join("published.json");
    let mut ledger: std::collections::HashSet<[u8; 32]> = match std::fs::read(&ledger_path) {
        Ok(bytes) => serde_json::from_slice::<Vec<String>>(&bytes)
            .context("authority/published.json")?
            .iter()
            .map(|h| venuecode::home::hex32(h))
            .collect::<Result<_>>()?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Default::default(),
        Err(e) => return Err(e).context("reading authority/published.json"),
    };
    let mut chain = authority::HaChain::load(&ctx.home)?;
    let mut tans = authority::TanLedger::load(&ctx.home)?;
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
        &ledger,
        &mut tans,
        &mut |line| eprintln!("  {line}"),
    )?;
    ledger.extend(out.fingerprints.iter().copied());
    let mut list: Vec<String> = ledger.iter().map(hex::encode).collect();
    list.sort_unstable();
    // The ledger is the HA's own record of which stays it published: private, like its keys.
    venuecode::home::write_file(&ledger_path, serde_json::to_string(&list)?.as_bytes(), true)?;
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

fn open_visitor(ctx: &Ctx) -> Result<Visitor> {
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

fn run_visitor(ctx: &Ctx, cmd: VisitorCmd) -> Result<()> {
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
                    let bytes = std::fs::read(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    let mut found = venuecode::scan_image::decode(&bytes)?;
                    if found.is_empty() {
                        bail!("no QR code found in {}", path.display());
                    }
                    found.swap_remove(0)
                }
                _ => bail!("give either the scanned text or --image PHOTO"),
            };
            let result = v.scan(&text);
            let p = match result {
                Ok(p) => p,
                Err(e) => {
                    ctx.print(
                        json!({"ok": false, "tone": "failure", "error": e.to_string()}),
                        || format!("✗ {e}"),
                    );
                    std::process::exit(3);
                }
            };
            if preview {
                ctx.print(
                    json!({"venue": p.venue_name(), "address": p.address(), "category": p.category().to_string(), "type": format!("{:?}", p.code_type())}),
                    || format!("{} — {} ({}, {:?} code)", p.venue_name(), p.address(), p.category(), p.code_type()),
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
                json!({"ok": true, "tone": "success", "entry": e.id().0, "venue": e.venue_name(), "status": format!("{:?}", c.status), "checked_out_of": c.checked_out_of.map(|i| i.0), "arrival": rfc3339(e.arrival(), &entry_zone(e)), "auto_checkout": rfc3339(e.departure(), &entry_zone(e)), "checkout_reminder": rfc3339(reminder.remind_at, &entry_zone(e))}),
                || {
                    let mut s = format!(
                        "✓ {} — {}\n  checked in at {}; automatic check-out at {} (a reminder \
                         at {})",
                        e.venue_name(),
                        e.venue_address(),
                        format_in(e.arrival(), &entry_zone(e)),
                        format_in(e.departure(), &entry_zone(e)),
                        venuecode::timefmt::format_clock_in(reminder.remind_at, &entry_zone(e))
                    );
                    if c.status == venuecode_client::CheckInStatus::AlreadyCheckedIn {
                        s.push_str("\n  (already checked in here; nothing added)");
                    }
                    if let Some(prev) = c.checked_out_of {
                        s.push_str(&format!("\n  checked out of entry {}", prev.0));
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
                    Some(e) if !e.checked_out() => bail!(
                        "not checked in anywhere: the automatic check-out ended your stay at {} \
                         at {}. If you left at another time, correct it with `venuecode visitor \
                         edit {} --arrival TIME --departure TIME`",
                        e.venue_name(),
                        format_in(e.departure(), &entry_zone(&e)),
                        e.id().0
                    ),
                    _ => bail!("not checked in anywhere"),
                }
            };
            let e = v.check_out(cur.id())?;
            ctx.print(
                json!({"entry": e.id().0, "departure": rfc3339(e.departure(), &entry_zone(&e))}),
                || {
                    format!(
                        "checked out of {} at {}",
                        e.venue_name(),
                        format_in(e.departure(), &entry_zone(&e))
                    )
                },
            );
        }
        VisitorCmd::Diary { all } => {
            let entries = if all { v.all_entries()? } else { v.entries()? };
            let exposures = v.exposures()?;
            let rows: Vec<_> = entries
                .iter()
                .map(|e| json!({"id": e.id().0, "venue": e.venue_name(), "arrival": rfc3339(e.arrival(), &entry_zone(e)), "departure": rfc3339(e.departure(), &entry_zone(e)), "hidden": e.hidden()}))
                .collect();
            let ex: Vec<_> = exposures.iter().map(|x| exposure_json(ctx, x)).collect();
            ctx.print(json!({"entries": rows, "exposures": ex}), || {
                let mut s = format!("{} check-in(s):\n", entries.len());
                for e in &entries {
                    s.push_str(&format!(
                        "  {:>4}  {}  {}{}\n",
                        e.id().0,
                        e.venue_name(),
                        stay_text(e.arrival(), e.departure(), &entry_zone(e)),
                        if e.hidden() { "  (hidden)" } else { "" }
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
                json!({"entry": id, "arrival": rfc3339(e.arrival(), &entry_zone(&e)), "departure": rfc3339(e.departure(), &entry_zone(&e))}),
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
            let rows: Vec<_> = list.iter().map(|x| exposure_json(ctx, x)).collect();
            ctx.print(json!({"exposures": rows}), || {
                if list.is_empty() {
                    return "no exposure listed".to_owned();
                }
                let mut s = String::new();
                for x in &list {
                    s.push_str(&exposure_text(ctx, x));
                    s.push('\n');
                }
                s.push_str("`venuecode visitor dismiss ID` once you have acted on one");
                s
            });
        }
        VisitorCmd::Dismiss { id } => {
            let x = v.dismiss_exposure(id)?;
            ctx.print(json!({"dismissed": id}), || {
                format!(
                    "dismissed exposure {id} at {}; `visitor exposures --all` still shows it",
                    x.venue_name()
                )
            });
        }
        VisitorCmd::Hide { id, unhide, delete } => {
            if delete {
                v.delete(EntryId(id))?;
                ctx.print(json!({"deleted": id}), || format!("deleted entry {id}"));
            } else {
                v.set_hidden(EntryId(id), !unhide)?;
                ctx.print(json!({"entry": id, "hidden": !unhide}), || {
                    format!("entry {id} {}", if unhide { "shown" } else { "hidden" })
                });
            }
        }
        VisitorCmd::Sync => {
            // Progress says how far the check got, never a count that could pass for matches.
            let quiet = ctx.json;
            let r = v.sync_with_progress(&mut |p| {
                if !quiet {
                    eprintln!("  checked batch {} of {}", p.batch, p.latest);
                }
            })?;
            // Keep the home's bundle in step with a genuine rotation the sync applied.
            if matches!(r.trust_bundle, PartOutcome::Updated) {
                Trust::install(&ctx.home, &v.trust_bundle()?)?;
            }
            let listed = v.exposures()?;
            let report = sync_report(ctx, &r, &listed);
            ctx.print(report.json, || report.text);
            if let Some(e) = &report.failure {
                eprintln!("error: the sync did not complete: {e}");
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
                .context("--exclude and --include-hidden take ids of entries in the window (see `visitor diary --all`)")?;
            let rows = |list: &[venuecode_client::DiaryEntry]| -> Vec<serde_json::Value> {
                list.iter()
                    .map(|e| json!({"id": e.id().0, "venue": e.venue_name(), "arrival": rfc3339(e.arrival(), &entry_zone(e)), "departure": rfc3339(e.departure(), &entry_zone(e))}))
                    .collect()
            };
            let listing = share_listing(&plan);
            let lists = json!({
                "to_send": rows(plan.to_send()),
                "hidden": rows(plan.hidden()),
                "excluded": rows(plan.excluded()),
            });
            if preview {
                ctx.print(
                    json!({"preview": true, "shared": 0, "lists": lists}),
                    || format!("{listing}nothing sent (--preview)"),
                );
                return Ok(());
            }
            if plan.to_send().is_empty() {
                if plan.hidden().is_empty() {
                    bail!("nothing to share in that window");
                }
                bail!(
                    "nothing to share in that window: {} hidden entr(ies) left out; name any to send with --include-hidden",
                    plan.hidden().len()
                );
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
                bail!("nothing was sent: the share was not confirmed");
            }
            let receipt = v.share_previewed(&tan, &plan)?;
            ctx.print(
                json!({"shared": receipt.entries, "lists": lists, "receipt": format!("{receipt:?}")}),
                || {
                    format!(
                        "shared {} check-in(s) with the health authority, sealed to its key",
                        receipt.entries
                    )
                },
            );
        }
    }
    Ok(())
}
