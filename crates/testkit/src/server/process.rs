//! The `venuecode-server` binary as a child process, for tests that read its memory and
//! descriptors from `/proc`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
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
    /// `http://ADDR`.
    pub base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    cmd.args(["--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--ra-key")
        .arg(dir.join("ra.key"))
        .arg("--ha-keys")
        .arg(dir.join("ha.pub"))
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
        if line.contains("listening") {
            let at = line
                .find("127.0.0.1:")
                .expect("address in the listening line");
            let addr: String = line[at..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                .collect();
            running.addr = addr.parse().unwrap();
            running.base = format!("http://{addr}");
            return running;
        }
        seen.push(line);
    }
}

/// `VmHWM` (peak resident set) and `VmRSS` of a process, in KiB.
pub fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
    };
    (field("VmHWM:"), field("VmRSS:"))
}
