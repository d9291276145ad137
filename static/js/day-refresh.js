/* The day page renews itself. It carries lists (my open responsibilities, the latest meetings, the
 * people and schools its forms offer) that go stale on a phone kept open all day, so it is fetched
 * again when the laptop answers: the outbox emptied, the network back, every ten minutes while shown. On
 * the home screen the whole of <main> is renewed (drafts bring back anything typed); inside a form
 * only the home screen's lists are, so nothing moves under her fingers. The new content is swapped
 * in by htmx, so it gets its behaviours on htmx:load like any other. */
import { outbox } from "./outbox.js";
import { mayReachLaptop, notice, person, t } from "./page.js";

const EVERY_MS = 10 * 60 * 1000;
let refreshes = 0;

/* The renewed page's own nodes, moved over as they are: never turned back into text and parsed again. */
function contentOf(element) {
  const content = document.createDocumentFragment();
  content.append(...element.childNodes);
  return content;
}

export async function refresh() {
  const mine = ++refreshes;  // only the newest of overlapping refreshes is applied
  if (!document.querySelector('[data-screen="home"]')) return;
  try {
    const response = await fetch("/", { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    // Looked up now, not before the fetch: the page may have changed (or been renewed) meanwhile.
    const main = document.getElementById("main");
    const home = document.querySelector('[data-screen="home"]');
    const lists = document.getElementById("day-lists");
    if (mine !== refreshes || !main || !home || !window.htmx) return;
    const shown = document.querySelector("[data-notice]");
    const message = shown?.textContent || "";
    if (!home.hidden && fresh.getElementById("main")) {
      window.htmx.swap(main, contentOf(fresh.getElementById("main")), { swapStyle: "innerHTML" });
      notice(message, shown?.classList.contains("waiting"));
    } else if (lists && fresh.getElementById("day-lists")) {
      window.htmx.swap(lists, contentOf(fresh.getElementById("day-lists")), { swapStyle: "innerHTML" });
    }
    // The menu's counts (deadlines, new feedback) sit outside <main>: renewed with it.
    const menu = document.querySelector("nav.main");
    const freshMenu = fresh.querySelector("nav.main");
    if (menu && freshMenu) {
      menu.replaceChildren(...freshMenu.childNodes);
      window.htmx.process(menu);  // its links boosted like the rest
    }
  } catch (_) { /* still offline: keep what we have */ }
}

/* Everything she saved has arrived (the outbox holds nothing of hers waiting): what she sent is on the
 * laptop now, so the lists are renewed (the responsibilities she just gave herself, the meeting), and a
 * notice still saying "saved on this phone" says it has been sent. Whichever tab sent it. */
let emptied = null;
window.addEventListener("outbox:changed", (event) => {
  if (event.detail?.state !== "sent") return;
  clearTimeout(emptied);
  emptied = setTimeout(async () => {
    const waiting = (await outbox.all().catch(() => [])).some((e) => e.state === "queued" && e.person === person());
    if (waiting) return;
    const box = document.querySelector("[data-notice]");
    if (box && !box.hidden && box.classList.contains("waiting")) notice(t("allArrived"));
    refresh();
  }, 150);
});

window.addEventListener("online", refresh);
setInterval(() => { if (mayReachLaptop() && document.visibilityState === "visible") refresh(); }, EVERY_MS);

/* Nothing to do for content as it arrives: the renewal works on the page as it is when the laptop answers. */
export function init() {}
