// The browser tests' world: the real `venuecode` binary (authority init, venues, a case visitor,
// the health authority) and a real `venuecode server --web-app web/dist` process on a loopback
// port, and Debian's Chromium driven by playwright-core (no browser download), headless, with a
// fresh profile per test.
import { spawn, execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "..", "..");
export const DIST = path.join(ROOT, "web", "dist");
export const BIN = process.env.VENUECODE_BIN || path.join(ROOT, "target", "debug", "venuecode");
export const CHROMIUM = process.env.VENUECODE_CHROMIUM || "/usr/bin/chromium";
const COMMAND_TIMEOUT_MS = 90_000;

/** The environment of every command: no VENUECODE_* of the caller, English, UTC. */
function env() {
  const e = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("VENUECODE_") || k === "VENUECODE_CJK_FONT") e[k] = v;
  }
  return { ...e, NO_COLOR: "1", VENUECODE_LANG: "en", TZ: "UTC" };
}

/** Runs the binary to completion; resolves `{ code, stdout, stderr }`. */
export function run(args) {
  return new Promise((resolve) => {
    execFile(BIN, args, { env: env(), timeout: COMMAND_TIMEOUT_MS, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr, args });
    });
  });
}

/** A free loopback port (bound and released; the server takes it right after). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** `YYYY-MM-DD HH:MM UTC` of a Date, for `--now`. */
export function cliTime(date) {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export class World {
  /**
   * Makes the authority (its bundle naming this server and `/c` on it) and starts the server.
   * The port is found free before the authority is made (its bundle names it), and something
   * else on a busy machine can take it meanwhile: then the whole world is made again on
   * another port.
   */
  static async start(options = {}) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await World.startOnce(options);
      } catch (e) {
        if (attempt >= 3 || !/address already in use|os error 98/i.test(String(e && e.message))) throw e;
      }
    }
  }

  static async startOnce({ webApp = DIST, extraServerArgs = [] } = {}) {
    const w = new World();
    w.dir = fs.mkdtempSync(path.join(os.tmpdir(), "venuecode-web-"));
    w.port = await freePort();
    w.url = `http://127.0.0.1:${w.port}`;
    w.codeBase = `${w.url}/c`;
    w.ha = path.join(w.dir, "ha");
    const init = await run([
      "--home", w.ha, "authority", "init",
      "--server-url", w.url, "--code-base-url", w.codeBase,
    ]);
    if (init.code !== 0) throw new Error(`authority init failed: ${init.stderr}`);
    w.bundle = path.join(w.ha, "authority", "trust-bundle.bin");
    w.data = path.join(w.dir, "server-data");
    w.log = path.join(w.dir, "server.log");
    const keys = [
      ["--ra-key", "ra/ra.key"],
      ["--admin-key", "ra/admin.pub"],
      ["--ha-keys", "authority/ha-signing.pub"],
      ["--ha-encryption-key", "authority/ha-encryption.pub"],
      ["--trust-bundle", "authority/trust-bundle.bin"],
    ].flatMap(([flag, file]) => [flag, path.join(w.ha, file)]);
    const args = ["server", "--listen", `127.0.0.1:${w.port}`, "--data-dir", w.data, ...keys];
    if (webApp) args.push("--web-app", webApp);
    args.push(...extraServerArgs);
    try {
      await w.startServer(args);
    } catch (e) {
      await w.close();
      throw e;
    }
    return w;
  }

  async startServer(args = this.serverArgs) {
    this.serverArgs = args;
    const logFd = fs.openSync(this.log, "a");
    const child = spawn(BIN, args, { env: { ...env(), RUST_LOG: "debug" }, stdio: ["ignore", "pipe", logFd] });
    fs.closeSync(logFd);
    this.server = child;
    await new Promise((resolve, reject) => {
      let out = "";
      const onExit = (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code}):\n${this.logText()}`));
      };
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${this.logText()}`)), 30_000);
      child.stdout.on("data", (b) => {
        // tracing writes the request log to stdout; keep it with stderr in the log file.
        fs.appendFileSync(this.log, b);
        out += b;
        // `venuecode server listening on URL`, in the run's language.
        if (/^venuecode .*https?:\/\//m.test(out)) {
          clearTimeout(timer);
          child.off("exit", onExit);
          resolve();
        }
      });
      child.on("exit", onExit);
    });
  }

  logText() {
    try {
      return fs.readFileSync(this.log, "utf8");
    } catch {
      return "";
    }
  }

  async stopServer() {
    if (!this.server) return;
    const child = this.server;
    this.server = null;
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }

  /** Runs `venuecode --home HOME --server URL [--now NOW] --json ARGS…`; must succeed. */
  async cli(home, args, { now, ok = true } = {}) {
    const full = ["--home", home, "--server", this.url];
    if (now) full.push("--now", now);
    full.push("--json", ...args);
    const r = await run(full);
    if (ok && r.code !== 0) throw new Error(`venuecode ${full.join(" ")} failed (${r.code}):\n${r.stderr}`);
    return ok ? JSON.parse(r.stdout) : r;
  }

  /** A home for one role with the authority's trust bundle installed. */
  async home(name) {
    const home = path.join(this.dir, name);
    if (!fs.existsSync(path.join(home, "trust-bundle.bin"))) {
      const r = await run(["--home", home, "--json", "trust", "install", this.bundle]);
      if (r.code !== 0) throw new Error(`trust install failed: ${r.stderr}`);
    }
    return home;
  }

  /** Registers a restaurant and returns `{ home, url }` (its static poster's code URL). */
  async venue(name, homeName = `venue-${Math.random().toString(36).slice(2, 8)}`) {
    const home = await this.home(homeName);
    const args = [
      "venue", "register", "--name", name, "--address", "甘肃省兰州市安宁区北滨河西路1号",
      "--region", "620105", "--category", "restaurant", "--pledge",
    ];
    await this.cli(home, args);
    const code = await this.cli(home, ["venue", "code"]);
    return { home, url: code.url };
  }

  /** Issues one TAN (`authority tan --purpose case`). */
  async tan() {
    const r = await this.cli(this.ha, ["authority", "tan", "--purpose", "case"]);
    return r.tans[0];
  }

  async close() {
    await this.stopServer();
    if (!process.env.VENUECODE_KEEP_TEST_DIRS) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Chromium with a fresh profile (`--user-data-dir`, made by launchPersistentContext) and the
 * flags that keep it quiet and local; `extraArgs` adds flags (the fake camera). Page errors are
 * collected in `context.errors`. `.close()` also removes the profile.
 */
export async function browser(extraArgs = [], options = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "venuecode-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      ...extraArgs,
    ],
    locale: options.locale || "en-GB",
    timezoneId: "UTC",
    serviceWorkers: "allow",
    ...options.context,
  });
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  // Playwright's 30 s default for each wait and action is what a quiet machine needs many
  // times over, but not always a loaded CI machine compiling the WebAssembly on two shared
  // cores; a wait that fails still fails, a minute later.
  context.setDefaultTimeout(60_000);
  context.errors = [];
  return context;
}

/** Opens `url` in a new page of `context` and waits for the app to show a verdict or a screen. */
export async function open(context, url, { page } = {}) {
  const p = page || (await context.newPage());
  if (!page) {
    p.on("pageerror", (e) => context.errors.push(String(e)));
    p.on("console", (m) => {
      if (m.type() === "error") context.errors.push(m.text());
    });
  }
  await p.goto(url);
  await p.waitForSelector("#verdict, #scan, #boot-error");
  return p;
}
