/* Links without a network. A link that leads to another page needs the laptop; with no network a tap on
 * it would do nothing (offline-requests.js cancels htmx's request) or show the browser's error page. So,
 * offline, a tap on such a link is cancelled and a short message says why, in words, where the finger
 * is. A link marked data-offline-screen (the menu's "Home", "Agreement", "Barometer") shows that screen
 * of the day page instead, when the page has it. The same message when the laptop does not answer a
 * boosted link (Wi-Fi, but the laptop is off). Links within the page (#accept), to a screen the page
 * has (screens.js takes those first), downloads made on the phone and other tabs are left alone; where
 * a service worker keeps the app (HTTPS), the page is asked of it as an ordinary page load. */
import { goTo } from "./screens.js";
import { mayReachLaptop, t } from "./page.js";

function leavesThePage(link) {
  if (link.hasAttribute("download") || (link.target && link.target !== "_self")) return false;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin) return false;
  return !(url.pathname === location.pathname && url.search === location.search && url.hash);
}

/* The message beside the link: under the menu for the menu's links, else after the link's line or card. */
function sayNeedsLaptop(link) {
  document.querySelectorAll("[data-offline-note]").forEach((old) => old.remove());
  const note = document.createElement("p");
  note.className = "notice waiting offline-note";
  note.setAttribute("role", "status");
  note.dataset.offlineNote = "";
  note.textContent = t("needsLaptop");
  if (link.closest("nav.main")) {
    document.getElementById("main")?.prepend(note);
  } else {
    (link.closest("li, p, .actions, .card") || link).after(note);
  }
  note.scrollIntoView({ block: "nearest" });
}

// Capture: before htmx sees the click and asks the laptop for the page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  if (!link || mayReachLaptop() || event.defaultPrevented || !leavesThePage(link)) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  link.closest("nav.main")?.querySelectorAll("details[open]").forEach((d) => { d.open = false; });  // "More"
  if (link.dataset.offlineScreen && goTo(link.dataset.offlineScreen)) return;
  if (navigator.serviceWorker?.controller) { location.assign(link.href); return; }  // the kept copy
  sayNeedsLaptop(link);
}, true);

// Online as far as the phone knows, but the laptop did not answer a link htmx asked for.
document.addEventListener("htmx:sendError", (event) => {
  const link = event.detail?.elt?.closest?.("a[href]");
  if (link) sayNeedsLaptop(link);
});

window.addEventListener("online", () => document.querySelectorAll("[data-offline-note]").forEach((n) => n.remove()));

/* Nothing to do for content as it arrives: the guard is on the document. */
export function init() {}
