/* Drafts: every form with data-draft keeps what was typed on this phone (localStorage, per person),
 * so a reload, a crash or a flat battery loses nothing; the form's page brings it back. A draft ends
 * when its content is safe in the outbox (sending.js). */
import { fieldsOf, fill, freshForm } from "./forms.js";
import { person, t, within } from "./page.js";

let saveTimer = null;

function draftKey(form) {
  return form.dataset.draft ? `samskaping:draft:${person()}:${form.dataset.draft}` : null;
}

document.addEventListener("input", (event) => {
  const form = event.target.form;
  if (!form || !draftKey(form)) return;
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => localStorage.setItem(draftKey(form),
    JSON.stringify({ fields: fieldsOf(form), saved_at: new Date().toISOString() })), 300);
});
// Selects, checkboxes and dates do not always say "input": a change is typing too.
document.addEventListener("change", (event) => {
  event.target.dispatchEvent(new Event("input", { bubbles: true }));
});

/* The form is being sent: a save still waiting must not bring it back as a draft afterwards. */
export function stopSaving() {
  clearTimeout(saveTimer);
}

/* Its content is safe in the outbox now: the draft slot is free for the next one. */
export function discard(form) {
  if (draftKey(form)) localStorage.removeItem(draftKey(form));
}

function restore(form) {
  const saved = localStorage.getItem(draftKey(form));
  if (!saved) { freshForm(form); return; }
  try { fill(form, JSON.parse(saved).fields); } catch (_) { return; }
  const box = form.querySelector("[data-form-message]");
  if (box && box.hidden) { box.textContent = t("draftRestored"); box.hidden = false; box.classList.add("info"); }
}

export function init(root) {
  if (!person()) return;
  within(root, "form[data-draft]").forEach(restore);
}
