//! The message catalogue: every sentence the CLI shows people, in English and Simplified
//! Chinese, as Fluent files embedded in the binary (`crates/cli/i18n/{en,zh-CN}/venuecode.ftl`,
//! and `details.ftl` for the reasons inside error sentences, see [`crate::errors`]).
//!
//! The language of a run is chosen once ([`set_language`]: `--lang`, `VENUECODE_LANG`, else
//! the locale, see [`Lang::from_env`]); [`t!`](crate::t) formats a message in it. A poster or
//! display page is rendered in the venue's own language with a [`Localizer`] for it.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The English catalogue: the sentences (venuecode.ftl), then the reasons inside them that
/// are worded from the libraries' typed errors (details.ftl), as one resource.
pub const EN_FTL: &str = concat!(
    include_str!("../i18n/en/venuecode.ftl"),
    "\n",
    include_str!("../i18n/en/details.ftl")
);
/// The Simplified Chinese catalogue, made as [`EN_FTL`] is.
pub const ZH_CN_FTL: &str = concat!(
    include_str!("../i18n/zh-CN/venuecode.ftl"),
    "\n",
    include_str!("../i18n/zh-CN/details.ftl")
);

/// A language the CLI speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    /// English.
    #[serde(rename = "en")]
    En,
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Lang {
    /// Every language, English (the fallback) first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The BCP 47 tag: `en` or `zh-CN`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhCn => "zh-CN",
        }
    }

    /// A language for a tag or locale name: `en`, `en-US`, `en_GB.UTF-8` → English; `zh`,
    /// `zh-CN`, `zh_CN.UTF-8`, `zh-Hans` → Simplified Chinese. `None` for anything else.
    pub fn parse(s: &str) -> Option<Lang> {
        let lower = s.trim().to_ascii_lowercase();
        let base = lower.split(['-', '_', '.', '@']).next().unwrap_or_default();
        match base {
            "en" => Some(Self::En),
            "zh" => Some(Self::ZhCn),
            _ => None,
        }
    }

    /// The language of the locale: the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is
    /// set and not empty; `zh*` gives Simplified Chinese, anything else (or nothing) English.
    pub fn from_env() -> Lang {
        Self::from_locale_vars(|k| std::env::var(k).ok())
    }

    /// [`Lang::from_env`] over any lookup of the variables (for tests).
    pub fn from_locale_vars(get: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| get(k))
            .find(|v| !v.trim().is_empty())
            .map(|v| {
                if v.trim().to_ascii_lowercase().starts_with("zh") {
                    Self::ZhCn
                } else {
                    Self::En
                }
            })
            .unwrap_or(Self::En)
    }

    fn source(self) -> &'static str {
        match self {
            Self::En => EN_FTL,
            Self::ZhCn => ZH_CN_FTL,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::parse(s).ok_or_else(|| crate::t!("error-bad-lang", lang = s))
    }
}

/// A message argument: text or a whole number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Text, shown as it is.
    Text(String),
    /// A number (plural forms select on it).
    Num(i64),
}

macro_rules! arg_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                // Fluent numbers are f64: a number beyond 2^53 (an id) stays exact as text.
                match i64::try_from(n) {
                    Ok(v) if v.unsigned_abs() < (1 << 53) => Arg::Num(v),
                    _ => Arg::Text(n.to_string()),
                }
            }
        }
    )*};
}
arg_from_int!(u8, u16, u32, u64, usize, i32, i64);

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Text(s.clone())
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}

/// Formats messages of one language's catalogue, falling back to English for a message the
/// catalogue lacks (the catalogue test keeps that from happening) and to the id itself.
pub struct Localizer {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
}

impl Localizer {
    /// The catalogue of `lang`, parsed.
    pub fn new(lang: Lang) -> Localizer {
        let langid: unic_langid::LanguageIdentifier = lang
            .tag()
            .parse()
            .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
        let mut bundle = FluentBundle::new_concurrent(vec![langid]);
        // Terminal output and SVG: no Unicode isolation marks around arguments.
        bundle.set_use_isolating(false);
        // The catalogues are ours and checked by tests; a syntax error keeps the entries
        // that parse.
        let resource = match FluentResource::try_new(lang.source().to_owned()) {
            Ok(r) => r,
            Err((r, _)) => r,
        };
        let _ = bundle.add_resource(resource);
        Localizer { lang, bundle }
    }

