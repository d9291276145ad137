/* What the page tells its scripts, and the one line it shows them in. The server renders on <main>
 * whose phone this is (data-person) and the words to show (data-client-text, in the page's
 * language). Not a behaviour: the behaviours share it. */

// Read at every call, never kept: a page htmx swaps in brings its own <main>.
export function person() {
  return document.querySelector("[data-person]")?.dataset.person || "";
}

export function t(key, values) {
  const text = JSON.parse(document.querySelector("[data-client-text]")?.dataset.clientText || "{}");
  return (text[key] || key).replace(/%\((\w+)\)s/g, (_, name) => (values || {})[name] ?? "");
}

/* Whether the laptop may be in reach. With no network the phone has nobody to ask; but the laptop's own
 * browser (localhost) always reaches its server: it says offline when the laptop's Wi-Fi is off, and the
 * leader must still sign in and work on the project there. */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

export function mayReachLaptop() {
  return navigator.onLine || LOOPBACK.test(location.hostname);
}

/* The elements in root that match, root itself included: htmx:load hands over the swapped element. */
export function within(root, selector) {
  const found = Array.from(root.querySelectorAll(selector));
  return root.matches && root.matches(selector) ? [root, ...found] : found;
}

/* The status line on the day page's home screen ("saved on the phone", "sent"). */
export function notice(message, waiting) {
  const box = document.querySelector("[data-notice]");
  if (box) { box.textContent = message; box.hidden = !message; box.classList.toggle("waiting", Boolean(waiting)); }
}
