// Bundles the visitor web app into dist/ (scripts/build-web.sh runs it after the wasm build):
// src/app.js with its imports and the WebAssembly of pkg/ under content-hashed names in
// dist/assets/, the service worker (dist/sw.js) with the list of files to keep offline,
// index.html, the manifest and the icon; then a brotli copy (NAME.br) of every text and wasm
// file, which the server sends to clients that take it (it makes gzip itself).
import * as esbuild from "esbuild";
import { brotliCompressSync, constants } from "node:zlib";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, "src");
const dist = path.join(here, "dist");
const pkg = path.join(here, "pkg", "venuecode_wasm.js");

if (!fs.existsSync(pkg)) {
  console.error("web/pkg/ is missing: run scripts/build-wasm.sh first (scripts/build-web.sh does)");
  process.exit(1);
}
fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist, { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: path.join(src, "app.js"), style: path.join(src, "app.css") },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: "esm",
  target: ["chrome100", "safari15", "firefox100"],
  minify: true,
  metafile: true,
  entryNames: "assets/[name]-[hash]",
  chunkNames: "assets/[name]-[hash]",
  assetNames: "assets/[name]-[hash]",
  loader: { ".wasm": "file", ".svg": "file" },
  legalComments: "none",
  logLevel: "warning",
});

const outputs = Object.entries(result.metafile.outputs);
const entry = (name) => {
  const hit = outputs.find(([, o]) => o.entryPoint && o.entryPoint.endsWith(name));
  if (!hit) throw new Error(`no output for ${name}`);
  return path.relative(dist, path.join(here, hit[0])).split(path.sep).join("/");
};
const appJs = entry("src/app.js");
const css = outputs
  .map(([p]) => path.relative(dist, path.join(here, p)).split(path.sep).join("/"))
  .find((p) => p.startsWith("assets/style-") && p.endsWith(".css"));
if (!css) throw new Error("no stylesheet output");

// index.html: the server replaces %VENUECODE_BASE% with the code base path (/c).
const index = fs
  .readFileSync(path.join(src, "index.html"), "utf8")
  .replaceAll("%APP_JS%", appJs)
  .replaceAll("%APP_CSS%", css);
fs.writeFileSync(path.join(dist, "index.html"), index);
fs.copyFileSync(path.join(src, "manifest.webmanifest"), path.join(dist, "manifest.webmanifest"));
fs.copyFileSync(path.join(src, "icon.svg"), path.join(dist, "icon.svg"));

// The app shell the service worker keeps for offline check-in: every asset except the
// camera decoder's WebAssembly (large, loaded only where the browser has no BarcodeDetector).
const all = outputs
  .map(([p]) => path.relative(dist, path.join(here, p)).split(path.sep).join("/"))
  .filter((p) => !p.endsWith(".map"));
const shell = all.filter((p) => !/zxing/.test(p));
const version = shell.map((p) => p.replace(/^.*-([A-Z0-9]+)\.[a-z]+$/, "$1")).join("").slice(0, 64);
await esbuild.build({
  entryPoints: [path.join(src, "sw.js")],
  outfile: path.join(dist, "sw.js"),
  bundle: true,
  format: "iife",
  minify: true,
  define: {
    __SHELL__: JSON.stringify(["", "manifest.webmanifest", "icon.svg", "trust.bundle", ...shell]),
    __VERSION__: JSON.stringify(version),
  },
  logLevel: "warning",
});

let raw = 0;
let compressed = 0;
for (const file of walk(dist)) {
  if (!/\.(js|css|html|wasm|webmanifest|svg|json)$/.test(file)) continue;
  const bytes = fs.readFileSync(file);
  const br = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  raw += bytes.length;
  if (br.length < bytes.length) {
    fs.writeFileSync(`${file}.br`, br);
    compressed += br.length;
  } else {
    compressed += bytes.length;
  }
}
console.log(`web/dist: ${all.length + 4} files, ${raw} bytes, ${compressed} with brotli`);

function* walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}
