/* Screens of the day page: the participant's day page holds every form she needs as a screen
 * (data-screen), shown one at a time, so each opens at once and with no network. A link with
 * data-to-screen shows its screen where the page has it, and is an ordinary link elsewhere (and
 * without JavaScript). The address names the screen (#meeting), so Back and a reload keep her place.
 * Showing a screen announces `screen:shown` ({name}) on it, for what lives on it (outbox-screen.js). */
import { person, within } from "./page.js";

/* A double tap must not act twice: the second touch of "Lagre møtet", landing a moment later on the
 * home screen shown in its place, would open whatever lies under the finger there. So for a moment
 * after a screen changes, a tap on the same spot as the last tap before the change is ignored. */
const SETTLE_MS = 600;
const SAME_SPOT_PX = 40;
let shownAt = -Infinity;
let lastTap = null;

// Capture, and first of all: before any behaviour (or htmx) acts on the tap.
document.addEventListener("click", (event) => {
  const now = performance.now();
  const before = lastTap;
  lastTap = { x: event.clientX, y: event.clientY, at: now };
  // Only the touch after the one that came before the change: two taps on the new screen are hers.
  if (!event.isTrusted || event.detail === 0 || now - shownAt > SETTLE_MS || !before || before.at > shownAt
      || now - before.at > 2 * SETTLE_MS) return;
  if (Math.hypot(event.clientX - before.x, event.clientY - before.y) > SAME_SPOT_PX) return;
  event.preventDefault();
  event.stopImmediatePropagation();
}, true);

export function showScreen(name) {
  const screens = document.querySelectorAll("[data-screen]");
  const shown = Array.from(screens).find((s) => s.dataset.screen === name);
  if (!shown) return false;
  screens.forEach((s) => { s.hidden = s.dataset.screen !== name; });
  shownAt = performance.now();
  // Yesterday's news on another screen, and a "needs the laptop" note (offline-links.js) about the last one.
  document.querySelectorAll(".flash, [data-offline-note]").forEach((f) => f.remove());
  window.scrollTo(0, 0);
  shown.dispatchEvent(new CustomEvent("screen:shown", { bubbles: true, detail: { name } }));
  return true;
}

/* A page asked for before a later tap on a screen (she tapped "Møter", then "Skriv møtereferat" before
 * the meetings page came) must not land on top of the screen she chose: as in a browser, the last tap
 * wins. Only pages (boosted GETs) are dropped; an answer to something sent is always shown. */
document.addEventListener("htmx:beforeRequest", (event) => { event.detail.xhr.askedAt = performance.now(); });
document.addEventListener("htmx:beforeSwap", (event) => {
  const { boosted, requestConfig, xhr } = event.detail;
  if (boosted && requestConfig?.verb === "get" && xhr.askedAt < shownAt) event.detail.shouldSwap = false;
});

/* Show a screen as a tap does, with its own step in the history; false if the page has no such screen. */
export function goTo(name) {
  if (!showScreen(name)) return false;
  history.pushState({ screen: name }, "", name === "home" ? location.pathname : `#${name}`);
  return true;
}

// Capture: before htmx sees the click and fetches the link as a page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-to-screen]");
  if (!link || !goTo(link.dataset.toScreen)) return;  // no such screen here: an ordinary link
  event.preventDefault();
  event.stopImmediatePropagation();
}, true);

window.addEventListener("popstate", () => showScreen(location.hash.slice(1) || "home"));

/* A day page that arrives (a load, a reload, the counter's /#outbox) opens on the screen its address
 * names. One already shown is left as it is: renewed lists must not scroll her to the top. */
export function init(root) {
  const name = location.hash.slice(1);
  if (!name || !person()) return;
  const screen = within(root, "[data-screen]").find((s) => s.dataset.screen === name);
  if (screen && screen.hidden) showScreen(name);
}
