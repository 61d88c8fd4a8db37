// Figures of the visitor web app in headless Chromium against a real `venuecode server
// --web-app web/dist` (BENCHMARKS.md, issue 14):
//
// - first load: the bytes transferred (bodies as sent, compressed, plus headers) from opening a
//   poster URL with an empty cache until the check-in screen, and what the same files weigh
//   with brotli (Chromium asks for br only over HTTPS; over this loopback http it takes gzip);
// - time from opening a code URL to the check-in screen (the code verified in WebAssembly):
//   cold (fresh profile, nothing cached) and warm (the service worker's cache), median of runs.
//
//   node web/bench/app.mjs [runs]        (after scripts/build-web.sh and cargo build -p venuecode)
//
// Prints one JSON object.
import fs from "node:fs";
import path from "node:path";
import { World, browser, DIST } from "../tests/harness.mjs";

const runs = Number(process.argv[2] ?? 5);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const w = await World.start();
try {
  const venue = await w.venue("兰州牛肉面馆");
  const cold = [];
  const warm = [];
  let transfer = null;
  for (let i = 0; i < runs; i++) {
    const ctx = await browser();
    try {
      const loaded = [];
      ctx.on("requestfinished", (r) => loaded.push(r));
      const page = await ctx.newPage();
      const t0 = performance.now();
      await page.goto(venue.url);
      await page.waitForSelector("#check-in", { timeout: 60_000 });
      cold.push(performance.now() - t0);
      if (i === 0) {
        // The page's own requests until the check-in screen, and apart from them what the
        // service worker fetched to keep offline (it installs in parallel).
        const page_ = { wire: 0, brotli: 0, raw: 0, files: [] };
        const worker = { wire: 0, files: 0 };
        for (const r of loaded) {
          const url = new URL(r.url());
          if (!url.pathname.startsWith("/c")) continue;
          const sizes = await r.sizes();
          const wire = sizes.responseBodySize + sizes.responseHeadersSize;
          if (r.serviceWorker()) {
            worker.wire += wire;
            worker.files += 1;
            continue;
          }
          const name = url.pathname === "/c" || url.pathname === "/c/" ? "index.html" : url.pathname.slice(3);
          const file = path.join(DIST, name);
          const plain = fs.existsSync(file) ? fs.statSync(file).size : sizes.responseBodySize;
          const br = fs.existsSync(`${file}.br`) ? fs.statSync(`${file}.br`).size : plain;
          page_.wire += wire;
          page_.raw += plain;
          page_.brotli += br + sizes.responseHeadersSize;
          page_.files.push(name);
        }
        transfer = {
          page_wire_bytes: page_.wire,
          page_brotli_bytes: page_.brotli,
          page_raw_bytes: page_.raw,
          page_files: page_.files,
          service_worker_precache_wire_bytes: worker.wire,
          service_worker_files: worker.files,
        };
      }
      // Warm: the same profile, the service worker in control, a new page.
      await page.evaluate(() => navigator.serviceWorker.ready);
      const again = await ctx.newPage();
      const t1 = performance.now();
      await again.goto(venue.url);
      await again.waitForSelector("#check-in", { timeout: 60_000 });
      warm.push(performance.now() - t1);
    } finally {
      await ctx.close();
    }
  }
  console.log(
    JSON.stringify(
      {
        runs,
        first_load: transfer,
        open_to_checkin_ms: { cold_median: median(cold), cold, warm_median: median(warm), warm },
      },
      null,
      2,
    ),
  );
} finally {
  await w.close();
}
