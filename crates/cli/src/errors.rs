//! Errors the CLI prints: each has a stable snake_case code (crates/cli/ERRORS.md lists them)
//! and one translated sentence that says what to do, printed once.
//!
//! Failures of the CLI itself are [`CliError`]s, a message of the catalogue (`error-*`) whose
//! code is its id; failures of the client and authority libraries keep their own codes
//! ([`venuecode_client::Error::code`], [`venuecode_authority::AuthorityError::code`]) and are
//! worded by the catalogue's `client-*` and `authority-*` messages.

use crate::i18n::{tr, Arg};
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
    use venuecode_client::Error as E;
    let detail = |d: String| vec![("detail", Arg::Text(d))];
    let args: Vec<(&str, Arg)> = match e {
        E::MalformedCode(p) | E::Protocol(p) => detail(p.to_string()),
        E::Storage(s) => detail(s.to_string()),
        E::EditOutOfBounds(w)
        | E::InvalidServerUrl(w)
        | E::BadResponse(w)
        | E::InvalidArgument(w) => detail((*w).to_owned()),
        E::InsecureServerUrl(s) | E::TrustedCa(s) | E::CertificateRefused(s) => detail(s.clone()),
        E::Network(n) => detail(n.to_string()),
        E::GuestNotFound(id) | E::GuestCheckedOut(id) | E::GuestIdentityNotKept(id) => {
            vec![("id", Arg::from(*id))]
        }
        E::Server {
            status,
            code,
            message,
        } => {
            let id = format!("server-{}", code.as_str().replace('_', "-"));
            let hint = if crate::i18n::Localizer::get(crate::i18n::language()).has(&id) {
                tr(&id, &[])
            } else {
                code.hint().to_owned()
            };
            let msg = if code.as_str().is_empty() {
                "client-server-error-bare"
            } else {
                "client-server-error"
            };
            return tr(
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
    let id = format!("client-{}", e.code().replace('_', "-"));
    tr(&id, &args)
}

/// The sentence for an authority-library error, in the language of the run.
pub fn authority_text(e: &venuecode_authority::AuthorityError) -> String {
    use venuecode_authority::AuthorityError as A;
    match e {
        A::Client(c) => client_text(c),
        A::Request { source, .. } => authority_text(source),
        A::BatchKeptPending { path, source } => tr(
            "authority-batch-kept-pending",
            &[
                ("path", Arg::Text(path.display().to_string())),
                ("detail", Arg::Text(authority_text(source))),
            ],
        ),
        other => {
            let id = format!("authority-{}", other.code().replace('_', "-"));
            tr(&id, &[("detail", Arg::Text(other.to_string()))])
        }
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
            tr("error-file", &[("detail", Arg::Text(e.to_string()))]),
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
