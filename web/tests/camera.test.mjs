// Scanning the next venue from inside the app through a fake camera: Chromium plays a Y4M video
// made here from the second venue's real poster (`venue poster`, its QR code cropped out of the
// SVG as Chromium renders it), the app reads it with BarcodeDetector or the zxing-wasm ponyfill
// (loaded from the server, not a CDN), verifies it in WebAssembly and checks in there.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { World, browser, open } from "./harness.mjs";

const W = 640;
const H = 480;
let w;
let first;
let second;
let video;

before(async () => {
  w = await World.start();
  first = await w.venue("第一家面馆");
  second = await w.venue("第二家茶馆");
  const out = path.join(w.dir, "poster");
  await w.cli(second.home, ["venue", "poster", "--out", out, "--dpi", "50"]);
  video = path.join(w.dir, "camera.y4m");
  await posterVideo(`${out}.svg`, video);
});

after(async () => {
  await w?.close();
});

/**
 * Writes a Y4M video (a text header, then raw YUV 4:2:0 frames) showing the QR code of the
 * poster `svgFile` in grey on white, sized for a 640×480 camera.
 */
async function posterVideo(svgFile, out) {
  const ctx = await browser();
  try {
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 1400, height: 2000 });
    const svg = fs.readFileSync(svgFile, "utf8");
    await page.setContent(`<!doctype html><body style="margin:0;background:#fff">${svg}</body>`);
    // Render the poster 1400 px wide, then take the box of its QR code: the path with the most
    // drawing commands.
    const box = await page.evaluate(() => {
      const root = document.querySelector("svg");
      root.setAttribute("width", "1400");
      root.removeAttribute("height");
      const paths = [...document.querySelectorAll("path")];
      paths.sort((a, b) => (b.getAttribute("d") || "").length - (a.getAttribute("d") || "").length);
      const r = paths[0].getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    });
    assert.ok(box.width > 200 && Math.abs(box.width - box.height) < 4, JSON.stringify(box));
    const margin = box.width * 0.08;
    const png = await page.screenshot({
      clip: { x: box.x - margin, y: box.y - margin, width: box.width + 2 * margin, height: box.height + 2 * margin },
    });
    // Scale it into the frame and read its pixels back (Chromium decodes the PNG).
    const luma = await page.evaluate(
      async ({ b64, W, H }) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
        const canvas = new OffscreenCanvas(W, H);
        const g = canvas.getContext("2d");
        g.fillStyle = "#fff";
        g.fillRect(0, 0, W, H);
        g.imageSmoothingEnabled = false;
        const side = H - 20;
        g.drawImage(bitmap, (W - side) / 2, 10, side, side);
        const { data } = g.getImageData(0, 0, W, H);
        const y = new Array(W * H);
        for (let i = 0; i < W * H; i++) {
          y[i] = Math.round(0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]);
        }
        return y;
      },
      { b64: png.toString("base64"), W, H },
    );
    const frame = Buffer.concat([
      Buffer.from("FRAME\n"),
      Buffer.from(luma.map((v) => Math.round(16 + (v * 219) / 255))),
      Buffer.alloc((W / 2) * (H / 2) * 2, 128),
    ]);
    const header = Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`);
    fs.writeFileSync(out, Buffer.concat([header, frame, frame, frame]));
  } finally {
    await ctx.close();
  }
}

test("the camera scans the next venue's poster, which is verified and checked in, leaving the first", async () => {
  const ctx = await browser(
    [
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
    ],
    { context: { permissions: ["camera"] } },
  );
  const requests = [];
  ctx.on("request", (r) => requests.push(r.url()));
  try {
    const page = await open(ctx, first.url);
    await page.click("#check-in");
    await page.waitForSelector("#verdict >> text=Checked in");
    assert.equal(await page.textContent("#venue-name"), "第一家面馆");

    await page.click("#scan");
    await page.waitForSelector("#verdict[data-tone=success] #venue-name >> text=第二家茶馆", { timeout: 60_000 });
    await page.click("#check-in");
    await page.waitForSelector("#verdict >> text=Checked in");
    assert.equal(await page.textContent("#venue-name"), "第二家茶馆");
    // The camera is off again.
    assert.equal(await page.evaluate(() => document.getElementById("camera")?.srcObject ?? null), null);
    await page.click("#nav-diary");
    await page.waitForSelector("#diary li");
    const diary = await page.textContent("#diary");
    assert.ok(diary.includes("第一家面馆") && diary.includes("第二家茶馆"), diary);
    assert.equal(await page.locator("#diary li").count(), 2);
    // Checking in at the second venue checked out of the first.
    const firstItem = await page.locator("#diary li", { hasText: "第一家面馆" }).textContent();
    assert.ok(!firstItem.includes("– now"), firstItem);
    const secondItem = await page.locator("#diary li", { hasText: "第二家茶馆" }).textContent();
    assert.ok(secondItem.includes("– now"), secondItem);
    // Without a native BarcodeDetector (Chromium on Linux has none) the zxing ponyfill read it.
    if (!(await page.evaluate(() => "BarcodeDetector" in window))) {
      assert.ok(requests.some((u) => /\/c\/assets\/zxing_reader-[A-Z0-9]+\.wasm$/.test(u)), requests.join("\n"));
    }
    assert.deepEqual(ctx.errors, []);
    // Everything, the QR decoder included, came from the server itself.
    const origin = new URL(w.url).origin;
    assert.deepEqual(requests.filter((u) => !u.startsWith(origin) && !u.startsWith("data:") && !u.startsWith("blob:")), []);
  } finally {
    await ctx.close();
  }
});
