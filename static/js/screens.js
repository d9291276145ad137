/* Screens of the day page: the participant's day page holds every form she needs as a screen
 * (data-screen), shown one at a time, so each opens at once and with no network. A link with
 * data-to-screen shows its screen where the page has it, and is an ordinary link elsewhere (and
 * without JavaScript). The address names the screen (#meeting), so Back and a reload keep her place.
 * Showing a screen announces `screen:shown` ({name}) on it, for what lives on it (outbox-screen.js). */
import { person, within } from "./page.js";

export function showScreen(name) {
  const screens = document.querySelectorAll("[data-screen]");
  const shown = Array.from(screens).find((s) => s.dataset.screen === name);
  if (!shown) return false;
  screens.forEach((s) => { s.hidden = s.dataset.screen !== name; });
  document.querySelectorAll(".flash").forEach((f) => f.remove());  // yesterday's news on another screen
  window.scrollTo(0, 0);
  shown.dispatchEvent(new CustomEvent("screen:shown", { bubbles: true, detail: { name } }));
  return true;
}

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
