//! Errors the CLI prints: each has a stable snake_case code (crates/cli/ERRORS.md lists them)
//! and one translated sentence that says what to do, printed once.
//!
//! Failures of the CLI itself are [`CliError`]s, a message of the catalogue (`error-*`) whose
//! code is its id; failures of the client and authority libraries keep their own codes
//! ([`venuecode_client::Error::code`], [`venuecode_authority::AuthorityError::code`]) and are
//! worded by the catalogue's `client-*` and `authority-*` messages.

use crate::i18n::{tr, Arg, Localizer};
use crate::RenderError;

/// A failure of the CLI: a catalogue message `error-…` and its arguments. Its text is in the
/// language of the run; its code is the message id without `error-`, in snake_case.
#[derive(Debug, Clone)]
pub struct CliError {
    id: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl CliError {
    /// The error of catalogue message `id` (which starts with `error-`).
    pub fn new(id: &'static str, args: Vec<(&'static str, Arg)>) -> CliError {
        CliError { id, args }
    }

    /// The stable code: `error-not-checked-in` gives `not_checked_in`.
    pub fn code(&self) -> String {
        code_of(self.id)
    }
}

/// The code of an `error-…` message id.
pub fn code_of(id: &str) -> String {
    id.strip_prefix("error-").unwrap_or(id).replace('-', "_")
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let args: Vec<(&str, Arg)> = self.args.iter().map(|(k, v)| (*k, v.clone())).collect();
        f.write_str(&tr(self.id, &args))
    }
}

impl std::error::Error for CliError {}

/// A [`CliError`]: `cli_error!("error-id")` or `cli_error!("error-id", name = value, …)`.
#[macro_export]
macro_rules! cli_error {
    ($id:expr) => {
        $crate::errors::CliError::new($id, Vec::new())
    };
    ($id:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::errors::CliError::new(
            $id,
            vec![$((stringify!($name), $crate::i18n::Arg::from($value))),+],
        )
    };
}

/// Returns a [`CliError`] from the function: `fail!("error-id", name = value, …)`.
#[macro_export]
macro_rules! fail {
    ($($t:tt)*) => {
        return Err($crate::cli_error!($($t)*).into())
    };
}

/// The sentence for a client-library error, in the language of the run.
pub fn client_text(e: &venuecode_client::Error) -> String {
    client_text_in(run(), e)
}

/// The sentence for an authority-library error, in the language of the run.
pub fn authority_text(e: &venuecode_authority::AuthorityError) -> String {
    authority_text_in(run(), e)
}

/// A protocol error in the language of the run (in English, its own text).
pub fn protocol_text(e: &venuecode_protocol::Error) -> String {
    protocol_text_in(run(), e)
}

/// An I/O error in the language of the run, by its kind.
pub fn io_text(e: &std::io::Error) -> String {
    io_text_in(run(), e)
}

/// What an authority-library error says, in the language of the run (in English, its own
/// text).
pub fn authority_why(e: &venuecode_authority::AuthorityError) -> String {
    authority_why_in(run(), e)
}

/// The localizer of the run's language.
fn run() -> &'static Localizer {
    Localizer::get(crate::i18n::language())
}

/// The sentence for a client-library error, in the language of `loc`.
pub fn client_text_in(loc: &Localizer, e: &venuecode_client::Error) -> String {
    use venuecode_client::Error as E;
    let detail = |d: String| vec![("detail", Arg::Text(d))];
    let args: Vec<(&str, Arg)> = match e {
        E::MalformedCode(p) | E::Protocol(p) => detail(protocol_text_in(loc, p)),
        E::Storage(s) => {
            let kind = e.storage_kind().unwrap_or(venuecode_client::IoKind::Other);
            detail(io_kind_text_in(loc, kind, &s.to_string()))
        }
        E::EditOutOfBounds(r)
        | E::InvalidServerUrl(r)
        | E::BadResponse(r)
        | E::InvalidArgument(r) => detail(reason_text_in(loc, *r)),
        E::InsecureServerUrl(s) => detail(s.clone()),
        E::TrustedCa(ca) => detail(ca_text_in(loc, ca)),
        E::CertificateRefused(why) => detail(certificate_text_in(loc, why)),
        E::Network(n) => detail(network_text_in(loc, n)),
        E::GuestNotFound(id) | E::GuestCheckedOut(id) | E::GuestIdentityNotKept(id) => {
            vec![("id", Arg::from(*id))]
        }
        E::Server {
            status,
            code,
            message,
        } => {
            let id = format!("server-{}", code.as_str().replace('_', "-"));
            let hint = if loc.has(&id) {
                loc.format(&id, &[])
            } else {
                code.hint().to_owned()
            };
            let msg = if code.as_str().is_empty() {
                "client-server-error-bare"
            } else {
                "client-server-error"
            };
            return loc.format(
                msg,
                &[
                    ("status", Arg::from(*status)),
                    ("code", Arg::from(code.as_str())),
                    (
                        "message",
                        Arg::Text(if message.is_empty() {
                            String::new()
                        } else {
                            format!(": {message}")
                        }),
                    ),
                    ("hint", Arg::Text(hint)),
                ],
            );
        }
        _ => Vec::new(),
    };
    let id = format!("client-{}", dashed(e.code()));
    loc.format(&id, &args)
}

