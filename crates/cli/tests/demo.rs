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
