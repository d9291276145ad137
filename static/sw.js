/* Samskaping's service worker: the app opens with no network at all (tier 2 of "Offline-first").
 *
 * Served by samskaping/pwa.py at /sw.js (the root, so it controls the whole app) with VERSION filled
 * in: a short hash of the static files. Any change of the app is therefore a byte-different worker,
 * which the browser installs as an update, with a cache of its own: samskaping-<version>.
 *
 * - Pages (navigations, and htmx-boosted links, which get whole pages too): network first, with a
 *   short timeout; each fresh page is kept, per URL, for the next time there is no network. Without
 *   one, the kept copy of that page opens (its forms with new record ids), else the day page ("/"),
 *   which holds every form. The day page's own renewal (js/day-refresh.js) refreshes the kept copy too.
 * - Static files (app shell, icons, manifest): cache first; they change only with the version.
 * - Everything else goes to the network untouched: every POST (the outbox in outbox.js delivers
 *   those, and only the server's answer takes an entry out), htmx fragments, /healthz, and the
 *   leader's and join pages, which are never kept (they are not for a phone to carry around).
 *   Where the browser can, most of these do not even wake this worker (passBy, below).
 *
 * Queued records (IndexedDB, js/outbox.js) and drafts (localStorage, js/drafts.js) are never touched
 * here: an update swaps only this worker and its cache, so it can never strand what the user wrote.
 */
"use strict";

const VERSION = "__SAMSKAPING_VERSION__";
const CACHE = `samskaping-${VERSION}`;
const NETWORK_TIMEOUT_MS = 3000;
const DAY_PAGE = "/";
const SHELL = [
  "/static/app.css", "/static/print.css", "/static/vendor/htmx.min.js",
  // Every module of static/js/: a page starts only when all that main.js imports has loaded.
  "/static/js/main.js", "/static/js/page.js", "/static/js/forms.js", "/static/js/outbox.js",
  "/static/js/sending.js", "/static/js/rows.js", "/static/js/drafts.js", "/static/js/outbox-screen.js",
  "/static/js/screens.js", "/static/js/outbox-counter.js", "/static/js/day-refresh.js",
  "/static/js/offline-requests.js", "/static/js/pwa.js", "/static/js/followups.js",
  "/static/js/plans.js", "/static/js/print.js", "/static/js/offline-links.js", "/static/js/probe.js",
  "/static/icons/icon-192.png", "/static/icons/icon-512.png", "/static/icons/icon-maskable-512.png",
  "/manifest.webmanifest", "/favicon.ico",
];
// The pages load static files under /static/v/<version>/ (kept by the browser for a year): this
// version's copies are the ones to store. The list above names them by their files under static/.
const versioned = (path) => (path.startsWith("/static/") ? `/static/v/${VERSION}/${path.slice(8)}` : path);
const NEVER_KEPT = ["/leader", "/join", "/healthz"];  // and their subpaths
// Without network, a form's own page opens its screen on the day page instead.
const SCREENS = { "/meetings/new": "/#meeting", "/feedback/new": "/#feedback", "/plans/new": "/#plan" };

/* ---- Install: everything the app needs to open, fetched fresh; then take over at once -------- */

self.addEventListener("install", (event) => {
  passBy(event);
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // cache: "reload" skips the browser's HTTP cache: this version's files as the server has them now.
    await cache.addAll(SHELL.map((url) => new Request(versioned(url), { cache: "reload" })));
    // The day page is part of the shell: without it, the new version would not open offline, so
    // the install fails (and the previous version stays) if it cannot be fetched.
    const day = await fetch(new Request(DAY_PAGE, { cache: "reload", redirect: "manual" }));
    if (!isWholePage(day)) throw new Error(`${DAY_PAGE} answered ${day.status}`);
    await cache.put(DAY_PAGE, day);
    // Activate now rather than when every tab has closed (the default, which for an app kept open in
    // a home-screen window can mean days). That is safe at any moment: open pages keep the scripts
    // they loaded and the text being typed, and nothing the user wrote lives in a cache.
    await self.skipWaiting();
  })());
});

/* What this worker would only hand on to the network (see the fetch handler below) goes there without it:
 * every POST (the outbox's deliveries), another version's static files, the pages never kept, /healthz.
 * Besides sparing a worker start, this lets an outgoing version fall idle, which is when Chromium hands
 * over to a waiting one: it stops the old worker once the new one has installed, and if a request wakes
 * it again at that moment (a page still loading the new version's files), the new version waits until the
 * old worker has had nothing to do for 30 s (at most 5 minutes, or until the next page load). A page that
 * asks the laptop every 3 s (js/probe.js, the outbox's retries) kept it busy all that time: seen on a
 * loaded machine. Where the browser has no static routes (Chrome before 123, Firefox, Safari), the fetch
 * handler does the same as these, as before. */
