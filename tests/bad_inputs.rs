//! The bad-input matrix: one table of malformed, forged, stale, replayed and out-of-range inputs,
//! fed to the client library (and the HA's side of it), to a real server over HTTP and to the
//! `venuecode` binary. For every row the test asserts the specific error (error variant, HTTP
//! status and API code, or exit status and message), that nothing panicked, and that nothing
//! was stored or changed anywhere: the visitor's diary, the fake server's mailbox, the real
//! server's store and the CLI visitor's diary are compared before and after each row.
//!
//! Rows are grouped by layer (`protocol`, `lib`, `server`, `cli`), one test each on its own
//! world: `cargo test --test bad_inputs server` runs the server's rows only. Setup that must
//! change state (a check-in to share, a TAN to reuse, a batch to duplicate, a venue to revoke)
//! happens before the table runs; each row only tries something that must be refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use venuecode::authority::{self, HealthAuthority, RegistrationAuthority};
use venuecode::home::Home;
use venuecode_client::transport::{Method, Request, TanState};
use venuecode_client::{
    DiaryKey, Error as ClientError, HttpTransport, ManualClock, MemoryServer, Transport, Venue,
    Visitor, VisitorConfig,
};
use venuecode_protocol::certificate::CERTIFICATE_LABEL;
use venuecode_protocol::code::{encode_decimal, CODE_LABEL, DEFAULT_BASE_URL};
use venuecode_protocol::envelope::{tan_hash, RequestEnvelope, SIGNATURE_HEADER};
use venuecode_protocol::sealed::UPLOAD_INFO;
use venuecode_protocol::time::{local_epoch, UnixMinute};
use venuecode_protocol::{
    BatchBuilder, ChainHead, Codec, DecryptionKey, EncryptionKey, Error as P, MasterSeed,
    RevocationList, RevocationReason, RiskLevel, SealedMessage, SigningKey, TrustBundle, Upload,
    UploadEntry, VenueCategory, VenueCertificate, VenueCode,
};
use venuecode_server::storage::{NewTan, UploadPurpose};
use venuecode_server::{Config, Keys, RedbStorage, Server, Storage};
use venuecode_testkit::cli;
use venuecode_testkit::fixture::{
    certificate, registration_request, restaurant, revocation_list, venue_info, window,
};

const BIN: &str = env!("CARGO_BIN_EXE_venuecode");

/// The group order L of Ed25519, little-endian: adding it to S gives a malleated signature.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];
/// The Edwards identity point (y = 1): a small-order ("weak") Ed25519 public key.
const WEAK_ED25519: [u8; 32] = {
    let mut k = [0u8; 32];
    k[0] = 1;
    k
};
/// Low-order X25519 points: u = 0, u = 1, and a point of order 8.
const LOW_ORDER_X25519: [[u8; 32]; 3] = [
    [0; 32],
    {
        let mut k = [0u8; 32];
        k[0] = 1;
        k
    },
    [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ],
];

fn now_secs() -> u64 {
    authority::now_seconds()
}

/// `signature` with `L` added to its `S` half.
fn malleate(sig: &mut [u8]) {
    let s = &mut sig[32..64];
    let mut carry = 0u16;
    for (b, l) in s.iter_mut().zip(L) {
        let v = u16::from(*b) + u16::from(l) + carry;
        *b = (v & 0xff) as u8;
        carry = v >> 8;
    }
}

// ------------------------------------------------------------------------------------------
// Raw encodings, built field by field so that rows can break one field and still be signed
// ------------------------------------------------------------------------------------------

struct RawInfo<'a> {
    name: &'a [u8],
    address: &'a [u8],
    region: u32,
}

impl RawInfo<'_> {
    fn good() -> Self {
        RawInfo {
            name: "兰州牛肉面馆".as_bytes(),
            address: "甘肃省兰州市安宁区北滨河西路1号".as_bytes(),
            region: 620_105,
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.name.len() as u8);
        out.extend_from_slice(self.name);
        out.push(self.address.len() as u8);
        out.extend_from_slice(self.address);
        out.extend_from_slice(&self.region.to_be_bytes());
        out.push(9); // restaurant
        out.extend_from_slice(&60u16.to_be_bytes());
        out.push(32); // UTC+08:00 in quarter hours
    }
}

/// A certificate's bytes, signed by `ra` over whatever the fields say.
fn raw_cert(
    ra: &SigningKey,
    serial: u64,
    venue_key: &[u8; 32],
    info: &RawInfo<'_>,
    valid: (UnixMinute, UnixMinute),
) -> Vec<u8> {
    let mut tbs = vec![2u8];
    tbs.extend_from_slice(&ra.key_id().0);
    tbs.extend_from_slice(&serial.to_be_bytes());
    tbs.extend_from_slice(venue_key);
    info.encode(&mut tbs);
    tbs.extend_from_slice(&valid.0.get().to_be_bytes());
    tbs.extend_from_slice(&valid.1.get().to_be_bytes());
    let sig = ra.sign(CERTIFICATE_LABEL, &tbs);
    tbs.extend_from_slice(&sig);
    tbs
}

/// A static code's bytes around raw certificate bytes, signed by `venue`.
fn raw_static_code(cert: &[u8], seed: &[u8; 32], venue: &SigningKey) -> Vec<u8> {
    let mut tbs = vec![2u8, 1u8];
    tbs.extend_from_slice(cert);
    tbs.extend_from_slice(seed);
    let sig = venue.sign(CODE_LABEL, &tbs);
    tbs.extend_from_slice(&sig);
    tbs
}

fn url_of(raw: &[u8]) -> String {
    format!("{DEFAULT_BASE_URL}#{}", encode_decimal(raw))
}

fn registration(key: &[u8; 32], info: &RawInfo<'_>, pledge: u8) -> Vec<u8> {
    let mut out = vec![2u8];
    out.extend_from_slice(key);
    info.encode(&mut out);
    out.push(pledge);
    out
}

// ------------------------------------------------------------------------------------------
// The world: authorities, a real server, a visitor over the fake server, a CLI visitor
// ------------------------------------------------------------------------------------------

struct SimpleVenue {
    key: SigningKey,
    master: MasterSeed,
    cert: VenueCertificate,
}

impl SimpleVenue {
    fn new(ra: &SigningKey, serial: u64, name: &str, now: UnixMinute) -> Self {
        let key = SigningKey::generate().unwrap();
        let info = restaurant(name);
        let cert = certificate(ra, serial, &key, info, now - 1440, now + 365 * 1440);
        Self {
            key,
            master: MasterSeed::generate().unwrap(),
            cert,
        }
    }

    fn code(&self) -> VenueCode {
        VenueCode::new_static(self.cert.clone(), &self.master, &self.key).unwrap()
    }

    fn venue(&self, trust: &TrustBundle) -> Venue {
        Venue::new(
            self.cert.clone(),
            MasterSeed::from_bytes(*self.master.expose()),
            self.key.clone(),
            trust,
        )
        .unwrap()
    }
}

struct World {
    _rt: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    ra: RegistrationAuthority,
    ha: HealthAuthority,
    bundle: TrustBundle,
    store: Arc<RedbStorage>,
    url: String,
    http: HttpTransport,
    /// The fake server of the library visitor.
    mem: MemoryServer,
    clock: ManualClock,
    now: UnixMinute,
    /// A venue whose poster the visitors scanned.
    shop: SimpleVenue,
    /// A venue the RA revoked (serial 5 on the revocation list).
    revoked: SimpleVenue,
    /// TANs whose state the snapshot follows.
    tans: Vec<String>,
    /// A registered venue on the real server, revoked there.
    server_revoked: (SigningKey, u64),
    /// A batch already stored on the server.
    stored_batch: Vec<u8>,
    /// A signed `POST /v1/tans` already accepted: its header, path and body.
    accepted: (String, Vec<u8>),
}

