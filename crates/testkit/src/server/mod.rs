//! A real server started in-process on an ephemeral port, driven over HTTP with ureq
//! ([`Harness`]); plain-socket helpers ([`raw`]); the server binary as a child process
//! ([`process`]).

pub mod process;
pub mod raw;

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use venuecode_protocol::exposure::{BatchBuilder, RiskLevel};
use venuecode_protocol::sealed::{seal, SealedBundle, UPLOAD_INFO};
use venuecode_protocol::time::{Epoch, UnixMinute};
use venuecode_protocol::{
    ChainHead, Checkpoint, CheckpointBody, Codec, CountPing, CountTag, CountTagRegistration,
    DecryptionKey, KeyId, MasterSeed, RequestEnvelope, SealedMessage, SeedRelease, SigningKey,
    VenueCategory,
};
use venuecode_server::config::{write_encryption_key, write_public_key, write_signing_key};
use venuecode_server::{Config, Server, ServerError};

use crate::fixture;

/// Now, in Unix seconds.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: ureq::http::HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Resp {
    /// The body as JSON; panics if it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "not JSON (status {}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The API error code.
    pub fn code(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }

    /// The API error code, if the body is a JSON error.
    pub fn code_if_error(&self) -> Option<String> {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
    }

    /// A header's value, if it is there and text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// A server on its own runtime with fresh RA, HA, admin and HA encryption keys, and an HTTP
/// client for it; stopped on drop.
pub struct Harness {
    rt: Runtime,
    dir: tempfile::TempDir,
    /// The server's configuration (after a start, listening on the port it got).
    pub config: Config,
    /// `http://ADDR` or `https://ADDR`.
    pub base: String,
    /// The address the server listens on.
    pub addr: std::net::SocketAddr,
    /// The address of the server's metrics listener (plain HTTP), which the harness turns on
    /// unless `tweak` turned it off again (then port 0).
    pub metrics_addr: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), ServerError>>>,
    agent: ureq::Agent,
    /// The registration authority's key.
    pub ra: SigningKey,
    /// The trusted HA signing key (the file holds one other, to show rotation).
    pub ha: SigningKey,
    /// The admin key.
    pub admin: SigningKey,
    /// The HA's encryption key.
    pub ha_enc: DecryptionKey,
}