    /// The shared localizer of `lang`.
    pub fn get(lang: Lang) -> &'static Localizer {
        static EN: OnceLock<Localizer> = OnceLock::new();
        static ZH: OnceLock<Localizer> = OnceLock::new();
        match lang {
            Lang::En => EN.get_or_init(|| Localizer::new(Lang::En)),
            Lang::ZhCn => ZH.get_or_init(|| Localizer::new(Lang::ZhCn)),
        }
    }

    /// Its language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Whether the catalogue has a message `id`.
    pub fn has(&self, id: &str) -> bool {
        self.bundle.has_message(id)
    }

    /// The message `id` with its arguments.
    pub fn format(&self, id: &str, args: &[(&str, Arg)]) -> String {
        match self.try_format(id, args) {
            Some(s) => s,
            None if self.lang != Lang::En => Localizer::get(Lang::En).format(id, args),
            None => id.to_owned(),
        }
    }

    fn try_format(&self, id: &str, args: &[(&str, Arg)]) -> Option<String> {
        let msg = self.bundle.get_message(id)?;
        let pattern = msg.value()?;
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            match v {
                Arg::Text(s) => fargs.set(*k, FluentValue::from(s.as_str())),
                Arg::Num(n) => fargs.set(*k, FluentValue::from(*n)),
            }
        }
        let mut errors = Vec::new();
        let out = self
            .bundle
            .format_pattern(pattern, Some(&fargs), &mut errors);
        Some(out.into_owned())
    }
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Sets the language of this run.
pub fn set_language(lang: Lang) {
    CURRENT.store(
        match lang {
            Lang::En => 0,
            Lang::ZhCn => 1,
        },
        Ordering::Relaxed,
    );
}

/// The language of this run (English until [`set_language`]).
pub fn language() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::ZhCn,
        _ => Lang::En,
    }
}

/// The message `id` in the language of this run.
pub fn tr(id: &str, args: &[(&str, Arg)]) -> String {
    Localizer::get(language()).format(id, args)
}

/// A message of the catalogue in the language of this run: `t!("id")` or
/// `t!("id", name = value, …)`, each value anything that converts into an [`Arg`].
#[macro_export]
macro_rules! t {
    ($id:expr) => {
        $crate::i18n::tr($id, &[])
    };
    ($id:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::tr($id, &[$((stringify!($name), $crate::i18n::Arg::from($value))),+])
    };
}

/// Like [`t!`](crate::t), in a given [`Localizer`]'s language.
#[macro_export]
macro_rules! tl {
    ($loc:expr, $id:expr) => {
        $loc.format($id, &[])
    };
    ($loc:expr, $id:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $loc.format($id, &[$((stringify!($name), $crate::i18n::Arg::from($value))),+])
    };
}

/// A region code as people read it: the code, then its names from the GB/T 2260 table (the
/// code alone when the table does not hold it).
pub fn region_text(code: u32) -> String {
    use venuecode_client::regions::{lookup_u32, Lang as RegionLang};
    match lookup_u32(code) {
        Some(r) => format!(
            "{code} {} ({})",
            r.display_name(RegionLang::Zh),
            r.display_name(RegionLang::En)
        ),
        None => code.to_string(),
    }
}

/// A venue category (its slug, as the server and `--category` name it) as people read it: the
/// slug in English; in Chinese the programme's name, then the slug that `--category` takes.
pub fn category_text(slug: &str) -> String {
    let chinese = venuecode_protocol::VenueCategory::ALL
        .iter()
        .find(|c| c.slug() == Some(slug))
        .and_then(|c| c.chinese());
    match (language(), chinese) {
        (Lang::ZhCn, Some(name)) => format!("{name} ({slug})"),
        _ => slug.to_owned(),
    }
}

/// The catalogue id of the description of a command: `help` for the program, then each
/// subcommand's name after a dot-free dash (`help-authority-disable`).
pub fn help_id(path: &[&str]) -> String {
    std::iter::once("help")
        .chain(path.iter().copied())
        .collect::<Vec<_>>()
        .join("-")
}

