//! `venuecode`: one command for the server, venues, health authorities and visitors.
#![forbid(unsafe_code)]

mod commands;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use venuecode::demo;
use venuecode::errors::{report, ErrorJson};
use venuecode::home::Home;
use venuecode::i18n::{set_language, Lang};
use venuecode::t;
use venuecode::timefmt::{parse_in, Zone};
use venuecode_client::{Clock, ManualClock, SystemClock};

use commands::authority::{run_authority, AuthorityCmd};
use commands::server::{run_server, ServerArgs, SERVER_HELP};
use commands::trust::{install_bundle, run_trust, TrustCmd};
use commands::venue::{run_venue, VenueCmd};
use commands::visitor::{run_visitor, VisitorCmd};
use commands::Ctx;

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

    /// Print machine-readable JSON instead of text. A failure then prints
    /// `{"error": {"code": "...", "message": "..."}}` on standard error (codes: ERRORS.md).
    #[arg(long, global = true)]
    json: bool,

    /// The language of messages: `en` or `zh-CN`. Default: the locale (LC_ALL, LC_MESSAGES,
    /// LANG: `zh*` gives zh-CN, anything else en).
    #[arg(long, global = true, env = "VENUECODE_LANG", value_name = "LANG")]
    lang: Option<Lang>,

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
        /// Serve the built visitor web app from this directory (`scripts/build-web.sh` writes
        /// `web/dist`) at the server's /c, and keep the server running after the story so that
        /// the printed poster URL opens in a browser.
        #[arg(long, value_name = "DIR")]
        web_app: Option<PathBuf>,
        /// The address of the demo's server (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
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

/// The argument definitions with their descriptions in the language of the run.
fn command() -> clap::Command {
    venuecode::i18n::localize_command(<Cli as clap::CommandFactory>::command())
}

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    set_language(venuecode::i18n::language_of_args(&args));
    let cli = match command()
        .try_get_matches_from(&args)
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => {
            // clap words its errors in English; a run in another language words them itself.
            let loc = venuecode::i18n::Localizer::get(venuecode::i18n::language());
            match venuecode::i18n::clap_error_text(&e, loc) {
                Some(text) if loc.lang() != Lang::En => {
                    eprintln!("{}: {text}\n\n{}", t!("label-error"), t!("clap-try-help"));
                    std::process::exit(e.exit_code());
                }
                _ => e.exit(),
            }
        }
    };
    set_language(cli.lang.unwrap_or_else(Lang::from_env));
    let json = cli.json;
    if let Err(e) = run(cli) {
        let r = report(&e);
        if json {
            let text = serde_json::to_string(&ErrorJson { error: &r })
                .unwrap_or_else(|_| r.message.clone());
            eprintln!("{text}");
        } else {
            eprintln!("{}: {}", t!("label-error"), r.message);
        }
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    let real = SystemClock.now_minute();
    let zone = match &cli.tz {
        Some(tz) => Zone::parse(tz, real)
            .map_err(|e| venuecode::cli_error!("error-bad-time", flag = "--tz", detail = e))?,
        None => Zone::device(real),
    };
    let clock: Arc<dyn Clock> = match &cli.now {
        Some(s) => Arc::new(ManualClock::at_minute(parse_in(s, &zone, real).map_err(
            |e| venuecode::cli_error!("error-bad-time", flag = "--now", detail = e),
        )?)),
        None => Arc::new(SystemClock),
    };
    if cli.insecure_http {
        eprintln!("{}", t!("warning-insecure-http"));
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
        lang: cli.lang,
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
        Command::Demo {
            out,
            web_app,
            listen,
        } => demo::run(&out, &demo::DemoServer { listen, web_app }),
    }
}

#[cfg(test)]
mod tests {
    use venuecode::i18n::{
        arg_help_id, catalogue_shape, examples_id, examples_need_words, help_id, Lang, Localizer,
        EN_FTL, ZH_CN_FTL,
    };

