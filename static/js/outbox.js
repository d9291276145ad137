/* Samskaping outbox: what a phone could not send yet, kept in IndexedDB and delivered exactly once.
 *
 * Works on plain http too (an "insecure context": no service worker, no Web Locks, no
 * crypto.randomUUID), so it uses only IndexedDB, BroadcastChannel and crypto.getRandomValues.
 *
 * - Every entry is keyed by the record's own UUID (made on the phone), so saving the same form again
 *   replaces its entry instead of adding a second one, and the server stores it once however often
 *   it arrives.
 * - An entry leaves the outbox only when the server has answered that it stored it (2xx). A refusal
 *   (4xx) keeps it, marked "refused" with the server's messages, until the user corrects or deletes it.
 *   Anything else (offline, timeout, 5xx) keeps it queued and retries with back-off; while nobody
 *   answers, probe.js asks the laptop every few seconds and sends everything the moment it does.
 * - Only one page (tab) of the phone sends at a time: a lease record in IndexedDB, taken and renewed
 *   in read-write transactions (which IndexedDB runs one after another across tabs). A page that was
 *   closed, reloaded or crashed while sending is noticed at once (it does not answer a ping on the
 *   BroadcastChannel) and its lease taken over; else a lease lapses 15 s after its last heartbeat.
 *   Should two pages ever both send an item (a frozen background tab waking up), the server still
 *   stores it once: that is the last line of defence, not the first.
 *
 * An ES module: `import { outbox } from "./outbox.js"` gives the one API (uuid4, all, get, put,
 * remove, flush, schedule); it is also window.SamskapingOutbox. Changes are announced as the
 * window event `outbox:changed` ({id, state}), in every tab of the phone.
 */

const DB_NAME = "samskaping";
const DB_VERSION = 1;
const LEASE_MS = 15000;          // renewed every HEARTBEAT_MS while sending; a closed tab's lapses soon
const HEARTBEAT_MS = 4000;
const REQUEST_TIMEOUT_MS = 20000;
const FIRST_RETRY_MS = 5000;
const MAX_RETRY_MS = 300000;     // back-off is capped at five minutes
const HEADER = "X-Samskaping-Outbox";
const tabId = uuid4();  // this page (a reload is a new page; a tab opened from this one, another)
const channel = "BroadcastChannel" in window ? new BroadcastChannel("samskaping-outbox") : null;
let dbPromise = null;
let flushing = null;
let timer = null;

function uuid4() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "id" });
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return dbPromise;
}

/* Run fn(stores) in one transaction; resolves with fn's result once the transaction has committed. */
async function transaction(names, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(names, mode);
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
    const stores = Object.fromEntries(names.map((n) => [n, tx.objectStore(n)]));
    Promise.resolve(fn(stores)).then((value) => { result = value; }, (error) => { tx.abort(); reject(error); });
  });
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function announce(detail) {
  window.dispatchEvent(new CustomEvent("outbox:changed", { detail }));
  if (channel) channel.postMessage(detail);
}
if (channel) {
  channel.addEventListener("message", (event) => {
    if (event.data && event.data.type === "ping") {
      if (event.data.owner === tabId) channel.postMessage({ type: "pong", owner: tabId });
    } else if (!event.data || event.data.type !== "pong") {
      window.dispatchEvent(new CustomEvent("outbox:changed", { detail: event.data }));
    }
  });
}

/* Is the page holding the lease still there? It answers on the channel at once if it is. A page
 * that was closed, reloaded or crashed mid-send does not, and its lease can be taken over. */
function ownerAlive(owner) {
  if (!channel) return Promise.resolve(true);  // cannot ask: wait for the lease to lapse
  return new Promise((resolve) => {
    const done = (alive) => { channel.removeEventListener("message", listen); clearTimeout(timer); resolve(alive); };
    const listen = (event) => { if (event.data && event.data.type === "pong" && event.data.owner === owner) done(true); };
    const timer = setTimeout(() => done(false), 400);
    channel.addEventListener("message", listen);
    channel.postMessage({ type: "ping", owner });
  });
}

async function all() {
  return transaction(["outbox"], "readonly", ({ outbox }) => request(outbox.getAll()));
}

async function get(id) {
  return transaction(["outbox"], "readonly", ({ outbox }) => request(outbox.get(id)));
}

/* Save (or replace) an entry: a form's content, ready to be sent. */
async function put(entry) {
  const now = new Date().toISOString();
  const stored = Object.assign({ created_at: now, attempts: 0, next_try: 0 }, entry,
    { state: "queued", rev: uuid4(), message: "", errors: {} });
  await transaction(["outbox"], "readwrite", ({ outbox }) => request(outbox.put(stored)));
  announce({ id: stored.id, state: "queued" });
  return stored;
}

async function remove(id) {
  await transaction(["outbox"], "readwrite", ({ outbox }) => request(outbox.delete(id)));
  announce({ id, state: "deleted" });
}

