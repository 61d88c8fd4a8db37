// The service worker: keeps the app shell (index, scripts, WebAssembly, trust bundle) so that a
// venue code opens and checks in offline. The code URL itself (BASE, with its fragment, which
// never reaches here) is answered with the cached index. API requests (/v1/...) always go to
// the network; nothing about visits is cached.
/* global __SHELL__, __VERSION__ */
const CACHE = `venuecode-shell-${__VERSION__}`;
const scopeUrl = new URL(self.registration.scope);
const base = scopeUrl.pathname.replace(/\/$/, "");
const shell = __SHELL__.map((p) => (p === "" ? `${base}/` : `${base}/${p}`));

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // Hashed assets come from the HTTP cache when the page just loaded them (they are
      // immutable); the rest is revalidated.
      const mode = (u) => (u.startsWith(`${base}/assets/`) ? "default" : "no-cache");
      await cache.addAll(shell.map((u) => new Request(u, { cache: mode(u), credentials: "omit" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("venuecode-shell-") && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/v1/")) return;
  const isIndex = url.pathname === base || url.pathname === `${base}/` || url.pathname === `${base}/index.html`;
  if (!isIndex && !url.pathname.startsWith(`${base}/`)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const key = isIndex ? `${base}/` : url.pathname;
      if (isIndex || url.pathname.endsWith("/trust.bundle") || url.pathname.endsWith("/sw.js")) {
        // Network first for what may change; the cache when offline.
        try {
          const fresh = await fetch(event.request);
          if (fresh.ok) await cache.put(key, fresh.clone());
          return fresh;
        } catch (e) {
          const held = await cache.match(key);
          if (held) return held;
          throw e;
        }
      }
      const held = await cache.match(key);
      if (held) return held;
      const fresh = await fetch(event.request);
      if (fresh.ok && url.pathname.startsWith(`${base}/assets/`)) await cache.put(key, fresh.clone());
      return fresh;
    })(),
  );
});
