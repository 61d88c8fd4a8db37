//! Server configuration (flags and environment variables) and key files.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use venuecode_protocol::{EncryptionKey, PublicKey, SigningKey};

use crate::keyfile::{self, KeyFileError, KeyKind};
use crate::ServerError;

/// Descriptors kept for everything but client connections and the store: the listener, logs,
/// the runtime, key files read at start-up.
pub const DESCRIPTOR_RESERVE: u64 = 64;

/// Connections the metrics listener holds open at once; more are closed at once. A scraper
/// needs one; the cap is apart from `--max-connections`, so that a full public listener never
/// hides the metrics that show it full.
pub const METRICS_CONNECTIONS: usize = 16;

/// Everything the server needs to start. Derives [`clap::Args`], so the CLI can flatten it into
/// `venuecode server`; every flag also reads an environment variable.
#[derive(Clone, Debug, clap::Args)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "VENUECODE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Address of the operator's metrics listener, which serves `GET /metrics` (OpenMetrics)
    /// and `GET /healthz` in plain HTTP, apart from the public listener and its limits. Without
    /// it, metrics are not served at all. Keep it on loopback or a private network: the counters
    /// show when cases upload. A non-loopback address needs `--metrics-allow-remote`.
    #[arg(long, env = "VENUECODE_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,

    /// Let `--metrics-listen` be an address other hosts can reach (a private network, or all
    /// interfaces in a container whose port is not published); the server refuses one at
    /// start-up without it. Metrics are plain HTTP without authentication: firewall the port.
    #[arg(long, env = "VENUECODE_METRICS_ALLOW_REMOTE", default_value_t = false)]
    pub metrics_allow_remote: bool,

    /// Directory holding the database; created if missing. Unused (but still required) when
    /// `--postgres-url` is given.
    #[arg(long, env = "VENUECODE_DATA_DIR")]
    pub data_dir: PathBuf,

    /// Store everything in this PostgreSQL database instead of the embedded redb store, so that
    /// several server replicas can share it (`postgres://user@host:port/dbname`, or a
    /// `key=value` connection string; no TLS). The schema is created if missing.
    #[arg(long, env = "VENUECODE_POSTGRES_URL")]
    pub postgres_url: Option<String>,

    /// Most connections this server opens to PostgreSQL at once.
    #[arg(long, env = "VENUECODE_POSTGRES_CONNECTIONS", default_value_t = 16)]
    pub postgres_connections: usize,

    /// File with the registration authority's Ed25519 signing key (`venuecode ed25519 secret
    /// key`, then the RFC 8032 seed in hex). The server signs certificates and revocation lists
    /// with it.
    #[arg(long, env = "VENUECODE_RA_KEY")]
    pub ra_key: PathBuf,

    /// File with the RA administrator's Ed25519 public key (`venuecode ed25519 public key`,
    /// then the key in hex), which signs disable requests. Without it, the admin routes refuse
    /// every request. A secret-key file is refused.
    #[arg(long, env = "VENUECODE_ADMIN_KEY")]
    pub admin_key: Option<PathBuf>,

    /// File(s) with trusted health-authority Ed25519 public keys (`venuecode ed25519 public
    /// key`, then one key in hex per line). Repeat the flag, or separate paths with commas in
    /// the variable. A secret-key file is refused.
    #[arg(
        long = "ha-keys",
        env = "VENUECODE_HA_KEYS",
        value_delimiter = ',',
        required = true
    )]
    pub ha_keys: Vec<PathBuf>,

    /// File with the HA's X25519 public key (`venuecode x25519 public key`, then the key in
    /// hex), published at `/v1/authority` so that clients can seal uploads to it. A secret-key
    /// file is refused.
    #[arg(long, env = "VENUECODE_HA_ENCRYPTION_KEY")]
    pub ha_encryption_key: Option<PathBuf>,

    /// File with the signed trust bundle (`authority init` writes `trust-bundle.bin`) that
    /// `GET /v1/trust-bundle` serves. It must decode and verify on its own (signed by one of its
    /// RA keys), else the server refuses to start. Without it, that route answers 404.
    #[arg(long, env = "VENUECODE_TRUST_BUNDLE", value_name = "FILE")]
    pub trust_bundle: Option<PathBuf>,

    /// Days batches, uploads, TANs and counts are kept.
    #[arg(long, env = "VENUECODE_RETENTION_DAYS", default_value_t = 14)]
    pub retention_days: u32,

    /// Hours exposure batches are kept beyond the retention period. A phone holds the HA's
    /// checkpoint, whose `retained_from` names the oldest batch it expects to be served; a
    /// batch deleted before the HA's next checkpoint would be missing for it. Set this to at
    /// least the interval between the HA's checkpoints.
    #[arg(
        long,
        env = "VENUECODE_BATCH_RETENTION_MARGIN_HOURS",
        default_value_t = 24
    )]
    pub batch_retention_margin_hours: u32,

    /// Days an issued venue certificate is valid.
    #[arg(long, env = "VENUECODE_CERTIFICATE_DAYS", default_value_t = 365)]
    pub certificate_days: u32,

    /// Accept count pings and answer count queries (off by default).
    #[arg(long, env = "VENUECODE_COUNTS", default_value_t = false)]
    pub counts: bool,

    /// Longest time one request may take, in milliseconds (answered with 408).
    #[arg(long, env = "VENUECODE_REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,

    /// Requests processed at once; more are shed with 503.
    #[arg(long, env = "VENUECODE_MAX_CONCURRENCY", default_value_t = 512)]
    pub max_concurrency: usize,

    /// Requests with a body (POST, PUT, DELETE) processed at once, apart from the reads that
    /// `--max-concurrency` counts; more are shed with 503. Slow uploaders can take only these.
    #[arg(long, env = "VENUECODE_MAX_WRITE_CONCURRENCY", default_value_t = 128)]
    pub max_write_concurrency: usize,

    /// Client connections open at once, TLS handshakes included; a connection over it is
    /// closed at once. With a reserve for the store and logs, this sets the file descriptors
    /// the server needs: it raises its RLIMIT_NOFILE to fit at start-up, or refuses to start.
    #[arg(long, env = "VENUECODE_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Client connections one address (IPv6: one /64) may hold open at once; more are closed
    /// at once. Behind a reverse proxy every connection comes from the proxy: set it to
    /// `--max-connections` there and let the proxy cap its clients.
    #[arg(long, env = "VENUECODE_MAX_CONNECTIONS_PER_IP", default_value_t = 64)]
    pub max_connections_per_ip: usize,

    /// Longest time, in milliseconds, a connection may take to send a whole request head,
    /// counted from its start or from the end of its previous response (so also the idle
    /// keep-alive deadline); then it is closed.
    #[arg(long, env = "VENUECODE_HEADER_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_timeout_ms: u64,

    /// Largest request head (request line and headers) in bytes, at most 65536; larger heads
    /// are answered 431 and the connection closed.
    #[arg(long, env = "VENUECODE_MAX_HEADER_BYTES", default_value_t = 16 * 1024)]
    pub max_header_bytes: usize,

    /// Slowest a request body may arrive, in bytes per second on average after the first
    /// `--body-grace-ms`; a slower body is answered 408.
    #[arg(long, env = "VENUECODE_MIN_BODY_RATE", default_value_t = 4096)]
    pub min_body_rate: u64,

    /// Milliseconds a request body may take before `--min-body-rate` applies.
    #[arg(long, env = "VENUECODE_BODY_GRACE_MS", default_value_t = 5_000)]
    pub body_grace_ms: u64,

    /// Milliseconds a connection closed after an answer keeps reading and dropping what its
    /// client still sends (the rest of a refused body), so that the client reads the answer
    /// instead of a reset; then it is closed.
    #[arg(long, env = "VENUECODE_LINGER_MS", default_value_t = 2_000)]
    pub linger_ms: u64,

    /// Most bytes a connection closed after an answer reads and drops before it is closed
    /// anyway. A refused body larger than this may reach its client as a reset, not the answer.
    #[arg(long, env = "VENUECODE_LINGER_BYTES", default_value_t = 512 * 1024)]
    pub linger_bytes: usize,

    /// Bytes of request bodies the server holds at once, over all requests (a body counts
    /// from its announced length, or its route's limit when it has none, until its request
    /// is answered); beyond it, requests with bodies are shed with 503.
    #[arg(long, env = "VENUECODE_MAX_BODY_BYTES_IN_FLIGHT", default_value_t = 256 * 1024 * 1024)]
    pub max_body_bytes_in_flight: usize,

    /// Venue registrations one address (IPv6: one /64) may make per hour (all of them at once
    /// at first, then one every 60/N minutes).
    #[arg(
        long,
        env = "VENUECODE_REGISTRATIONS_PER_IP_PER_HOUR",
        default_value_t = 20
    )]
    pub registrations_per_ip_per_hour: u32,

    /// Venue registrations the whole server accepts per minute (all of them at once at first).
    #[arg(
        long,
        env = "VENUECODE_REGISTRATIONS_PER_MINUTE",
        default_value_t = 120
    )]
    pub registrations_per_minute: u32,

    /// Hold new venue registrations until the RA administrator approves them (`venuecode
    /// authority registrations`, `approve`, `refuse`); the venue fetches its certificate then.
    #[arg(long, env = "VENUECODE_REVIEW_REGISTRATIONS", default_value_t = false)]
    pub review_registrations: bool,

    /// Requests per minute one IP address may make to the public write routes (uploads, counts).
    #[arg(long, env = "VENUECODE_RATE_PER_MINUTE", default_value_t = 30)]
    pub rate_per_minute: u32,

    /// Requests one IP address may make in a burst to the public write routes.
    #[arg(long, env = "VENUECODE_RATE_BURST", default_value_t = 10)]
    pub rate_burst: u32,

    /// Behind a trusted reverse proxy, the header that carries the client address (for example
    /// `x-forwarded-for`; its last entry is used, the one the proxy added). Only for the
    /// per-address limits (rate limits, registrations, the wait after a large signed body
    /// failed its signature); without it, the peer address of the connection is used.
    #[arg(long, env = "VENUECODE_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,

    /// Largest exposure batch accepted, in bytes.
    #[arg(long, env = "VENUECODE_MAX_BATCH_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_batch_bytes: usize,

    /// Largest upload accepted, in bytes.
    #[arg(long, env = "VENUECODE_MAX_UPLOAD_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_upload_bytes: usize,

    /// Bytes of recently served exposure batches kept in memory (0 turns the cache off).
    #[arg(long, env = "VENUECODE_BATCH_CACHE_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub batch_cache_bytes: usize,

    /// PEM file with the server's TLS certificate chain, leaf first. With `--tls-key`, the
    /// server speaks HTTPS itself; without both, plain HTTP (on loopback, or behind a reverse
    /// proxy that terminates TLS).
    #[arg(
        long,
        env = "VENUECODE_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// PEM file with the private key of `--tls-cert` (PKCS#8, SEC1 or RSA; keep it mode 0600).
    #[arg(
        long,
        env = "VENUECODE_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// Directory of the built visitor web app (`scripts/build-web.sh` writes `web/dist/`),
    /// served at `--web-app-path`, the path of the trust bundle's code base URL, so that a
    /// venue code opened by a phone's camera lands in the app. Read once at start-up. The trust
    /// bundle of `--trust-bundle` is served beside it as `trust.bundle`. Without it, that path
    /// answers 404 with a page saying the app is not installed.
    #[arg(long, env = "VENUECODE_WEB_APP", value_name = "DIR")]
    pub web_app: Option<PathBuf>,

    /// Path the web app is served at: the path of the code base URL (`https://vc.example/c`
    /// gives `/c`), without a trailing slash.
    #[arg(long, env = "VENUECODE_WEB_APP_PATH", default_value = "/c")]
    pub web_app_path: String,

    /// Seconds between retention passes.
    #[arg(
        long,
        env = "VENUECODE_RETENTION_INTERVAL_SECS",
        default_value_t = 3600
    )]
    pub retention_interval_secs: u64,
}

