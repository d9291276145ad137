/* Sending: a form with data-outbox is not posted by the browser or by htmx. Its content goes into
 * the outbox (outbox.js) under the record's own id and is delivered from there, so nothing is lost
 * when the laptop cannot be reached, and saving twice stores it once. What the server answers
 * decides what she sees: sent (the next page, or the day page's home screen), kept on the phone for
 * later, or refused, with the reasons beside the fields. */
import { outbox } from "./outbox.js";
import { fieldsOf, markUsed, ownCheck, recordIdField, resetForm, showErrors } from "./forms.js";
import { discard, stopSaving } from "./drafts.js";
import { goTo } from "./screens.js";
import { notice, person, t, within } from "./page.js";

const FLASH = "samskaping:flash";

// Capture: before htmx sees the submit and posts the form itself.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches("form[data-outbox]") || !person()) return;
  if (event.submitter && event.submitter.name === "action" && event.submitter.value !== "save") return;
  event.preventDefault();
  event.stopImmediatePropagation();  // htmx does not post it: the outbox does
  if (form.dataset.saving) return;   // a second tap while the first is being saved
  // What she must fix is said now, beside the fields, and nothing is queued (an empty meeting...).
  const problems = ownCheck(form);
  if (Object.keys(problems).length) { showErrors(form, problems, t("fixThis")); return; }
  const buttons = Array.from(form.querySelectorAll("button[type=submit], button:not([type])"));
  form.dataset.saving = "1";
  buttons.forEach((button) => { button.disabled = true; });
  try {
    await save(form);
  } finally {
    delete form.dataset.saving;
    buttons.forEach((button) => { button.disabled = false; });
  }
}, true);

async function save(form) {
  form.querySelector("[data-form-status]")?.remove();  // the last one's confirmation
  stopSaving();
  const id = recordIdField(form).value;
  const previous = await outbox.get(id);
  await outbox.put({
    // getAttribute: form.action would find the buttons named "action" instead.
    id, kind: form.dataset.kind, url: new URL(form.getAttribute("action"), location.href).pathname,
    person: person(), draft: form.dataset.draft,
    screen: (form.closest("[data-screen]") || {}).dataset?.screen || null,
    fields: fieldsOf(form).concat([["action", "save"]]), updated_at: new Date().toISOString(),
    created_at: previous ? previous.created_at : new Date().toISOString(),
  });
  discard(form);
  markUsed(id);
  showErrors(form, {}, t("sending"));
  const outcome = (await outbox.flush({ force: true }))[id] || { state: "queued", answer: {} };
  afterSend(form, outcome);
}

function afterSend(form, outcome) {
  const onDayPage = Boolean(form.closest("[data-screen]"));
  if (outcome.state === "refused") {
    showErrors(form, outcome.answer.errors, outcome.answer.message || t("refused"));
    return;
  }
  if (outcome.state === "sent" && !onDayPage && outcome.answer.location) {
    // Like the server's flash message after a redirect: shown once on the next page.
    sessionStorage.setItem(FLASH, outcome.answer.message || t("sent"));
    location.assign(outcome.answer.location);
    return;
  }
  // A correction keeps what she sent (the page's own defaults are the meeting as it was), and so do the
  // barometer's answers (data-keep-answers: she sees what she answered); a new record's form is emptied
  // for the next one. The day page renews its lists when the outbox is empty (day-refresh.js).
  const keeps = form.hasAttribute("data-correction") || form.hasAttribute("data-keep-answers");
  if (keeps) showErrors(form, {}, ""); else resetForm(form);
  const message = outcome.state === "sent" ? (outcome.answer.message || t("sent")) : t("queued");
  if (onDayPage) {
    notice(message, outcome.state !== "sent");
    goTo("home");  // to the top of the home screen, where the notice is
  } else {
    showErrors(form, {}, "");
    confirmBeside(form, message, outcome.state !== "sent");
  }
}

/* The confirmation where she is looking: just above the button she tapped, scrolled into view (the
 * form's own message box is at its top, out of sight at the end of a long form). */
function confirmBeside(form, message, waiting) {
  let box = form.querySelector("[data-form-status]");
  if (!box) {
    box = document.createElement("p");
    box.setAttribute("role", "status");
    box.dataset.formStatus = "";
    const buttons = form.querySelectorAll("button[type=submit], button:not([type])");
    const last = buttons[buttons.length - 1];
    if (last) last.before(box); else form.append(box);
  }
  box.className = `notice${waiting ? " waiting" : ""}`;
  box.textContent = message;
  box.scrollIntoView({ block: "center" });
}

function showPendingFlash() {
  const message = sessionStorage.getItem(FLASH);
  const main = document.getElementById("main");
  if (!message || !main) return;
  sessionStorage.removeItem(FLASH);
  const flash = document.createElement("p");
  flash.className = "flash";
  flash.setAttribute("role", "status");
  flash.textContent = message;
  main.prepend(flash);
}

/* A participant's page has arrived (loaded, or a whole page swapped in by htmx): the message of the
 * record just sent, and a try at delivering whatever waits. Not for content swapped into a page. */
export function init(root) {
  if (!person() || !within(root, "#main").length) return;
  showPendingFlash();
  outbox.flush({ force: true });
}
