//! Every command explains itself: `--help` exits 0 and shows an example.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const COMMANDS: &[&[&str]] = &[
    &[],
    &["server"],
    &["venue", "register"],
    &["venue", "poster"],
    &["venue", "code"],
    &["venue", "recovery-sheet"],
    &["venue", "display"],
    &["venue", "guestbook", "add"],
    &["venue", "guestbook", "list"],
    &["venue", "guestbook", "disclose"],
    &["venue", "guestbook", "checkout"],
    &["venue", "guestbook", "edit"],
    &["venue", "guestbook", "delete"],
    &["venue", "notified"],
    &["venue", "release-seeds"],
    &["venue", "counts"],
    &["venue", "count-tags"],
    &["venue", "revoke"],
    &["authority", "init"],
    &["authority", "tan"],
    &["authority", "tan", "list"],
    &["authority", "tan", "cancel"],
    &["authority", "uploads", "list"],
    &["authority", "uploads", "open"],
    &["authority", "uploads", "delete"],
    &["authority", "publish"],
    &["authority", "checkpoint"],
    &["authority", "disable"],
    &["authority", "stats"],
    &["visitor", "scan"],
    &["visitor", "checkout"],
    &["visitor", "diary"],
    &["visitor", "edit"],
    &["visitor", "hide"],
    &["visitor", "sync"],
    &["visitor", "share"],
    &["trust", "install"],
    &["trust", "show"],
];

#[test]
fn every_command_has_help_with_an_example() {
    for path in COMMANDS {
        let out = Command::new(env!("CARGO_BIN_EXE_venuecode"))
            .args(*path)
            .arg("--help")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success(), "{path:?} --help failed");
        assert!(
            text.contains("Example"),
            "{path:?} --help shows no example:\n{text}"
        );
    }
}

#[test]
fn a_missing_pledge_is_refused_before_anything_is_written() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_venuecode"))
        .args(["--home"])
        .arg(home.path())
        .args([
            "--server",
            "http://127.0.0.1:9",
            "venue",
            "register",
            "--name",
            "测试",
            "--address",
            "测试路1号",
            "--region",
            "620105",
            "--category",
            "restaurant",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("pledge"), "{err}");
    assert!(!home.path().join("venue").exists());
}

#[test]
fn a_utc_offset_must_be_quarter_hours_within_range() {
    for bad in ["+08:10", "8", "+15:00", "-12:15", "08:00", "+8:00", "UTC+8"] {
        let home = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_venuecode"))
            .args(["--home"])
            .arg(home.path())
            .args([
                "venue",
                "register",
                "--name",
                "测试",
                "--address",
                "测试路1号",
                "--region",
                "620105",
                "--category",
                "restaurant",
                "--pledge",
                "--utc-offset",
                bad,
            ])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad} accepted");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("is not a UTC offset") && err.contains("quarter hours"),
            "{bad}: {err}"
        );
        assert!(!home.path().join("venue").exists());
    }
    // Good offsets get past parsing (and stop at the missing trust bundle).
    for good in ["+08:00", "-03:30", "+05:45", "+14:00", "-12:00", "+00:00"] {
        let home = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_venuecode"))
            .args(["--home"])
            .arg(home.path())
            .args([
                "venue",
                "register",
                "--name",
                "测试",
                "--address",
                "测试路1号",
                "--region",
                "620105",
                "--category",
                "restaurant",
                "--pledge",
                "--utc-offset",
                good,
            ])
            .output()
            .unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("no trust bundle installed"), "{good}: {err}");
    }
}

#[test]
fn chinese_help_has_chinese_headings_arguments_and_examples() {
    for path in COMMANDS {
        let out = Command::new(env!("CARGO_BIN_EXE_venuecode"))
            .args(["--lang", "zh-CN"])
            .args(*path)
            .arg("--help")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success(), "{path:?} --help failed");
        for word in ["用法: venuecode", "选项:", "-h, --help", "显示帮助", "示例"] {
            assert!(text.contains(word), "{path:?}: no `{word}`:\n{text}");
        }
        for word in [
            "Usage:",
            "Options:",
            "Arguments:",
            "Commands:",
            "Example",
            "Print help",
            "[default:",
            "[env:",
            "ossible values",
        ] {
            assert!(!text.contains(word), "{path:?}: `{word}` left:\n{text}");
        }
    }
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_venuecode"))
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    // Each argument's own help, the positional heading, the version flag, the command list.
    let disable = run(&["--lang", "zh-CN", "authority", "disable", "--help"]);
    assert!(
        disable.contains("参数:\n  [SERIAL]  证书序列号"),
        "{disable}"
    );
    assert!(
        disable.contains("--yes                  不询问，立即停用（用于脚本）"),
        "{disable}"
    );
    let root = run(&["--lang", "zh-CN", "--help"]);
    assert!(root.contains("命令:\n  server"), "{root}");
    assert!(root.contains("-V, --version          显示版本"), "{root}");
    assert!(
        root.contains("示例（一台机器，每个角色一个目录）:"),
        "{root}"
    );
    assert!(root.contains("[环境变量：VENUECODE_HOME]"), "{root}");
    let tan = run(&["--lang", "zh-CN", "authority", "tan", "--help"]);
    assert!(
        tan.contains("TAN 的用途 [可选值：case（确诊者上传其登记记录）, ")
            && tan.contains("[默认值：case]"),
        "{tan}"
    );
    // English keeps the definitions' own words.
    let english = run(&["--lang", "en", "authority", "disable", "--help"]);
    assert!(
        english.contains("Arguments:\n  [SERIAL]  The certificate serial"),
        "{english}"
    );
    assert!(english.contains("Print help"), "{english}");
}

#[test]
fn chinese_runs_word_refused_arguments_times_and_urls_in_chinese() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_venuecode"))
            .arg("--home")
            .arg(home.path())
            .args(["--lang", "zh-CN"])
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} accepted");
        String::from_utf8(out.stderr).unwrap()
    };
    let register = |extra: &[&str]| {
        let mut args = vec![
            "venue",
            "register",
            "--name",
            "测试",
            "--address",
            "测试路1号",
            "--region",
            "620105",
            "--pledge",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let url = register(&[
        "--category",
        "restaurant",
        "--base-url",
        "http://vc.example/c",
    ]);
    assert!(
        url.starts_with("错误: --base-url <BASE_URL> 的值 `http://vc.example/c` 无效：")
            && url.contains("不能作为场所码的基础网址：必须以 https:// 开头")
            && url.contains("更多信息请使用 '--help'。"),
        "{url}"
    );
    let category = register(&["--category", "bar"]);
    assert!(
        category.contains("未知类别 `bar`；可选：medical"),
        "{category}"
    );
    let unknown = run(&["visitor", "diary", "--bogus"]);
    assert!(unknown.starts_with("错误: 未知参数 --bogus"), "{unknown}");
    let zone = run(&["--tz", "CST", "visitor", "diary"]);
    assert!(zone.contains("无法识别时区 `CST`"), "{zone}");
    let time = run(&["--now", "9.30", "visitor", "diary"]);
    assert!(time.contains("`9.30` 不是时间"), "{time}");
    for text in [&url, &category, &unknown, &zone, &time] {
        assert!(
            !text.contains("error:") && !text.contains("invalid"),
            "{text}"
        );
    }
}
