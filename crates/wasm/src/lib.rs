//! The visitor library in WebAssembly: the sans-I/O rules of `venuecode-client` (built without
//! its `native` feature) behind a small JS API, documented in `API.md`.
//!
//! Nothing here decides anything: every rule is a method of [`DiaryState`], [`RevocationSync`]
//! or [`ExposureSync`], the same code the native `Visitor` runs in its redb transactions. This
//! crate converts arguments (JS numbers of Unix minutes, byte arrays) and results (plain JS
//! objects), and turns the library's errors into JS `Error`s with a stable `code`.
#![forbid(unsafe_code)]

use js_sys::{Array, Object, Reflect, Uint8Array};
use venuecode_client::api;
use venuecode_client::error::ProtocolError;
use venuecode_client::rules::{CheckIn, CheckInStatus, CodeType, ScanPreview, SharePreview};
use venuecode_client::sync_core::{batch_list_path, batch_path};
use venuecode_client::transport::{Request, Response};
use venuecode_client::{
    ChainStatus, DiaryEntry, DiaryState, EntryId, Error, Exposure, ExposureSync, RevocationSync,
    ShareSelection, TrustBundle, VisitorConfig,
};
use venuecode_protocol::time::UnixMinute;
use venuecode_protocol::{BatchMatcher, CodeKind, Codec, VenueCategory};
use wasm_bindgen::prelude::*;

/// The version of this build (the workspace's).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

// ---------------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------------

/// The library's error as a JS `Error` with `name`, `code`, `message` and `tone`, and
/// `reason` when the error has a typed reason ([`Error::reason_code`]).
fn js_error(e: &Error) -> JsValue {
    let err = coded_error(e.code(), &e.to_string());
    if let Some(reason) = e.reason_code() {
        let _ = Reflect::set(&err, &"reason".into(), &reason.into());
    }
    err.into()
}

/// A JS `Error` named `VenuecodeError` with `code`, `message` and `tone`.
fn coded_error(code: &str, message: &str) -> js_sys::Error {
    let err = js_sys::Error::new(message);
    err.set_name("VenuecodeError");
    let _ = Reflect::set(&err, &"code".into(), &code.into());
    let _ = Reflect::set(&err, &"tone".into(), &"failure".into());
    err
}

/// A call of this API with an argument it cannot take (`what` names it): code
/// `invalid_argument`, as the library's own refusals.
fn invalid(what: &'static str) -> JsValue {
    coded_error("invalid_argument", &format!("invalid argument: {what}")).into()
}

type JsResult<T> = Result<T, JsValue>;

trait OrJs<T> {
    fn js(self) -> JsResult<T>;
}

impl<T> OrJs<T> for venuecode_client::Result<T> {
    fn js(self) -> JsResult<T> {
        self.map_err(|e| js_error(&e))
    }
}

/// A JS number of Unix minutes: a whole number from 0 to 2^32 - 1.
fn minute(x: f64) -> JsResult<UnixMinute> {
    if x.is_finite() && x.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&x) {
        Ok(UnixMinute::new(x as u32))
    } else {
        Err(invalid("a time is a whole number of Unix minutes"))
    }
}

/// A JS number that is an id: a whole number from 0 to 2^53.
fn id_of(x: f64) -> JsResult<u64> {
    if x.is_finite() && x.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&x) {
        Ok(x as u64)
    } else {
        Err(invalid("an id is a whole number"))
    }
}

fn ids(xs: Option<Vec<f64>>) -> JsResult<Vec<EntryId>> {
    xs.unwrap_or_default()
        .into_iter()
        .map(|x| id_of(x).map(EntryId))
        .collect()
}

/// A plain JS object built field by field.
struct Obj(Object);

impl Obj {
    fn new() -> Self {
        Self(Object::new())
    }
    fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        let _ = Reflect::set(&self.0, &key.into(), &value.into());
        self
    }
    fn done(self) -> JsValue {
        self.0.into()
    }
}

fn array(items: impl IntoIterator<Item = JsValue>) -> JsValue {
    items.into_iter().collect::<Array>().into()
}

fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

