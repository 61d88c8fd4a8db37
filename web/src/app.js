// The Venuecode visitor web app. Every protocol rule runs in the Rust library compiled to
// WebAssembly (../pkg, crates/wasm/API.md); this file is the screens, the storage and the fetches.
import init, { WebVisitor, parseTan, httpError } from "../pkg/venuecode_wasm.js";
import wasmPath from "../pkg/venuecode_wasm_bg.wasm";
import { loadSnapshot, saveSnapshot, withDiaryLock } from "./store.js";
import { t, errorText, when, toggleLanguage } from "./i18n.js";
import { playTone, announce } from "./tone.js";
import { syncAll, syncRevocations } from "./sync.js";

/** The app's base URL (`https://vc.example/c/`): this script lives in BASE/assets/. */
const BASE = new URL("..", import.meta.url);
const BASE_PATH = BASE.pathname.replace(/\/$/, "");
const STAYS = [15, 30, 60, 90, 120, 180, 240, 360, 480, 720];

const state = {
  v: null,
  /** The trust bundle the app shipped with (reopening the diary needs it). */
  bundle: null,
  /** The generation of the stored diary that `v` was opened from or last saved as. */
  gen: 0,
  view: "home",
  /** The code being looked at: its text (the full code URL) lives only in memory. */
  code: null,
  preview: null,
  scanError: null,
  lastCheckIn: null,
  showHidden: false,
  editing: null,
  syncing: null,
  syncResult: null,
  share: null,
  stopCamera: null,
};

const nowMin = () => Math.floor(Date.now() / 60000);

/** Builds an element: `h("p", { class: "x", onclick }, "text", child)`. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Stores the diary as the next generation. Call it holding the diary lock ([`change`]). */
async function save() {
  state.gen += 1;
  await saveSnapshot(state.v.snapshot(), state.gen);
}

/**
 * Reopens the diary from the stored snapshot when another tab saved since this page opened or
 * saved it. Returns whether it did.
 */
async function reloadIfChanged() {
  const held = await loadSnapshot();
  if (!held || held.gen === state.gen) return false;
  state.v.free();
  state.v = new WebVisitor(state.bundle, held.bytes, nowMin());
  state.gen = held.gen;
  return true;
}

/**
 * Changes the diary: under the lock every tab shares, on the latest stored diary (another
 * tab's check-in is never overwritten by this page's older copy), saved before the lock goes.
 * `fn(v)` gets the WebVisitor; its result is returned.
 */
function change(fn) {
  return withDiaryLock(async () => {
    await reloadIfChanged();
    const result = await fn(state.v);
    await save();
    return result;
  });
}

async function boot() {
  // esbuild names the wasm relative to this script (both in assets/).
  const wasmUrl = new URL(wasmPath, import.meta.url);
  await init({ module_or_path: wasmUrl });
  const bundleResp = await fetch(new URL("trust.bundle", BASE), { credentials: "omit" });
  if (!bundleResp.ok) throw new Error(`trust bundle: HTTP ${bundleResp.status}`);
  state.bundle = new Uint8Array(await bundleResp.arrayBuffer());
  await withDiaryLock(async () => {
    const held = await loadSnapshot();
    state.v = new WebVisitor(state.bundle, held?.bytes ?? null, nowMin());
    state.gen = held?.gen ?? 0;
    await save();
  });
  // Another tab of the app may have changed the diary meanwhile: every change reopens the
  // stored diary first ([`change`]), and a page coming back into view shows it at once.
  document.addEventListener("visibilitychange", async () => {
    if (document.visibilityState !== "visible" || state.syncing) return;
    if (await withDiaryLock(reloadIfChanged)) render();
  });

  // The code is in the fragment, which the browser never sent. Read it, then drop it from the
  // address bar and the history entry.
  if (location.hash.length > 1) {
    state.code = ownPayload(location.href) ?? location.hash.slice(1);
    history.replaceState(null, "", BASE_PATH + "/");
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker
      .register(new URL("sw.js", BASE), { scope: BASE_PATH, type: "classic" })
      .catch(() => {});
  }
  wireChrome();
  if (state.code) await openCode(state.code);
  else render();
}

