//! The command groups of `venuecode`, one module each (argument definitions and what they run),
//! and what they share: the context of a run and the ways times are shown.

pub(crate) mod authority;
pub(crate) mod guestbook;
pub(crate) mod server;
pub(crate) mod trust;
pub(crate) mod venue;
pub(crate) mod visitor;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use venuecode::home::{Home, Trust};
use venuecode::timefmt::{format_in, parse_in, rfc3339, Zone};
use venuecode_client::{Clock, HttpTransport};
use venuecode_protocol::time::UnixMinute;

/// What every command of one run shares: the home, the server, the clock and the zone.
pub(crate) struct Ctx {
    pub(crate) home: Home,
    pub(crate) server: Option<String>,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) insecure_http: bool,
    pub(crate) clock: Arc<dyn Clock>,
    /// Simulated minus real seconds under `--now` (0 otherwise): server times such as an
    /// upload's `received_at` are shifted by it so a drill stays on one timeline.
    pub(crate) shift_seconds: i64,
    pub(crate) json: bool,
    /// The device's zone (`--tz`, TZ or the system's): for times not tied to a venue, and
    /// for reading typed times.
    pub(crate) zone: Zone,
    /// The language asked for with `--lang` or `VENUECODE_LANG` (`None`: from the locale).
    /// A venue's registration stores it as the language of its posters and display page.
    pub(crate) lang: Option<venuecode::i18n::Lang>,
}

/// The server when neither `--server` nor an installed bundle names one.
pub(crate) const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

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
            venuecode_client::Error::InsecureServerUrl(_) => venuecode::cli_error!(
                "error-insecure-http",
                detail = venuecode::errors::client_text(&e)
            )
            .into(),
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

    /// Prints the command's result: `value` as one line of JSON under `--json` (a struct of
    /// [`venuecode::output`]), else the text.
    fn print(&self, value: impl serde::Serialize, text: impl FnOnce() -> String) {
        if self.json {
            // Structs of strings, numbers and lists only: serialising cannot fail.
            println!("{}", serde_json::to_string(&value).unwrap_or_default());
        } else {
            println!("{}", text());
        }
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// A venue's zone, from its certificate's offset.
pub(crate) fn cert_zone(cert: &venuecode_protocol::VenueCertificate) -> Zone {
    Zone::venue(cert.info().utc_offset())
}

/// The zone of the venue a diary entry was made at.
pub(crate) fn entry_zone(e: &venuecode_client::DiaryEntry) -> Zone {
    Zone::venue(e.code().utc_offset())
}

/// `10:15 – 11:40 UTC+08:00` or, across days, both dates: a stay in the venue's zone.
pub(crate) fn stay_text(arrival: UnixMinute, departure: UnixMinute, zone: &Zone) -> String {
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

/// Shares the command's clock with the library.
pub(crate) struct ClockRef(pub(crate) Arc<dyn Clock>);

impl Clock for ClockRef {
    fn now_seconds(&self) -> u64 {
        self.0.now_seconds()
    }
}
