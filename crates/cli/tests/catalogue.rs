//! The message catalogues against the code: every message id the code names exists in both
//! catalogues, and every message of the catalogues is used by the code (named in it, or made
//! from a library's error code, a server error code, a rendering error or a command's path).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use venuecode::i18n::{catalogue_shape, EN_FTL, ZH_CN_FTL};

/// Every Rust source file under `dir`.
fn sources(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            // Comments (doc examples such as `t!("id")`) name no message.
            let text = std::fs::read_to_string(&path).unwrap();
            let code: Vec<&str> = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect();
            out.push(code.join("\n"));
        }
    }
}

/// The string literals of `source` that look like message ids (`word-word…`), each with
/// whether it is the first argument of a message macro or function (`t!`, `tr`, `fail!`,
/// `cli_error!`, `tl!` with a localizer named `loc`).
fn id_literals(source: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find('"') {
        let before = &rest[..start];
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        let text = &after[..end];
        let looks_like_id = text.contains('-')
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && text.starts_with(|c: char| c.is_ascii_lowercase());
        if looks_like_id {
            let head = before.trim_end();
            // `tl!(loc, "id", …)` names it after its localizer (maybe across lines).
            let tail = head
                .char_indices()
                .rev()
                .nth(40)
                .map_or(head, |(i, _)| &head[i..]);
            let compact: String = tail.chars().filter(|c| !c.is_whitespace()).collect();
            let named = ["t!(", "tr(", "fail!(", "cli_error!(", "tl!(loc,"]
                .iter()
                .any(|m| compact.ends_with(m));
            out.push((text.to_owned(), named));
        }
        rest = &after[end + 1..];
    }
    out
}

#[test]
fn every_id_the_code_names_exists_and_every_message_is_used() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let literals: Vec<(String, bool)> = files.iter().flat_map(|f| id_literals(f)).collect();
    let en = catalogue_shape(EN_FTL);
    let zh = catalogue_shape(ZH_CN_FTL);
    assert!(
        literals.iter().filter(|(_, named)| *named).count() > 100,
        "the scan found too few message ids"
    );
    for (id, named) in &literals {
        if *named {
            assert!(en.contains_key(id), "the code names `{id}`, en lacks it");
            assert!(zh.contains_key(id), "the code names `{id}`, zh-CN lacks it");
        }
    }

    // Ids made at run time from codes.
    let dash = |c: &str| c.replace('_', "-");
    let mut made: BTreeSet<String> = BTreeSet::new();
    made.extend(
        venuecode_client::Error::CODES
            .iter()
            .map(|c| format!("client-{}", dash(c))),
    );
    made.extend(
        venuecode_authority::AuthorityError::CODES
            .iter()
            .map(|c| format!("authority-{}", dash(c))),
    );
    made.extend(
        venuecode_client::error::ErrorCode::ALL
            .iter()
            .map(|c| format!("server-{}", dash(c.as_str()))),
    );
    made.extend(
        venuecode_protocol::Error::CODES
            .iter()
            .map(|c| format!("protocol-{}", dash(c))),
    );
    made.extend(
        venuecode_client::Reason::ALL
            .iter()
            .map(|r| format!("reason-{}", dash(r.code()))),
    );
    made.extend(
        venuecode_client::NetworkKind::ALL
            .iter()
            .map(|k| format!("network-{}", dash(k.code()))),
    );
    made.extend(
        venuecode_client::IoKind::ALL
            .iter()
            .map(|k| format!("io-{}", dash(k.code()))),
    );
    // The authority library's errors without fields are worded by `why-` and their code.
    made.extend(
        venuecode_authority::AuthorityError::CODES
            .iter()
            .map(|c| format!("why-{}", dash(c))),
    );
    made.extend(
        ["font_not_found", "font_unusable", "file", "render"]
            .iter()
            .map(|c| format!("error-{}", dash(c))),
    );
    let named: BTreeSet<&str> = literals.iter().map(|(id, _)| id.as_str()).collect();
    let unused: Vec<&String> = en
        .keys()
        // Command and argument descriptions and examples are checked against the command
        // tree by the binary's test.
        .filter(|id| !id.starts_with("help") && !id.starts_with("examples"))
        .filter(|id| !named.contains(id.as_str()) && !made.contains(*id))
        .collect();
    assert!(unused.is_empty(), "messages no code uses: {unused:?}");
}