function wireChrome() {
  for (const b of document.querySelectorAll("nav button[data-view]")) {
    b.addEventListener("click", () => go(b.dataset.view));
  }
  document.getElementById("lang").addEventListener("click", () => {
    toggleLanguage();
    render();
  });
}

function go(view) {
  if (state.stopCamera) {
    state.stopCamera();
    state.stopCamera = null;
  }
  state.view = view;
  render();
  document.getElementById("main").focus();
}

/**
 * The payload of a URL of this very app (`<origin><base>#<payload>`, which is how the page was
 * opened), else null. The library reads bare payload digits as what a scanner hands over; any
 * other text goes to it whole, and it decides.
 */
function ownPayload(text) {
  const own = [`${location.origin}${BASE_PATH}#`, `${location.origin}${BASE_PATH}/#`];
  const hit = own.find((p) => text.startsWith(p));
  return hit ? text.slice(hit.length) : null;
}

/** Verifies a code (after the revocation list, when none was ever fetched and we are online). */
async function openCode(text) {
  state.code = text;
  state.preview = null;
  state.scanError = null;
  state.lastCheckIn = null;
  state.view = "home";
  if (state.v.needsRevocations() && navigator.onLine) {
    try {
      await change((v) => syncRevocations(v));
    } catch {
      // Offline or refused: verify with what is held.
    }
  }
  try {
    state.preview = state.v.scan(text, nowMin());
    playTone("success");
    announce(t("toneOk") + state.preview.venueName);
  } catch (e) {
    state.scanError = e;
    playTone("failure");
    announce(t("toneBad") + errorText(e));
  }
  render();
}