fn code_type(kind: CodeKind) -> &'static str {
    match kind {
        CodeKind::Static => "static",
        CodeKind::Rotating { .. } => "rotating",
    }
}

fn slug(c: VenueCategory) -> JsValue {
    c.slug().map_or(JsValue::NULL, JsValue::from)
}

fn entry_js(e: &DiaryEntry, now: Option<UnixMinute>) -> JsValue {
    Obj::new()
        .set("id", e.id().0 as f64)
        .set("venueName", e.venue_name())
        .set("address", e.venue_address())
        .set("category", e.category().0)
        .set("categorySlug", slug(e.category()))
        .set("region", e.code().certificate().info().region().get())
        .set("codeType", code_type(e.kind()))
        .set("serial", e.serial() as f64)
        .set("scannedAt", e.scanned_at().get())
        .set("arrival", e.arrival().get())
        .set("departure", e.departure().get())
        .set("checkedOut", e.checked_out())
        .set("hidden", e.hidden())
        .set("shared", e.shared())
        .set("open", now.is_some_and(|n| e.is_open_at(n)))
        .done()
}

fn entries_js<'a>(
    es: impl IntoIterator<Item = &'a DiaryEntry>,
    now: Option<UnixMinute>,
) -> JsValue {
    array(es.into_iter().map(|e| entry_js(e, now)))
}

fn exposure_js(x: &Exposure) -> JsValue {
    Obj::new()
        .set("id", x.id() as f64)
        .set("entryId", x.entry_id().0 as f64)
        .set("venueName", x.venue_name())
        .set("address", x.venue_address())
        .set("category", x.category().0)
        .set("categorySlug", slug(x.category()))
        .set("windowStart", x.window().0.get())
        .set("windowEnd", x.window().1.get())
        .set("overlapStart", x.overlap_start().get())
        .set("overlapMinutes", x.overlap_minutes())
        .set("risk", x.risk().0)
        .set("highRisk", x.is_high_risk())
        .set("message", x.message())
        .set("raisedAt", x.raised_at().get())
        .set("dismissed", x.dismissed())
        .done()
}

fn exposures_js<'a>(xs: impl IntoIterator<Item = &'a Exposure>) -> JsValue {
    array(xs.into_iter().map(exposure_js))
}

fn preview_js(p: &ScanPreview) -> JsValue {
    Obj::new()
        .set("venueName", p.venue_name())
        .set("address", p.address())
        .set("category", p.category().0)
        .set("categorySlug", slug(p.category()))
        .set(
            "categoryChinese",
            p.category().chinese().map_or(JsValue::NULL, JsValue::from),
        )
        .set("region", p.region().get())
        .set(
            "codeType",
            match p.code_type() {
                CodeType::Static => "static",
                CodeType::Rotating => "rotating",
            },
        )
        .set("defaultStayMinutes", p.default_stay_minutes())
        .set("scannedAt", p.scanned_at().get())
        .set("tone", "success")
        .done()
}

fn check_in_js(c: &CheckIn, now: UnixMinute) -> JsValue {
    let r = c.checkout_reminder();
    Obj::new()
        .set("entry", entry_js(&c.entry, Some(now)))
        .set(
            "status",
            match c.status {
                CheckInStatus::CheckedIn => "checked_in",
                CheckInStatus::AlreadyCheckedIn => "already_checked_in",
            },
        )
        .set(
            "checkedOutOf",
            c.checked_out_of
                .map_or(JsValue::NULL, |id| JsValue::from(id.0 as f64)),
        )
        .set(
            "reminder",
            Obj::new()
                .set("entryId", r.entry.0 as f64)
                .set("remindAt", r.remind_at.get())
                .set("autoCheckoutAt", r.auto_checkout_at.get())
                .done(),
        )
        .set("tone", "success")
        .done()
}

fn share_preview_js(p: &SharePreview) -> JsValue {
    Obj::new()
        .set("windowStart", p.window().0.get())
        .set("windowEnd", p.window().1.get())
        .set("toSend", entries_js(p.to_send(), None))
        .set("hidden", entries_js(p.hidden(), None))
        .set("excluded", entries_js(p.excluded(), None))
        .done()
}