/// A code as the tail of a message id: `bad_response` gives `bad-response`.
fn dashed(code: &str) -> String {
    code.replace('_', "-")
}

/// Free English text from a library that has no typed reason (a hex, JSON or image decoder's
/// message), for the `$more` of a CLI error made now: ` (text)` in an English run, nothing in
/// the others, whose sentence says what failed without it.
pub fn english_aside(text: &str) -> String {
    if crate::i18n::language() == crate::i18n::Lang::En {
        format!(" ({text})")
    } else {
        String::new()
    }
}

/// A library's free English text (an OS or parser message) as the `$more` of a message: said
/// in an English run after `lead`, left out of the others, whose sentences word the typed
/// reason instead.
fn more(loc: &Localizer, lead: &str, text: &str) -> (&'static str, Arg) {
    let said = if loc.lang() == crate::i18n::Lang::En {
        format!("{lead}{text}")
    } else {
        String::new()
    };
    ("more", Arg::Text(said))
}

/// A protocol error in the language of `loc` (in English, its own text).
pub fn protocol_text_in(loc: &Localizer, e: &venuecode_protocol::Error) -> String {
    use venuecode_protocol::Error as P;
    let id = format!("protocol-{}", dashed(e.code()));
    match e {
        P::UnsupportedVersion { found } | P::UnknownCodeKind { found } => {
            loc.format(&id, &[("found", Arg::from(*found))])
        }
        // API misuse, not the user's: the text names the argument for a bug report.
        P::InvalidArgument(what) => loc.format(&id, &[more(loc, ": ", what)]),
        _ => loc.format(&id, &[]),
    }
}

/// Why a certificate the server issued is refused, in the language of `loc` (in English, as
/// the library says it).
pub fn certificate_text_in(loc: &Localizer, why: &venuecode_client::CertificateProblem) -> String {
    use venuecode_client::CertificateProblem as C;
    match why {
        C::Undecodable(p) => loc.format(
            "certificate-undecodable",
            &[("detail", Arg::Text(protocol_text_in(loc, p)))],
        ),
        C::Unverified(p) => loc.format(
            "certificate-unverified",
            &[("detail", Arg::Text(protocol_text_in(loc, p)))],
        ),
        C::OtherThanAsked => loc.format("certificate-other-than-asked", &[]),
        C::SameSerial => loc.format("certificate-same-serial", &[]),
        other => other.to_string(),
    }
}

/// What is wrong with the private CA certificates to trust, in the language of `loc`.
pub fn ca_text_in(loc: &Localizer, ca: &venuecode_client::CaError) -> String {
    use venuecode_client::CaProblem as C;
    let file = ("file", Arg::from(ca.file()));
    match ca.problem() {
        C::Unreadable(kind) => loc.format(
            "ca-unreadable",
            &[
                file,
                (
                    "reason",
                    Arg::Text(io_kind_text_in(loc, kind, &ca.to_string())),
                ),
            ],
        ),
        C::NotPem => loc.format("ca-not-pem", &[file]),
        C::NoCertificate => loc.format("ca-no-certificate", &[file]),
        C::Unusable => loc.format("ca-unusable", &[file]),
        _ => ca.to_string(),
    }
}

/// A client library's reason in the language of `loc` (in English, its own text).
pub fn reason_text_in(loc: &Localizer, r: venuecode_client::Reason) -> String {
    loc.format(&format!("reason-{}", dashed(r.code())), &[])
}