impl Config {
    /// A configuration with the defaults above, for tests and the in-process demo.
    pub fn new(data_dir: PathBuf, ra_key: PathBuf, ha_keys: Vec<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics_listen: None,
            metrics_allow_remote: false,
            data_dir,
            postgres_url: None,
            postgres_connections: 16,
            ra_key,
            admin_key: None,
            ha_keys,
            ha_encryption_key: None,
            trust_bundle: None,
            retention_days: 14,
            batch_retention_margin_hours: 24,
            certificate_days: 365,
            counts: false,
            request_timeout_ms: 30_000,
            max_concurrency: 512,
            max_write_concurrency: 128,
            max_connections: 1024,
            max_connections_per_ip: 64,
            header_timeout_ms: 10_000,
            max_header_bytes: 16 * 1024,
            min_body_rate: 4096,
            body_grace_ms: 5_000,
            linger_ms: 2_000,
            linger_bytes: 512 * 1024,
            max_body_bytes_in_flight: 256 * 1024 * 1024,
            registrations_per_ip_per_hour: 60,
            registrations_per_minute: 120,
            review_registrations: false,
            rate_per_minute: 30,
            rate_burst: 10,
            client_ip_header: None,
            max_batch_bytes: 64 * 1024 * 1024,
            max_upload_bytes: 8 * 1024 * 1024,
            batch_cache_bytes: 64 * 1024 * 1024,
            tls_cert: None,
            tls_key: None,
            web_app: None,
            web_app_path: "/c".into(),
            retention_interval_secs: 3600,
        }
    }

    /// The TLS certificate and key files, when both are set; an error when only one is.
    pub fn tls_files(&self) -> Result<Option<(&Path, &Path)>, ServerError> {
        match (self.tls_cert.as_deref(), self.tls_key.as_deref()) {
            (Some(cert), Some(key)) => Ok(Some((cert, key))),
            (None, None) => Ok(None),
            (Some(_), None) => Err(ServerError::Config(
                "--tls-cert needs --tls-key (the certificate's private key)".into(),
            )),
            (None, Some(_)) => Err(ServerError::Config(
                "--tls-key needs --tls-cert (the certificate chain it belongs to)".into(),
            )),
        }
    }

    /// The metrics listener's address, if metrics are served; an error when it is not on
    /// loopback and [`Config::metrics_allow_remote`] is not set, or when it is the public
    /// listener's address.
    pub fn metrics_address(&self) -> Result<Option<SocketAddr>, ServerError> {
        let Some(addr) = self.metrics_listen else {
            return Ok(None);
        };
        if !addr.ip().is_loopback() && !self.metrics_allow_remote {
            return Err(ServerError::Config(format!(
                "--metrics-listen {addr} is not a loopback address: the metrics show when cases \
                 upload, so they must not be public. Use 127.0.0.1 (or ::1), or give \
                 --metrics-allow-remote for a private network whose port is firewalled"
            )));
        }
        if addr == self.listen && addr.port() != 0 {
            return Err(ServerError::Config(format!(
                "--metrics-listen {addr} is the address of --listen; give the metrics a port \
                 of their own"
            )));
        }
        Ok(Some(addr))
    }

    /// Reads and checks [`Config::trust_bundle`]: it must decode as a `TrustBundle` and pass
    /// `verify_initial`. Returns its bytes.
    pub fn load_trust_bundle(&self) -> Result<Option<Vec<u8>>, ServerError> {
        let Some(path) = self.trust_bundle.as_deref() else {
            return Ok(None);
        };
        let fail =
            |what: String| ServerError::Config(format!("trust bundle {}: {what}", path.display()));
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let bundle = <venuecode_protocol::TrustBundle as venuecode_protocol::Codec>::decode(&bytes)
            .map_err(|e| fail(format!("does not decode: {e}")))?;
        bundle
            .verify_initial()
            .map_err(|e| fail(format!("does not verify: {e}")))?;
        Ok(Some(bytes))
    }

    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// The header-read and idle keep-alive deadline.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms.max(1))
    }

    /// File descriptors the server may need: every client connection, the store's
    /// connections (PostgreSQL) or files (redb), the metrics listener and its connections when
    /// it is configured, and a reserve for logs, the listener and the runtime.
    pub fn descriptor_budget(&self) -> u64 {
        let store = if self.postgres_url.is_some() {
            self.postgres_connections
        } else {
            4
        };
        let metrics = if self.metrics_listen.is_some() {
            METRICS_CONNECTIONS as u64 + 1
        } else {
            0
        };
        (self.max_connections as u64)
            .saturating_add(store as u64)
            .saturating_add(metrics)
            .saturating_add(DESCRIPTOR_RESERVE)
    }
}