impl Harness {
    /// Starts a server with generous rate limits.
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    /// Starts a server with generous rate limits and a metrics listener on a free loopback
    /// port, after `tweak` changed its configuration.
    pub fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ra = SigningKey::generate().unwrap();
        let ha = SigningKey::generate().unwrap();
        let admin = SigningKey::generate().unwrap();
        let ha_enc = DecryptionKey::generate().unwrap();
        let p = |n: &str| -> PathBuf { dir.path().join(n) };
        write_signing_key(&p("ra.key"), &ra).unwrap();
        write_public_key(&p("admin.pub"), &admin.public_key()).unwrap();
        // Two trusted HA keys in one file, to show key rotation.
        let other = SigningKey::generate().unwrap();
        std::fs::write(
            p("ha.pub"),
            format!(
                "# trusted HA keys\nvenuecode ed25519 public key\n{}\n{}\n",
                hex::encode(other.public_key().as_bytes()),
                hex::encode(ha.public_key().as_bytes())
            ),
        )
        .unwrap();
        write_encryption_key(&p("ha-enc.pub"), &ha_enc.public_key()).unwrap();
        let mut config = Config::new(p("data"), p("ra.key"), vec![p("ha.pub")]);
        config.admin_key = Some(p("admin.pub"));
        config.ha_encryption_key = Some(p("ha-enc.pub"));
        config.rate_per_minute = 10_000;
        config.rate_burst = 10_000;
        config.registrations_per_ip_per_hour = 10_000;
        config.registrations_per_minute = 10_000;
        config.metrics_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        tweak(&mut config);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut h = Self {
            rt,
            dir,
            config,
            base: String::new(),
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics_addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            stop: None,
            task: None,
            agent,
            ra,
            ha,
            admin,
            ha_enc,
        };
        h.launch();
        h
    }

    /// Makes the test client trust only the CA certificate(s) in `pem`, for a server on TLS.
    pub fn trust_ca(&mut self, pem: &str) {
        let roots: Vec<_> = ureq::tls::parse_pem(pem.as_bytes())
            .filter_map(|item| match item.unwrap() {
                ureq::tls::PemItem::Certificate(c) => Some(c),
                _ => None,
            })
            .collect();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
            .build();
        self.agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .build()
            .into();
    }

    /// Starts the server again after [`Self::stop`], on the same port and data.
    pub fn launch(&mut self) {
        let server = self.rt.block_on(Server::bind(self.config.clone())).unwrap();
        self.addr = server.local_addr().unwrap();
        self.base = format!("{}://{}", server.scheme(), self.addr);
        // Restart on the same ports, so that URLs stay valid.
        self.config.listen = self.addr;
        if let Some(metrics) = server.metrics_addr().unwrap() {
            self.metrics_addr = metrics;
            self.config.metrics_listen = Some(metrics);
        }
        let (tx, rx) = oneshot::channel::<()>();
        self.stop = Some(tx);
        self.task = Some(self.rt.spawn(server.run(async {
            let _ = rx.await;
        })));
    }

    /// Asks the server to stop (in-flight requests finish) and waits for it.
    pub fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            self.rt.block_on(task).unwrap().unwrap();
        }
    }

    /// Signals the stop without waiting.
    pub fn signal_stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    /// Waits for a stop signalled earlier.
    pub fn join(&mut self) -> Result<(), ServerError> {
        match self.task.take() {
            Some(task) => self.rt.block_on(task).unwrap(),
            None => Ok(()),
        }
    }

    /// Stops the server and starts it again on the same port and data.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Sends one request and reads the whole answer.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> Resp {
        let mut b = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, path));
        for (k, v) in headers {
            b = b.header(*k, v.as_str());
        }
        let result = if body.is_empty() {
            self.agent.run(b.body(()).unwrap())
        } else {
            self.agent.run(b.body(body.to_vec()).unwrap())
        };
        let mut resp = result.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .body_mut()
            .with_config()
            .limit(100 * 1024 * 1024)
            .read_to_vec()
            .unwrap();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[], &[])
    }

    /// The metrics text, from the metrics listener.
    pub fn metrics(&self) -> String {
        let text = raw::scrape(self.metrics_addr);
        match text.split_once("\r\n\r\n") {
            Some((_, body)) => body.to_owned(),
            None => text,
        }
    }

    /// A metric's value (the first sample line starting with `name`; 0 when there is none).
    pub fn metric(&self, name: &str) -> i64 {
        raw::metric(self.metrics_addr, name)
    }

    /// Requests the public listener is serving now, from the metrics listener.
    pub fn in_flight(&self) -> i64 {
        raw::in_flight(self.metrics_addr)
    }

    /// Waits (up to ten seconds) until `n` requests are being served.
    pub fn wait_in_flight(&self, n: i64) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.in_flight() < n {
            assert!(
                std::time::Instant::now() < deadline,
                "never saw {n} requests in flight"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// The signature header for a request signed at `ts`.
    pub fn sig(
        key: &SigningKey,
        method: &str,
        path: &str,
        body: &[u8],
        ts: u64,
    ) -> (&'static str, String) {
        let env = RequestEnvelope::sign(key, method, path, body, ts).unwrap();
        ("venuecode-signature", env.to_header())
    }

    /// A request signed by `key` now.
    pub fn signed(&self, key: &SigningKey, method: &str, path: &str, body: &[u8]) -> Resp {
        let h = Self::sig(key, method, path, body, now());
        self.request(method, path, &[h], body)
    }

    // ---- fixtures ----

    /// A registration request of a restaurant at 1 Example Road in `region`, UTC offset 0.
    pub fn registration(key: &SigningKey, name: &str, region: u32, pledge: bool) -> Vec<u8> {
        let info = fixture::venue_info_in(
            name,
            "1 Example Road",
            region,
            VenueCategory::RESTAURANT,
            60,
            0,
        );
        fixture::registration_request(key, info, pledge).encode()
    }

    /// Registers a venue and returns its key and serial.
    pub fn register(&self, name: &str) -> (SigningKey, u64) {
        let key = SigningKey::generate().unwrap();
        let body = Self::registration(&key, name, 620_105, true);
        let r = self.signed(&key, "POST", "/v1/venues", &body);
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        let cert = venuecode_protocol::VenueCertificate::decode(&r.body).unwrap();
        (key, cert.serial())
    }

    /// The first batch of a chain (sequence 1), with a fresh batch id.
    pub fn batch(ha: &SigningKey) -> Vec<u8> {
        Self::batch_at(ha, ChainHead::GENESIS).0
    }

    /// The batch after `head`, and the head it makes.
    pub fn batch_at(ha: &SigningKey, head: ChainHead) -> (Vec<u8>, ChainHead) {
        let minute = UnixMinute::new((now() / 60) as u32);
        let mut b = BatchBuilder::new(head, minute, vec!["Get tested".into()]).unwrap();
        let venue = SigningKey::generate().unwrap();
        b.add(&fixture::window(
            MasterSeed::generate().unwrap().static_seed(),
            venue.public_key(),
            minute - 120,
            minute - 30,
            RiskLevel::HIGH,
        ))
        .unwrap();
        let batch = b.sign(ha).unwrap();
        (batch.encode(), batch.chain_head())
    }

    /// A checkpoint of `head` signed by `ha` at `issued_at`, nothing expired.
    pub fn checkpoint(ha: &SigningKey, head: ChainHead, issued_at: u32) -> Vec<u8> {
        Self::checkpoint_retained(ha, head, issued_at, (1, [0; 32]))
    }

    /// A checkpoint of `head` with a retained range.
    pub fn checkpoint_retained(
        ha: &SigningKey,
        head: ChainHead,
        issued_at: u32,
        retained: (u64, [u8; 32]),
    ) -> Vec<u8> {
        let body = CheckpointBody::new(ha.key_id(), UnixMinute::new(issued_at), head, retained);
        Checkpoint::sign(body, ha).unwrap().encode()
    }

    /// A sealed case upload to the HA.
    pub fn case_upload(&self) -> Vec<u8> {
        seal(&self.ha_enc.public_key(), UPLOAD_INFO, b"shared entries")
            .unwrap()
            .encode()
    }

    /// One sealed message to the HA.
    pub fn sealed(&self) -> SealedMessage {
        seal(&self.ha_enc.public_key(), UPLOAD_INFO, b"guest").unwrap()
    }

    /// A guest-book disclosure of two sealed items.
    pub fn guestbook_upload(&self) -> Vec<u8> {
        SealedBundle::new(vec![self.sealed(), self.sealed()])
            .unwrap()
            .encode()
    }

    /// A seed release of one rotating seed by `venue`.
    pub fn seeds_upload(&self, venue: &SigningKey, _serial: u64) -> Vec<u8> {
        let master = MasterSeed::generate().unwrap();
        SeedRelease::create(
            venue,
            vec![(Epoch::new(20_000), master.rotating_seed(Epoch::new(20_000)))],
            &self.ha_enc.public_key(),
        )
        .unwrap()
        .encode()
    }

    /// One count ping.
    pub fn ping(key_id: [u8; 8], tag: [u8; 16]) -> Vec<u8> {
        CountPing {
            venue_key_id: KeyId(key_id),
            tag: CountTag(tag),
        }
        .encode()
    }

    /// A count-tag registration body (pairs sorted here).
    pub fn count_tags(pairs: &[(u32, [u8; 16])]) -> Vec<u8> {
        let mut pairs = pairs.to_vec();
        pairs.sort_unstable();
        let tags = pairs
            .iter()
            .map(|(e, t)| (Epoch::new(*e), CountTag(*t)))
            .collect();
        CountTagRegistration::new(tags).unwrap().encode()
    }

    /// Registers a venue (UTC offset 0) and files `tags` under its key for today; returns its
    /// key, serial and key id.
    pub fn counting_venue(&self, name: &str, tags: &[[u8; 16]]) -> (SigningKey, u64, [u8; 8]) {
        let (key, serial) = self.register(name);
        let today = (now() / 86_400) as u32;
        let pairs: Vec<(u32, [u8; 16])> = tags.iter().map(|t| (today, *t)).collect();
        let r = self.signed(
            &key,
            "POST",
            &format!("/v1/venues/{serial}/count-tags"),
            &Self::count_tags(&pairs),
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        let id = key.key_id().0;
        (key, serial, id)
    }

    /// Registers TANs with the HA key; returns the response.
    pub fn register_tans(&self, tans: &[(&str, u64, &str)]) -> Resp {
        let body = serde_json::json!({
            "tans": tans.iter().map(|(t, exp, purpose)| serde_json::json!({
                "hash": hex::encode(venuecode_protocol::envelope::tan_hash(t).unwrap()),
                "expires_at": exp,
                "purpose": purpose,
            })).collect::<Vec<_>>()
        });
        let body = serde_json::to_vec(&body).unwrap();
        self.signed(&self.ha, "POST", "/v1/tans", &body)
    }

    /// `POST /v1/uploads` under `tan` (its hash when it is one, else as it is).
    pub fn upload(&self, tan: &str, body: &[u8]) -> Resp {
        self.request(
            "POST",
            "/v1/uploads",
            &[(
                "venuecode-tan-hash",
                venuecode_protocol::envelope::tan_hash_hex(tan).unwrap_or_else(|_| tan.to_owned()),
            )],
            body,
        )
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            let _ = self.rt.block_on(task);
        }
    }
}