/// A network failure: the server and the kind of failure, in the language of `loc`.
pub fn network_text_in(loc: &Localizer, n: &venuecode_client::NetworkError) -> String {
    use venuecode_client::NetworkKind as K;
    let id = format!("network-{}", dashed(n.kind().code()));
    let reason = if n.kind() == K::Other {
        // The transport's text, without the server it starts with.
        let text = n.to_string();
        let own = n
            .server()
            .and_then(|s| text.strip_prefix(s))
            .and_then(|t| t.strip_prefix(": "))
            .unwrap_or(&text)
            .to_owned();
        loc.format(&id, &[more(loc, ": ", &own)])
    } else {
        loc.format(&id, &[])
    };
    match n.server() {
        Some(server) => loc.format(
            "network-at",
            &[("server", Arg::from(server)), ("reason", Arg::Text(reason))],
        ),
        None => reason,
    }
}

/// An I/O failure of `kind` (`text` is the operating system's, said in English runs only when
/// the kind says nothing more).
fn io_kind_text_in(loc: &Localizer, kind: venuecode_client::IoKind, text: &str) -> String {
    let id = format!("io-{}", dashed(kind.code()));
    if kind == venuecode_client::IoKind::Other {
        loc.format(&id, &[more(loc, " (", &format!("{text})"))])
    } else {
        loc.format(&id, &[])
    }
}

/// An I/O error in the language of `loc`, by its kind.
pub fn io_text_in(loc: &Localizer, e: &std::io::Error) -> String {
    io_kind_text_in(loc, venuecode_client::IoKind::of(e.kind()), &e.to_string())
}

/// The sentence for an authority-library error, in the language of `loc`.
pub fn authority_text_in(loc: &Localizer, e: &venuecode_authority::AuthorityError) -> String {
    use venuecode_authority::AuthorityError as A;
    match e {
        A::Client(c) => client_text_in(loc, c),
        A::Request { source, .. } => authority_text_in(loc, source),
        A::BatchKeptPending { path, source } => loc.format(
            "authority-batch-kept-pending",
            &[
                ("path", Arg::Text(path.display().to_string())),
                ("detail", Arg::Text(authority_text_in(loc, source))),
            ],
        ),
        other => {
            let id = format!("authority-{}", dashed(other.code()));
            loc.format(&id, &[("detail", Arg::Text(authority_why_in(loc, other)))])
        }
    }
}