/* The sending lease: true if this page may send now, else the id of the page that holds it.
 * `from`: take it over from that page (gone, see ownerAlive), if it still holds it. */
async function takeLease(from) {
  return transaction(["meta"], "readwrite", async ({ meta }) => {
    const lease = await request(meta.get("sender"));
    const now = Date.now();
    if (lease && lease.owner !== tabId && lease.until > now && lease.owner !== from) return lease.owner;
    await request(meta.put({ key: "sender", owner: tabId, until: now + LEASE_MS }));
    return true;
  });
}

async function lease() {
  const holder = await takeLease().catch(() => false);
  if (holder === true || !holder) return holder === true;
  return !(await ownerAlive(holder)) && (await takeLease(holder).catch(() => false)) === true;
}

async function dropLease() {
  await transaction(["meta"], "readwrite", async ({ meta }) => {
    const lease = await request(meta.get("sender"));
    if (lease && lease.owner === tabId) await request(meta.delete("sender"));
  });
}

function backoff(attempts) {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/* POST one entry the way its form would, but with the outbox header and a JSON answer. */
async function deliver(entry) {
  const body = new URLSearchParams(entry.fields);
  body.set("client_updated_at", entry.updated_at);
  const controller = new AbortController();
  const timeout = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(entry.url, {
      method: "POST", body, credentials: "same-origin", signal: controller.signal,
      headers: { [HEADER]: "1", Accept: "application/json" },
    });
    let answer = {};
    try { answer = await response.json(); } catch (_) { answer = {}; }
    return { status: response.status, answer };
  } catch (error) {
    return { status: 0, answer: {} };  // offline, refused connection, timeout
  } finally {
    clearTimeout(timeout);
  }
}

/* Record what the server said about an entry, unless the entry changed while it was on its way. */
async function settle(sent, status, answer) {
  const state = status >= 200 && status < 300 ? "sent"
    : status >= 400 && status < 500 && status !== 408 && status !== 429 ? "refused" : "queued";
  await transaction(["outbox"], "readwrite", async ({ outbox }) => {
    const current = await request(outbox.get(sent.id));
    if (!current || current.rev !== sent.rev) return;  // edited or deleted meanwhile: leave it be
    if (state === "sent") {
      await request(outbox.delete(sent.id));
    } else if (state === "refused") {
      await request(outbox.put(Object.assign(current, {
        state, message: answer.message || "", errors: answer.errors || {}, last_try: new Date().toISOString(),
      })));
    } else {
      const attempts = (current.attempts || 0) + 1;
      await request(outbox.put(Object.assign(current, {
        attempts, next_try: Date.now() + backoff(attempts), last_try: new Date().toISOString(),
      })));
    }
  });
  announce({ id: sent.id, state, answer, status });
  return { state, answer, status };
}

/* Send every queued entry that is due (all of them with force), one tab at a time.
 * Resolves with {id: outcome} for the entries this call delivered. */
function flush(options) {
  const force = Boolean(options && options.force);
  if (flushing) return flushing.then(() => (force ? flush(options) : {}));
  flushing = (async () => {
    const outcomes = {};
    if (!(await lease())) return outcomes;
    const heartbeat = setInterval(() => takeLease().catch(() => {}), HEARTBEAT_MS);  // keep it while sending
    try {
      const holder = document.querySelector("[data-person]");
      const person = holder && holder.dataset.person;
      const queued = (await all())
        .filter((e) => e.state === "queued" && (!person || e.person === person) && (force || e.next_try <= Date.now()))
        .sort((a, b) => a.created_at.localeCompare(b.created_at));
      for (const entry of queued) {
        if ((await takeLease()) !== true) break;  // lost it (this page slept too long): another sends
        const { status, answer } = await deliver(entry);
        outcomes[entry.id] = await settle(entry, status, answer);
        if (status === 0) break;  // no connection: the rest would fail the same way
      }
    } finally {
      clearInterval(heartbeat);
      await dropLease().catch(() => {});
    }
    return outcomes;
  })().finally(() => { flushing = null; schedule(); });
  return flushing;
}

/* Wake up when the next queued entry is due (and at least every minute while the app is open). */
async function schedule() {
  clearTimeout(timer);
  let wait = 60000;
  try {
    const queued = (await all()).filter((e) => e.state === "queued");
    if (queued.length) wait = Math.max(1000, Math.min(wait, ...queued.map((e) => e.next_try - Date.now())));
  } catch (_) { /* IndexedDB unavailable: nothing to schedule */ }
  timer = setTimeout(() => flush(), wait);
}

window.addEventListener("online", () => flush({ force: true }));
// A page shown again, and the laptop answering again while the Wi-Fi stayed on: probe.js sends at once.

export const outbox = { uuid4, all, get, put, remove, flush, schedule };
// The same object for scripts that are not modules (and the tests, and the console).
window.SamskapingOutbox = outbox;