/// The keys a configuration names, loaded and checked.
#[derive(Clone, Debug)]
pub struct Keys {
    /// The RA signing key.
    pub ra: SigningKey,
    /// The RA administrator key, if configured.
    pub admin: Option<PublicKey>,
    /// Trusted HA signing keys.
    pub ha: Vec<PublicKey>,
    /// The HA encryption key, if configured.
    pub ha_encryption: Option<EncryptionKey>,
}

impl Keys {
    /// Reads every key file the configuration names, each strictly by its label: a secret key
    /// where a public one belongs is refused (and so never published).
    pub fn load(config: &Config) -> Result<Self, ServerError> {
        let ra = read_signing_key(&config.ra_key)?;
        let admin = config
            .admin_key
            .as_deref()
            .map(read_public_key)
            .transpose()?;
        let mut ha = Vec::new();
        for path in &config.ha_keys {
            ha.extend(read_public_keys(path)?);
        }
        if ha.is_empty() {
            return Err(ServerError::Config("no trusted HA key configured".into()));
        }
        let ha_encryption = config
            .ha_encryption_key
            .as_deref()
            .map(read_encryption_key)
            .transpose()?;
        Ok(Self {
            ra,
            admin,
            ha,
            ha_encryption,
        })
    }
}

fn key_error(path: &Path, e: impl std::fmt::Display) -> ServerError {
    ServerError::Config(format!("key file {}: {e}", path.display()))
}