/// What an authority-library error says, in the language of `loc`: in English its own text,
/// which the `authority-*` sentences frame.
pub fn authority_why_in(loc: &Localizer, e: &venuecode_authority::AuthorityError) -> String {
    use venuecode_authority::AuthorityError as A;
    let path = |p: &std::path::Path| ("path", Arg::Text(p.display().to_string()));
    let detail = |d: String| ("detail", Arg::Text(d));
    let list = |items: Vec<String>| items.join(", ");
    match e {
        A::File { path: p, source } => loc.format(
            "why-file",
            &[path(p), ("reason", Arg::Text(io_text_in(loc, source)))],
        ),
        A::Corrupt { path: p, reason } => {
            loc.format("why-corrupt-state", &[path(p), more(loc, ": ", reason)])
        }
        A::Client(c) => client_text_in(loc, c),
        A::Request { what, source } => {
            let step = match *what {
                "registering TANs" => "step-registering-tans",
                "cancelling the TAN" => "step-cancelling-the-tan",
                "posting the checkpoint" => "step-posting-the-checkpoint",
                _ => "step-other",
            };
            loc.format(
                "why-request",
                &[
                    ("step", Arg::Text(loc.format(step, &[]))),
                    detail(authority_why_in(loc, source)),
                ],
            )
        }
        A::BadAnswer { what, reason } => {
            let answer = match *what {
                "TAN status" => "answer-tan-status",
                "upload listing" => "answer-upload-listing",
                "batch response" => "answer-batch-response",
                "venue search" => "answer-venue-search",
                "registrations" => "answer-registrations",
                "statistics" => "answer-statistics",
                "certificate" => "answer-certificate",
                _ => "answer-other",
            };
            loc.format(
                "why-bad-answer",
                &[
                    ("what", Arg::Text(loc.format(answer, &[]))),
                    more(loc, ": ", reason),
                ],
            )
        }
        A::Protocol(p) => protocol_text_in(loc, p),
        A::UnknownPurpose(p) => loc.format("why-unknown-purpose", &[("purpose", Arg::from(p))]),
        A::UploadUndecodable(p) => loc.format(
            "why-upload-undecodable",
            &[detail(protocol_text_in(loc, p))],
        ),
        A::UploadUnopenable(p) => {
            loc.format("why-upload-unopenable", &[detail(protocol_text_in(loc, p))])
        }
        A::SeedReleaseInvalid(p) => loc.format(
            "why-seed-release-invalid",
            &[detail(protocol_text_in(loc, p))],
        ),
        A::CodeInvalid(p) => loc.format("why-code-invalid", &[detail(protocol_text_in(loc, p))]),
        A::TanNotForCase { purpose } => {
            loc.format("why-tan-not-for-case", &[("purpose", Arg::from(purpose))])
        }
        A::TanReplayed { by } => loc.format("why-tan-replayed", &[("by", Arg::from(*by))]),
        A::TanIdUnknown { id } => loc.format(
            "why-tan-id-unknown",
            &[
                ("id", Arg::from(id)),
                ("min", Arg::from(venuecode_authority::TAN_ID_MIN)),
            ],
        ),
        A::TanIdAmbiguous { id, matches } => loc.format(
            "why-tan-id-ambiguous",
            &[
                ("id", Arg::from(id)),
                ("count", Arg::from(matches.len())),
                (
                    "matches",
                    Arg::Text(list(
                        matches
                            .iter()
                            .map(|m| {
                                m.get(..venuecode_authority::TAN_ID_LEN + 4)
                                    .unwrap_or(m)
                                    .to_owned()
                            })
                            .collect(),
                    )),
                ),
            ],
        ),
        A::TanAlreadyUsed { id } => loc.format("why-tan-already-used", &[("id", Arg::from(id))]),
        A::TanAlreadyCancelled { id } => {
            loc.format("why-tan-already-cancelled", &[("id", Arg::from(id))])
        }
        A::ClaimInvalid {
            reason,
            minutes,
            arrival,
            received_at,
        } => loc.format(
            "why-claim-invalid",
            &[
                detail(protocol_text_in(loc, reason)),
                ("minutes", Arg::from(*minutes)),
                ("arrival", Arg::from(*arrival)),
                ("received", Arg::from(*received_at)),
            ],
        ),
        A::EmptyWindow { serial } => {
            loc.format("why-empty-window", &[("serial", Arg::from(*serial))])
        }
        A::NoCheckInAtVenue { serial } => loc.format(
            "why-no-check-in-at-venue",
            &[("serial", Arg::from(*serial))],
        ),
        A::BatchKeptPending { path: p, source } => loc.format(
            "why-batch-kept-pending",
            &[path(p), detail(authority_why_in(loc, source))],
        ),
        A::NothingToPublish { skipped } => loc.format(
            "why-nothing-to-publish",
            &[("skipped", Arg::from(*skipped))],
        ),
        A::NothingNew { windows } => {
            loc.format("why-nothing-new", &[("windows", Arg::from(*windows))])
        }
        A::RegionNotAFilter { text } => {
            loc.format("why-region-not-a-filter", &[("text", Arg::from(text))])
        }
        A::RegionNotInTable { code } => {
            loc.format("why-region-not-in-table", &[("code", Arg::from(*code))])
        }
        A::UnknownCategory { slug } => loc.format(
            "why-unknown-category",
            &[
                ("slug", Arg::from(slug)),
                (
                    "slugs",
                    Arg::Text(list(
                        venuecode_protocol::VenueCategory::ALL
                            .iter()
                            .filter_map(|c| c.slug().map(str::to_owned))
                            .collect(),
                    )),
                ),
            ],
        ),
        A::DateRange { from, until } => loc.format(
            "why-date-range",
            &[
                ("from", Arg::Text(venuecode_authority::day_text(*from))),
                ("until", Arg::Text(venuecode_authority::day_text(*until))),
            ],
        ),
        A::UploadsMissing { ids } => loc.format(
            "why-uploads-missing",
            &[(
                "ids",
                Arg::Text(list(ids.iter().map(u64::to_string).collect())),
            )],
        ),
        A::RetentionMismatch { ours, server } => loc.format(
            "why-retention-mismatch",
            &[("ours", Arg::from(*ours)), ("server", Arg::from(*server))],
        ),
        A::KeyFile(k) => key_file_text_in(loc, k),
        A::KeyExists { path: p } => loc.format("why-key-exists", &[path(p)]),
        A::InvalidUrl { what, url, reason } => loc.format(
            "why-invalid-url",
            &[
                (
                    "what",
                    Arg::Text(loc.format(
                        if *what == "server URL" {
                            "url-server"
                        } else {
                            "url-code-base"
                        },
                        &[],
                    )),
                ),
                ("url", Arg::from(url)),
                detail(protocol_text_in(loc, reason)),
            ],
        ),
        // The variants without fields.
        other => loc.format(&format!("why-{}", dashed(other.code())), &[]),
    }
}