/// What the test compares before and after each row.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    lib_entries: usize,
    lib_exposures: usize,
    lib_pending_share: bool,
    fake_uploads: usize,
    server_venues: Vec<(u32, u8, u64, u64)>,
    server_batches: (usize, u64),
    server_uploads: Vec<(u64, u64)>,
    server_revocations: u64,
    server_tans: Vec<Option<(u64, bool)>>,
    cli_entries: usize,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let auth_home = Home::new(dir.path().join("authority"));
        let urls = authority::BundleUrls {
            server_url: "http://127.0.0.1:8080".into(),
            code_base_url: DEFAULT_BASE_URL.into(),
        };
        let (ra, ha, bundle) =
            authority::init(&auth_home, &urls, UnixMinute::new((now_secs() / 60) as u32)).unwrap();

        // The real server, in this process, on its redb store.
        let mut config = Config::new(
            dir.path().join("server-data"),
            auth_home.path("ra/ra.key"),
            vec![auth_home.path("authority/ha-signing.pub")],
        );
        config.admin_key = Some(auth_home.path("ra/admin.pub"));
        config.ha_encryption_key = Some(auth_home.path("authority/ha-encryption.pub"));
        config.trust_bundle = Some(auth_home.path(authority::TRUST_BUNDLE_OUT));
        config.rate_burst = 10_000;
        config.rate_per_minute = 10_000;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let keys = Keys::load(&config).unwrap();
        let store = Arc::new(RedbStorage::open(&config.data_dir).unwrap());
        let server = rt
            .block_on(Server::bind_with(
                config,
                keys,
                Arc::clone(&store) as Arc<dyn Storage>,
            ))
            .unwrap();
        let url = format!("http://{}", server.local_addr().unwrap());
        rt.spawn(server.run(std::future::pending()));
        let http = HttpTransport::new(&url).unwrap();

        let now = UnixMinute::new((now_secs() / 60) as u32);
        let shop = SimpleVenue::new(&ra.signing, 1_000_001, "兰州牛肉面馆", now);
        let revoked = SimpleVenue::new(&ra.signing, 5, "已注销的面馆", now);
        let clock = ManualClock::at_minute(now);
        let mem = MemoryServer::new();

        let mut w = Self {
            _rt: rt,
            ra,
            ha,
            bundle,
            store,
            url,
            http,
            mem,
            clock,
            now,
            shop,
            revoked,
            tans: Vec::new(),
            server_revoked: (SigningKey::generate().unwrap(), 0),
            stored_batch: Vec::new(),
            accepted: (String::new(), Vec::new()),
            dir,
        };
        w.setup();
        w
    }

    fn diary_path(&self) -> PathBuf {
        self.dir.path().join("lib-diary.redb")
    }

    fn cli_home(&self) -> PathBuf {
        self.dir.path().join("cli-visitor")
    }

    fn ha_home(&self) -> PathBuf {
        self.dir.path().join("authority")
    }

    fn config(&self) -> VisitorConfig {
        VisitorConfig::new(self.bundle.clone()).unwrap()
    }

    /// The library visitor, over `transport`. Opened per use, so rows can swap the transport.
    fn visitor_with(&self, transport: MemoryServer) -> Visitor {
        Visitor::open(
            self.diary_path(),
            DiaryKey::from_bytes([0x42; 32]),
            self.config(),
            self.clock.clone(),
            transport,
        )
        .unwrap()
    }

    fn visitor(&self) -> Visitor {
        self.visitor_with(self.mem.clone())
    }

    fn revocation_list(&self, signer: &SigningKey, serials: &[u64]) -> RevocationList {
        let entries: Vec<_> = serials
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    i as u64 + 1,
                    *s,
                    self.now,
                    RevocationReason::DISABLED_BY_AUTHORITY,
                )
            })
            .collect();
        let n = serials.len() as u64;
        revocation_list(signer, self.now, (0, n, n), &entries)
    }

    /// A batch holding a window over the library visitor's stay at the shop, first of a chain.
    fn batch_builder(&self) -> BatchBuilder {
        self.batch_builder_after(ChainHead::GENESIS)
    }

    /// The same batch after `head`.
    fn batch_builder_after(&self, head: ChainHead) -> BatchBuilder {
        let mut b = BatchBuilder::new(head, self.now, vec!["Get tested.".into()]).unwrap();
        b.add(&window(
            self.shop.code().seed().clone(),
            self.shop.key.public_key(),
            self.now - 50,
            self.now - 10,
            RiskLevel::HIGH,
        ))
        .unwrap();
        b
    }

    fn send(&self, req: Request) -> (u16, String) {
        let r = self.http.send(req).unwrap();
        let status = r.status;
        let mut body = Vec::new();
        let mut rd = r.body;
        std::io::Read::read_to_end(&mut rd, &mut body).unwrap();
        let code = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or_default();
        (status, code)
    }

    fn signed_req(
        &self,
        key: &SigningKey,
        method: Method,
        path: &str,
        body: Vec<u8>,
        ts: u64,
    ) -> Request {
        let env = RequestEnvelope::sign(key, method.as_str(), path, &body, ts).unwrap();
        let mut r = Request::post(path, body, "application/octet-stream");
        r.method = method;
        r.header(SIGNATURE_HEADER, env.to_header())
    }

    fn post_signed(&self, key: &SigningKey, path: &str, body: Vec<u8>) -> (u16, String) {
        self.send(self.signed_req(key, Method::Post, path, body, now_secs()))
    }

    /// An upload authorised by `tan`: its hash in the `Venuecode-Tan-Hash` header (a text
    /// that is not a TAN goes as it is).
    fn upload(&self, tan: &str, body: Vec<u8>) -> (u16, String) {
        let value = venuecode_protocol::envelope::tan_hash_hex(tan).unwrap_or_else(|_| tan.into());
        self.upload_with_header("venuecode-tan-hash", &value, body)
    }

    fn upload_with_header(&self, name: &str, value: &str, body: Vec<u8>) -> (u16, String) {
        self.send(
            Request::post("/v1/uploads", body, "application/octet-stream").header(name, value),
        )
    }

    fn tans_body(tans: &[(&str, u64, &str)]) -> Vec<u8> {
        let list: Vec<_> = tans
            .iter()
            .map(|(t, exp, purpose)| {
                serde_json::json!({"hash": hex::encode(tan_hash(t).unwrap()), "expires_at": exp, "purpose": purpose})
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({ "tans": list })).unwrap()
    }

    fn register_tan(&mut self, tan: &str) {
        let body = Self::tans_body(&[(tan, now_secs() + 3600, "case")]);
        assert_eq!(self.post_signed(&self.ha.signing, "/v1/tans", body).0, 201);
        self.tans.push(tan.to_owned());
    }

    /// Everything that must change only in setup.
    fn setup(&mut self) {
        // The library visitor: a revocation list naming serial 5, a check-in at the shop 60
        // minutes ago, and TANs on the fake server in each state.
        self.mem
            .set_revocations(&self.revocation_list(&self.ra.signing, &[5]));
        self.clock.set_minute(self.now - 60);
        {
            let v = self.visitor();
            v.sync_revocations().unwrap();
            v.scan_and_check_in(&self.shop.code().to_url(DEFAULT_BASE_URL))
                .unwrap();
        }
        self.clock.set_minute(self.now);
        self.mem
            .register_tan("USED-TAN-0001", TanState::Used)
            .unwrap();
        self.mem
            .register_tan("EXPIRED-TAN-01", TanState::Expired)
            .unwrap();

        // The real server: a venue registered and then revoked by itself.
        let vkey = SigningKey::generate().unwrap();
        let info = venue_info(
            "Revoked Bar",
            "1 Example Road",
            VenueCategory::RESTAURANT,
            60,
            32,
        );
        let reg = registration_request(&vkey, info, true);
        let r = self
            .http
            .send(self.signed_req(&vkey, Method::Post, "/v1/venues", reg.encode(), now_secs()))
            .unwrap();
        assert_eq!(r.status, 201);
        let cert = VenueCertificate::decode(&venuecode_client::api::read_body(r, 1 << 20).unwrap())
            .unwrap();
        let serial = cert.serial();
        let (s, _) = self.post_signed(&vkey, &format!("/v1/venues/{serial}/revoke"), Vec::new());
        assert_eq!(s, 200);
        self.server_revoked = (vkey, serial);

        // A stored batch, to post again.
        let batch = self
            .batch_builder()
            .sign(&self.ha.signing)
            .unwrap()
            .encode();
        assert_eq!(
            self.post_signed(&self.ha.signing, "/v1/batches", batch.clone())
                .0,
            201
        );
        self.stored_batch = batch;

        // TANs: one used, one expired (registered straight into the store: the API refuses to
        // register a TAN that has already expired), one fresh that rows must leave unused.
        self.register_tan("SERVER-USED-0001");
        let sealed = seal_upload(&self.ha.decryption.public_key());
        assert_eq!(self.upload("SERVER-USED-0001", sealed).0, 201);
        let expired = "SERVER-EXPIRED-01";
        self.store
            .register_tans(
                &[NewTan {
                    hash: tan_hash(expired).unwrap(),
                    expires_at: now_secs() - 60,
                    purpose: UploadPurpose::Case,
                }],
                now_secs() - 120,
            )
            .unwrap();
        self.tans.push(expired.to_owned());
        self.register_tan("SERVER-FRESH-0001");

        // A signed request the server accepted, to replay.
        let body = Self::tans_body(&[("REPLAY-TAN-00001", now_secs() + 3600, "case")]);
        let env =
            RequestEnvelope::sign(&self.ha.signing, "POST", "/v1/tans", &body, now_secs()).unwrap();
        let req = Request::post("/v1/tans", body.clone(), "application/json")
            .header(SIGNATURE_HEADER, env.to_header());
        assert_eq!(self.send(req).0, 201);
        self.accepted = (env.to_header(), body);
        self.tans.push("REPLAY-TAN-00001".into());

        // A TAN for the case upload whose HPKE `enc` is a low-order point (refused unspent).
        self.register_tan("LOW-ORDER-TAN-01");

        // The CLI visitor: installs the trust bundle, syncs the revocation list (which names the
        // revoked server venue), and checks in at the shop so that it has something to share.
        let cli = self.cli_home();
        let out = self.cli(&cli, &["visitor", "sync"]);
        assert_eq!(out.0, Some(0), "{out:?}");
        let url = self.shop.code().to_url(DEFAULT_BASE_URL);
        let out = self.cli(&cli, &["visitor", "scan", &url]);
        assert_eq!(out.0, Some(0), "{out:?}");
    }

    /// Runs `venuecode --home HOME --server URL --now NOW --json ARGS…`: (exit code, stdout,
    /// stderr).
    fn cli(&self, home: &Path, args: &[&str]) -> (Option<i32>, String, String) {
        let now = venuecode::timefmt::format_minute(self.now);
        let mut cmd = cli::clean_command(BIN);
        // Every home installs the authority's trust bundle, as an app ships it.
        cmd.env(
            "VENUECODE_TRUST_BUNDLE",
            self.ha_home().join(authority::TRUST_BUNDLE_OUT),
        );
        cmd.arg("--home")
            .arg(home)
            .arg("--server")
            .arg(&self.url)
            .arg("--now")
            .arg(&now)
            .arg("--json")
            .args(args)
            .stdin(Stdio::null());
        let out = cli::run(cmd);
        (out.code, out.stdout, out.stderr)
    }

    fn snapshot(&self) -> Snapshot {
        let v = self.visitor();
        let lib = (
            v.all_entries().unwrap().len(),
            v.exposures().unwrap().len(),
            v.pending_share().unwrap().is_some(),
        );
        drop(v);
        let store = self.store.as_ref();
        let (batches, latest) = store.batches_after(0, 10_000).unwrap();
        let cli_entries = {
            let home = self.cli_home();
            let key = venuecode::home::read_key(
                &home.join("visitor/diary.key"),
                venuecode_server::keyfile::KeyKind::SymmetricSecret,
            )
            .unwrap();
            let v = Visitor::open(
                home.join("visitor/diary.redb"),
                DiaryKey::from_bytes(*key),
                self.config(),
                self.clock.clone(),
                MemoryServer::new(),
            )
            .unwrap();
            v.all_entries().unwrap().len()
        };
        Snapshot {
            lib_entries: lib.0,
            lib_exposures: lib.1,
            lib_pending_share: lib.2,
            fake_uploads: self.mem.uploads().len(),
            server_venues: store
                .venue_stats()
                .unwrap()
                .iter()
                .map(|r| (r.region, r.category, r.active, r.revoked))
                .collect(),
            server_batches: (batches.len(), latest),
            server_uploads: store
                .uploads()
                .unwrap()
                .iter()
                .map(|u| (u.id, u.size))
                .collect(),
            server_revocations: store.revocations_after(0).unwrap().1,
            server_tans: self
                .tans
                .iter()
                .map(|t| {
                    store
                        .tan(&tan_hash(t).unwrap())
                        .unwrap()
                        .map(|r| (r.expires_at, r.used))
                })
                .collect(),
            cli_entries,
        }
    }
}