function render() {
  document.title = t("title");
  document.getElementById("title").textContent = t("title");
  const lang = document.getElementById("lang");
  lang.textContent = t("langSwitch");
  lang.setAttribute("aria-label", t("langLabel"));
  for (const [id, key] of [["nav-home", "navHome"], ["nav-diary", "navDiary"], ["nav-alerts", "navAlerts"], ["nav-share", "navShare"]]) {
    const b = document.getElementById(id);
    b.textContent = key === "navAlerts" && state.v ? `${t(key)} (${state.v.exposures(false).length})` : t(key);
    if (b.dataset.view === state.view) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  const main = document.getElementById("main");
  const views = { home: homeView, diary: diaryView, alerts: alertsView, share: shareView };
  main.replaceChildren(...[].concat(views[state.view]()));
}

// --- Home: the code just opened, the current check-in, the camera ---

function homeView() {
  const out = [];
  const now = nowMin();
  if (state.scanError) {
    out.push(
      h("section", { class: "tone failure", id: "verdict", "data-tone": "failure" },
        h("p", { class: "verdict" }, "✕ ", t("refused")),
        h("p", { id: "reason" }, errorText(state.scanError))),
    );
  } else if (state.lastCheckIn) {
    const c = state.lastCheckIn;
    out.push(
      h("section", { class: "tone success", id: "verdict", "data-tone": "success" },
        h("p", { class: "verdict" }, "✓ ", c.status === "already_checked_in" ? t("alreadyIn") : t("checkedIn")),
        h("p", { class: "venue", id: "venue-name" }, c.entry.venueName),
        h("p", { class: "muted" }, c.entry.address),
        h("p", { id: "auto-checkout" }, t("autoCheckout", when(c.reminder.autoCheckoutAt)))),
    );
  } else if (state.preview) {
    const p = state.preview;
    const select = h("select", { id: "stay" },
      STAYS.map((m) => h("option", { value: m, selected: m === p.defaultStayMinutes }, t("minutes", m))));
    if (!STAYS.includes(p.defaultStayMinutes)) {
      select.prepend(h("option", { value: p.defaultStayMinutes, selected: true }, t("minutes", p.defaultStayMinutes)));
    }
    out.push(
      h("section", { class: "tone success", id: "verdict", "data-tone": "success" },
        h("p", { class: "verdict" }, "✓ ", t("verified")),
        h("p", { class: "venue", id: "venue-name" }, p.venueName),
        h("p", { class: "muted" }, p.address),
        h("p", { class: "muted" }, p.category)),
      h("label", { for: "stay" }, t("stay")),
      select,
      h("button", { type: "button", class: "primary", id: "check-in", onclick: () => checkIn(Number(select.value)) }, t("checkIn")),
    );
  }
  const cur = state.v.current(now);
  if (cur && !state.preview) {
    out.push(
      h("section", { id: "current" },
        h("p", { class: "muted" }, t("current")),
        h("p", { class: "venue" }, cur.venueName),
        h("p", {}, t("since", when(cur.arrival))),
        h("button", { type: "button", class: "secondary", id: "check-out", onclick: () => checkOut(cur.id) }, t("checkOut"))),
    );
  }
  if (!state.preview || state.lastCheckIn || state.scanError) {
    if (!state.code && !cur) out.push(h("p", {}, t("noCode")));
    const video = h("video", { id: "camera", hidden: !state.stopCamera, "aria-label": t("cameraHint") });
    out.push(
      video,
      h("button", {
        type: "button",
        class: "secondary",
        id: "scan",
        onclick: async (ev) => {
          if (state.stopCamera) {
            state.stopCamera();
            state.stopCamera = null;
            render();
            return;
          }
          ev.target.textContent = t("stopScan");
          video.hidden = false;
          try {
            const { startScanner } = await import("./scan.js");
            state.stopCamera = await startScanner(video, (text) => {
              state.stopCamera = null;
              openCode(ownPayload(text) ?? text);
            });
            announce(t("cameraHint"));
          } catch {
            video.hidden = true;
            ev.target.textContent = t("scan");
            announce(t("cameraRefused"));
            ev.target.after(h("p", { role: "alert" }, t("cameraRefused")));
          }
        },
      }, state.stopCamera ? t("stopScan") : t("scan")),
    );
  }
  if (!navigator.onLine) out.push(h("p", { class: "muted", id: "offline" }, t("offline")));
  return out;
}

async function checkIn(stay) {
  try {
    const r = await change((v) => v.checkIn(state.code, nowMin(), stay));
    state.lastCheckIn = r;
    state.preview = null;
    playTone("success");
    announce(`${t("toneOk")}${t("checkedIn")}: ${r.entry.venueName}`);
  } catch (e) {
    state.scanError = e;
    state.preview = null;
    playTone("failure");
    announce(t("toneBad") + errorText(e));
  }
  render();
}

async function checkOut(id) {
  await change((v) => v.checkOut(id, nowMin()));
  state.lastCheckIn = null;
  state.code = null;
  announce(t("checkedOut"));
  render();
}

// --- Diary: list, edit, hide, delete ---

function toLocalInput(minutes) {
  const d = new Date(minutes * 60000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(text) {
  const ms = new Date(text).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 60000) : NaN;
}

function diaryView() {
  const now = nowMin();
  const entries = state.v.entries(state.showHidden, now).slice().reverse();
  const toggle = h("input", { type: "checkbox", id: "show-hidden", checked: state.showHidden });
  toggle.addEventListener("change", () => {
    state.showHidden = toggle.checked;
    render();
  });
  const items = entries.map((e) => {
    const times = `${when(e.arrival)} – ${e.open ? t("open") : when(e.departure)}`;
    const tags = [e.hidden && t("hidden"), e.shared && t("shared")].filter(Boolean).join(", ");
    const li = h("li", { dataset: { entry: e.id } },
      h("strong", {}, e.venueName),
      h("div", { class: "muted" }, times, tags ? ` · ${tags}` : ""));
    if (state.editing === e.id) {
      const a = h("input", { type: "datetime-local", id: `arrival-${e.id}`, value: toLocalInput(e.arrival) });
      const d = h("input", { type: "datetime-local", id: `departure-${e.id}`, value: toLocalInput(e.departure ?? now) });
      const err = h("p", { role: "alert", class: "edit-error" });
      li.append(
        h("label", { for: `arrival-${e.id}` }, t("arrival")), a,
        h("label", { for: `departure-${e.id}` }, t("departure")), d, err,
        h("div", { class: "row" },
          h("button", { type: "button", class: "save", onclick: async () => {
            try {
              await change((v) => v.editTimes(e.id, fromLocalInput(a.value), fromLocalInput(d.value), nowMin()));
              state.editing = null;
              render();
            } catch (x) {
              err.textContent = errorText(x);
            }
          } }, t("save")),
          h("button", { type: "button", onclick: () => { state.editing = null; render(); } }, t("cancel"))),
      );
    } else {
      li.append(h("div", { class: "row" },
        h("button", { type: "button", class: "edit", onclick: () => { state.editing = e.id; render(); } }, t("edit")),
        h("button", { type: "button", class: "hide", onclick: async () => {
          await change((v) => v.setHidden(e.id, !e.hidden));
          render();
        } }, e.hidden ? t("unhide") : t("hide")),
        h("button", { type: "button", class: "delete danger", onclick: async () => {
          if (!confirm(t("confirmDelete"))) return;
          await change((v) => v.delete(e.id));
          render();
        } }, t("del"))));
    }
    return li;
  });
  return [
    h("h2", {}, t("diary")),
    h("p", {}, toggle, " ", h("label", { for: "show-hidden" }, t("showHidden"))),
    entries.length ? h("ul", { class: "list", id: "diary" }, items) : h("p", { id: "diary-empty" }, t("diaryEmpty")),
  ];
}

// --- Alerts: sync with progress, exposures ---

function alertsView() {
  const out = [h("h2", {}, t("alerts"))];
  const bar = h("progress", { id: "sync-progress", max: 1, value: 0, hidden: !state.syncing, "aria-label": t("syncing") });
  const note = h("p", { id: "sync-note", role: "status" }, state.syncing ? t("syncing") : syncSummary());
  out.push(
    h("button", { type: "button", class: "primary", id: "sync", disabled: !!state.syncing, onclick: () => runSync(bar, note) }, state.syncing ? t("syncing") : t("sync")),
    bar,
    note,
  );
  const list = state.v.exposures(false);
  if (!list.length) out.push(h("p", { id: "no-alerts" }, t("noAlerts")));
  for (const x of list) {
    out.push(
      h("section", { class: `alert${x.highRisk ? " high" : ""}`, dataset: { exposure: x.id }, role: "alert" },
        h("strong", {}, x.venueName),
        h("p", {}, t("alertAt", x.venueName, when(x.overlapStart), x.overlapMinutes)),
        h("p", { class: "risk" }, t("risk", x.risk, x.highRisk)),
        x.message ? h("p", { class: "message" }, x.message) : null,
        h("button", { type: "button", class: "secondary", onclick: async () => {
          await change((v) => v.dismissExposure(x.id));
          render();
        } }, t("dismiss"))),
    );
  }
  return out;
}

function syncSummary() {
  const r = state.syncResult;
  if (!r) return "";
  if (r.error) return t("syncFailed") + errorText(r.error);
  if (r.newExposures.length) return t("newAlerts", r.newExposures.length);
  if (r.chainStatus === "withheld") return t("syncWithheld");
  if (r.chainStatus === "stale") return t("syncStale");
  return t("syncOk");
}

async function runSync(bar, note) {
  state.syncing = true;
  bar.hidden = false;
  note.textContent = t("syncing");
  document.getElementById("sync").disabled = true;
  try {
    // The whole sync holds the diary lock (it saves after each batch with `save`, not
    // `change`): another tab's change waits for it, then applies to the synced diary.
    state.syncResult = await withDiaryLock(async () => {
      await reloadIfChanged();
      return syncAll(state.v, nowMin(), save, ({ done, total }) => {
        bar.max = total;
        bar.value = done;
        note.textContent = t("syncProgress", done, total);
      });
    });
    if (state.syncResult.newExposures.length) playTone("failure");
  } catch (e) {
    state.syncResult = { error: e, newExposures: [] };
  }
  state.syncing = null;
  announce(syncSummary());
  render();
}

// --- Share after a positive test: preview, consent, TAN, sealed upload ---

function shareView() {
  const now = nowMin();
  state.share ??= { from: now - 14 * 1440, until: now, exclude: new Set(), preview: null, error: null, done: null };
  const s = state.share;
  const out = [h("h2", {}, t("navShare")), h("p", {}, t("shareIntro"))];
  if (s.done !== null) {
    out.push(h("p", { id: "share-done", role: "status", class: "tone success" }, t("sent", s.done)));
    return out;
  }
  const from = h("input", { type: "datetime-local", id: "share-from", value: toLocalInput(s.from) });
  const until = h("input", { type: "datetime-local", id: "share-until", value: toLocalInput(s.until) });
  out.push(
    h("label", { for: "share-from" }, t("shareFrom")), from,
    h("label", { for: "share-until" }, t("shareUntil")), until,
    h("button", { type: "button", class: "secondary", id: "share-preview", onclick: () => {
      s.from = fromLocalInput(from.value);
      s.until = fromLocalInput(until.value);
      s.error = null;
      try {
        s.preview = state.v.sharePreview(s.from, s.until, nowMin(), [...s.exclude], []);
      } catch (e) {
        s.preview = null;
        s.error = e;
      }
      render();
    } }, t("preview")),
  );
  if (s.preview) {
    const p = s.preview;
    if (!p.toSend.length && !p.excluded.length) out.push(h("p", {}, t("nothingToSend")));
    else {
      out.push(h("p", {}, t("willSend")));
      const ul = h("ul", { class: "list", id: "share-list" });
      for (const e of [...p.toSend, ...p.excluded]) {
        const box = h("input", { type: "checkbox", id: `excl-${e.id}`, checked: s.exclude.has(e.id) });
        box.addEventListener("change", () => {
          if (box.checked) s.exclude.add(e.id);
          else s.exclude.delete(e.id);
          s.preview = state.v.sharePreview(s.from, s.until, nowMin(), [...s.exclude], []);
          render();
        });
        ul.append(h("li", { dataset: { entry: e.id } },
          h("strong", {}, e.venueName), h("div", { class: "muted" }, `${when(e.arrival)} – ${e.departure ? when(e.departure) : t("open")}`),
          h("div", {}, box, " ", h("label", { for: `excl-${e.id}` }, t("exclude")))));
      }
      out.push(ul);
      if (p.hidden.length) out.push(h("p", { class: "muted" }, t("notSent"), " ", p.hidden.map((e) => e.venueName).join(", ")));
      // The consent and the TAN as typed stay (in memory) across a refused attempt.
      const consent = h("input", { type: "checkbox", id: "share-consent", checked: !!s.consent });
      const tan = h("input", { type: "text", id: "share-tan", autocomplete: "off", inputmode: "text", spellcheck: "false", autocapitalize: "characters", value: s.tanText ?? "" });
      const send = h("button", { type: "button", class: "primary", id: "share-send" }, t("send"));
      const ready = () => {
        s.consent = consent.checked;
        s.tanText = tan.value;
        send.disabled = !(consent.checked && tan.value.trim());
      };
      ready();
      consent.addEventListener("change", ready);
      tan.addEventListener("input", ready);
      send.addEventListener("click", () => sendShare(tan.value));
      out.push(h("p", {}, consent, " ", h("label", { for: "share-consent" }, t("consent"))), h("label", { for: "share-tan" }, t("tan")), tan, send);
    }
  }
  if (s.error) out.push(h("p", { role: "alert", id: "share-error", class: "tone failure" }, errorText(s.error)));
  return out;
}

async function sendShare(tanText) {
  const s = state.share;
  try {
    const tan = parseTan(tanText);
    const req = await change((v) =>
      v.pendingShareRequest() ? v.resealShare(tan) : v.sealShare(tan, s.from, s.until, nowMin(), [...s.exclude], []),
    );
    const resp = await fetch(req.path, { method: req.method, headers: req.headers, body: req.body, credentials: "omit", referrerPolicy: "no-referrer" });
    const body = new Uint8Array(await resp.arrayBuffer());
    if (!resp.ok) {
      throw httpError(resp.status, body);
    }
    s.done = await change((v) => v.shareAccepted());
    s.tanText = "";
    announce(t("sent", s.done));
    s.error = null;
  } catch (e) {
    s.error = e;
    announce(errorText(e));
  }
  render();
}

boot().catch((e) => {
  const main = document.getElementById("main");
  main.replaceChildren(h("p", { role: "alert", class: "tone failure", id: "boot-error" }, errorText(e)));
});