fn file_error(e: KeyFileError) -> ServerError {
    ServerError::Config(e.to_string())
}

/// Reads an Ed25519 signing key file (`venuecode ed25519 secret key`, then the 32-byte
/// RFC 8032 seed in hex).
pub fn read_signing_key(path: &Path) -> Result<SigningKey, ServerError> {
    let seed = keyfile::read_one(path, KeyKind::Ed25519Secret).map_err(file_error)?;
    SigningKey::from_seed(&seed).map_err(|e| key_error(path, e))
}

/// Reads a file holding exactly one Ed25519 public key (`venuecode ed25519 public key`).
pub fn read_public_key(path: &Path) -> Result<PublicKey, ServerError> {
    let bytes = keyfile::read_one(path, KeyKind::Ed25519Public).map_err(file_error)?;
    PublicKey::from_bytes(&bytes).map_err(|e| key_error(path, e))
}

/// Reads a file of Ed25519 public keys (`venuecode ed25519 public key`, then one per line).
pub fn read_public_keys(path: &Path) -> Result<Vec<PublicKey>, ServerError> {
    keyfile::read(path, KeyKind::Ed25519Public)
        .map_err(file_error)?
        .iter()
        .map(|k| PublicKey::from_bytes(k).map_err(|e| key_error(path, e)))
        .collect()
}