/// A key file's error in the language of `loc`.
pub fn key_file_text_in(loc: &Localizer, e: &venuecode_protocol::keyfile::KeyFileError) -> String {
    use venuecode_protocol::keyfile::{KeyFileError as K, KeyKind};
    let kind = |k: &KeyKind| {
        let id = match k {
            KeyKind::Ed25519Public => "key-kind-ed25519-public",
            KeyKind::Ed25519Secret => "key-kind-ed25519-secret",
            KeyKind::X25519Public => "key-kind-x25519-public",
            KeyKind::X25519Secret => "key-kind-x25519-secret",
            KeyKind::SymmetricSecret => "key-kind-symmetric-secret",
            KeyKind::VenueMasterSeed => "key-kind-venue-master-seed",
            other => return Arg::from(other.describe()),
        };
        Arg::Text(loc.format(id, &[]))
    };
    let path = |p: &std::path::Path| ("path", Arg::Text(p.display().to_string()));
    match e {
        K::Unreadable { path: p, reason } => {
            loc.format("key-unreadable", &[path(p), more(loc, ": ", reason)])
        }
        K::Unlabelled { path: p, expected } => loc.format(
            "key-unlabelled",
            &[
                path(p),
                ("expected", kind(expected)),
                ("label", Arg::from(expected.label())),
            ],
        ),
        K::WrongKind {
            path: p,
            found,
            expected,
        } => loc.format(
            if found.is_secret() && !expected.is_secret() {
                "key-secret-for-public"
            } else {
                "key-wrong-kind"
            },
            &[
                path(p),
                ("found", kind(found)),
                ("expected", kind(expected)),
            ],
        ),
        K::BadLine { path: p, line } => {
            loc.format("key-bad-line", &[path(p), ("line", Arg::from(*line))])
        }
        K::WrongCount {
            path: p,
            kind: k,
            found,
        } => loc.format(
            if k.is_secret() {
                "key-wrong-count-secret"
            } else {
                "key-wrong-count-public"
            },
            &[path(p), ("found", Arg::from(*found))],
        ),
        _ => e.to_string(),
    }
}

/// The code of a rendering error.
pub fn render_code(e: &RenderError) -> &'static str {
    match e {
        RenderError::FontNotFound { .. } => "font_not_found",
        RenderError::FontUnreadable { .. } | RenderError::FontUnusable { .. } => "font_unusable",
        RenderError::Write { .. } => "file",
        _ => "render",
    }
}

/// What the CLI prints for a failure: its code and one sentence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErrorReport {
    /// The stable code.
    pub code: String,
    /// The sentence, in the language of the run.
    pub message: String,
}

/// The `--json` form of a failure: `{"error": {"code": …, "message": …}}`.
#[derive(Debug, serde::Serialize)]
pub struct ErrorJson<'a> {
    /// The failure.
    pub error: &'a ErrorReport,
}

