//! The error table of protocol-spec/API.md is the list of `ErrorCode`: same codes, same
//! statuses, same order, so that neither can change without the other.
#![cfg(feature = "api")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use venuecode_protocol::api::ErrorCode;

/// `(status, code)` of each row of the table under `## Errors` that has a code.
fn api_md_errors() -> Vec<(u16, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../protocol-spec/API.md");
    let text = std::fs::read_to_string(path).expect("API.md");
    let section = text
        .split("\n## Errors\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("an Errors section");
    section
        .lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix('|')?.split('|').map(str::trim);
            let status = cells.next()?.parse().ok()?;
            let code = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
            Some((status, code.to_owned()))
        })
        .collect()
}

#[test]
fn the_api_md_error_table_is_the_error_code_list() {
    let documented = api_md_errors();
    let listed: Vec<(u16, String)> = ErrorCode::ALL
        .iter()
        .map(|c| (c.status(), c.as_str().to_owned()))
        .collect();
    assert!(documented.len() >= 20, "table not found: {documented:?}");
    assert_eq!(documented, listed);
}

#[test]
fn every_code_says_what_to_do() {
    for code in ErrorCode::ALL {
        let hint = code.hint();
        assert!(hint.len() > 10, "{code}");
        assert!(!hint.ends_with('.'), "{code}: one sentence, no final stop");
        assert_eq!(ErrorCode::parse(code.as_str()), *code);
    }
    assert!(matches!(
        ErrorCode::parse("later_code"),
        ErrorCode::Unknown(_)
    ));
}
