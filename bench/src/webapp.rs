//! Section 8: the visitor web app (issue 14) in headless Chromium against a real `venuecode
//! server --web-app web/dist`: the bytes of the first load and the time from opening a code URL
//! to the check-in screen, measured by `web/bench/app.mjs` (playwright-core, Debian's chromium).
//! The million-record match in Chromium is measured with section 1 (`matching::browser_match`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// Whether the browser benches can run: node, Chromium, playwright-core (`npm ci` in web/), and
/// the build they need (`web/dist` or `web/pkg`).
pub fn browser_ready(build: &str) -> Result<(), String> {
    let r = root();
    if !Path::new("/usr/bin/chromium").exists() {
        return Err("chromium is not installed (Debian: apt-get install chromium)".to_owned());
    }
    if !r.join("web/node_modules/playwright-core").exists() {
        return Err("web/node_modules is missing: run scripts/build-web.sh".to_owned());
    }
    if !r.join(build).exists() {
        return Err(format!("{build} is missing: run scripts/build-web.sh"));
    }
    Ok(())
}

/// Runs `node web/bench/SCRIPT ARGS…` and returns its stdout.
pub fn node(script: &str, args: &[&std::ffi::OsStr], bin: Option<&Path>) -> Result<String, String> {
    let mut cmd = Command::new("node");
    cmd.arg(root().join("web/bench").join(script)).args(args);
    if let Some(bin) = bin {
        cmd.env("VENUECODE_BIN", bin);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("node could not run ({e}): install nodejs"))?;
    if !out.status.success() {
        return Err(format!(
            "web/bench/{script} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The web app's figures.
pub struct WebApp {
    pub runs: u64,
    /// Bytes the page transferred until the check-in screen (compressed bodies and headers).
    pub first_load_bytes: u64,
    /// The same files uncompressed.
    pub first_load_raw_bytes: u64,
    /// Files the page loaded.
    pub files: usize,
    /// What the service worker fetched besides, to keep the app offline.
    pub worker_bytes: u64,
    /// Opening a code URL to the check-in screen, fresh profile (median).
    pub cold: Duration,
    /// The same with the service worker's cache (median).
    pub warm: Duration,
}

/// Measures the web app, `runs` fresh browser profiles.
pub fn run(quick: bool) -> Result<WebApp, String> {
    browser_ready("web/dist/index.html")?;
    let r = root();
    let bin = ["release", "debug"]
        .iter()
        .map(|p| r.join("target").join(p).join("venuecode"))
        .find(|p| p.exists())
        .ok_or("the venuecode binary is missing: cargo build --release -p venuecode")?;
    let runs = if quick { "3" } else { "7" };
    let text = node("app.mjs", &[runs.as_ref()], Some(&bin))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("web/bench/app.mjs printed no JSON: {e}"))?;
    let n = |p: &str| {
        v.pointer(p)
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(f64::NAN)
    };
    let load = &v["first_load"];
    if !n("/first_load/page_wire_bytes").is_finite() {
        return Err(format!("web/bench/app.mjs: unexpected output {text}"));
    }
    Ok(WebApp {
        runs: n("/runs") as u64,
        first_load_bytes: n("/first_load/page_wire_bytes") as u64,
        first_load_raw_bytes: n("/first_load/page_raw_bytes") as u64,
        files: load["page_files"].as_array().map_or(0, Vec::len),
        worker_bytes: n("/first_load/service_worker_precache_wire_bytes") as u64,
        cold: Duration::from_secs_f64(n("/open_to_checkin_ms/cold_median") / 1e3),
        warm: Duration::from_secs_f64(n("/open_to_checkin_ms/warm_median") / 1e3),
    })
}
