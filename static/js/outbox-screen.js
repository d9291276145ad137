/* The outbox screen (#outbox on the day page): what waits on this phone, one card each, drawn from
 * the page's <template data-outbox-item> and filled with text only. A card says what it is, when it
 * was saved and last tried, and why the laptop refused it; "Correct and send again" opens its form
 * filled in, with the reasons beside the fields, and "Delete" drops it. "Send now" and "Download as a
 * file" act on everything waiting. Kept current while shown: the outbox announces every change. */
import { outbox } from "./outbox.js";
import { fill, phoneDay, showErrors } from "./forms.js";
import { goTo } from "./screens.js";
import { mayReachLaptop, person, t, within } from "./page.js";

const when = (iso) => new Date(iso).toLocaleString(document.documentElement.lang === "nb" ? "nb-NO" : "en-GB",
  { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" });

/* The form an entry came from, to read its choices' labels and to correct it in. */
function formFor(entry) {
  const screen = entry.screen && document.querySelector(`[data-screen="${entry.screen}"]`);
  return (screen && screen.querySelector("form[data-outbox]"))
    || document.querySelector(`form[data-outbox][data-draft="${entry.draft}"]`);
}

/* A few words to tell entries of a kind apart: a meeting's day and school, a feedback's recipient. */
function summary(entry) {
  const form = formFor(entry);
  const value = (name) => (entry.fields.find(([n]) => n === name) || [])[1] || "";
  const label = (name) => {
    const select = form && form.elements[name];
    const option = select && select.options && Array.from(select.options).find((o) => o.value === value(name));
    return option ? option.textContent : "";
  };
  // A correction made on the day page: its screen says what it corrects (day, type, school; or to whom).
  const about = entry.kind.endsWith("_correction") && document.querySelector(`[data-screen="${entry.screen}"] .meta`);
  if (about) return about.textContent;
  if (entry.kind === "meeting" || entry.kind === "meeting_correction") {
    const date = value("date").split("-").reverse().join(".");  // dd.mm.yyyy
    return [date, label("school")].filter(Boolean).join(" · ");
  }
  if (entry.kind === "feedback") return label("to");
  const heading = document.querySelector(`[data-screen="${entry.screen}"] h1`);
  return heading ? heading.textContent : "";
}

function card(template, entry) {
  const item = document.importNode(template.content.firstElementChild, true);
  const slot = (name) => item.querySelector(`[data-slot="${name}"]`);
  item.classList.add(entry.state);
  item.dataset.entry = entry.id;
  slot("kind").textContent = t(`kind.${entry.kind}`);
  // A refusal with field errors is hers to fix; one without (403, 409) the laptop's refusal.
  const toFix = entry.state === "refused" && Object.keys(entry.errors || {}).length > 0;
  slot("state").textContent = t(toFix ? "state.fix" : `state.${entry.state}`);
  slot("summary").textContent = summary(entry);
  slot("times").textContent = t("savedAt", { when: when(entry.created_at) })
    + (entry.last_try ? ` · ${t("lastTry", { when: when(entry.last_try) })}` : "");
  if (entry.state === "refused") {
    const reasons = [entry.message, ...Object.values(entry.errors || {}).flat()];
    slot("reasons").textContent = reasons.filter(Boolean).join(" ");
  } else {
    slot("reasons").remove();
  }
  if (entry.state !== "refused" || !formFor(entry)) item.querySelector("[data-outbox-correct]").remove();
  return item;
}

async function render() {
  const list = document.querySelector("[data-outbox-list]");
  const template = document.querySelector("template[data-outbox-item]");
  if (!list || !template) return;
  const entries = (await outbox.all()).filter((e) => e.person === person())
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
  list.replaceChildren(...entries.map((entry) => card(template, entry)));
  const empty = document.querySelector("[data-outbox-empty]");
  if (empty) empty.hidden = entries.length > 0;
}

/* Everything waiting, as one JSON file: for the leader to import when a phone can never reach the laptop. */
async function download() {
  const items = (await outbox.all()).filter((e) => e.person === person());
  const file = { format: "samskaping-outbox", version: 1, exported_at: new Date().toISOString(),
    origin: location.origin, person: person(), items };
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: "application/json" }));
  link.download = `samskaping-utboks-${phoneDay()}.json`;
  document.body.appendChild(link);
  link.click();
  link.remove();
}

/* "Send now": says in words what came of it when the laptop could not be reached (the list shows the rest). */
async function sendNow() {
  const result = document.querySelector("[data-outbox-send-result]");
  const say = (text) => { if (result) { result.textContent = text; result.hidden = !text; } };
  say("");
  if (!mayReachLaptop()) { say(t("noConnection")); return; }
  const outcomes = Object.values(await outbox.flush({ force: true }));
  if (outcomes.some((outcome) => outcome.status === 0)) say(t("laptopNotAnswering"));
}

document.addEventListener("click", async (event) => {
  if (event.target.closest("[data-outbox-send]")) { await sendNow(); return; }
  if (event.target.closest("[data-outbox-download]")) { download(); return; }
  const item = event.target.closest("[data-entry]");
  if (!item) return;
  const entry = await outbox.get(item.dataset.entry);
  if (!entry) return render();
  if (event.target.closest("[data-outbox-delete]") && window.confirm(t("confirmDelete"))) {
    await outbox.remove(entry.id);
  } else if (event.target.closest("[data-outbox-correct]")) {
    const form = formFor(entry);
    const screen = form.closest("[data-screen]");
    if (screen) goTo(screen.dataset.screen);
    fill(form, entry.fields);
    showErrors(form, entry.errors, entry.message);
  }
});

document.addEventListener("screen:shown", (event) => { if (event.detail.name === "outbox") render(); });
window.addEventListener("outbox:changed", () => {
  if (!document.querySelector('[data-screen="outbox"]')?.hidden) render();
});

/* An outbox screen that arrives shown (a page htmx restores from its history) is drawn afresh. */
export function init(root) {
  if (within(root, '[data-screen="outbox"]').some((screen) => !screen.hidden)) render();
}