/// The catalogue id of the help of argument `arg` (its clap id) of the command at `path`: the
/// command's id, two dashes, the argument's id with `_` as `-` (`help-authority-disable--yes`).
pub fn arg_help_id(path: &[&str], arg: &str) -> String {
    format!("{}--{}", help_id(path), arg.replace('_', "-"))
}

/// The catalogue id of the examples shown after a command's help: `examples` and the
/// command's path (`examples-authority-disable`).
pub fn examples_id(path: &[&str]) -> String {
    std::iter::once("examples")
        .chain(path.iter().copied())
        .collect::<Vec<_>>()
        .join("-")
}

/// Whether the examples after a command's help (`after_help`) need words of their own in
/// another language: anything besides an `Example:`/`Examples:` heading and command lines (a
/// comment, a sentence, another heading). Those have an `examples-…` message; the others only
/// change their heading ([`localize_examples_heading`]).
pub fn examples_need_words(after: &str) -> bool {
    let mut lines = after.lines();
    let heading = lines.next().unwrap_or_default();
    !matches!(heading, "Example:" | "Examples:")
        || lines.any(|l| l.contains("# ") || !l.starts_with(' '))
}

/// Examples made only of command lines, with their heading in the language of `loc`.
fn localize_examples_heading(after: &str, loc: &Localizer) -> String {
    let rest = after
        .split_once('\n')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    format!("{}\n{rest}", loc.format("clap-examples", &[]))
}

/// `cmd` in the language of the run: the description of it and of every subcommand (`help-…`
/// messages) in every language; in another language than English also each argument's help
/// (`help-…--arg`), the examples after the help (their heading, or `examples-…` where they
/// hold words, see [`examples_need_words`]), and clap's own words (the
/// headings, `-h`/`--help`, `-V`/`--version`, the `help` subcommand; `clap-…` messages).
/// English keeps the longer text of the argument definitions (their doc comments); in another
/// language the catalogue's text replaces it.
pub fn localize_command(cmd: clap::Command) -> clap::Command {
    fn walk(mut cmd: clap::Command, path: &mut Vec<String>, loc: &Localizer) -> clap::Command {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let id = help_id(&parts);
        let english = loc.lang() == Lang::En;
        if loc.has(&id) {
            cmd = cmd.about(loc.format(&id, &[]));
            if !english {
                cmd = cmd.long_about(None);
            }
        }
        if !english {
            if let Some(after) = cmd.get_after_help().map(|a| a.to_string()) {
                let examples = examples_id(&parts);
                cmd = cmd.after_help(if loc.has(&examples) {
                    loc.format(&examples, &[])
                } else {
                    localize_examples_heading(&after, loc)
                });
            }
            let args: Vec<String> = cmd
                .get_arguments()
                .map(|a| a.get_id().as_str().to_owned())
                .collect();
            for arg in args {
                let id = arg_help_id(&parts, &arg);
                if loc.has(&id) {
                    let text = loc.format(&id, &[]);
                    cmd = cmd.mut_arg(&arg, |a| a.help(text).long_help(None));
                }
            }
        }
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        for name in names {
            path.push(name.clone());
            cmd = cmd.mut_subcommand(&name, |s| walk(s, path, loc));
            path.pop();
        }
        cmd
    }

    /// clap's own words, on the built command tree (where `--help`, `--version`, the `help`
    /// subcommand and the global arguments of every subcommand exist).
    fn clap_words(mut cmd: clap::Command, loc: &Localizer) -> clap::Command {
        let w = |id: &str| loc.format(id, &[]);
        cmd = cmd
            .help_template(format!(
                "{{before-help}}{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
                w("clap-usage")
            ))
            .subcommand_help_heading(w("clap-commands"));
        let args: Vec<(String, bool)> = cmd
            .get_arguments()
            .map(|a| (a.get_id().as_str().to_owned(), a.is_positional()))
            .collect();
        for (id, positional) in args {
            let heading = w(if positional {
                "clap-arguments"
            } else {
                "clap-options"
            });
            let builtin = match id.as_str() {
                "help" => Some(w("clap-help")),
                "version" => Some(w("clap-version")),
                _ => None,
            };
            cmd = cmd.mut_arg(&id, |a| {
                let a = a.help_heading(heading);
                match builtin {
                    Some(text) => a.help(text).long_help(None),
                    None => with_value_notes(a, loc),
                }
            });
        }
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        for name in names {
            cmd = if name == "help" {
                // clap's `help` subcommand (the copies of the tree under it only list names).
                cmd.mut_subcommand(&name, |s| s.about(w("clap-help-command")))
            } else {
                cmd.mut_subcommand(&name, |s| clap_words(s, loc))
            };
        }
        cmd
    }

    /// `a` with clap's English notes after its help (`[default: …]`, `[env: …]`,
    /// `[possible values: …]`) hidden and worded from the catalogue instead.
    fn with_value_notes(a: clap::Arg, loc: &Localizer) -> clap::Arg {
        let mut notes = Vec::new();
        if a.get_action().takes_values() {
            let values: Vec<String> = a
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| match v.get_help() {
                    Some(h) => format!("{}（{h}）", v.get_name()),
                    None => v.get_name().to_owned(),
                })
                .collect();
            if !values.is_empty() {
                notes.push(tl!(loc, "clap-possible-values", values = values.join(", ")));
            }
            let defaults: Vec<String> = a
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            if !defaults.is_empty() && !a.is_hide_default_value_set() {
                notes.push(tl!(loc, "clap-default", value = defaults.join(", ")));
            }
        }
        if let Some(env) = a.get_env().filter(|_| !a.is_hide_env_set()) {
            notes.push(tl!(
                loc,
                "clap-env",
                name = env.to_string_lossy().into_owned()
            ));
        }
        if notes.is_empty() {
            return a;
        }
        let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
        let text = format!("{help} {}", notes.join(" "));
        a.help(text.trim_start().to_owned())
            .hide_possible_values(true)
            .hide_default_value(true)
            .hide_env(true)
    }

    let loc = Localizer::get(language());
    let mut cmd = walk(cmd, &mut Vec::new(), loc);
    if loc.lang() == Lang::En {
        return cmd;
    }
    cmd.build();
    clap_words(cmd, loc)
}

