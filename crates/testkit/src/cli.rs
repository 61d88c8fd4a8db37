//! The `venuecode` binary run the way users run it: a clean environment, a timeout, and what
//! it printed; and its `server` subcommand as a child process on a free loopback port.
//!
//! The binary's path is the test's `env!("CARGO_BIN_EXE_venuecode")`.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::server::process::listen_args;

/// Longest a single CLI command may take (a debug build on a busy machine).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(90);
/// Longest the server may take to print its listening line.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest the server may take to stop after SIGTERM.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// `bin` with no `VENUECODE_*` variable of the caller, and messages in English.
pub fn clean_command(bin: &str) -> Command {
    let mut cmd = Command::new(bin);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("VENUECODE_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("VENUECODE_LANG", "en");
    cmd
}

/// `bin` with a clean environment: no `VENUECODE_*` variable of the caller leaks in, except
/// the font path the poster needs; no colour; messages in English (`VENUECODE_LANG=en`,
/// whatever the locale: tests that check Chinese output set it to `zh-CN`); times typed
/// without an offset are UTC, whatever this machine's zone; stdin empty.
pub fn command(bin: &str) -> Command {
    let mut cmd = Command::new(bin);
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("VENUECODE_") && k != "VENUECODE_CJK_FONT" {
            cmd.env_remove(&key);
        }
    }
    cmd.env("NO_COLOR", "1");
    cmd.env("VENUECODE_LANG", "en");
    cmd.env("TZ", "UTC");
    cmd.stdin(Stdio::null());
    cmd
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    /// The command line, for messages.
    pub cmdline: String,
    /// The exit status (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Everything on stdout.
    pub stdout: String,
    /// Everything on stderr.
    pub stderr: String,
}

impl Output {
    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Asserts exit status 0.
    pub fn ok(self) -> Self {
        assert!(
            self.success(),
            "command failed: {}\n{self:#?}",
            self.cmdline
        );
        self
    }

    /// Asserts a non-zero exit status.
    pub fn failed(self) -> Self {
        assert!(
            !self.success() && self.code.is_some(),
            "command should have failed: {}\n{self:#?}",
            self.cmdline
        );
        self
    }

    /// Asserts that stderr holds each of `needles` (what a failure must say); returns the
    /// output for further checks.
    pub fn mentions(self, needles: &[&str]) -> Self {
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr does not say `{needle}`: {}\n{self:#?}",
                self.cmdline
            );
        }
        self
    }

    /// Parses stdout as one JSON document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    /// Stdout read as the `--json` struct `T` (one of `venuecode::output`); panics otherwise.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not the expected JSON ({e}): {self:#?}"))
    }

    /// The last line of stderr read as `T`: under `--json` a failed command prints
    /// `venuecode::output::Failure` there (stdout stays empty); panics otherwise.
    pub fn parse_stderr<T: serde::de::DeserializeOwned>(&self) -> T {
        let line = self.stderr.trim().lines().last().unwrap_or_default();
        serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stderr is not the expected JSON ({e}): {self:#?}"))
    }
}