fn seal_upload(to: &EncryptionKey) -> Vec<u8> {
    venuecode_protocol::sealed::seal(to, UPLOAD_INFO, b"an upload")
        .unwrap()
        .encode()
}

fn lib_err<T>(r: Result<T, ClientError>) -> String {
    match r {
        Ok(_) => "accepted".into(),
        Err(e) => format!("{e:?}"),
    }
}

fn proto_err<T>(r: Result<T, P>) -> String {
    match r {
        Ok(_) => "accepted".into(),
        Err(e) => format!("{e:?}"),
    }
}

fn http(s: (u16, String)) -> String {
    format!("{} {}", s.0, s.1)
}

/// A CLI outcome: `exit N: message`, the message being the JSON `error` (scans), the JSON
/// error object on stderr (`--json` failures) or the last `error:` line of stderr.
fn cli_outcome(out: (Option<i32>, String, String)) -> String {
    let (code, stdout, stderr) = out;
    let code = code.map_or("signal".to_owned(), |c| c.to_string());
    // A refused scan prints `venuecode::output::ScanRefused` on stdout; any other failure
    // under `--json` prints `venuecode::output::Failure` on stderr.
    let json_error = serde_json::from_str::<venuecode::output::ScanRefused>(stdout.trim())
        .ok()
        .map(|f| f.error);
    let stderr_error = stderr.lines().rev().find_map(|l| {
        serde_json::from_str::<venuecode::output::Failure>(l)
            .ok()
            .map(|f| f.error.message)
    });
    let msg = json_error.or(stderr_error).unwrap_or_else(|| {
        stderr
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap_or(stderr.trim())
            .to_owned()
    });
    format!("exit {code}: {msg}")
}

type Run = Box<dyn Fn(&World) -> String>;

struct Row {
    layer: &'static str,
    name: &'static str,
    expect: String,
    run: Run,
}

fn row(layer: &'static str, name: &'static str, expect: impl Into<String>, run: Run) -> Row {
    Row {
        layer,
        name,
        expect: expect.into(),
        run,
    }
}

/// Scans `url` with the library visitor and checks in if the scan passes.
fn lib_scan(url: String) -> Run {
    Box::new(move |w: &World| lib_err(w.visitor().scan_and_check_in(&url)))
}

/// The outcome of one part of a sync: the error it was refused or failed with, or
/// `accepted`; an error of the whole sync as it is.
fn lib_part(
    r: Result<venuecode_client::SyncReport, ClientError>,
    part: fn(&venuecode_client::SyncReport) -> &venuecode_client::sync::PartOutcome,
) -> String {
    match r {
        Err(e) => format!("{e:?}"),
        Ok(report) => part(&report)
            .error()
            .map_or("accepted".to_owned(), |e| format!("{e:?}")),
    }
}

/// Publishes `bytes` as the only batch of a fresh fake server and syncs the library visitor
/// against it: the outcome of the batch part.
fn lib_sync_batch(bytes: impl Fn(&World) -> Vec<u8> + 'static) -> Run {
    Box::new(move |w: &World| {
        let mem = MemoryServer::new();
        mem.set_revocations(&w.revocation_list(&w.ra.signing, &[5]));
        mem.publish_bytes(bytes(w));
        lib_part(w.visitor_with(mem).sync(), |r| &r.batch_sync)
    })
}

/// Serves `list` as the revocation list of a fresh fake server and syncs against it.
fn lib_sync_list(list: impl Fn(&World) -> Vec<u8> + 'static) -> Run {
    Box::new(move |w: &World| {
        let mem = MemoryServer::new();
        let bytes = list(w);
        // The fake server serves decoded lists; a list that does not decode would not even
        // get there, so rows here keep the encoding valid.
        mem.set_revocations(&RevocationList::decode(&bytes).unwrap());
        lib_part(w.visitor_with(mem).sync(), |r| &r.revocations)
    })
}

fn cli_scan(url: impl Fn(&World) -> String + 'static) -> Run {
    Box::new(move |w: &World| {
        let u = url(w);
        cli_outcome(w.cli(&w.cli_home(), &["visitor", "scan", &u]))
    })
}

fn scan_msg(e: ClientError) -> String {
    format!("exit 3: {e}")
}