fn typed(cause: &(dyn std::error::Error + 'static)) -> Option<(String, String)> {
    if let Some(e) = cause.downcast_ref::<CliError>() {
        return Some((e.code(), e.to_string()));
    }
    if let Some(e) = cause.downcast_ref::<venuecode_client::Error>() {
        return Some((e.code().to_owned(), client_text(e)));
    }
    if let Some(e) = cause.downcast_ref::<venuecode_authority::AuthorityError>() {
        return Some((e.code().to_owned(), authority_text(e)));
    }
    if let Some(e) = cause.downcast_ref::<RenderError>() {
        let code = render_code(e);
        let id = format!("error-{}", code.replace('_', "-"));
        return Some((
            code.to_owned(),
            tr(&id, &[("detail", Arg::Text(e.to_string()))]),
        ));
    }
    if let Some(e) = cause.downcast_ref::<std::io::Error>() {
        return Some((
            "file".to_owned(),
            tr("error-file", &[("detail", Arg::Text(io_text(e)))]),
        ));
    }
    None
}

/// The code and sentence of a failure: the outermost error with a code gives both, after the
/// contexts wrapped around it; the causes below it are not repeated. A failure with no code
/// anywhere is `other`, its causes each said once.
pub fn report(e: &anyhow::Error) -> ErrorReport {
    let mut parts: Vec<String> = Vec::new();
    let push = |parts: &mut Vec<String>, text: String| {
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    };
    for cause in e.chain() {
        if let Some((code, text)) = typed(cause) {
            push(&mut parts, text);
            return ErrorReport {
                code,
                message: parts.join(": "),
            };
        }
        push(&mut parts, cause.to_string());
    }
    ErrorReport {
        code: "other".to_owned(),
        message: parts.join(": "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{catalogue_shape, EN_FTL};
    use std::collections::BTreeSet;

    /// The codes of a section of ERRORS.md: the first backticked word of each table row.
    fn documented(section: &str) -> BTreeSet<String> {
        let doc = include_str!("../ERRORS.md");
        let start = doc
            .find(&format!("## {section}"))
            .unwrap_or_else(|| panic!("ERRORS.md has no section {section}"));
        doc[start..]
            .lines()
            .skip(1)
            .take_while(|l| !l.starts_with("## "))
            .filter(|l| l.starts_with("| `"))
            .filter_map(|l| l.split('`').nth(1).map(str::to_owned))
            .collect()
    }

    #[test]
    fn errors_md_lists_exactly_the_codes_of_the_enums_and_the_catalogue() {
        let client: BTreeSet<String> = venuecode_client::Error::CODES
            .iter()
            .map(|c| (*c).to_owned())
            .collect();
        assert_eq!(documented("Client library"), client);
        let authority: BTreeSet<String> = venuecode_authority::AuthorityError::CODES
            .iter()
            .map(|c| (*c).to_owned())
            .collect();
        assert_eq!(documented("Authority library"), authority);
        let cli: BTreeSet<String> = catalogue_shape(EN_FTL)
            .keys()
            .filter(|id| id.starts_with("error-"))
            .map(|id| code_of(id))
            .chain(std::iter::once("other".to_owned()))
            .collect();
        assert_eq!(documented("CLI"), cli);
        let codes =
            |list: Vec<&str>| -> BTreeSet<String> { list.into_iter().map(str::to_owned).collect() };
        assert_eq!(
            documented("Protocol errors"),
            codes(venuecode_protocol::Error::CODES.to_vec())
        );
        assert_eq!(
            documented("Client reasons"),
            codes(
                venuecode_client::Reason::ALL
                    .iter()
                    .map(|r| r.code())
                    .collect()
            )
        );
        assert_eq!(
            documented("Network failures"),
            codes(
                venuecode_client::NetworkKind::ALL
                    .iter()
                    .map(|k| k.code())
                    .collect()
            )
        );
        assert_eq!(
            documented("Certificate problems"),
            codes(venuecode_client::CertificateProblem::CODES.to_vec())
        );
        assert_eq!(
            documented("CA problems"),
            codes(venuecode_client::CaProblem::CODES.to_vec())
        );
        assert_eq!(
            documented("File failures"),
            codes(
                venuecode_client::IoKind::ALL
                    .iter()
                    .map(|k| k.code())
                    .collect()
            )
        );
        // Every library code has its sentence.
        let shape = catalogue_shape(EN_FTL);
        for c in venuecode_client::Error::CODES {
            let id = format!("client-{}", c.replace('_', "-"));
            assert!(shape.contains_key(&id), "no message {id}");
        }
        for c in venuecode_authority::AuthorityError::CODES {
            let id = format!("authority-{}", c.replace('_', "-"));
            assert!(shape.contains_key(&id), "no message {id}");
        }
    }

    #[test]
    fn every_server_code_has_its_hint_in_both_catalogues() {
        let en = crate::i18n::Localizer::new(crate::i18n::Lang::En);
        let zh = crate::i18n::Localizer::new(crate::i18n::Lang::ZhCn);
        for code in venuecode_client::error::ErrorCode::ALL {
            let id = format!("server-{}", code.as_str().replace('_', "-"));
            // The English hint is the protocol crate's, word for word.
            assert_eq!(en.format(&id, &[]), code.hint(), "{id}");
            assert!(zh.has(&id), "zh-CN lacks {id}");
        }
    }

    #[test]
    fn every_typed_reason_has_a_message_in_both_catalogues() {
        use venuecode_client::{IoKind, NetworkKind, Reason};
        let mut ids: Vec<String> = Vec::new();
        ids.extend(
            venuecode_protocol::Error::CODES
                .iter()
                .map(|c| format!("protocol-{}", dashed(c))),
        );
        ids.extend(
            Reason::ALL
                .iter()
                .map(|r| format!("reason-{}", dashed(r.code()))),
        );
        ids.extend(
            NetworkKind::ALL
                .iter()
                .map(|k| format!("network-{}", dashed(k.code()))),
        );
        ids.extend(
            IoKind::ALL
                .iter()
                .map(|k| format!("io-{}", dashed(k.code()))),
        );
        ids.extend(
            venuecode_authority::AuthorityError::CODES
                .iter()
                .map(|c| format!("why-{}", dashed(c)))
                // Worded by the protocol's or the key file's messages.
                .filter(|id| id != "why-protocol" && id != "why-key-file"),
        );
        assert!(ids.len() > 100, "{}", ids.len());
        for lang in crate::i18n::Lang::ALL {
            let loc = crate::i18n::Localizer::new(lang);
            for id in &ids {
                assert!(loc.has(id), "{lang} lacks {id}");
            }
        }
    }

    /// Every error of each library, with made-up fields.
    fn protocol_errors() -> Vec<venuecode_protocol::Error> {
        use venuecode_protocol::Error as P;
        let all = vec![
            P::Truncated,
            P::TrailingBytes,
            P::Empty,
            P::TooLarge,
            P::UnsupportedVersion { found: 9 },
            P::UnknownCodeKind { found: 7 },
            P::InvalidUtf8,
            P::NonCanonical,
            P::ValueOutOfRange,
            P::InvalidUrl,
            P::InvalidPublicKey,
            P::WeakPublicKey,
            P::NonContributory,
            P::UnknownKeyId,
            P::CertificateSignatureInvalid,
            P::VenueSignatureInvalid,
            P::BatchSignatureInvalid,
            P::BatchDigestMismatch,
            P::RevocationListSignatureInvalid,
            P::RequestSignatureInvalid,
            P::RequestTimestampOutOfWindow,
            P::SeedReleaseSignatureInvalid,
            P::CertificateNotYetValid,
            P::CertificateExpired,
            P::CodeStale,
            P::CodeValidityInvalid,
            P::Revoked,
            P::Superseded,
            P::OpenFailed,
            P::Rollback,
            P::RevocationGap,
            P::BatchChainBroken,
            P::CheckpointSignatureInvalid,
            P::ClaimOutsideDisplayWindow,
            P::TrustBundleSignatureInvalid,
            P::InvalidArgument("the window is empty"),
            P::RandomnessUnavailable,
        ];
        let codes: Vec<&str> = all.iter().map(|e| e.code()).collect();
        assert_eq!(
            codes,
            venuecode_protocol::Error::CODES,
            "a variant is missing here"
        );
        all
    }

    #[test]
    fn english_words_the_typed_reasons_as_the_libraries_do() {
        // The unit tests run in English (nothing here sets another language).
        assert_eq!(crate::i18n::language(), crate::i18n::Lang::En);
        for e in protocol_errors() {
            assert_eq!(protocol_text(&e), e.to_string(), "{e:?}");
        }
        use venuecode_client::CertificateProblem as C;
        for c in [
            C::Undecodable(venuecode_protocol::Error::Truncated),
            C::Unverified(venuecode_protocol::Error::CertificateSignatureInvalid),
            C::OtherThanAsked,
            C::SameSerial,
        ] {
            assert_eq!(certificate_text_in(run(), &c), c.to_string(), "{c:?}");
        }
        for r in venuecode_client::Reason::ALL {
            assert_eq!(reason_text_in(run(), *r), r.to_string(), "{r:?}");
        }
        use venuecode_authority::AuthorityError as A;
        use venuecode_protocol::keyfile::{KeyFileError as K, KeyKind};
        let p = venuecode_protocol::Error::Truncated;
        let key = |e: K| A::KeyFile(e);
        let authority = [
            A::Corrupt {
                path: "state/chain.json".into(),
                reason: "link: `zz` is not 64 hex digits".into(),
            },
            A::Request {
                what: "posting the checkpoint",
                source: Box::new(A::ChainMismatch),
            },
            A::BadAnswer {
                what: "upload listing",
                reason: "expected value at line 1".into(),
            },
            A::Protocol(p),
            A::UnknownPurpose("mystery".into()),
            A::UploadUndecodable(p),
            A::UploadUnopenable(venuecode_protocol::Error::OpenFailed),
            A::SeedReleaseInvalid(p),
            A::TanUnknown,
            A::TanNotForCase {
                purpose: "seeds".into(),
            },
            A::TanReplayed { by: 12 },
            A::TanUsed,
            A::TanCancelled,
            A::TanIdUnknown { id: "abc".into() },
            A::TanIdAmbiguous {
                id: "ab".into(),
                matches: vec!["ab".repeat(16), "abcdef".into()],
            },
            A::TanAlreadyUsed { id: "ab12".into() },
            A::TanAlreadyCancelled { id: "ab12".into() },
            A::CodeInvalid(venuecode_protocol::Error::Revoked),
            A::ClaimInvalid {
                reason: venuecode_protocol::Error::ClaimOutsideDisplayWindow,
                minutes: 90,
                arrival: 29_000_000,
                received_at: 29_000_100,
            },
            A::EmptyWindow { serial: 5 },
            A::NoCheckInAtVenue { serial: 5 },
            A::ChainMismatch,
            A::BatchKeptPending {
                path: "pending.bin".into(),
                source: Box::new(A::ChainMismatch),
            },
            A::NothingToPublish { skipped: 0 },
            A::NothingToPublish { skipped: 3 },
            A::NothingNew { windows: 2 },
            A::AllWindowsRefused,
            A::RegionNotAFilter { text: "4".into() },
            A::RegionNotInTable { code: 990_000 },
            A::UnknownCategory { slug: "zoo".into() },
            A::DateRange {
                from: 20_000,
                until: 19_999,
            },
            A::UploadsMissing { ids: vec![3, 4] },
            A::RetentionMismatch {
                ours: 14,
                server: 7,
            },
            key(K::Unreadable {
                path: "ra/ra.key".into(),
                reason: "denied".into(),
            }),
            key(K::Unlabelled {
                path: "k".into(),
                expected: KeyKind::X25519Public,
            }),
            key(K::WrongKind {
                path: "k".into(),
                found: KeyKind::Ed25519Secret,
                expected: KeyKind::Ed25519Public,
            }),
            key(K::WrongKind {
                path: "k".into(),
                found: KeyKind::SymmetricSecret,
                expected: KeyKind::VenueMasterSeed,
            }),
            key(K::BadLine {
                path: "k".into(),
                line: 2,
            }),
            key(K::WrongCount {
                path: "k".into(),
                kind: KeyKind::X25519Secret,
                found: 2,
            }),
            key(K::WrongCount {
                path: "k".into(),
                kind: KeyKind::Ed25519Public,
                found: 0,
            }),
            A::KeyExists {
                path: "ra/ra.key".into(),
            },
            A::InvalidUrl {
                what: "code base URL",
                url: "ftp://x".into(),
                reason: venuecode_protocol::Error::InvalidUrl,
            },
        ];
        for e in &authority {
            assert_eq!(authority_why(e), e.to_string(), "{e:?}");
        }
    }

    #[test]
    fn a_wrapped_error_is_reported_once_with_its_code() {
        let inner = anyhow::Error::new(venuecode_client::Error::TanTypo).context("sharing");
        let r = report(&inner);
        assert_eq!(r.code, "tan_typo");
        assert!(r.message.starts_with("sharing: "), "{r:?}");
        let plain = report(&anyhow::anyhow!("something"));
        assert_eq!(plain.code, "other");
        let cli = report(&anyhow::Error::new(cli_error!("error-not-checked-in")));
        assert_eq!(cli.code, "not_checked_in");
    }
}