/// A command-line error of clap in the language of `loc`, for the kinds people meet (an
/// unknown or missing argument or command, a refused value, a conflict); `None` for the
/// others (and for help and version, which are no errors), which clap words itself.
pub fn clap_error_text(e: &clap::Error, loc: &Localizer) -> Option<String> {
    use clap::error::{ContextKind as C, ErrorKind as K};
    let get = |k: C| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let arg = get(C::InvalidArg);
    Some(match e.kind() {
        K::InvalidValue => {
            let valid = get(C::ValidValue);
            if valid.is_empty() {
                tl!(loc, "clap-empty-value", arg = arg)
            } else {
                tl!(
                    loc,
                    "clap-invalid-value",
                    arg = arg,
                    value = get(C::InvalidValue),
                    valid = valid
                )
            }
        }
        K::ValueValidation => tl!(
            loc,
            "clap-value-refused",
            arg = arg,
            value = get(C::InvalidValue),
            detail = std::error::Error::source(e)
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
        K::UnknownArgument => tl!(loc, "clap-unknown-argument", arg = arg),
        K::InvalidSubcommand => {
            tl!(
                loc,
                "clap-unknown-command",
                command = get(C::InvalidSubcommand)
            )
        }
        K::MissingRequiredArgument => tl!(loc, "clap-missing-argument", arg = arg),
        K::MissingSubcommand => tl!(loc, "clap-missing-command"),
        K::ArgumentConflict => tl!(loc, "clap-conflict", arg = arg, other = get(C::PriorArg)),
        _ => return None,
    })
}

/// The language a run asks for before its arguments are parsed (so that `--help` speaks it):
/// `--lang X` or `--lang=X` among `args`, else `VENUECODE_LANG`, else the locale.
pub fn language_of_args(args: &[std::ffi::OsString]) -> Lang {
    let mut iter = args.iter().filter_map(|a| a.to_str());
    while let Some(a) = iter.next() {
        if a == "--" {
            break;
        }
        let value = match a.strip_prefix("--lang") {
            Some("") => iter.next(),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        if let Some(lang) = value.and_then(Lang::parse) {
            return lang;
        }
    }
    std::env::var("VENUECODE_LANG")
        .ok()
        .and_then(|v| Lang::parse(&v))
        .unwrap_or_else(Lang::from_env)
}

/// The message ids of a catalogue, each with the sorted names of the variables it uses, as
/// read from the source text (for the test that both catalogues match).
pub fn catalogue_shape(source: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut current: Option<String> = None;
    for line in source.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            if let Some((id, _)) = line.split_once('=') {
                let id = id.trim().to_owned();
                out.entry(id.clone()).or_default();
                current = Some(id);
            }
        }
        if let Some(id) = &current {
            let vars = out.entry(id.clone()).or_default();
            let mut rest = line;
            while let Some(i) = rest.find('$') {
                rest = &rest[i + 1..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                if !name.is_empty() && !vars.contains(&name) {
                    vars.push(name);
                }
            }
            vars.sort();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_parse_and_have_the_same_messages_and_variables() {
        for lang in Lang::ALL {
            if let Err((_, errors)) = FluentResource::try_new(lang.source().to_owned()) {
                panic!("{lang} catalogue does not parse: {errors:?}");
            }
        }
        let en = catalogue_shape(EN_FTL);
        let zh = catalogue_shape(ZH_CN_FTL);
        assert!(en.len() > 50, "the English catalogue looks empty");
        for (id, vars) in &en {
            assert_eq!(zh.get(id), Some(vars), "zh-CN differs from en at `{id}`");
        }
        for id in zh.keys() {
            assert!(en.contains_key(id), "zh-CN has `{id}`, en does not");
        }
    }

    #[test]
    fn every_message_formats_in_both_languages() {
        for lang in Lang::ALL {
            let loc = Localizer::new(lang);
            for id in catalogue_shape(lang.source()).keys() {
                assert!(loc.has(id), "{lang}: `{id}` is not a message");
                assert!(
                    loc.try_format(id, &[]).is_some(),
                    "{lang}: `{id}` has no value"
                );
            }
        }
    }

    #[test]
    fn language_comes_from_tags_and_the_locale() {
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(Lang::from_locale_vars(env(&[])), Lang::En);
        assert_eq!(
            Lang::from_locale_vars(env(&[("LANG", "zh_CN.UTF-8")])),
            Lang::ZhCn
        );
        // LC_ALL wins over LANG; an empty one is skipped.
        assert_eq!(
            Lang::from_locale_vars(env(&[("LC_ALL", "C.UTF-8"), ("LANG", "zh_CN.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LC_ALL", ""), ("LC_MESSAGES", "zh_TW")])),
            Lang::ZhCn
        );
    }

    #[test]
    fn clap_errors_are_worded_in_chinese() {
        let zh = Localizer::new(Lang::ZhCn);
        let cmd = || {
            clap::Command::new("venuecode")
                .arg(clap::Arg::new("name").long("name").required(true))
                .arg(
                    clap::Arg::new("risk")
                        .long("risk")
                        .value_parser(["high", "low"]),
                )
        };
        let text = |args: &[&str]| {
            let e = cmd().try_get_matches_from(args).expect_err("refused");
            clap_error_text(&e, &zh).unwrap_or_else(|| format!("unworded: {e}"))
        };
        assert_eq!(
            text(&["venuecode", "--name", "a", "--bogus"]),
            "未知参数 --bogus"
        );
        assert_eq!(text(&["venuecode"]), "缺少必需的参数：--name <name>");
        assert_eq!(
            text(&["venuecode", "--name", "a", "--risk", "mid"]),
            "--risk <risk> 的值 `mid` 无效；可选：high, low"
        );
    }

    #[test]
    fn arguments_and_plurals_format_in_both_languages() {
        let en = Localizer::new(Lang::En);
        let zh = Localizer::new(Lang::ZhCn);
        assert_eq!(
            tl!(en, "visitor-checked-out", venue = "Noodles", time = "10:00"),
            "checked out of Noodles at 10:00"
        );
        assert_eq!(
            tl!(zh, "visitor-checked-out", venue = "面馆", time = "10:00"),
            "已于 10:00 离开面馆"
        );
    }
}
