/* The meeting form's moving parts, on the phone itself, with or without a network: "add another
 * responsibility" adds a row there and then (without JavaScript it is a round trip to the server),
 * and choosing the school shows that school's open responsibilities to follow up. */
import { addRow, switchFollowups } from "./forms.js";
import { openChange } from "./followups.js";
import { within } from "./page.js";

// Capture: before htmx sees the click and posts the form for a row.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-row]");
  if (!button || !addRow(button.form)) return;
  event.preventDefault();
  event.stopImmediatePropagation();
}, true);

// A follow-up row's "change who, by when or what": the fields in place, not the responsibility's page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-followups] [data-change-open]");
  if (!link) return;
  const slot = openChange(link.closest("li"));
  if (!slot) return;  // no template: the link goes to the responsibility's page
  event.preventDefault();
  slot.querySelector("select, input")?.focus();
}, true);

document.addEventListener("change", (event) => {
  if (event.target.matches("[data-followup-switch]")) switchFollowups(event.target.form);
});

/* The browser may have put back another school than the page was drawn with (a reload keeps what
 * was chosen): show the groups that belong to the school shown. */
export function init(root) {
  within(root, "form").forEach(switchFollowups);
}