fn rows(w: &World) -> Vec<Row> {
    let ra = &w.ra.signing;
    let shop = &w.shop;
    let genuine = shop.code().encode();
    let seed = *shop.code().seed().expose();
    let cert = shop.cert.encode();
    let vkey = *shop.key.public_key().as_bytes();
    let valid = (w.now - 1440, w.now + 365 * 1440);
    let stranger = SigningKey::generate().unwrap();
    let other = SimpleVenue::new(ra, 77, "甘肃省博物馆", w.now);

    // Variants of the genuine code's bytes.
    let truncated = genuine[..genuine.len() - 1].to_vec();
    let mut trailing = genuine.clone();
    trailing.push(0);
    let mut oversized = genuine.clone();
    oversized.resize(1025, 0);
    let mut version3 = genuine.clone();
    version3[0] = 3;
    let mut kind3 = genuine.clone();
    kind3[1] = 3;
    let mut cert_version3 = genuine.clone();
    cert_version3[2] = 3;
    let mut forged_ra = genuine.clone();
    // The RA signature ends the certificate, which starts at byte 2.
    forged_ra[2 + cert.len() - 1] ^= 1;
    let mut malleable_ra = genuine.clone();
    malleate(&mut malleable_ra[2 + cert.len() - 64..2 + cert.len()]);
    let mut swapped_seed = genuine.clone();
    let n = swapped_seed.len();
    swapped_seed[n - 64 - 32] ^= 1;
    let mut swapped_sig = genuine.clone();
    // Another venue's genuine signature (over its own code) in place of this one.
    swapped_sig[n - 64..]
        .copy_from_slice(&other.code().encode()[other.code().encode().len() - 64..]);
    let mut malleable_venue = genuine.clone();
    malleate(&mut malleable_venue[n - 64..]);
    let untrusted_cert = raw_cert(&stranger, 9, &vkey, &RawInfo::good(), valid);
    let untrusted = raw_static_code(&untrusted_cert, &seed, &shop.key);
    let weak_cert = raw_cert(ra, 9, &WEAK_ED25519, &RawInfo::good(), valid);
    let weak = raw_static_code(&weak_cert, &seed, &shop.key);
    let expired = raw_static_code(
        &raw_cert(ra, 9, &vkey, &RawInfo::good(), (w.now - 3000, w.now - 1000)),
        &seed,
        &shop.key,
    );
    let future = raw_static_code(
        &raw_cert(ra, 9, &vkey, &RawInfo::good(), (w.now + 1000, w.now + 3000)),
        &seed,
        &shop.key,
    );
    let bad_utf8 = RawInfo {
        name: &[b'A', 0xff, 0xfe, b'B'],
        ..RawInfo::good()
    };
    let utf8_code = raw_static_code(&raw_cert(ra, 9, &vkey, &bad_utf8, valid), &seed, &shop.key);
    let bad_region = RawInfo {
        region: 999_999,
        ..RawInfo::good()
    };
    let region_code = raw_static_code(
        &raw_cert(ra, 9, &vkey, &bad_region, valid),
        &seed,
        &shop.key,
    );
    // A rotating code shown 10 minutes ago (valid for 5, plus 2 of skew), and one valid for
    // 30 minutes from now.
    let stale = {
        let c = ManualClock::at_minute(w.now - 10);
        shop.venue(&w.bundle).rotating_code(&c).unwrap().encode()
    };
    let too_long = {
        let epoch = local_epoch(w.now, 32);
        VenueCode::signed(
            shop.cert.clone(),
            venuecode_protocol::CodeKind::Rotating {
                epoch,
                valid_until: w.now + 30,
            },
            shop.master.rotating_seed(epoch),
            &shop.key,
        )
        .unwrap()
        .encode()
    };
    let revoked = w.revoked.code().encode();
    // Decimal digits whose first 7-byte chunk is 10^17 - 1 > 256^7 - 1.
    let mut digits = encode_decimal(&genuine);
    digits.replace_range(0..17, "99999999999999999");
    let bad_chunk = format!("{DEFAULT_BASE_URL}#{digits}");
    let http_url = url_of(&genuine).replacen("https://", "http://", 1);

    let m = ClientError::MalformedCode;
    let mut t: Vec<Row> = vec![
        // ---- the library: scanning codes -------------------------------------------------
        row(
            "lib",
            "empty code",
            format!("{:?}", m(P::Empty)),
            lib_scan(String::new()),
        ),
        row(
            "lib",
            "truncated code",
            format!("{:?}", m(P::Truncated)),
            lib_scan(url_of(&truncated)),
        ),
        row(
            "lib",
            "code with a trailing byte",
            format!("{:?}", m(P::TrailingBytes)),
            lib_scan(url_of(&trailing)),
        ),
        row(
            "lib",
            "oversized code (1025 bytes)",
            format!("{:?}", m(P::TooLarge)),
            lib_scan(url_of(&oversized)),
        ),
        row(
            "lib",
            "code version 3",
            format!("{:?}", m(P::UnsupportedVersion { found: 3 })),
            lib_scan(url_of(&version3)),
        ),
        row(
            "lib",
            "unknown code kind 3",
            format!("{:?}", m(P::UnknownCodeKind { found: 3 })),
            lib_scan(url_of(&kind3)),
        ),
        row(
            "lib",
            "embedded certificate version 3",
            format!("{:?}", m(P::UnsupportedVersion { found: 3 })),
            lib_scan(url_of(&cert_version3)),
        ),
        row(
            "lib",
            "forged RA signature",
            "ForgedCertificate",
            lib_scan(url_of(&forged_ra)),
        ),
        row(
            "lib",
            "malleable RA signature (S + L)",
            "ForgedCertificate",
            lib_scan(url_of(&malleable_ra)),
        ),
        row(
            "lib",
            "swapped seed",
            "BadVenueSignature",
            lib_scan(url_of(&swapped_seed)),
        ),
        row(
            "lib",
            "swapped venue signature (another venue's)",
            "BadVenueSignature",
            lib_scan(url_of(&swapped_sig)),
        ),
        row(
            "lib",
            "malleable venue signature (S + L)",
            "BadVenueSignature",
            lib_scan(url_of(&malleable_venue)),
        ),
        row(
            "lib",
            "unknown RA key id",
            "UnknownAuthority",
            lib_scan(url_of(&untrusted)),
        ),
        row(
            "lib",
            "weak Ed25519 venue key",
            format!("{:?}", m(P::WeakPublicKey)),
            lib_scan(url_of(&weak)),
        ),
        row("lib", "expired code", "Expired", lib_scan(url_of(&expired))),
        row(
            "lib",
            "code not yet valid",
            "NotYetValid",
            lib_scan(url_of(&future)),
        ),
        row(
            "lib",
            "stale rotating code",
            "StaleCode",
            lib_scan(url_of(&stale)),
        ),
        row(
            "lib",
            "rotating code valid 30 minutes ahead",
            "InvalidCodeValidity",
            lib_scan(url_of(&too_long)),
        ),
        row("lib", "revoked code", "Revoked", lib_scan(url_of(&revoked))),
        row(
            "lib",
            "invalid UTF-8 in the venue name",
            format!("{:?}", m(P::InvalidUtf8)),
            lib_scan(url_of(&utf8_code)),
        ),
        row(
            "lib",
            "region code 999999",
            format!("{:?}", m(P::ValueOutOfRange)),
            lib_scan(url_of(&region_code)),
        ),
        row(
            "lib",
            "http:// URL",
            format!("{:?}", m(P::InvalidUrl)),
            lib_scan(http_url),
        ),
        row(
            "lib",
            "decimal chunk out of range",
            format!("{:?}", m(P::NonCanonical)),
            lib_scan(bad_chunk),
        ),
        // ---- the library: syncing batches and lists -----------------------------------------
        row(
            "lib",
            "batch signed by a venue instead of the HA",
            format!("{:?}", ClientError::Protocol(P::UnknownKeyId)),
            lib_sync_batch(|w| w.batch_builder().sign(&w.shop.key).unwrap().encode()),
        ),
        row(
            "lib",
            "batch signed by a venue under the HA key id",
            format!("{:?}", ClientError::Protocol(P::BatchSignatureInvalid)),
            lib_sync_batch(|w| {
                let mut b = w.batch_builder().sign(&w.shop.key).unwrap().encode();
                b[1..9].copy_from_slice(&w.ha.signing.key_id().0);
                b
            }),
        ),
        row(
            "lib",
            "truncated batch",
            format!("{:?}", ClientError::Protocol(P::Truncated)),
            lib_sync_batch(|w| {
                let mut b = w.batch_builder().sign(&w.ha.signing).unwrap().encode();
                b.pop();
                b
            }),
        ),
        row(
            "lib",
            "batch with a trailing byte",
            // After the last record the header counts, any byte is trailing: the streaming
            // reader agrees with a whole-batch decode (SPEC §3, exposure.json).
            format!("{:?}", ClientError::Protocol(P::TrailingBytes)),
            lib_sync_batch(|w| {
                let mut b = w.batch_builder().sign(&w.ha.signing).unwrap().encode();
                b.push(0);
                b
            }),
        ),
        row(
            "lib",
            "batch version 2 (one SHA-256 over the records, before the records tree)",
            format!(
                "{:?}",
                ClientError::Protocol(P::UnsupportedVersion { found: 2 })
            ),
            lib_sync_batch(|w| {
                let mut b = w.batch_builder().sign(&w.ha.signing).unwrap().encode();
                b[0] = 2;
                b
            }),
        ),
        row(
            "lib",
            "malleable batch signature (S + L)",
            format!("{:?}", ClientError::Protocol(P::BatchSignatureInvalid)),
            lib_sync_batch(|w| {
                let batch = w.batch_builder().sign(&w.ha.signing).unwrap();
                let mut head = Vec::new();
                batch.header().encode_into(&mut head);
                let mut b = batch.encode();
                malleate(&mut b[head.len() - 64..head.len()]);
                b
            }),
        ),
        row(
            "lib",
            "batch with a tampered record",
            format!("{:?}", ClientError::Protocol(P::BatchDigestMismatch)),
            lib_sync_batch(|w| {
                let mut b = w.batch_builder().sign(&w.ha.signing).unwrap().encode();
                let n = b.len();
                b[n - 1] ^= 1;
                b
            }),
        ),
        row(
            "lib",
            "revocation list signed by the HA",
            format!("{:?}", ClientError::Protocol(P::UnknownKeyId)),
            lib_sync_list(|w| w.revocation_list(&w.ha.signing, &[1_000_001]).encode()),
        ),
        row(
            "lib",
            "revocation list with a forged entry",
            format!(
                "{:?}",
                ClientError::Protocol(P::RevocationListSignatureInvalid)
            ),
            lib_sync_list(|w| {
                let mut b = w.revocation_list(&w.ra.signing, &[5]).encode();
                // The first entry's serial (after version, key id, issued_at, after, up_to, head,
                // count and the entry's sequence) now names the shop.
                let at = 1 + 8 + 4 + 8 + 8 + 8 + 4 + 8;
                b[at..at + 8].copy_from_slice(&1_000_001u64.to_be_bytes());
                b
            }),
        ),
        // ---- the library: sharing --------------------------------------------------------
        row(
            "lib",
            "reused TAN",
            "TanUsed",
            Box::new(|w: &World| {
                let v = w.visitor();
                let id = v.all_entries().unwrap()[0].id();
                let r = lib_err(v.share("USED-TAN-0001", &[id]));
                // The sealed upload waits locally for a retry; nothing reached the server.
                v.discard_pending_share().unwrap();
                r
            }),
        ),
        row(
            "lib",
            "expired TAN",
            "TanExpired",
            Box::new(|w: &World| {
                let v = w.visitor();
                let id = v.all_entries().unwrap()[0].id();
                let r = lib_err(v.share("EXPIRED-TAN-01", &[id]));
                v.discard_pending_share().unwrap();
                r
            }),
        ),
        row(
            "lib",
            "malformed TAN (too short)",
            format!(
                "{:?}",
                ClientError::InvalidArgument(venuecode_client::Reason::TanShape)
            ),
            Box::new(|w: &World| {
                let v = w.visitor();
                let id = v.all_entries().unwrap()[0].id();
                lib_err(v.share("short", &[id]))
            }),
        ),
        // ---- the library: the HA's keys and seals ---------------------------------------------
        row(
            "protocol",
            "low-order X25519 HA key u=0",
            "NonContributory",
            Box::new(|_| proto_err(EncryptionKey::from_bytes(&LOW_ORDER_X25519[0]))),
        ),
        row(
            "protocol",
            "low-order X25519 HA key u=1",
            "NonContributory",
            Box::new(|_| proto_err(EncryptionKey::from_bytes(&LOW_ORDER_X25519[1]))),
        ),
        row(
            "protocol",
            "low-order X25519 HA key of order 8",
            "NonContributory",
            Box::new(|_| proto_err(EncryptionKey::from_bytes(&LOW_ORDER_X25519[2]))),
        ),
        row(
            "protocol",
            "upload sealed with a low-order enc",
            "NonContributory",
            Box::new(|w: &World| {
                let entry = UploadEntry::new(w.shop.code(), w.now - 60, w.now).unwrap();
                let upload = Upload::new("LIB-TAN-000001", vec![entry]).unwrap();
                let msg = upload.seal(&w.ha.decryption.public_key()).unwrap();
                // Version and key id, then the 32-byte enc: patched on the wire.
                let mut bytes = msg.encode();
                bytes[9..41].copy_from_slice(&LOW_ORDER_X25519[2]);
                let msg = SealedMessage::decode(&bytes).unwrap();
                proto_err(Upload::open(&w.ha.decryption, &msg))
            }),
        ),
        row(
            "protocol",
            "upload sealing an empty TAN",
            "InvalidArgument(\"a TAN is 10 to 64 printable ASCII characters\")",
            Box::new(|w: &World| {
                let upload = Upload::new("", vec![]);
                proto_err(upload.and_then(|u| u.seal(&w.ha.decryption.public_key())))
            }),
        ),
        row(
            "protocol",
            "upload sealing a 65-character TAN",
            "InvalidArgument(\"a TAN is 10 to 64 printable ASCII characters\")",
            Box::new(|w: &World| {
                let upload = Upload::new(&"K".repeat(65), vec![]);
                proto_err(upload.and_then(|u| u.seal(&w.ha.decryption.public_key())))
            }),
        ),
        row(
            "protocol",
            "upload sealing a TAN with a space",
            "InvalidArgument(\"a TAN is 10 to 64 printable ASCII characters\")",
            Box::new(|w: &World| {
                let upload = Upload::new("K7Q2 M9XD 4TZP", vec![]);
                proto_err(upload.and_then(|u| u.seal(&w.ha.decryption.public_key())))
            }),
        ),
        row(
            "protocol",
            "upload sealed to another HA key",
            "UnknownKeyId",
            Box::new(|w: &World| {
                let other = DecryptionKey::generate().unwrap();
                let msg = SealedMessage::decode(&seal_upload(&other.public_key())).unwrap();
                proto_err(Upload::open(&w.ha.decryption, &msg))
            }),
        ),
    ];

    // ---- the server, over HTTP ------------------------------------------------------------
    let reg_row = |name: &'static str, expect: &'static str, body: Vec<u8>, key: SigningKey| {
        row(
            "server",
            name,
            expect,
            Box::new(move |w: &World| http(w.post_signed(&key, "/v1/venues", body.clone()))),
        )
    };
    let nk = SigningKey::generate().unwrap();
    let nkb = *nk.public_key().as_bytes();
    let good_reg = registration(&nkb, &RawInfo::good(), 1);
    let mut reg_trunc = good_reg.clone();
    reg_trunc.pop();
    let mut reg_trailing = good_reg.clone();
    reg_trailing.push(0);
    let mut reg_v3 = good_reg.clone();
    reg_v3[0] = 3;
    t.push(reg_row(
        "truncated registration",
        "400 malformed",
        reg_trunc,
        nk.clone(),
    ));
    t.push(reg_row(
        "registration with a trailing byte",
        "400 malformed",
        reg_trailing,
        nk.clone(),
    ));
    t.push(reg_row(
        "registration version 3",
        "400 malformed",
        reg_v3,
        nk.clone(),
    ));
    t.push(reg_row(
        "registration with invalid UTF-8 in the name",
        "400 malformed",
        registration(&nkb, &bad_utf8, 1),
        nk.clone(),
    ));
    t.push(reg_row(
        "registration with region code 999999",
        "400 malformed",
        registration(&nkb, &bad_region, 1),
        nk.clone(),
    ));
    t.push(reg_row(
        "registration with region code 100000",
        "400 malformed",
        registration(
            &nkb,
            &RawInfo {
                region: 100_000,
                ..RawInfo::good()
            },
            1,
        ),
        nk.clone(),
    ));
    t.push(reg_row(
        "registration with a weak Ed25519 key",
        "400 malformed",
        registration(&WEAK_ED25519, &RawInfo::good(), 1),
        nk.clone(),
    ));
    t.push(reg_row(
        "registration with pledge byte 2",
        "400 malformed",
        registration(&nkb, &RawInfo::good(), 2),
        nk.clone(),
    ));
    t.push(reg_row(
        "registration without the pledge",
        "403 pledge_missing",
        registration(&nkb, &RawInfo::good(), 0),
        nk.clone(),
    ));
    t.push(reg_row(
        "registration signed by another key",
        "401 signature_invalid",
        good_reg.clone(),
        stranger.clone(),
    ));
    t.push(reg_row(
        "oversized registration (20 KiB)",
        "413 too_large",
        vec![1u8; 20 * 1024],
        nk.clone(),
    ));

    let tans_body = World::tans_body(&[("NEVER-STORED-TAN1", now_secs() + 3600, "case")]);
    let tb = tans_body.clone();
    let sk = stranger.clone();
    t.push(row(
        "server",
        "HA request signed by an unknown key",
        "401 signature_invalid",
        Box::new(move |w: &World| http(w.post_signed(&sk, "/v1/tans", tb.clone()))),
    ));
    let tb = tans_body.clone();
    t.push(row(
        "server",
        "HA request signed by a venue key",
        "401 signature_invalid",
        Box::new(move |w: &World| http(w.post_signed(&w.shop.key, "/v1/tans", tb.clone()))),
    ));
    let tb = tans_body.clone();
    t.push(row(
        "server",
        "malleable request signature (S + L)",
        "401 signature_invalid",
        Box::new(move |w: &World| {
            let mut env =
                RequestEnvelope::sign(&w.ha.signing, "POST", "/v1/tans", &tb, now_secs()).unwrap();
            malleate(&mut env.signature);
            w.send(
                Request::post("/v1/tans", tb.clone(), "application/json")
                    .header(SIGNATURE_HEADER, env.to_header()),
            )
            .pipe(http)
        }),
    ));
    let tb = tans_body.clone();
    t.push(row(
        "server",
        "request signature swapped from another request",
        "401 signature_invalid",
        Box::new(move |w: &World| {
            // The envelope of the request accepted in setup, on another body.
            w.send(
                Request::post("/v1/tans", tb.clone(), "application/json")
                    .header(SIGNATURE_HEADER, w.accepted.0.clone()),
            )
            .pipe(http)
        }),
    ));
    t.push(row(
        "server",
        "replayed signed request",
        "401 replayed",
        Box::new(|w: &World| {
            w.send(
                Request::post("/v1/tans", w.accepted.1.clone(), "application/json")
                    .header(SIGNATURE_HEADER, w.accepted.0.clone()),
            )
            .pipe(http)
        }),
    ));
    let tb = tans_body.clone();
    t.push(row(
        "server",
        "stale request timestamp (-400 s)",
        "401 timestamp_out_of_window",
        Box::new(move |w: &World| {
            w.send(w.signed_req(
                &w.ha.signing,
                Method::Post,
                "/v1/tans",
                tb.clone(),
                now_secs() - 400,
            ))
            .pipe(http)
        }),
    ));
    let tb = tans_body.clone();
    t.push(row(
        "server",
        "request envelope version 3",
        "401 signature_invalid",
        Box::new(move |w: &World| {
            let env =
                RequestEnvelope::sign(&w.ha.signing, "POST", "/v1/tans", &tb, now_secs()).unwrap();
            let mut raw = env.encode();
            raw[0] = 3;
            let header = venuecode_client_b64(&raw);
            w.send(
                Request::post("/v1/tans", tb.clone(), "application/json")
                    .header(SIGNATURE_HEADER, header),
            )
            .pipe(http)
        }),
    ));
    t.push(row(
        "server",
        "TAN that already expired",
        "400 malformed",
        Box::new(|w: &World| {
            let body = World::tans_body(&[("NEVER-STORED-TAN2", now_secs() - 10, "case")]);
            http(w.post_signed(&w.ha.signing, "/v1/tans", body))
        }),
    ));

    t.push(row(
        "server",
        "batch signed by a venue instead of the HA",
        "400 malformed",
        Box::new(|w: &World| {
            let b = w.batch_builder().sign(&w.shop.key).unwrap().encode();
            http(w.post_signed(&w.ha.signing, "/v1/batches", b))
        }),
    ));
    t.push(row(
        "server",
        "batch signed by a venue under the HA key id",
        "400 malformed",
        Box::new(|w: &World| {
            let mut b = w.batch_builder().sign(&w.shop.key).unwrap().encode();
            b[1..9].copy_from_slice(&w.ha.signing.key_id().0);
            http(w.post_signed(&w.ha.signing, "/v1/batches", b))
        }),
    ));
    t.push(row(
        "server",
        "batch posted by a venue key",
        "401 signature_invalid",
        Box::new(|w: &World| {
            let b = w.batch_builder().sign(&w.ha.signing).unwrap().encode();
            http(w.post_signed(&w.shop.key, "/v1/batches", b))
        }),
    ));
    t.push(row(
        "server",
        "duplicated batch",
        "409 duplicate",
        Box::new(|w: &World| {
            http(w.post_signed(&w.ha.signing, "/v1/batches", w.stored_batch.clone()))
        }),
    ));
    t.push(row(
        "server",
        "truncated batch",
        "400 malformed",
        Box::new(|w: &World| {
            let mut b = w.batch_builder().sign(&w.ha.signing).unwrap().encode();
            b.pop();
            http(w.post_signed(&w.ha.signing, "/v1/batches", b))
        }),
    ));
    t.push(row(
        "server",
        "batch with a trailing byte",
        "400 malformed",
        Box::new(|w: &World| {
            let mut b = w.batch_builder().sign(&w.ha.signing).unwrap().encode();
            b.push(0);
            http(w.post_signed(&w.ha.signing, "/v1/batches", b))
        }),
    ));
    t.push(row(
        "server",
        "batch version 2 (one SHA-256 over the records, before the records tree)",
        "400 malformed",
        Box::new(|w: &World| {
            let mut b = w.batch_builder().sign(&w.ha.signing).unwrap().encode();
            b[0] = 2;
            http(w.post_signed(&w.ha.signing, "/v1/batches", b))
        }),
    ));
    t.push(row(
        "server",
        "malleable batch signature (S + L)",
        "400 malformed",
        Box::new(|w: &World| {
            let batch = w.batch_builder().sign(&w.ha.signing).unwrap();
            let mut head = Vec::new();
            batch.header().encode_into(&mut head);
            let mut b = batch.encode();
            malleate(&mut b[head.len() - 64..head.len()]);
            http(w.post_signed(&w.ha.signing, "/v1/batches", b))
        }),
    ));
    t.push(row(
        "server",
        "batch with a tampered record",
        "400 malformed",
        Box::new(|w: &World| {
            let mut b = w.batch_builder().sign(&w.ha.signing).unwrap().encode();
            let n = b.len();
            b[n - 1] ^= 1;
            http(w.post_signed(&w.ha.signing, "/v1/batches", b))
        }),
    ));

    t.push(row(
        "server",
        "reused TAN",
        "409 tan_used",
        Box::new(|w: &World| {
            http(w.upload(
                "SERVER-USED-0001",
                seal_upload(&w.ha.decryption.public_key()),
            ))
        }),
    ));
    t.push(row(
        "server",
        "expired TAN",
        "410 tan_expired",
        Box::new(|w: &World| {
            http(w.upload(
                "SERVER-EXPIRED-01",
                seal_upload(&w.ha.decryption.public_key()),
            ))
        }),
    ));
    t.push(row(
        "server",
        "unknown TAN",
        "403 tan_unknown",
        Box::new(|w: &World| {
            http(w.upload(
                "NEVER-ISSUED-0001",
                seal_upload(&w.ha.decryption.public_key()),
            ))
        }),
    ));
    t.push(row(
        "server",
        "malformed TAN hash header (too short)",
        "403 tan_unknown",
        Box::new(|w: &World| http(w.upload("short", seal_upload(&w.ha.decryption.public_key())))),
    ));
    t.push(row(
        "server",
        "a registered TAN in clear under the old Venuecode-Tan header",
        "403 tan_unknown",
        Box::new(|w: &World| {
            http(w.upload_with_header(
                "venuecode-tan",
                "SERVER-FRESH-0001",
                seal_upload(&w.ha.decryption.public_key()),
            ))
        }),
    ));
    t.push(row(
        "server",
        "a registered TAN in clear in the Venuecode-Tan-Hash header",
        "403 tan_unknown",
        Box::new(|w: &World| {
            http(w.upload_with_header(
                "venuecode-tan-hash",
                "SERVER-FRESH-0001",
                seal_upload(&w.ha.decryption.public_key()),
            ))
        }),
    ));
    t.push(row(
        "server",
        "a registered TAN's hash in uppercase hex",
        "403 tan_unknown",
        Box::new(|w: &World| {
            let hash = venuecode_protocol::envelope::tan_hash_hex("SERVER-FRESH-0001").unwrap();
            http(w.upload_with_header(
                "venuecode-tan-hash",
                &hash.to_uppercase(),
                seal_upload(&w.ha.decryption.public_key()),
            ))
        }),
    ));
    t.push(row(
        "server",
        "a registered TAN's hash with a trailing character",
        "403 tan_unknown",
        Box::new(|w: &World| {
            let hash = venuecode_protocol::envelope::tan_hash_hex("SERVER-FRESH-0001").unwrap();
            http(w.upload_with_header(
                "venuecode-tan-hash",
                &format!("{hash}0"),
                seal_upload(&w.ha.decryption.public_key()),
            ))
        }),
    ));
    t.push(row(
        "server",
        "case upload that is not a sealed message",
        "400 malformed",
        Box::new(|w: &World| http(w.upload("SERVER-FRESH-0001", b"not a sealed message".to_vec()))),
    ));
    t.push(row(
        "server",
        "truncated case upload",
        "400 malformed",
        Box::new(|w: &World| {
            let mut b = seal_upload(&w.ha.decryption.public_key());
            b.pop();
            http(w.upload("SERVER-FRESH-0001", b))
        }),
    ));
    t.push(row(
        "server",
        "case upload with a trailing byte",
        "400 malformed",
        Box::new(|w: &World| {
            let mut b = seal_upload(&w.ha.decryption.public_key());
            b.push(0);
            http(w.upload("SERVER-FRESH-0001", b))
        }),
    ));
    t.push(row(
        "server",
        "case upload version 3",
        "400 malformed",
        Box::new(|w: &World| {
            let mut b = seal_upload(&w.ha.decryption.public_key());
            b[0] = 3;
            http(w.upload("SERVER-FRESH-0001", b))
        }),
    ));
    t.push(row(
        "server",
        "revoking a revoked venue again",
        "409 revoked",
        Box::new(|w: &World| {
            let (k, s) = &w.server_revoked;
            http(w.post_signed(k, &format!("/v1/venues/{s}/revoke"), Vec::new()))
        }),
    ));
    t.push(row(
        "server",
        "updating a revoked venue",
        "409 revoked",
        Box::new(|w: &World| {
            let (k, s) = &w.server_revoked;
            let body = registration(k.public_key().as_bytes(), &RawInfo::good(), 1);
            w.send(w.signed_req(k, Method::Put, &format!("/v1/venues/{s}"), body, now_secs()))
                .pipe(http)
        }),
    ));
    t.push(row(
        "server",
        "start with a low-order X25519 HA key",
        "refused: key exchange with a low-order point; no data directory",
        Box::new(|w: &World| {
            let dir = tempfile::tempdir().unwrap();
            let enc = dir.path().join("ha-enc.pub");
            std::fs::write(
                &enc,
                format!(
                    "venuecode x25519 public key\n{}\n",
                    hex::encode(LOW_ORDER_X25519[1])
                ),
            )
            .unwrap();
            let home = w.ha_home();
            let mut c = Config::new(
                dir.path().join("data"),
                home.join("ra/ra.key"),
                vec![home.join("authority/ha-signing.pub")],
            );
            c.ha_encryption_key = Some(enc);
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            match rt.block_on(Server::bind(c)) {
                Ok(_) => "started".into(),
                Err(e) => {
                    let msg = e.to_string();
                    let tail = msg.rsplit(": ").next().unwrap_or_default().to_owned();
                    let data = if dir.path().join("data").exists() {
                        "a data directory"
                    } else {
                        "no data directory"
                    };
                    format!("refused: {tail}; {data}")
                }
            }
        }),
    ));

    // ---- the CLI ------------------------------------------------------------------------------
    let u = url_of(&truncated);
    t.push(row(
        "cli",
        "scan a truncated code",
        scan_msg(m(P::Truncated)),
        cli_scan(move |_| u.clone()),
    ));
    let u = url_of(&forged_ra);
    t.push(row(
        "cli",
        "scan a forged certificate",
        scan_msg(ClientError::ForgedCertificate),
        cli_scan(move |_| u.clone()),
    ));
    let u = url_of(&swapped_seed);
    t.push(row(
        "cli",
        "scan a swapped seed",
        scan_msg(ClientError::BadVenueSignature),
        cli_scan(move |_| u.clone()),
    ));
    let u = url_of(&untrusted);
    t.push(row(
        "cli",
        "scan a code of an unknown RA",
        scan_msg(ClientError::UnknownAuthority),
        cli_scan(move |_| u.clone()),
    ));
    let u = url_of(&stale);
    t.push(row(
        "cli",
        "scan a stale rotating code",
        scan_msg(ClientError::StaleCode),
        cli_scan(move |_| u.clone()),
    ));
    let u = url_of(&expired);
    t.push(row(
        "cli",
        "scan an expired code",
        scan_msg(ClientError::Expired),
        cli_scan(move |_| u.clone()),
    ));
    let u = url_of(&utf8_code);
    t.push(row(
        "cli",
        "scan a name with invalid UTF-8",
        scan_msg(m(P::InvalidUtf8)),
        cli_scan(move |_| u.clone()),
    ));
    let u = url_of(&region_code);
    t.push(row(
        "cli",
        "scan a region code 999999",
        scan_msg(m(P::ValueOutOfRange)),
        cli_scan(move |_| u.clone()),
    ));
    t.push(row(
        "cli",
        "scan a code the server revoked",
        scan_msg(ClientError::Revoked),
        cli_scan(|w| {
            // A code of the venue registered and revoked on the server in setup, whose
            // certificate the CLI visitor's synced revocation list names.
            let (k, s) = &w.server_revoked;
            let cert = VenueCertificate::decode(&{
                let r = w
                    .http
                    .send(Request::get(format!("/v1/venues/{s}")))
                    .unwrap();
                venuecode_client::api::read_body(r, 1 << 20).unwrap()
            })
            .unwrap();
            VenueCode::new_static(cert, &MasterSeed::generate().unwrap(), k)
                .unwrap()
                .to_url(DEFAULT_BASE_URL)
        }),
    ));
    t.push(row(
        "cli",
        "share with a reused TAN",
        format!(
            "exit 1: {}",
            venuecode::errors::client_text(&ClientError::TanUsed)
        ),
        Box::new(|w: &World| {
            cli_outcome(w.cli(
                &w.cli_home(),
                &["visitor", "share", "--tan", "SERVER-USED-0001", "--yes"],
            ))
        }),
    ));
    t.push(row(
        "cli",
        "share with an expired TAN",
        format!(
            "exit 1: {}",
            venuecode::errors::client_text(&ClientError::TanExpired)
        ),
        Box::new(|w: &World| {
            cli_outcome(w.cli(
                &w.cli_home(),
                &["visitor", "share", "--tan", "SERVER-EXPIRED-01", "--yes"],
            ))
        }),
    ));
    t.push(row(
        "cli",
        "trust bundle with a low-order HA encryption key",
        "exit 1: FILE is not a trust bundle: key exchange with a low-order point; no bundle, no diary",
        Box::new(|w: &World| {
            let home = w.dir.path().join("cli-low-order");
            // The genuine bundle with its HA encryption key (after version, sequence,
            // issued_at, one RA key and one HA key) replaced by a low-order point.
            let mut raw = w.bundle.encode();
            let at = 1 + 8 + 4 + 1 + 32 + 1 + 32;
            raw[at..at + 32].copy_from_slice(&LOW_ORDER_X25519[2]);
            let file = w.dir.path().join("low-order-bundle.bin");
            std::fs::write(&file, &raw).unwrap();
            let out = cli::clean_command(BIN)
                .arg("--home")
                .arg(&home)
                .args(["trust", "install"])
                .arg(&file)
                .output()
                .unwrap();
            let out = cli_outcome((
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ))
            .replace(&file.display().to_string(), "FILE");
            let bundle = if home.join("trust-bundle.bin").exists() {
                "a bundle"
            } else {
                "no bundle"
            };
            let diary = if home.join("visitor/diary.redb").exists() {
                "a diary"
            } else {
                "no diary"
            };
            format!("{out}; {bundle}, {diary}")
        }),
    ));
    t.push(row(
        "server",
        "case upload with a low-order HPKE enc",
        "400 malformed",
        Box::new(|w: &World| {
            // Version and key id, then the 32-byte enc: patched on the wire.
            let mut bytes = seal_upload(&w.ha.decryption.public_key());
            bytes[9..41].copy_from_slice(&LOW_ORDER_X25519[0]);
            http(w.upload("LOW-ORDER-TAN-01", bytes))
        }),
    ));
    t.push(row(
        "cli",
        "register a venue with region code 999999",
        "exit 1: region 999999 is not a six-digit division code; no venue home",
        Box::new(|w: &World| register_outcome(w, "cli-venue", &["--region", "999999"])),
    ));
    t.push(row(
        "cli",
        "register a venue with a 5-minute default stay",
        "exit 1: --stay must be between 15 and 720 minutes, not 5; no venue home",
        Box::new(|w: &World| register_outcome(w, "cli-venue-stay", &["--stay", "5"])),
    ));
    t.push(row(
        "cli",
        "register a venue with UTC offset +08:10",
        "exit 2: invalid value '+08:10' for '--utc-offset <UTC_OFFSET>': `+08:10` is not a UTC \
         offset: give ±HH:MM in quarter hours from -12:00 to +14:00, e.g. +08:00 (China), \
         +05:45, -03:30; no venue home",
        Box::new(|w: &World| register_outcome(w, "cli-venue-offset", &["--utc-offset", "+08:10"])),
    ));
    let evil_ra = SigningKey::generate().unwrap();
    let mut evil_body = w.bundle.body().clone();
    evil_body.sequence = 2;
    evil_body.ra_keys = vec![evil_ra.public_key()];
    let evil = TrustBundle::sign(evil_body, &evil_ra).unwrap().encode();
    t.push(row(
        "cli",
        "install a bundle with substituted keys over the installed one",
        format!(
            "exit 1: refused the trust bundle (sequence 2): it is not an update of the installed \
             bundle (sequence 1, signed by RA key {}): key id is not trusted; the installed keys \
             stay; bundle unchanged",
            w.bundle.signer_key_id().to_hex()
        ),
        Box::new(move |w: &World| {
            let file = w.dir.path().join("substituted-bundle.bin");
            std::fs::write(&file, &evil).unwrap();
            let out =
                cli_outcome(w.cli(&w.cli_home(), &["trust", "install", file.to_str().unwrap()]));
            let held = std::fs::read(w.cli_home().join("trust-bundle.bin")).unwrap();
            let same = if held == w.bundle.encode() {
                "bundle unchanged"
            } else {
                "bundle replaced"
            };
            format!("{out}; {same}")
        }),
    ));
    let long_name = "面".repeat(41);
    t.push(row(
        "cli",
        "register a venue with a 41-character name",
        "exit 1: --name is 123 bytes of UTF-8; at most 120 fit (about 40 Chinese characters); no venue home",
        Box::new(move |w: &World| register_outcome(w, "cli-venue-name", &["--name", &long_name])),
    ));
    t
}