/// Reads a file holding exactly one X25519 public key (`venuecode x25519 public key`).
pub fn read_encryption_key(path: &Path) -> Result<EncryptionKey, ServerError> {
    let bytes = keyfile::read_one(path, KeyKind::X25519Public).map_err(file_error)?;
    EncryptionKey::from_bytes(&bytes).map_err(|e| key_error(path, e))
}

/// Writes a signing key file, mode 0600 from its creation where the platform has modes.
pub fn write_signing_key(path: &Path, key: &SigningKey) -> std::io::Result<()> {
    let text = keyfile::encode(KeyKind::Ed25519Secret, &[&key.to_seed()]);
    write_private(path, text.as_bytes())
}

/// Writes a public key file (`venuecode ed25519 public key`, then the key in hex).
pub fn write_public_key(path: &Path, key: &PublicKey) -> std::io::Result<()> {
    std::fs::write(
        path,
        keyfile::encode(KeyKind::Ed25519Public, &[key.as_bytes()]).as_bytes(),
    )
}

/// Writes an X25519 public key file (`venuecode x25519 public key`, then the key in hex).
pub fn write_encryption_key(path: &Path, key: &EncryptionKey) -> std::io::Result<()> {
    std::fs::write(
        path,
        keyfile::encode(KeyKind::X25519Public, &[key.as_bytes()]).as_bytes(),
    )
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    #[test]
    fn flags_parse_with_defaults() {
        use clap::Parser as _;
        let cli = Cli::try_parse_from([
            "server",
            "--data-dir",
            "d",
            "--ra-key",
            "ra.key",
            "--ha-keys",
            "a.pub,b.pub",
            "--counts",
            "--retention-days",
            "7",
        ])
        .expect("parses");
        let c = cli.config;
        assert_eq!(c.ha_keys.len(), 2);
        assert!(c.counts);
        assert_eq!(c.retention_days, 7);
        assert_eq!(c.listen.port(), 8080);
        assert_eq!(c.rate_burst, 10);
        assert_eq!((c.postgres_url, c.postgres_connections), (None, 16));
        assert_eq!((c.trust_bundle, c.batch_retention_margin_hours), (None, 24));
        assert!(Cli::try_parse_from(["server", "--data-dir", "d"]).is_err());
        let bundle = Cli::try_parse_from([
            "server",
            "--data-dir",
            "d",
            "--ra-key",
            "ra.key",
            "--ha-keys",
            "a.pub",
            "--trust-bundle",
            "trust-bundle.bin",
            "--batch-retention-margin-hours",
            "48",
        ])
        .expect("parses");
        assert_eq!(
            bundle.config.trust_bundle.as_deref(),
            Some(Path::new("trust-bundle.bin"))
        );
        assert_eq!(bundle.config.batch_retention_margin_hours, 48);
        let pg = Cli::try_parse_from([
            "server",
            "--data-dir",
            "d",
            "--ra-key",
            "ra.key",
            "--ha-keys",
            "a.pub",
            "--postgres-url",
            "postgres://u@127.0.0.1/vc",
            "--postgres-connections",
            "4",
        ])
        .expect("parses");
        assert_eq!(
            pg.config.postgres_url.as_deref(),
            Some("postgres://u@127.0.0.1/vc")
        );
        assert_eq!(pg.config.postgres_connections, 4);
    }

    #[test]
    fn metrics_are_off_by_default_and_only_on_loopback_unless_allowed() {
        use clap::Parser as _;
        let base = [
            "server",
            "--data-dir",
            "d",
            "--ra-key",
            "r",
            "--ha-keys",
            "h",
        ];
        let parse = |extra: &[&str]| {
            let args: Vec<&str> = base.iter().chain(extra).copied().collect();
            Cli::try_parse_from(args).expect("parses").config
        };
        let c = parse(&[]);
        assert_eq!((c.metrics_listen, c.metrics_allow_remote), (None, false));
        assert_eq!(c.metrics_address().expect("no metrics"), None);
        let c = parse(&["--metrics-listen", "127.0.0.1:9464"]);
        let loopback: SocketAddr = "127.0.0.1:9464".parse().expect("address");
        assert_eq!(c.metrics_address().expect("loopback"), Some(loopback));
        assert!(c.descriptor_budget() > parse(&[]).descriptor_budget());
        for remote in [
            "0.0.0.0:9464",
            "10.0.0.5:9464",
            "[::]:9464",
            "203.0.113.7:9464",
        ] {
            let c = parse(&["--metrics-listen", remote]);
            let msg = c.metrics_address().expect_err(remote).to_string();
            assert!(msg.contains("not a loopback address"), "{msg}");
            assert!(msg.contains("--metrics-allow-remote"), "{msg}");
            let c = parse(&["--metrics-listen", remote, "--metrics-allow-remote"]);
            let addr: SocketAddr = remote.parse().expect("address");
            assert_eq!(c.metrics_address().expect("allowed"), Some(addr));
        }
        let c = parse(&[
            "--listen",
            "127.0.0.1:8080",
            "--metrics-listen",
            "127.0.0.1:8080",
        ]);
        let msg = c.metrics_address().expect_err("same address").to_string();
        assert!(msg.contains("port of their own"), "{msg}");
    }

    #[test]
    fn every_secret_key_file_is_refused_where_a_public_key_belongs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = |n: &str| dir.path().join(n);
        let ra = SigningKey::from_seed(&[1; 32]).expect("key");
        let ha = SigningKey::from_seed(&[2; 32]).expect("key");
        let admin = SigningKey::from_seed(&[3; 32]).expect("key");
        let enc = venuecode_protocol::DecryptionKey::from_secret(&[4; 32]).expect("key");
        write_signing_key(&p("ra.key"), &ra).expect("write");
        write_signing_key(&p("ha-signing.key"), &ha).expect("write");
        write_signing_key(&p("admin.key"), &admin).expect("write");
        write_public_key(&p("ha-signing.pub"), &ha.public_key()).expect("write");
        write_public_key(&p("admin.pub"), &admin.public_key()).expect("write");
        write_encryption_key(&p("ha-encryption.pub"), &enc.public_key()).expect("write");
        std::fs::write(
            p("ha-encryption.key"),
            keyfile::encode(KeyKind::X25519Secret, &[&enc.to_secret()]).as_bytes(),
        )
        .expect("write");

        let good = || {
            let mut c = Config::new(p("data"), p("ra.key"), vec![p("ha-signing.pub")]);
            c.admin_key = Some(p("admin.pub"));
            c.ha_encryption_key = Some(p("ha-encryption.pub"));
            c
        };
        let keys = Keys::load(&good()).expect("the right files load");
        assert_eq!(keys.ha, vec![ha.public_key()]);

        let refused = |c: Config, file: &str| {
            let msg = Keys::load(&c).expect_err("refused").to_string();
            assert!(msg.contains(file), "{msg}");
            assert!(msg.contains("is a SECRET key"), "{msg}");
            assert!(msg.contains("give the matching .pub file"), "{msg}");
        };
        for secret in ["ha-signing.key", "ra.key", "admin.key"] {
            let mut c = good();
            c.ha_keys = vec![p(secret)];
            refused(c, secret);
            let mut c = good();
            c.admin_key = Some(p(secret));
            refused(c, secret);
        }
        let mut c = good();
        c.ha_encryption_key = Some(p("ha-encryption.key"));
        refused(c, "ha-encryption.key");
        // A public key where the RA's signing key belongs, and the X25519 key as a signing one.
        let mut c = good();
        c.ra_key = p("ha-signing.pub");
        let msg = Keys::load(&c).expect_err("refused").to_string();
        assert!(
            msg.contains("holds an Ed25519 public key; expected an Ed25519 secret key"),
            "{msg}"
        );
        let mut c = good();
        c.ha_keys = vec![p("ha-encryption.pub")];
        let msg = Keys::load(&c).expect_err("refused").to_string();
        assert!(
            msg.contains("holds an X25519 public key; expected an Ed25519 public key"),
            "{msg}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn signing_key_files_are_created_mode_0600() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ra.key");
        write_signing_key(&path, &SigningKey::from_seed(&[1; 32]).expect("key")).expect("write");
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