fn read_all(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Runs a command to completion, killing it after [`COMMAND_TIMEOUT`].
pub fn run(mut cmd: Command) -> Output {
    let cmdline = format!("{cmd:?}");
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmdline}: {e}"));
    let out = read_all(child.stdout.take().expect("stdout"));
    let err = read_all(child.stderr.take().expect("stderr"));
    let status = wait_timeout(&mut child, COMMAND_TIMEOUT).unwrap_or_else(|| {
        let _ = child.kill();
        let _ = child.wait();
        panic!("timed out after {COMMAND_TIMEOUT:?}: {cmdline}");
    });
    Output {
        cmdline,
        code: status.code(),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// Waits for a child to exit, up to `timeout`; `None` if it is still running.
pub fn wait_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `venuecode server` on a free loopback port with the key files `authority init` wrote in
/// `ha_home`, its store in `data_dir`.
pub fn server_command(bin: &str, data_dir: &Path, ha_home: &Path) -> Command {
    let mut cmd = command(bin);
    let files = [
        ("--ra-key", "ra/ra.key"),
        ("--admin-key", "ra/admin.pub"),
        ("--ha-keys", "authority/ha-signing.pub"),
        ("--ha-encryption-key", "authority/ha-encryption.pub"),
        ("--trust-bundle", "authority/trust-bundle.bin"),
    ]
    .map(|(flag, file)| (flag, ha_home.join(file)));
    cmd.arg("server").args(listen_args(data_dir, &files));
    cmd
}

/// A `venuecode server` subprocess; killed on drop.
pub struct ServerProcess {
    child: Option<Child>,
    /// The URL it printed (`http://127.0.0.1:PORT` or `https://…`).
    pub url: String,
    /// The metrics URL it printed after it (`http://127.0.0.1:PORT/metrics`), if it serves
    /// metrics.
    pub metrics_url: Option<String>,
    log: PathBuf,
    /// The thread that reads (and copies) its stdout; it ends when the server does.
    stdout_reader: Option<std::thread::JoinHandle<()>>,
}

impl ServerProcess {
    /// Starts the server on a free port, with `extra` flags, its stderr in `log`, and waits for
    /// its listening line.
    pub fn start(
        bin: &str,
        data_dir: &Path,
        ha_home: &Path,
        log: PathBuf,
        extra: &[OsString],
    ) -> Self {
        let mut cmd = server_command(bin, data_dir, ha_home);
        cmd.args(extra);
        Self::spawn(cmd, log, None)
    }

    /// Starts `cmd` (a [`server_command`]) with its stderr in `log` and, if `stdout_copy` is
    /// given, every stdout line copied there; waits for its listening line.
    pub fn spawn(mut cmd: Command, log: PathBuf, stdout_copy: Option<PathBuf>) -> Self {
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::from(File::create(&log).expect("server log")));
        let mut child = cmd.spawn().expect("starting the server");
        let stdout = child.stdout.take().expect("server stdout");
        let mut copy = stdout_copy.map(|p| File::create(p).expect("server stdout copy"));
        let (tx, rx) = mpsc::channel();
        // Reads every stdout line for as long as the server runs, so it never blocks on a pipe.
        let stdout_reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(f) = copy.as_mut() {
                    let _ = writeln!(f, "{line}");
                }
                if tx.send(line).is_err() {
                    // Nobody listens any more; keep draining.
                }
            }
        });
        let mut server = Self {
            child: Some(child),
            url: String::new(),
            metrics_url: None,
            log,
            stdout_reader: Some(stdout_reader),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    // `venuecode server listening on URL`, in the run's language.
                    let url = line.strip_prefix("venuecode ").and_then(|rest| {
                        rest.split_whitespace()
                            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
                    });
                    if let Some(url) = url {
                        server.url = url.to_owned();
                        // The next line names the metrics listener, when there is one (else
                        // it is a log line, whose `metrics=off` holds no URL).
                        let left = deadline.saturating_duration_since(Instant::now());
                        server.metrics_url = rx.recv_timeout(left).ok().and_then(|next| {
                            next.split_whitespace()
                                .find(|w| w.starts_with("http://") && w.ends_with("/metrics"))
                                .map(str::to_owned)
                        });
                        return server;
                    }
                }
                Err(e) => panic!(
                    "the server did not report its address ({e}); log:\n{}",
                    server.log_text()
                ),
            }
        }
    }

    /// What the server wrote to its log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops the server with SIGTERM, as an operator or init system would, and returns its
    /// exit status once it has exited and every line of its stdout has been read (and copied).
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("server already stopped");
        let kill = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .expect("running kill");
        assert!(kill.success(), "kill -TERM failed");
        match wait_timeout(&mut child, STOP_TIMEOUT) {
            Some(status) => {
                if let Some(reader) = self.stdout_reader.take() {
                    reader.join().expect("server stdout reader");
                }
                status
            }
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the server did not stop within {STOP_TIMEOUT:?} of SIGTERM; log:\n{}",
                    self.log_text()
                );
            }
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Tomorrow, as a UTC day number (days since 1970-01-01).
pub fn tomorrow() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    u32::try_from(secs / 86_400 + 1).expect("day fits")
}
