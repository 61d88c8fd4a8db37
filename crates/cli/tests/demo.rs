//! The demo's story, run in-process, with its outcome asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use venuecode::demo::run_story;

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
    assert!(out.path().join("noodle-house.pdf").exists());
}
