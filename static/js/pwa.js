/* Samskaping as an installable app that opens with no network (tier 2 of "Offline-first"):
 * register the service worker (static/sw.js, served at /sw.js).
 *
 * Only where it can work: a secure context (https:// with the app's certificate, or localhost on the
 * laptop itself). On plain http over the LAN there is no service worker, and tier 1 (outbox and
 * drafts, which work everywhere) carries on alone. Only on a participant's pages (they carry
 * data-person): the phone app is theirs; the leader's laptop keeps no offline copies.
 *
 * Updates: we look for a new worker on every page load and when the network comes back (the day
 * page may stay open all day). A new version takes over as soon as it has stored its files (sw.js:
 * skipWaiting + clients.claim) rather than waiting for every tab to close; the open page keeps the
 * scripts it loaded and what is being typed, and the next load is the new version throughout. We
 * never reload the page for the user: that could cut off their typing.
 *
 * Its own module, beside main.js: it is about the app, not about the content of a page.
 */

let registered = false;

function register() {
  if (registered || !document.querySelector("[data-person]")) return;
  registered = true;
  navigator.serviceWorker.register("/sw.js").then((registration) => {
    // Look for a new version now: the browser's own check after a page load waits until the worker
    // has been idle for a while, which on a busy page can be long.
    const update = () => registration.update().catch(() => { /* laptop not in reach: next time */ });
    if (registration.active) update();
    window.addEventListener("online", update);
  }, () => { /* no worker here (e.g. storage disabled): the tier-1 outbox still works */ });
}

if (window.isSecureContext && "serviceWorker" in navigator) {
  // Connecting the phone is a boosted form: the day page arrives by htmx, not as a new page load.
  document.addEventListener("htmx:afterSettle", register);
  register();
}