/// `venue register` in a fresh home with `changes` replacing flags of a good registration:
/// the outcome, and whether a venue home was left behind.
fn register_outcome(w: &World, home: &str, changes: &[&str]) -> String {
    let home = w.dir.path().join(home);
    let mut args: Vec<&str> = vec![
        "venue",
        "register",
        "--name",
        "兰州牛肉面馆",
        "--address",
        "安宁区北滨河西路1号",
        "--region",
        "620105",
        "--category",
        "restaurant",
        "--pledge",
    ];
    for pair in changes.chunks(2) {
        if let [flag, value] = pair {
            match args.iter().position(|a| a == flag) {
                Some(i) => args[i + 1] = value,
                None => args.extend([*flag, *value]),
            }
        }
    }
    let out = cli_outcome(w.cli(&home, &args));
    let venue = if home.join("venue").exists() {
        "a venue home"
    } else {
        "no venue home"
    };
    format!("{out}; {venue}")
}

/// Base64url without padding, as request headers carry envelopes.
fn venuecode_client_b64(raw: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in raw.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

/// Runs every row of `layer` on a fresh world: each must fail with its error, panic nowhere
/// and change nothing.
fn refuse_every_row_of(layer: &str) {
    let w = World::new();
    let table: Vec<Row> = rows(&w).into_iter().filter(|r| r.layer == layer).collect();
    let mut failures = Vec::new();
    let mut by_layer = std::collections::BTreeMap::<&str, usize>::new();
    // `VENUECODE_BAD_INPUTS_VERBOSE=1` prints every row's outcome.
    let verbose = std::env::var_os("VENUECODE_BAD_INPUTS_VERBOSE").is_some();
    for r in &table {
        *by_layer.entry(r.layer).or_default() += 1;
        let before = w.snapshot();
        let got = catch_unwind(AssertUnwindSafe(|| (r.run)(&w)))
            .unwrap_or_else(|_| "PANICKED".to_owned());
        let after = w.snapshot();
        if verbose {
            eprintln!("[{}] {}: {got}", r.layer, r.name);
        }
        if got != r.expect {
            failures.push(format!(
                "[{}] {}: expected `{}`, got `{got}`",
                r.layer, r.name, r.expect
            ));
        }
        if before != after {
            failures.push(format!(
                "[{}] {}: state changed\n  before {before:?}\n  after  {after:?}",
                r.layer, r.name
            ));
        }
    }
    // The server is still serving.
    let (status, _) = w.send(Request::get("/healthz"));
    assert_eq!(status, 200);
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
    assert!(!table.is_empty(), "no rows in layer {layer}");
    eprintln!("{} bad inputs refused: {by_layer:?}", table.len());
}

/// One test per layer, so that `cargo test --test bad_inputs <layer>` runs one layer:
/// `protocol` (the protocol crate's decoders and sealing, called directly), `lib` (the client
/// library and the HA's side of it), `server` (the real server over HTTP) and `cli` (the
/// `venuecode` binary).
mod every_bad_input_is_refused_with_its_error_and_changes_nothing {
    #[test]
    fn protocol() {
        super::refuse_every_row_of("protocol");
    }

    #[test]
    fn lib() {
        super::refuse_every_row_of("lib");
    }

    #[test]
    fn server() {
        super::refuse_every_row_of("server");
    }

    #[test]
    fn cli() {
        super::refuse_every_row_of("cli");
    }
}

#[test]
fn the_table_is_large_and_the_genuine_inputs_it_was_derived_from_are_accepted() {
    let w = World::new();
    let table = rows(&w);
    let mut by_layer = std::collections::BTreeMap::<&str, usize>::new();
    for r in &table {
        *by_layer.entry(r.layer).or_default() += 1;
    }
    assert!(table.len() >= 40, "only {} rows", table.len());
    assert_eq!(
        by_layer.keys().copied().collect::<Vec<_>>(),
        ["cli", "lib", "protocol", "server"],
        "{by_layer:?}"
    );

    // The controls: the genuine inputs the rows were derived from are accepted, so each
    // refusal above was about the defect and not about the fixture.
    let v = w.visitor();
    let check = v.scan(&w.shop.code().to_url(DEFAULT_BASE_URL));
    assert!(check.is_ok(), "{check:?}");
    drop(v);
    let mem = MemoryServer::new();
    mem.set_revocations(&w.revocation_list(&w.ra.signing, &[5]));
    mem.publish(&w.batch_builder().sign(&w.ha.signing).unwrap());
    let report = w.visitor_with(mem).sync().unwrap();
    assert_eq!(
        report.new_exposures.len(),
        1,
        "the genuine batch raises the exposure"
    );
    // The next batch of the chain, after the one stored in setup.
    let stored = venuecode_protocol::ExposureBatch::decode(&w.stored_batch).unwrap();
    let fresh = w
        .batch_builder_after(stored.chain_head())
        .sign(&w.ha.signing)
        .unwrap()
        .encode();
    assert_eq!(w.post_signed(&w.ha.signing, "/v1/batches", fresh).0, 201);
    assert_eq!(
        w.upload(
            "SERVER-FRESH-0001",
            seal_upload(&w.ha.decryption.public_key())
        )
        .0,
        201,
        "the TAN the refused uploads carried is still unused"
    );
    let body = World::tans_body(&[("CONTROL-TAN-0001", now_secs() + 60, "case")]);
    assert_eq!(w.post_signed(&w.ha.signing, "/v1/tans", body).0, 201);
}
