/* What the phone does to a form, for the behaviours that save, send and correct forms: the record's
 * id, its fields, filling it in again, the server's messages beside the fields, "add another" rows
 * and the follow-up rows per school (followups.js). Not a behaviour: it listens to nothing. */
import { fillFollowups, forgetTyped, switchFollowups } from "./followups.js";
import { outbox } from "./outbox.js";
import { person, t } from "./page.js";

export { switchFollowups };

/* The record's client-made UUID (not form.elements.id: that also finds elements whose id is "id"). */
export function recordIdField(form) {
  return form.querySelector(':scope > input[name="id"]');
}

export function fieldsOf(form) {
  return Array.from(new FormData(form)).filter(([name]) => name !== "csrf_token" && name !== "action")
    .map(([name, value]) => [name, String(value)]);
}

function rowIndexes(form) {
  return Array.from(form.querySelectorAll("[data-rows] [name$='-what']"),
    (el) => Number((el.name.match(/-(\d+)-what$/) || [])[1]));
}

/* One more agreed-responsibility row, copied from the form's <template data-row-template>, whose
 * names and ids say __INDEX__ where the row's number goes. */
export function addRow(form) {
  const template = form.querySelector("template[data-row-template]");
  const rows = form.querySelector("[data-rows]");
  if (!template || !rows) return null;
  const next = String(Math.max(-1, ...rowIndexes(form)) + 1);
  const row = document.importNode(template.content.firstElementChild, true);
  for (const el of [row, ...row.querySelectorAll("*")]) {
    for (const attribute of el.attributes) {
      if (attribute.value.includes("__INDEX__")) attribute.value = attribute.value.replaceAll("__INDEX__", next);
    }
  }
  rows.appendChild(row);
  if (window.htmx) window.htmx.process(row);  // inline validation on the new fields
  return row;
}

/* Put saved fields back ([name, value] pairs, as fieldsOf gives them), with as many rows as they need. */
export function fill(form, fields) {
  const values = new Map();
  fields.forEach(([name, value]) => values.set(name, (values.get(name) || []).concat(value)));
  const wanted = fields.map(([name]) => Number((name.match(/^responsibilities-(\d+)-/) || [])[1])).filter((n) => !Number.isNaN(n));
  while (wanted.length && Math.max(...rowIndexes(form)) < Math.max(...wanted)) if (!addRow(form)) break;
  const school = form.querySelector("[data-followup-switch]");
  if (school && values.has(school.name)) { school.value = values.get(school.name)[0]; switchFollowups(form); }
  fillFollowups(form, fields);  // by the responsibility each row follows up, not by the row's number
  Array.from(form.elements).forEach((el) => {
    if (!el.name || el.name === "csrf_token" || el.disabled || el.name.startsWith("followups-")) return;
    const given = values.get(el.name);
    if (el.type === "checkbox" || el.type === "radio") el.checked = Boolean(given && given.includes(el.value));
    else if (given) el.value = given[0];
  });
}

/* The server's messages: each under its field (as the page itself draws them, one <p> per message),
 * the rest and `message` in the form's message box. */
export function showErrors(form, errors, message) {
  form.querySelectorAll(".errors").forEach((box) => box.replaceChildren());
  const box = form.querySelector("[data-form-message]");
  const loose = [];
  let first = null;
  Object.entries(errors || {}).forEach(([name, messages]) => {
    const field = form.elements[name];
    const el = field && (field.id ? field : field[0]);
    const slot = el && document.getElementById(`${el.id}-errors`);
    const lines = messages.map((m) => Object.assign(document.createElement("p"), { textContent: m }));
    if (slot) { slot.replaceChildren(...lines); first = first || el; } else loose.push(...messages);
  });
  // The field to correct may be far down a long form: take her there.
  if (first) { first.scrollIntoView({ block: "center" }); first.focus({ preventScroll: true }); }
  if (box) {
    box.textContent = [message, ...loose].filter(Boolean).join(" ");
    box.hidden = !box.textContent;
    box.classList.remove("info");  // an error unless the caller says it is news
  }
}

/* The phone's own check before anything is queued, the same rules as the server's form: each required
 * field filled in (the browser's own check stops most of those first), and of the fields the form's
 * data-one-of names (a CSS selector) at least one (a meeting is not empty), its message under the field
 * data-one-of-field names. Returns {name: [message]}: empty when all is well. */
export function ownCheck(form) {
  const errors = {};
  Array.from(form.elements).forEach((el) => {
    if (el.required && !el.disabled && el.name && !String(el.value).trim()) errors[el.name] = [t("required")];
  });
  const among = form.dataset.oneOf;
  if (among && !Array.from(form.querySelectorAll(among)).some((el) => !el.disabled && String(el.value).trim())) {
    errors[form.dataset.oneOfField] = [form.dataset.oneOfMessage];
  }
  return errors;
}

export function resetForm(form) {
  form.reset();
  const plan = form.querySelector('input[name="plan"]');
  if (plan) plan.value = "";  // a hidden field's value is its default too: reset() keeps it
  const rows = form.querySelectorAll("[data-rows] > li");
  rows.forEach((row, index) => { if (index > 0) row.remove(); });
  freshForm(form);  // the id just sent is used: the next one is a new record
  forgetTyped(form);
  switchFollowups(form);
  showErrors(form, {}, "");
}

/* Ids this phone has already sent a record under. A page shown again (from the browser's or the
 * service worker's cache, or history) still carries the id the server made when it was first
 * served: a second meeting saved from it must get its own id, not replace the first. */
const usedKey = () => `samskaping:used-ids:${person()}`;
const usedIds = () => JSON.parse(localStorage.getItem(usedKey()) || "[]");
export function markUsed(id) {
  localStorage.setItem(usedKey(), JSON.stringify(usedIds().filter((u) => u !== id).concat(id).slice(-500)));
}

// The phone's own calendar day (YYYY-MM-DD): a Norwegian phone's day, not the UTC one.
export function phoneDay(now = new Date()) {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

export function freshForm(form) {
  // A correction is of a record already sent, under its own id, and keeps the meeting's own date.
  if (form.hasAttribute("data-correction")) return;
  const field = recordIdField(form);
  if (field && usedIds().includes(field.value)) field.value = outbox.uuid4();
  // A page kept since yesterday would otherwise date today's meeting yesterday.
  const date = form.matches("[data-kind=meeting]") && form.querySelector('input[name="date"]');
  if (date) {
    date.value = phoneDay();
  }
}