function passBy(event) {
  if (!event.addRoutes) return;
  const network = (pathname) => ({ condition: { urlPattern: { pathname } }, source: "network" });
  const routes = [
    { condition: { requestMethod: "POST" }, source: "network" },
    { condition: { urlPattern: { pathname: `/static/v/${VERSION}/*` } }, source: "fetch-event" },  // this version's
    network("/static/v/*"),
    ...NEVER_KEPT.flatMap((path) => [network(path), network(`${path}/*`)]),
  ];
  // Routes it cannot take (a version with characters special to URL patterns) leave all to the fetch handler.
  event.waitUntil(event.addRoutes(routes).catch(() => {}));
}

/* ---- Activate: drop the caches of earlier versions, then control the open pages ------------- */

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const old = (await caches.keys()).filter((name) => name.startsWith("samskaping-") && name !== CACHE);
    await Promise.all(old.map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

/* ---- Fetch --------------------------------------------------------------------------------- */

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || neverKept(url.pathname)) return;
  if (isPageRequest(request)) event.respondWith(page(event));
  else if (isStatic(url.pathname)) {
    // Another version's file (a newer page opened while this worker still controls it): the network's,
    // not kept here. Keeping it would write into this version's cache, which the newer worker deletes.
    if (!otherVersion(url.pathname)) event.respondWith(staticFile(event));
  }
  // The day page renewing itself (js/day-refresh.js): from the network only, but its answer is kept too.
  else if (url.pathname === DAY_PAGE) event.respondWith(fetchAndKeep(event).catch(() => Response.error()));
  // Anything else (htmx fragments, inline validation): the network, as if we were not here.
});

function neverKept(path) {
  return NEVER_KEPT.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

function isPageRequest(request) {
  return request.mode === "navigate" || request.headers.get("HX-Boosted") === "true"
    || request.headers.get("HX-History-Restore-Request") === "true";
}

function otherVersion(path) {
  return path.startsWith("/static/v/") && !path.startsWith(`/static/v/${VERSION}/`);
}

function isStatic(path) {
  return path.startsWith("/static/") || SHELL.includes(path);  // the manifest and the favicon too
}

/* A whole HTML page worth keeping: a plain 200 from this origin, not a redirect, not an error page. */
function isWholePage(response) {
  return response.status === 200 && response.type === "basic" && !response.redirected
    && (response.headers.get("Content-Type") || "").startsWith("text/html");
}

async function staticFile(event) {
  const cached = await caches.match(event.request, { cacheName: CACHE });  // (caches.open would make it)
  if (cached) return cached;
  const response = await fetch(event.request);
  if (response.ok && response.type === "basic") event.waitUntil(keep(event.request, response.clone()));
  return response;
}

/* Into this version's cache, unless a newer worker has deleted it meanwhile: caches.open would make it
 * anew, and the newer version would then see an old cache beside its own. */
async function keep(request, response) {
  if (await caches.has(CACHE)) await (await caches.open(CACHE)).put(request, response);
}

/* The network's answer, and a copy of it in the cache if it is a whole page. */
function fetchAndKeep(event) {
  const fromNetwork = fetch(event.request);
  event.waitUntil(fromNetwork.then((response) => {
    if (!isWholePage(response)) return null;
    return keep(event.request.url, response.clone());  // cloned now, before the page reads the body
  }).catch(() => {}));
  return fromNetwork;
}

async function page(event) {
  const request = event.request;
  // Kept even when it arrives after the timeout: the next offline visit gets the newer copy.
  const fromNetwork = fetchAndKeep(event);
  try {
    return await Promise.race([fromNetwork, timeout(NETWORK_TIMEOUT_MS)]);
  } catch (_) {
    // No network (or too slow): this page as last seen, else the day page, else wait for the network.
    const kept = await caches.match(request.url, { cacheName: CACHE, ignoreVary: true });
    if (kept) return kept;  // js/forms.js gives its forms new record ids if these were used already
    const path = new URL(request.url).pathname;
    if (path !== DAY_PAGE && await caches.match(DAY_PAGE, { cacheName: CACHE, ignoreVary: true })) {
      return Response.redirect(SCREENS[path] || DAY_PAGE, 303);
    }
    return fromNetwork;
  }
}

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms));
}
