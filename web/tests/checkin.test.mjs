// A poster's URL opened in headless Chromium against a real `venuecode server --web-app` checks
// in (issue 14's "done when"); the diary in IndexedDB holds no venue name or time in clear; the
// server's log and store never see the code (the URL's fragment).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { World, browser, open } from "./harness.mjs";

const NAME = "兰州牛肉面馆测试店";
let w;
let poster;
let ctx;
/** The Unix minutes around the check-in (first, last). */
let checkInWindow;
/** Every URL and Referer the browser sent. */
const sent = [];

before(async () => {
  w = await World.start();
  poster = await w.venue(NAME);
  ctx = await browser();
  ctx.on("request", (r) => {
    sent.push(r.url());
    const referer = r.headers().referer;
    if (referer) sent.push(referer);
  });
});

after(async () => {
  await ctx?.close();
  await w?.close();
});

function payload(url) {
  return url.slice(url.indexOf("#") + 1);
}

test("a poster URL opened in Chromium verifies, checks in with one tap and drops the fragment", async () => {
  assert.ok(poster.url.startsWith(`${w.codeBase}#`), poster.url);
  const page = await open(ctx, poster.url);
  assert.equal(await page.getAttribute("#verdict", "data-tone"), "success");
  assert.equal(await page.textContent("#venue-name"), NAME);
  // The fragment is gone from the address bar and the history entry.
  assert.ok(!page.url().includes("#"), page.url());
  assert.ok(!page.url().includes(payload(poster.url).slice(0, 20)), page.url());
  // The screen-reader text says the verdict.
  await page.waitForFunction(() => document.getElementById("status").textContent.includes("Success"));

  await page.selectOption("#stay", "120");
  const t0 = Math.floor(Date.now() / 60000);
  await page.click("#check-in");
  await page.waitForSelector("#verdict[data-tone=success] >> text=Checked in");
  checkInWindow = [t0, Math.floor(Date.now() / 60000)];
  assert.equal(await page.textContent("#venue-name"), NAME);
  assert.ok(await page.isVisible("#check-out"));

  // A reload (no fragment) shows the check-in from the encrypted diary.
  await page.reload();
  await page.waitForSelector("#current");
  assert.ok((await page.textContent("#current")).includes(NAME));
  // The diary lists it.
  await page.click("#nav-diary");
  await page.waitForSelector("#diary li");
  assert.equal(await page.locator("#diary li").count(), 1);
  assert.ok((await page.textContent("#diary")).includes(NAME));
  // Opening the same poster again adds nothing.
  await open(ctx, poster.url, { page });
  await page.click("#check-in");
  await page.waitForSelector("#verdict >> text=already checked in");
  await page.click("#nav-diary");
  assert.equal(await page.locator("#diary li").count(), 1);
  assert.deepEqual(ctx.errors, [], "no page or CSP error");
  await page.close();
});

test("a forged or garbled code shows the failure tone and stores nothing", async () => {
  const page = await ctx.newPage();
  // One digit changed in the signed part of the payload.
  const p = payload(poster.url);
  const i = Math.floor(p.length / 2);
  const forged = `${w.codeBase}#${p.slice(0, i)}${p[i] === "1" ? "2" : "1"}${p.slice(i + 1)}`;
  for (const url of [forged, `${w.codeBase}#12345`]) {
    await open(ctx, url, { page });
    assert.equal(await page.getAttribute("#verdict", "data-tone"), "failure", url);
    assert.equal(await page.locator("#check-in").count(), 0);
    await page.waitForFunction(() => document.getElementById("status").textContent.includes("Failure"));
  }
  await page.click("#nav-diary");
  assert.equal(await page.locator("#diary li").count(), 1, "still only the genuine check-in");
  await page.close();
});

