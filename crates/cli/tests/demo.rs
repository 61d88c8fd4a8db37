//! The demo's story, run in-process, with its outcome asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use venuecode::demo::run_story;
use venuecode::i18n::{set_language, Lang};

#[test]
fn demo_notifies_exactly_the_overlapping_visitors() {
    let out = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    let outcome = run_story(out.path(), &mut |l| lines.push(l.to_owned())).unwrap();
    assert_eq!(
        outcome.notified,
        vec![
            ("Alice".to_owned(), "兰州牛肉面馆".to_owned()),
            ("Dave".to_owned(), "安宁区图书馆".to_owned())
        ]
    );
    assert_eq!(outcome.not_notified, vec!["Bob".to_owned()]);
    assert!(outcome.venue_notified);
    assert_eq!(outcome.guests_read, 1);
    let story = lines.join("\n");
    assert!(story.contains("each TAN works once"), "{story}");
    assert_eq!(lines[0], "Venuecode demo — one machine, every role.");
    assert!(out.path().join("noodle-house.pdf").exists());

    // The same story in Chinese (in this test, not another: the language is the run's).
    set_language(Lang::ZhCn);
    let out = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    let result = run_story(out.path(), &mut |l| lines.push(l.to_owned()));
    set_language(Lang::En);
    let outcome_zh = result.unwrap();
    assert_eq!(outcome_zh.notified, outcome.notified);
    assert_eq!(lines[0], "Venuecode 演示——一台机器，所有角色。");
    assert!(lines[2].starts_with("登记机构和卫生部门"), "{lines:#?}");
    let story = lines.join("\n");
    assert!(story.contains("每个 TAN 只能用一次"), "{story}");
    assert!(
        !story.contains("checks in"),
        "English left in the story: {story}"
    );
}

/// With a web app, the demo's server serves it at /c and the printed poster URL is the noodle
/// house's code on that path, its payload after `#`.
#[test]
fn demo_prints_a_poster_url_on_its_own_servers_web_app() {
    let out = tempfile::tempdir().unwrap();
    let app = tempfile::tempdir().unwrap();
    std::fs::write(
        app.path().join("index.html"),
        "<!doctype html><title>app at %VENUECODE_BASE%</title>",
    )
    .unwrap();
    let options = venuecode::demo::DemoServer {
        web_app: Some(app.path().to_owned()),
        ..Default::default()
    };
    let (outcome, server) = venuecode::demo::story(out.path(), &options, &mut |_| {}).unwrap();
    let prefix = format!("{}/c#", server.url());
    assert!(server.url().starts_with("http://127.0.0.1:"));
    assert!(
        outcome.poster_app_url.starts_with(&prefix),
        "{}",
        outcome.poster_app_url
    );
    let digits = &outcome.poster_app_url[prefix.len()..];
    assert!(digits.len() > 500 && digits.bytes().all(|b| b.is_ascii_digit()));
    let page = {
        use std::io::{Read as _, Write as _};
        let addr = server.url().trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /c HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        text
    };
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("app at /c"), "{page}");
    // The same code is what the printed poster holds (its URL on the bundle's code base).
    let poster =
        venuecode::scan_image::decode(&std::fs::read(out.path().join("noodle-house.png")).unwrap())
            .unwrap();
    assert!(poster[0].ends_with(&format!("#{digits}")), "{poster:?}");
}
