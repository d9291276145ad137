/* The meeting form's follow-up rows, school by school, on the phone itself, with or without a network.
 * The server draws the rows of the school the page was drawn for; the other schools' open
 * responsibilities come as data (the fieldset's data-followup-data, JSON: {school id: [[id, what,
 * owner · due, status], …]}). Choosing another school draws its rows from the form's <template
 * data-followup-row>, whose names say __INDEX__ where the row's number goes; the texts go in as
 * text (textContent, attribute values), never as HTML. Rows of a school left are kept aside with what
 * was typed in them, and come back if it is chosen again. Not a behaviour: forms.js and rows.js use it. */

const CHANGES = ["owner", "due", "what", "reason"];
const schoolsData = new WeakMap();  // fieldset -> {school id: [[id, what, meta, status], …]}
const setAside = new WeakMap();     // fieldset -> Map(school id -> the <li> rows drawn for it)

function rowsOf(box) {
  return Array.from(box.querySelectorAll("[data-followup-rows] > li"));
}

/* A drawn row as data (for the school the server drew: it is not in the data block). */
function readRow(row) {
  const select = row.querySelector("select");
  const chosen = select && (Array.from(select.options).find((o) => o.defaultSelected) || select.options[0]);
  return [row.querySelector("input[type=hidden]").defaultValue, row.querySelector("[data-slot=what]").textContent,
    row.querySelector("[data-slot=meta]").textContent, chosen ? chosen.value : ""];
}

function dataOf(box) {
  if (!schoolsData.has(box)) {
    let data = {};
    try {
      data = JSON.parse(box.dataset.followupData || "{}");
    } catch (_) { /* no data: only the drawn school's rows */ }
    const drawn = box.dataset.school;
    if (drawn && !Object.prototype.hasOwnProperty.call(data, drawn)) data[drawn] = rowsOf(box).map(readRow);
    schoolsData.set(box, data);
  }
  return schoolsData.get(box);
}

function drawRow(template, [id, what, meta, status], index) {
  const row = document.importNode(template.content.firstElementChild, true);
  for (const el of [row, ...row.querySelectorAll("*")]) {
    for (const attribute of el.attributes) {
      if (attribute.value.includes("__INDEX__")) attribute.value = attribute.value.replaceAll("__INDEX__", String(index));
    }
  }
  row.querySelector("input[type=hidden]").defaultValue = id;  // the value attribute: form.reset() keeps it
  row.querySelector("[data-slot=what]").textContent = what;
  row.querySelector("[data-slot=meta]").textContent = meta;
  const link = row.querySelector("[data-change-open]");
  if (link) link.setAttribute("href", link.getAttribute("href") + encodeURIComponent(id));
  const select = row.querySelector("select");
  for (const option of select.options) option.defaultSelected = option.value === status;
  select.value = status;
  return row;
}

/* Show the rows of the school the form's school field names. */
export function switchFollowups(form) {
  const school = form.querySelector("[data-followup-switch]");
  const box = form.querySelector("[data-followups]");
  if (!school || !box || box.dataset.school === school.value) return;
  const template = box.querySelector("template[data-followup-row]");
  const list = box.querySelector("[data-followup-rows]");
  if (!template || !list) return;
  const data = dataOf(box);
  const aside = setAside.get(box) || new Map();
  setAside.set(box, aside);
  aside.set(box.dataset.school, rowsOf(box));
  const rows = aside.get(school.value) || (data[school.value] || []).map((item, n) => drawRow(template, item, n));
  list.replaceChildren(...rows);
  box.dataset.school = school.value;
  box.querySelector("[data-followup-hint]").hidden = !rows.length;
  box.querySelector("[data-followup-none]").hidden = Boolean(rows.length) || !school.value;
}

/* The form was emptied (form.reset()): rows set aside hold what was typed; they go. */
export function forgetTyped(form) {
  const box = form.querySelector("[data-followups]");
  if (box) setAside.delete(box);
}

/* A row's "change who, by when or what": its link turns into the fields (from the form's <template
 * data-followup-change>, named with the row's number), in place. Returns the fields, or null. */
export function openChange(row) {
  const slot = row.querySelector("[data-change-slot]");
  const template = row.closest("[data-followups]")?.querySelector("template[data-followup-change]");
  if (!slot || !template) return null;
  if (!slot.querySelector("[data-change-open]")) return slot;  // open already
  const index = (row.querySelector("input[type=hidden]").name.match(/^followups-(\d+)-/) || [])[1];
  if (index === undefined) return null;
  const fields = document.importNode(template.content.firstElementChild, true);
  for (const el of [fields, ...fields.querySelectorAll("*")]) {
    for (const attribute of el.attributes) {
      if (attribute.value.includes("__INDEX__")) attribute.value = attribute.value.replaceAll("__INDEX__", index);
    }
  }
  slot.replaceChildren(fields);
  return slot;
}

/* Saved follow-up fields ([name, value] pairs) back into the rows of the same responsibilities. They
 * are matched by the responsibility's id, not by the row's number: the list may have changed since
 * (one closed, one added), and entries queued by an older page numbered every school's rows at once. */
export function fillFollowups(form, fields) {
  const sent = new Map();
  fields.forEach(([name, value]) => {
    const match = name.match(/^followups-(\d+)-(responsibility|status|comment|owner|due|what|reason)$/);
    if (match) sent.set(match[1], { ...sent.get(match[1]), [match[2]]: value });
  });
  const byId = new Map(Array.from(sent.values()).filter((row) => row.responsibility).map((row) => [row.responsibility, row]));
  const box = form.querySelector("[data-followups]");
  if (!box) return;
  rowsOf(box).forEach((row) => {
    const given = byId.get(row.querySelector("input[type=hidden]").value);
    if (!given) return;
    const select = row.querySelector("select");
    const comment = row.querySelector("textarea");
    if (given.status !== undefined && select) select.value = given.status;
    if (given.comment !== undefined && comment) comment.value = given.comment;
    if (!CHANGES.some((name) => given[name])) return;
    const slot = openChange(row);
    CHANGES.forEach((name) => {
      const field = slot && slot.querySelector(`[name$="-${name}"]`);
      if (field && given[name] !== undefined) field.value = given[name];
    });
  });
}