test("the diary in IndexedDB holds no venue name or time in clear, under a non-extractable key", async () => {
  const page = await ctx.newPage();
  await open(ctx, `${w.codeBase}/`, { page });
  await page.click("#nav-diary");
  await page.waitForSelector("#diary li");
  const raw = await page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open("venuecode");
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const dump = {};
    const keys = [];
    for (const store of db.objectStoreNames) {
      const all = await new Promise((resolve) => {
        const tx = db.transaction(store);
        const req = tx.objectStore(store).getAll();
        req.onsuccess = () => resolve(req.result);
      });
      dump[store] = all;
    }
    // Every byte and string reachable from every stored value.
    const bytes = [];
    const strings = [];
    const walk = (v) => {
      if (v instanceof CryptoKey) {
        keys.push({ extractable: v.extractable, type: v.type, usages: v.usages });
      } else if (v instanceof Uint8Array || v instanceof ArrayBuffer) {
        bytes.push(...new Uint8Array(v));
      } else if (typeof v === "string") {
        strings.push(v);
      } else if (typeof v === "number") {
        strings.push(String(v));
      } else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          strings.push(k);
          walk(x);
        }
      }
    };
    walk(dump);
    // The key opens the sealed snapshot, so the search below would find the name if it were
    // there in clear: the decrypted snapshot holds it.
    const sealed = dump.diary[0];
    const key = dump.keys[0];
    const plain = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: sealed.iv, additionalData: new TextEncoder().encode("venuecode/web/diary/v1") },
        key,
        sealed.ciphertext,
      ),
    );
    let exported = "refused";
    try {
      await crypto.subtle.exportKey("raw", key);
      exported = "exported";
    } catch {
      // Expected: the key is not extractable.
    }
    const local = {};
    for (let i = 0; i < localStorage.length; i++) local[localStorage.key(i)] = localStorage.getItem(localStorage.key(i));
    return {
      bytes,
      strings,
      keys,
      plain: [...plain],
      exported,
      local,
      cookie: document.cookie,
      stores: [...db.objectStoreNames],
    };
  });
  assert.deepEqual(raw.stores, ["diary", "keys"]);
  assert.deepEqual(raw.keys, [{ extractable: false, type: "secret", usages: ["encrypt", "decrypt"] }]);
  assert.equal(raw.exported, "refused");
  assert.ok(raw.bytes.length >= 64 * 1024, "the snapshot is padded");

  const entries = await page.evaluate(() => document.getElementById("diary").innerText);
  assert.ok(entries.includes(NAME));
  const needles = needlesFor(NAME, checkInWindow);
  const stored = Buffer.from(raw.bytes);
  const plain = Buffer.from(raw.plain);
  assert.ok(plain.includes(Buffer.from(NAME, "utf8")), "the decrypted snapshot holds the name");
  for (const [what, needle] of needles) {
    assert.ok(!stored.includes(needle), `the stored bytes hold ${what} in clear`);
  }
  const text = raw.strings.join("\n") + JSON.stringify(raw.local) + raw.cookie;
  for (const [what, needle] of needles.filter(([, n]) => n.length >= 4)) {
    assert.ok(!text.includes(needle.toString("latin1")) && !text.includes(needle.toString("utf8")), `stored strings hold ${what}`);
  }
  assert.equal(raw.cookie, "");
  assert.deepEqual(Object.keys(raw.local).filter((k) => k !== "venuecode.lang"), [], "nothing but the language in localStorage");
  await page.close();
});

/**
 * Byte patterns of the venue name and of the check-in's times (arrival in `[first, last]`,
 * departure two hours later) as a phone could store them.
 */
