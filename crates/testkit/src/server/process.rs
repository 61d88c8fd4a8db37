//! The `venuecode-server` binary as a child process, for tests that read its memory and
//! descriptors from `/proc`; and the pieces every harness that starts a server process shares
//! (the bench's too): its arguments, its listening address, a bounded wait for its exit.
//! Those pieces return instead of panicking, so the bench can report what went wrong.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use venuecode_protocol::SigningKey;
use venuecode_server::config::{write_public_key, write_signing_key};

/// A running server binary, killed when dropped.
pub struct Running {
    /// The server process.
    pub child: Child,
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The address of its metrics listener, if it serves metrics.
    pub metrics: Option<SocketAddr>,
    /// `http://ADDR`.
    pub base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The arguments that make a server listen on an ephemeral loopback port, and serve its
/// metrics on another, with its store in `data_dir`, followed by each (flag, file) of `files`
/// (`--ra-key`, `--ha-keys`, …).
pub fn listen_args(data_dir: &Path, files: &[(&str, PathBuf)]) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--metrics-listen".into(),
        "127.0.0.1:0".into(),
    ];
    args.push("--data-dir".into());
    args.push(data_dir.into());
    for (flag, file) in files {
        args.push(flag.into());
        args.push(file.into());
    }
    args
}

/// [`listen_args`] for the key files in `keys_dir` as [`crate::fixture::Authorities::write_keys`]
/// names them: `ra.key` and `ha.pub`, and `ha-enc.pub` and `admin.pub` where they exist.
pub fn key_dir_args(data_dir: &Path, keys_dir: &Path) -> Vec<OsString> {
    let mut files = vec![
        ("--ra-key", keys_dir.join("ra.key")),
        ("--ha-keys", keys_dir.join("ha.pub")),
    ];
    for (flag, name) in [
        ("--ha-encryption-key", "ha-enc.pub"),
        ("--admin-key", "admin.pub"),
    ] {
        let file = keys_dir.join(name);
        if file.exists() {
            files.push((flag, file));
        }
    }
    listen_args(data_dir, &files)
}

/// The loopback address in a server's "listening" log line, if the line is one.
pub fn listening_addr(line: &str) -> Option<SocketAddr> {
    if !line.contains("listening") {
        return None;
    }
    let at = line.find("127.0.0.1:")?;
    let addr: String = line[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
        .collect();
    addr.parse().ok()
}

/// The address of the metrics listener in a server's "listening" log line
/// (`metrics=http://ADDR/metrics`, maybe with colour codes around `=`), if the line is one and
/// metrics are served.
pub fn metrics_addr(line: &str) -> Option<SocketAddr> {
    if !line.contains("listening") {
        return None;
    }
    let field = &line[line.find("metrics")?..];
    let at = field.find("http://")? + "http://".len();
    let addr: String = field[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
        .collect();
    addr.parse().ok()
}

/// Waits up to `timeout` for `child` to exit, and kills it if it has not; whether it exited
/// by itself.
pub fn reap_within(child: &mut Child, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

/// Starts the server binary `bin` (a test's `env!("CARGO_BIN_EXE_venuecode-server")`) on an
/// ephemeral loopback port with fresh RA and HA keys in `dir` and the given extra arguments,
/// and waits until it logs the address it listens on.
pub fn start_binary(bin: &str, dir: &Path, extra: &[&str]) -> Running {
    let ra = SigningKey::generate().unwrap();
    let ha = SigningKey::generate().unwrap();
    write_signing_key(&dir.join("ra.key"), &ra).unwrap();
    write_public_key(&dir.join("ha.pub"), &ha.public_key()).unwrap();
    let mut cmd = Command::new(bin);
    cmd.args(key_dir_args(&dir.join("data"), dir))
        .args(extra)
        .env("RUST_LOG", "info");
    spawn(cmd)
}

/// Starts `cmd` (the server binary with its arguments, listening on `127.0.0.1:0`, logging at
/// info level) with stdin and stdout closed, and waits up to 30 seconds until it logs the
/// address it listens on.
pub fn spawn(mut cmd: Command) -> Running {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting venuecode-server");
    let stderr = child.stderr.take().unwrap();
    let mut running = Running {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        metrics: None,
        base: String::new(),
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("server did not start ({e}): {seen:#?}"));
        if let Some(addr) = listening_addr(&line) {
            running.addr = addr;
            running.metrics = metrics_addr(&line);
            running.base = format!("http://{addr}");
            return running;
        }
        seen.push(line);
    }
}

/// A `Vm…:` field of `/proc/PID/status` (`"VmRSS:"`, `"VmHWM:"`), in KiB; `None` if the
/// process or the field is gone.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// `VmHWM` (peak resident set) and `VmRSS` of a process, in KiB.
pub fn memory_kib(pid: u32) -> (u64, u64) {
    let field = |name: &str| -> u64 {
        status_kib(pid, name).unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
    };
    (field("VmHWM:"), field("VmRSS:"))
}