    /// Each command's help id and its own (English) description, from `cmd` down.
    fn abouts_of(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
        let id = help_id(&path.iter().map(String::as_str).collect::<Vec<_>>());
        out.push((
            id,
            cmd.get_about().map(|a| a.to_string()).unwrap_or_default(),
        ));
        for sub in cmd.get_subcommands() {
            path.push(sub.get_name().to_owned());
            abouts_of(sub, path, out);
            path.pop();
        }
    }

    /// Each argument's help id and its own (English) help, and the examples id and examples of
    /// each command whose examples hold words besides commands, from `cmd` down (arguments where they are defined: a global one at
    /// the command that declares it).
    fn texts_of(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        for arg in cmd.get_arguments() {
            out.push((
                arg_help_id(&parts, arg.get_id().as_str()),
                arg.get_help().map(|h| h.to_string()).unwrap_or_default(),
            ));
        }
        if let Some(after) = cmd.get_after_help().map(|a| a.to_string()) {
            if examples_need_words(&after) {
                out.push((examples_id(&parts), after));
            }
        }
        for sub in cmd.get_subcommands() {
            path.push(sub.get_name().to_owned());
            texts_of(sub, path, out);
            path.pop();
        }
    }

    #[test]
    fn every_argument_and_example_is_in_both_catalogues_and_none_is_left_over() {
        let mut texts = Vec::new();
        texts_of(
            &<super::Cli as clap::CommandFactory>::command(),
            &mut Vec::new(),
            &mut texts,
        );
        assert!(texts.len() > 100, "the walk found too few arguments");
        // The English text is the argument definitions' own, word for word.
        let en = Localizer::new(Lang::En);
        let differs: Vec<String> = texts
            .iter()
            .filter(|(id, text)| &en.format(id, &[]) != text)
            .map(|(id, text)| format!("{id} = {text}"))
            .collect();
        assert!(
            differs.is_empty(),
            "English entries that differ from the definitions:\n{}",
            differs.join("\n")
        );
        let ids: std::collections::BTreeSet<&str> =
            texts.iter().map(|(id, _)| id.as_str()).collect();
        for source in [EN_FTL, ZH_CN_FTL] {
            let shape = catalogue_shape(source);
            for id in &ids {
                assert!(shape.contains_key(*id), "no entry `{id}`");
            }
            for id in shape
                .keys()
                .filter(|k| k.starts_with("examples") || k.contains("--"))
            {
                assert!(
                    ids.contains(id.as_str()),
                    "`{id}` is no argument or example"
                );
            }
        }
        // A Chinese text is not the English one left in place (examples may share lines).
        let zh = Localizer::new(Lang::ZhCn);
        for (id, text) in texts.iter().filter(|(id, _)| id.contains("--")) {
            assert_ne!(&zh.format(id, &[]), text, "`{id}` is not translated");
        }
    }

    #[test]
    fn every_command_is_described_in_both_catalogues_and_no_description_is_left_over() {
        let mut abouts = Vec::new();
        abouts_of(
            &<super::Cli as clap::CommandFactory>::command(),
            &mut Vec::new(),
            &mut abouts,
        );
        // The English description is the argument definitions' own text, word for word.
        let en = Localizer::new(Lang::En);
        for (id, about) in &abouts {
            assert_eq!(
                &en.format(id, &[]),
                about,
                "`{id}` differs from the doc comment"
            );
        }
        let ids: std::collections::BTreeSet<&str> =
            abouts.iter().map(|(id, _)| id.as_str()).collect();
        for source in [EN_FTL, ZH_CN_FTL] {
            let shape = catalogue_shape(source);
            for id in &ids {
                assert!(shape.contains_key(*id), "no description `{id}`");
            }
            for id in shape
                .keys()
                .filter(|k| k.starts_with("help") && !k.contains("--"))
            {
                assert!(ids.contains(id.as_str()), "`{id}` describes no command");
            }
        }
    }
}