function needlesFor(name, [first, last]) {
  const out = [
    ["the name (UTF-8)", Buffer.from(name, "utf8")],
    ["the name (UTF-16)", Buffer.from(name, "utf16le")],
    ["part of the name (UTF-8)", Buffer.from(name.slice(0, 4), "utf8")],
  ];
  const minutes = [];
  for (let m = first - 1; m <= last + 1; m++) minutes.push(m, m + 120);
  for (const m of minutes) {
    const le = Buffer.alloc(4);
    le.writeUInt32LE(m);
    const be = Buffer.alloc(4);
    be.writeUInt32BE(m);
    out.push([`minute ${m} (u32 LE)`, le], [`minute ${m} (u32 BE)`, be], [`minute ${m} (decimal)`, Buffer.from(String(m))]);
    const iso = new Date(m * 60000).toISOString().slice(0, 16);
    out.push([`time ${iso}`, Buffer.from(iso)]);
  }
  for (const m of minutes) {
    const secs = Buffer.alloc(8);
    secs.writeBigUInt64LE(BigInt(m * 60));
    out.push([`minute ${m} in seconds (u64 LE)`, secs]);
  }
  return out;
}

test("the server's log and store never see the code; the browser sent it nowhere", async () => {
  const p = payload(poster.url);
  const probes = [p, p.slice(0, 32), p.slice(-32), p.slice(40, 72)];
  for (const u of sent) {
    for (const probe of probes) assert.ok(!u.includes(probe), `the browser sent the code in ${u.slice(0, 80)}…`);
    assert.ok(!u.includes("#"), `a URL with a fragment went out: ${u.slice(0, 80)}`);
  }
  assert.ok(sent.some((u) => u.startsWith(`${w.codeBase}`)), "the app was loaded from the code base");
  assert.ok(sent.some((u) => u.includes("/v1/revocations")), "the revocation list was fetched");
  // The server logged every request (RUST_LOG=debug), and none holds the code.
  const log = w.logText();
  assert.ok(log.includes("request"), "the server logged requests");
  for (const probe of probes) assert.ok(!log.includes(probe), "the server log holds the code");
  // Nor does any file of its store.
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else files.push(f);
    }
  };
  walk(w.data);
  assert.ok(files.length > 0);
  for (const f of files) {
    const bytes = fs.readFileSync(f);
    for (const probe of probes) assert.ok(!bytes.includes(Buffer.from(probe)), `${f} holds the code`);
  }
});

test("Chinese by the browser's language, English by the switch; the verdict is said to screen readers", async () => {
  const zh = await browser([], { locale: "zh-CN" });
  try {
    const page = await open(zh, poster.url);
    assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
    assert.match(await page.textContent("#verdict"), /场所码真实有效/);
    assert.equal(await page.textContent("#check-in"), "登记进入");
    assert.equal(await page.textContent("#lang"), "English");
    // The tone's text goes to a live region, and the stay selector has its label.
    assert.equal(await page.getAttribute("#status", "aria-live"), "assertive");
    await page.waitForFunction(() => document.getElementById("status").textContent.includes("成功"));
    assert.equal(await page.locator("label[for=stay]").count(), 1);
    await page.click("#lang");
    assert.match(await page.textContent("#verdict"), /Genuine venue code/);
    assert.equal(await page.textContent("#check-in"), "Check in");
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.deepEqual(zh.errors, []);
  } finally {
    await zh.close();
  }
});