/// A request for the app to send with `fetch`: `{ method, path, headers, body }`.
fn request_js(r: Request) -> JsValue {
    let headers = Object::new();
    if let Some(ct) = r.content_type {
        let _ = Reflect::set(&headers, &"content-type".into(), &ct.into());
    }
    for (name, value) in &r.headers {
        let _ = Reflect::set(&headers, &name.as_str().into(), &value.as_str().into());
    }
    Obj::new()
        .set("method", r.method.as_str())
        .set("path", r.path)
        .set("headers", headers)
        .set("body", bytes(&r.body))
        .done()
}

fn chain_status_js(s: ChainStatus) -> &'static str {
    match s {
        ChainStatus::Ok => "ok",
        ChainStatus::Withheld { .. } => "withheld",
        ChainStatus::Stale => "stale",
    }
}

fn get_field(obj: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(obj, &key.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

// ---------------------------------------------------------------------------------------------
// Free functions
// ---------------------------------------------------------------------------------------------

/// Bytes of a full leaf of a batch's records tree (16,384 records of 40 bytes): a host that
/// computes the leaf hashes (`beginBatch(true)`) cuts the record bytes into runs of this length.
#[wasm_bindgen(js_name = leafBytes)]
pub fn leaf_bytes() -> u32 {
    // 655,360: fits.
    venuecode_protocol::merkle::LEAF_BYTES as u32
}

/// Reads a TAN as typed: the canonical form, or a `tan_typo` / `invalid_argument` error.
#[wasm_bindgen(js_name = parseTan)]
pub fn parse_tan(text: &str) -> JsResult<String> {
    venuecode_client::tan::normalize(text).js()
}

/// A canonical TAN in groups of four, for people.
#[wasm_bindgen(js_name = displayTan)]
pub fn display_tan(canonical: &str) -> String {
    venuecode_client::tan::display(canonical)
}

/// The library's error for a response with `status` and `body`, or `null` for a 2xx (or 304).
#[wasm_bindgen(js_name = httpError)]
pub fn http_error(status: u16, body: Vec<u8>) -> JsValue {
    match api::check(Response::from_bytes(status, body)) {
        Ok(_) => JsValue::NULL,
        Err(e) => js_error(&e),
    }
}

/// Runs one case of a JSON vector file through the protocol's vector interpreter: `null` when
/// it passes, else why not. Test builds only (feature `vectors`).
#[cfg(feature = "vectors")]
#[wasm_bindgen(js_name = checkVectorCase)]
pub fn check_vector_case(file: &str, context: &str, case: &str, negative: bool) -> Option<String> {
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s);
    let (ctx, case) = match (parse(context), parse(case)) {
        (Ok(c), Ok(k)) => (c, k),
        _ => return Some(format!("{file}: a case is not JSON")),
    };
    venuecode_protocol::vectors::check_case(file, &ctx, &case, negative).err()
}

/// Runs the whole-file checks of a vector file that has them (`time.json`, `decimal.json`,
/// `seeds.json`): `true` when the file has such checks and they passed (a failed check traps),
/// `false` when it has none. Test builds only (feature `vectors`).
#[cfg(feature = "vectors")]
#[wasm_bindgen(js_name = checkVectorFile)]
pub fn check_vector_file(file: &str, doc: &str) -> Result<bool, String> {
    use venuecode_protocol::vectors::{check_decimal, check_seeds, check_time};
    let doc = serde_json::from_str::<serde_json::Value>(doc).map_err(|e| e.to_string())?;
    match file {
        "time.json" => check_time(&doc),
        "decimal.json" => check_decimal(&doc),
        "seeds.json" => check_seeds(&doc),
        _ => return Ok(false),
    }
    Ok(true)
}

/// SHA-256 through the same build, fed in chunks: the bench's floor under a verified match in
/// WebAssembly (the batch digest must hash every record). Test builds only (feature `vectors`).
#[cfg(feature = "vectors")]
#[wasm_bindgen]
#[derive(Default)]
pub struct Sha256Floor(Option<venuecode_protocol::hash::Sha256Stream>);

#[cfg(feature = "vectors")]
#[wasm_bindgen]
impl Sha256Floor {
    /// A new hash.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Sha256Floor {
        Sha256Floor(Some(venuecode_protocol::hash::Sha256Stream::new()))
    }

    /// Hashes `chunk`.
    pub fn update(&mut self, chunk: &[u8]) {
        if let Some(h) = self.0.as_mut() {
            h.update(chunk);
        }
    }

    /// The digest (empty once taken).
    pub fn finish(&mut self) -> Vec<u8> {
        self.0
            .take()
            .map(|h| h.finish().to_vec())
            .unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------
// The visitor
// ---------------------------------------------------------------------------------------------

/// The visitor's diary and rules, in memory. See API.md.
#[wasm_bindgen]
pub struct WebVisitor {
    state: DiaryState,
    config: VisitorConfig,
    app_trust_refused: Option<ProtocolError>,
    revocations: Option<RevocationSync>,
    sync: Option<ExposureSync>,
    batch: Option<BatchMatcher<'static, usize>>,
    /// Bytes fed into the current batch so far.
    batch_fed: usize,
    sync_new: Vec<Exposure>,
}

#[wasm_bindgen]
impl WebVisitor {
    /// Opens the diary held in `snapshot` (or a new one) with the trust bundle the app ships.
    #[wasm_bindgen(constructor)]
    pub fn new(trust_bundle: &[u8], snapshot: Option<Vec<u8>>, now: f64) -> JsResult<WebVisitor> {
        let now = minute(now)?;
        let bundle = TrustBundle::decode(trust_bundle)
            .map_err(Error::Protocol)
            .js()?;
        let config = VisitorConfig::new(bundle).js()?;
        let mut state = match snapshot {
            Some(s) => DiaryState::from_padded(&s).js()?,
            None => DiaryState::fresh(),
        };
        let app_trust_refused = state.install_app_trust(&config);
        state.purge(&config, now);
        Ok(Self {
            state,
            config,
            app_trust_refused,
            revocations: None,
            sync: None,
            batch_fed: 0,
            batch: None,
            sync_new: Vec::new(),
        })
    }

    /// The whole state, padded to its size bucket, to store (encrypted).
    pub fn snapshot(&self) -> JsResult<Vec<u8>> {
        self.state.to_padded().map(|z| z.to_vec()).js()
    }

    /// Why the shipped trust bundle did not replace the held one, or `null`.
    #[wasm_bindgen(js_name = appTrustBundleRefused)]
    pub fn app_trust_bundle_refused(&self) -> JsValue {
        self.app_trust_refused
            .map_or(JsValue::NULL, |e| e.to_string().into())
    }

    /// Sets policy: `{ minOverlapMinutes?, autoCheckoutMinutes?, countPings? }`.
    pub fn configure(&mut self, options: JsValue) -> JsResult<()> {
        if let Some(v) = get_field(&options, "minOverlapMinutes") {
            self.config.min_overlap_minutes =
                minute(v.as_f64().ok_or_else(|| invalid("minOverlapMinutes"))?)?.get();
        }
        if let Some(v) = get_field(&options, "autoCheckoutMinutes") {
            let m = minute(v.as_f64().ok_or_else(|| invalid("autoCheckoutMinutes"))?)?.get();
            self.config.auto_checkout_minutes =
                Some(u16::try_from(m).map_err(|_| invalid("autoCheckoutMinutes"))?);
        }
        if let Some(v) = get_field(&options, "countPings") {
            self.config.count_pings = v.as_bool().ok_or_else(|| invalid("countPings"))?;
        }
        Ok(())
    }

    /// Deletes what is past retention; returns how many entries and exposures.
    pub fn purge(&mut self, now: f64) -> JsResult<usize> {
        Ok(self.state.purge(&self.config, minute(now)?))
    }

    // ---- scan and check-in ----

    /// Parses and verifies a scanned code. Changes nothing.
    pub fn scan(&self, text: &str, now: f64) -> JsResult<JsValue> {
        let p = self.state.scan(&self.config, text, minute(now)?).js()?;
        Ok(preview_js(&p))
    }

    /// Whether no revocation list was ever applied (sync revocations before the first scan).
    #[wasm_bindgen(js_name = needsRevocations)]
    pub fn needs_revocations(&self) -> bool {
        self.state.needs_revocations()
    }

    /// Verifies the code again at `now` and checks in.
    #[wasm_bindgen(js_name = checkIn)]
    pub fn check_in(
        &mut self,
        text: &str,
        now: f64,
        stay_minutes: Option<u16>,
    ) -> JsResult<JsValue> {
        let now = minute(now)?;
        let preview = self.state.scan(&self.config, text, now).js()?;
        let c = self
            .state
            .check_in(&self.config, &preview, now, stay_minutes)
            .js()?;
        Ok(check_in_js(&c, now))
    }

    /// The entry the person is checked in with at `now`, or `null`.
    pub fn current(&self, now: f64) -> JsResult<JsValue> {
        let now = minute(now)?;
        Ok(self
            .state
            .current(now)
            .map_or(JsValue::NULL, |e| entry_js(&e, Some(now))))
    }

    /// The entries, oldest first; hidden ones only with `includeHidden`.
    pub fn entries(&self, include_hidden: Option<bool>, now: Option<f64>) -> JsResult<JsValue> {
        let now = now.map(minute).transpose()?;
        Ok(entries_js(
            &self.state.list_entries(include_hidden.unwrap_or(false)),
            now,
        ))
    }

    /// One entry.
    pub fn entry(&self, id: f64) -> JsResult<JsValue> {
        let e = self.state.get_entry(EntryId(id_of(id)?)).js()?;
        Ok(entry_js(&e, None))
    }

    /// Checks out of an open entry at `now`.
    #[wasm_bindgen(js_name = checkOut)]
    pub fn check_out(&mut self, id: f64, now: f64) -> JsResult<JsValue> {
        let now = minute(now)?;
        let e = self.state.check_out(EntryId(id_of(id)?), now).js()?;
        Ok(entry_js(&e, Some(now)))
    }

    /// Edits arrival and departure within the library's bounds.
    #[wasm_bindgen(js_name = editTimes)]
    pub fn edit_times(
        &mut self,
        id: f64,
        arrival: f64,
        departure: f64,
        now: f64,
    ) -> JsResult<JsValue> {
        let now = minute(now)?;
        let e = self
            .state
            .edit_times(
                EntryId(id_of(id)?),
                minute(arrival)?,
                minute(departure)?,
                now,
            )
            .js()?;
        Ok(entry_js(&e, Some(now)))
    }

    /// Hides an entry from the list (or shows it again).
    #[wasm_bindgen(js_name = setHidden)]
    pub fn set_hidden(&mut self, id: f64, hidden: bool) -> JsResult<JsValue> {
        let e = self.state.set_hidden(EntryId(id_of(id)?), hidden).js()?;
        Ok(entry_js(&e, None))
    }

    /// Deletes an entry for good.
    pub fn delete(&mut self, id: f64) -> JsResult<()> {
        self.state.delete(EntryId(id_of(id)?)).js()
    }

    // ---- sync ----

    /// `/v1/trust-bundle`.
    #[wasm_bindgen(js_name = trustBundlePath)]
    pub fn trust_bundle_path(&self) -> String {
        "/v1/trust-bundle".to_owned()
    }

    /// A bundle the server offered: `"updated"` when it was a genuine update, `"unchanged"`
    /// when it is the held one; throws (changing nothing) otherwise.
    #[wasm_bindgen(js_name = applyTrustBundle)]
    pub fn apply_trust_bundle(&mut self, raw: &[u8]) -> JsResult<String> {
        let offered = TrustBundle::decode(raw).map_err(Error::Protocol).js()?;
        let updated = self.state.offer_trust_bundle(&self.config, &offered).js()?;
        Ok(if updated { "updated" } else { "unchanged" }.to_owned())
    }

    /// The next revocation page to fetch, or `null` when the run is complete.
    #[wasm_bindgen(js_name = nextRevocationsPath)]
    pub fn next_revocations_path(&mut self) -> JsResult<JsValue> {
        let run = self
            .revocations
            .get_or_insert_with(|| RevocationSync::new(&self.state, &self.config));
        match run.next_path() {
            Ok(Some(p)) => Ok(p.into()),
            Ok(None) => {
                self.revocations = None;
                Ok(JsValue::NULL)
            }
            Err(e) => {
                self.revocations = None;
                Err(js_error(&e))
            }
        }
    }

    /// Verifies and applies one revocation page: `{ changed, more }`.
    #[wasm_bindgen(js_name = applyRevocations)]
    pub fn apply_revocations(&mut self, raw: &[u8]) -> JsResult<JsValue> {
        let run = self
            .revocations
            .as_mut()
            .ok_or_else(|| invalid("call nextRevocationsPath first"))?;
        let step = run.apply_page_bytes(raw);
        // The pages applied so far are kept, even when this one is refused.
        let changed = run.store(&mut self.state);
        match step {
            Ok(more) => Ok(Obj::new().set("changed", changed).set("more", more).done()),
            Err(e) => {
                self.revocations = None;
                Err(js_error(&e))
            }
        }
    }

    /// Abandons a revocation run (the pages applied are kept).
    #[wasm_bindgen(js_name = endRevocations)]
    pub fn end_revocations(&mut self) {
        self.revocations = None;
    }

    /// Starts a sync of the batch chain at `now`.
    #[wasm_bindgen(js_name = beginSync)]
    pub fn begin_sync(&mut self, now: f64) -> JsResult<()> {
        let run = ExposureSync::new(&self.state, &self.config, minute(now)?).js()?;
        self.sync = Some(run);
        self.batch = None;
        self.sync_new.clear();
        Ok(())
    }

    fn run(&mut self) -> JsResult<&mut ExposureSync> {
        self.sync
            .as_mut()
            .ok_or_else(|| invalid("call beginSync first"))
    }

    /// `/v1/checkpoint`.
    #[wasm_bindgen(js_name = checkpointPath)]
    pub fn checkpoint_path(&self) -> String {
        "/v1/checkpoint".to_owned()
    }

    /// Verifies the HA's checkpoint: `"updated"` or `"unchanged"`.
    #[wasm_bindgen(js_name = applyCheckpoint)]
    pub fn apply_checkpoint(&mut self, raw: &[u8]) -> JsResult<String> {
        let updated = self.run()?.accept_checkpoint_bytes(raw).js()?;
        Ok(if updated { "updated" } else { "unchanged" }.to_owned())
    }

    /// `/v1/batches?after=<cursor>`.
    #[wasm_bindgen(js_name = batchListPath)]
    pub fn batch_list_path(&mut self) -> JsResult<String> {
        Ok(batch_list_path(self.run()?.cursor()))
    }

    /// The server's listing of batches (JSON bytes): how far to read.
    #[wasm_bindgen(js_name = applyBatchList)]
    pub fn apply_batch_list(&mut self, raw: Vec<u8>) -> JsResult<()> {
        let listing = api::batch_listing(Response::from_bytes(200, raw)).js()?;
        self.run()?.set_latest(listing.latest);
        Ok(())
    }

    /// The path of the next batch to read, or `null` when the sync has read up to its target.
    #[wasm_bindgen(js_name = nextBatchPath)]
    pub fn next_batch_path(&mut self) -> JsResult<JsValue> {
        Ok(self
            .run()?
            .next_batch()
            .map_or(JsValue::NULL, |s| batch_path(s).into()))
    }

    /// Starts reading the next batch. With `hostDigest` true the caller computes the SHA-256
    /// leaf hashes of the records with the platform's native code: it cuts the bytes it feeds,
    /// from the offset `feedBatch` returns on, into runs of `leafBytes()` (the last one shorter),
    /// hashes each run as SHA-256(0x00 || run), and hands the hashes to `finishBatch`.
    #[wasm_bindgen(js_name = beginBatch)]
    pub fn begin_batch(&mut self, host_digest: Option<bool>) -> JsResult<()> {
        let run = self.run()?;
        if run.next_batch().is_none() {
            return Err(invalid("no batch is left to read"));
        }
        let mut matcher = run.shared_matcher();
        if host_digest == Some(true) {
            matcher.use_host_digest().map_err(Error::Protocol).js()?;
        }
        self.batch = Some(matcher);
        self.batch_fed = 0;
        Ok(())
    }

    /// Feeds the next bytes of the batch body. Returns the offset in `chunk` where the records
    /// start (`chunk.length` while it is all header, then 0): with a host digest, the caller
    /// hashes `chunk.subarray(offset)`.
    #[wasm_bindgen(js_name = feedBatch)]
    pub fn feed_batch(&mut self, chunk: &[u8]) -> JsResult<u32> {
        let m = self
            .batch
            .as_mut()
            .ok_or_else(|| invalid("call beginBatch first"))?;
        if let Err(e) = m.feed(chunk) {
            self.batch = None;
            return Err(js_error(&Error::Protocol(e)));
        }
        let before = self.batch_fed;
        self.batch_fed = before.saturating_add(chunk.len());
        let from = m
            .header_len()
            .map_or(chunk.len(), |h| h.saturating_sub(before).min(chunk.len()));
        u32::try_from(from).map_err(|_| invalid("chunk too large"))
    }

    /// Ends the batch: verified whole, accepted by the chain, its exposures committed. With a
    /// host digest, `leafHashes` are the records' leaf hashes, 32 bytes each, in order (see
    /// `beginBatch`); the root of their tree must be the digest the header signs.
    #[wasm_bindgen(js_name = finishBatch)]
    pub fn finish_batch(&mut self, leaf_hashes: Option<Vec<u8>>) -> JsResult<JsValue> {
        let m = self
            .batch
            .take()
            .ok_or_else(|| invalid("call beginBatch first"))?;
        let finished = match leaf_hashes {
            Some(bytes) => {
                let (hashes, rest) = bytes.as_chunks::<32>();
                if !rest.is_empty() {
                    return Err(invalid("leaf hashes are 32 bytes each"));
                }
                m.finish_with_leaf_hashes(hashes)
            }
            None => m.finish(),
        };
        let (header, hits) = finished.map_err(Error::Protocol).js()?;
        let run = self.run()?;
        let commit = run.accept_batch(&header, &hits).js()?;
        let latest = run.target();
        let added = self.state.commit_sync(commit);
        let out = Obj::new()
            .set("sequence", header.header().sequence as f64)
            .set("latest", latest as f64)
            .set("records", header.header().record_count)
            .set("matched", hits.len() as f64)
            .set("newExposures", exposures_js(&added))
            .done();
        self.sync_new.extend(added);
        Ok(out)
    }

    /// Ends the sync: `{ cursor, chainStatus, newExposures }`.
    #[wasm_bindgen(js_name = endSync)]
    pub fn end_sync(&mut self, now: f64) -> JsResult<JsValue> {
        let now = minute(now)?;
        let mut run = self
            .sync
            .take()
            .ok_or_else(|| invalid("call beginSync first"))?;
        self.batch = None;
        if let Some(commit) = run.pending_commit() {
            self.state.commit_sync(commit);
        }
        let new = std::mem::take(&mut self.sync_new);
        Ok(Obj::new()
            .set("cursor", run.cursor() as f64)
            .set("chainStatus", chain_status_js(run.status(now)))
            .set("newExposures", exposures_js(&new))
            .done())
    }

    /// `"ok"`, `"withheld"` or `"stale"`: only `"ok"` allows saying "no exposure".
    #[wasm_bindgen(js_name = chainStatus)]
    pub fn chain_status(&self, now: f64) -> JsResult<String> {
        let s = self.state.chain_status(&self.config, minute(now)?).js()?;
        Ok(chain_status_js(s).to_owned())
    }

    /// The exposures, oldest first; dismissed ones only with `includeDismissed`.
    pub fn exposures(&self, include_dismissed: Option<bool>) -> JsValue {
        exposures_js(
            &self
                .state
                .list_exposures(include_dismissed.unwrap_or(false)),
        )
    }

    /// Dismisses an exposure.
    #[wasm_bindgen(js_name = dismissExposure)]
    pub fn dismiss_exposure(&mut self, id: f64) -> JsResult<JsValue> {
        let x = self.state.dismiss(id_of(id)?).js()?;
        Ok(exposure_js(&x))
    }

    // ---- share ----

    /// The split of the infectious window `[from, until)` by the person's choice.
    fn preview(
        &self,
        window: (f64, f64),
        now: UnixMinute,
        exclude: Option<Vec<f64>>,
        include_hidden: Option<Vec<f64>>,
    ) -> JsResult<SharePreview> {
        let selection = ShareSelection {
            exclude: ids(exclude)?,
            include_hidden: ids(include_hidden)?,
        };
        self.state
            .preview_share(minute(window.0)?, minute(window.1)?, now, &selection)
            .js()
    }

    /// What a share of the window `[from, until)` sends, leaves out (hidden) and excludes.
    #[wasm_bindgen(js_name = sharePreview)]
    pub fn share_preview(
        &self,
        from: f64,
        until: f64,
        now: f64,
        exclude: Option<Vec<f64>>,
        include_hidden: Option<Vec<f64>>,
    ) -> JsResult<JsValue> {
        let p = self.preview((from, until), minute(now)?, exclude, include_hidden)?;
        Ok(share_preview_js(&p))
    }

    /// Seals what [`Self::share_preview`] lists to send, stores it as pending, and returns the
    /// request to send: `{ method, path, headers, body, entries }`.
    #[wasm_bindgen(js_name = sealShare)]
    pub fn seal_share(
        &mut self,
        tan: &str,
        from: f64,
        until: f64,
        now: f64,
        exclude: Option<Vec<f64>>,
        include_hidden: Option<Vec<f64>>,
    ) -> JsResult<JsValue> {
        let now = minute(now)?;
        let preview = self.preview((from, until), now, exclude, include_hidden)?;
        let sealed = self
            .state
            .seal_previewed(&self.config, tan, &preview, now)
            .js()?;
        Self::share_request(sealed)
    }

    fn share_request(sealed: venuecode_client::SealedShare) -> JsResult<JsValue> {
        let entries = sealed.entries;
        let request = api::upload_request(&sealed.tan, sealed.body).js()?;
        let out = request_js(request);
        let _ = Reflect::set(&out, &"entries".into(), &(entries as f64).into());
        Ok(out)
    }

    /// The server accepted the pending upload: its entries are marked shared. Returns how many.
    #[wasm_bindgen(js_name = shareAccepted)]
    pub fn share_accepted(&mut self) -> JsResult<usize> {
        self.state.share_accepted().js()
    }

    /// The pending upload's request, to send again with the same bytes, or `null`.
    #[wasm_bindgen(js_name = pendingShareRequest)]
    pub fn pending_share_request(&self) -> JsResult<JsValue> {
        match self.state.pending_share() {
            Some(s) => Self::share_request(s),
            None => Ok(JsValue::NULL),
        }
    }

    /// Seals the pending upload's entries again around a new TAN.
    #[wasm_bindgen(js_name = resealShare)]
    pub fn reseal_share(&mut self, tan: &str) -> JsResult<JsValue> {
        let sealed = self.state.reseal_share(&self.config, tan).js()?;
        Self::share_request(sealed)
    }

    /// Drops the pending upload.
    #[wasm_bindgen(js_name = discardPendingShare)]
    pub fn discard_pending_share(&mut self) {
        self.state.discard_pending_share();
    }

    // ---- count pings ----

    /// The request of the first count ping due at `now`, or `null`.
    #[wasm_bindgen(js_name = nextDuePing)]
    pub fn next_due_ping(&self, now: f64) -> JsResult<JsValue> {
        Ok(self
            .state
            .next_due_ping(minute(now)?)
            .map_or(JsValue::NULL, |p| request_js(api::count_ping_request(&p))))
    }

    /// The server took the ping [`Self::next_due_ping`] returned.
    #[wasm_bindgen(js_name = pingSent)]
    pub fn ping_sent(&mut self, now: f64) -> JsResult<()> {
        self.state.due_ping_sent(minute(now)?);
        Ok(())
    }

    /// How many slot tokens the diary yields for matching (diagnostics, benchmarks).
    #[wasm_bindgen(js_name = tokenCount)]
    pub fn token_count(&self) -> usize {
        self.state.token_count()
    }
}