test("the diary: edit times (an impossible edit is refused), hide and show, delete", async () => {
  const c = await browser();
  try {
    const page = await open(c, poster.url);
    await page.click("#check-in");
    await page.waitForSelector("#verdict >> text=Checked in");
    await page.click("#nav-diary");
    const item = page.locator("#diary li").first();
    assert.match(await item.textContent(), /– now/);

    // Departure before arrival is refused with the library's reason; nothing changes.
    await item.locator("button.edit").click();
    // One "now" for every time typed and expected below: a minute that turned between the
    // edit and the check of what it shows would otherwise change the expectation.
    const now = Math.floor(Date.now() / 60000);
    const minute = (m) => new Date((now + m) * 60000).toISOString().slice(0, 16);
    await page.fill("#diary li input[id^=arrival-]", minute(-5));
    await page.fill("#diary li input[id^=departure-]", minute(-20));
    await page.click("#diary li button.save");
    await page.waitForFunction(() => document.querySelector(".edit-error")?.textContent.length > 0);
    // A possible edit: arrived five minutes ago, left a minute ago.
    await page.fill("#diary li input[id^=arrival-]", minute(-5));
    await page.fill("#diary li input[id^=departure-]", minute(-1));
    await page.click("#diary li button.save");
    await page.waitForSelector("#diary li button.edit");
    const edited = await page.locator("#diary li").first().textContent();
    assert.ok(!edited.includes("– now"), edited);
    assert.ok(edited.includes(minute(-1).slice(11, 16)), `${edited} shows the new departure`);

    // Hide: gone from the list, back with "show hidden", shown again.
    await page.click("#diary li button.hide");
    await page.waitForSelector("#diary-empty");
    await page.check("#show-hidden");
    await page.waitForSelector("#diary li >> text=hidden");
    await page.click("#diary li button.hide");
    await page.uncheck("#show-hidden");
    await page.waitForSelector("#diary li");

    // Delete asks first; a refusal keeps it, a yes removes it for good (also after a reload).
    page.once("dialog", (d) => d.dismiss());
    await page.click("#diary li button.delete");
    assert.equal(await page.locator("#diary li").count(), 1);
    page.once("dialog", (d) => d.accept());
    await page.click("#diary li button.delete");
    await page.waitForSelector("#diary-empty");
    await page.reload();
    await page.waitForSelector("#scan");
    await page.click("#nav-diary");
    await page.check("#show-hidden");
    await page.waitForSelector("#diary-empty");
    assert.deepEqual(c.errors, []);
  } finally {
    await c.close();
  }
});

test("a tab coming back into view reopens the diary another tab changed", async () => {
  const c = await browser();
  try {
    const b = await open(c, `${w.codeBase}/`);
    await b.click("#nav-diary");
    await b.waitForSelector("#diary-empty");
    const a = await open(c, poster.url);
    await a.click("#check-in");
    await a.waitForSelector("#verdict >> text=Checked in");
    // Headless pages are always visible: say that tab B came back into view.
    await b.bringToFront();
    await b.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
    await b.waitForSelector("#diary li");
    assert.ok((await b.textContent("#diary")).includes(NAME));
    // B's next change keeps A's check-in: it checks out of it.
    await b.click("#nav-home");
    await b.click("#check-out");
    await b.click("#nav-diary");
    assert.doesNotMatch(await b.textContent("#diary li"), /– now/);
    assert.deepEqual(c.errors, []);
  } finally {
    await c.close();
  }
});

test("a tab that never came back into view keeps another tab's check-in when it changes the diary", async () => {
  const c = await browser();
  try {
    // B opens first and holds the (empty) diary; A checks in meanwhile.
    const b = await open(c, `${w.codeBase}/`);
    await b.click("#nav-alerts");
    await b.waitForSelector("#no-alerts");
    const a = await open(c, poster.url);
    await a.click("#check-in");
    await a.waitForSelector("#verdict >> text=Checked in");
    // B, with no visibility change, syncs: a change that saves the whole diary. It reopens the
    // stored diary under the lock every tab shares before changing it, so A's check-in stays.
    await b.click("#sync");
    await b.waitForSelector("#sync:not([disabled])");
    await b.click("#nav-diary");
    await b.waitForSelector("#diary li");
    assert.ok((await b.textContent("#diary")).includes(NAME));
    await a.reload();
    await a.waitForSelector("#scan");
    await a.click("#nav-diary");
    await a.waitForSelector("#diary li");
    assert.ok((await a.textContent("#diary")).includes(NAME));
    // Nothing but the 404s a sync expects before the authority published anything (no newer
    // trust bundle, no checkpoint yet).
    assert.deepEqual(c.errors.filter((e) => !e.includes("status of 404")), []);
  } finally {
    await c.close();
  }
});
