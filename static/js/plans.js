/* Planned meetings on the phone. On the day page, "Write the minutes" of a plan fills the meeting screen
 * from the plan's data, which the link carries (data-plan-meeting: id, date, school, type, attendees,
 * agenda), so it works with no network: the school's open responsibilities for follow-up come with it,
 * as for any school chosen (followups.js). The plan's id goes in the form's hidden `plan` field, and the
 * server marks the plan once those minutes arrive. Elsewhere, and without JavaScript, the link opens the
 * meeting form the server fills from the plan. On the plan form, choosing another school puts in that
 * school's suggested agenda (data-agendas), as long as the agenda is still the one suggested. */
import { fill, resetForm } from "./forms.js";
import { goTo } from "./screens.js";

function meetingForm() {
  return document.querySelector('[data-screen="meeting"] form[data-kind="meeting"]');
}

/* The meeting form started from a plan; one already started from it keeps what she has typed. */
export function startFromPlan(form, plan) {
  const field = form.querySelector('input[name="plan"]');
  if (!field || field.value === plan.id) return;
  resetForm(form);
  fill(form, [["plan", plan.id], ["date", plan.date], ["school", plan.school], ["type", plan.type],
    ["agenda", plan.agenda], ...plan.attendees.map((person) => ["attendees", person])]);
  // The draft keeps it (drafts.js saves on input), so a reload finds the meeting as started.
  form.querySelector('[name="agenda"]').dispatchEvent(new Event("input", { bubbles: true }));
}

// Capture: before htmx sees the click and fetches the link as a page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-plan-meeting]");
  const form = link && meetingForm();
  if (!form) return;  // not the day page: an ordinary link
  let plan;
  try { plan = JSON.parse(link.dataset.planMeeting); } catch (_) { return; }
  event.preventDefault();
  event.stopImmediatePropagation();
  startFromPlan(form, plan);
  goTo("meeting");
}, true);

/* The plan form's school changed: its suggested agenda, unless she has written her own. */
document.addEventListener("change", (event) => {
  const school = event.target.closest("[data-agenda-switch]");
  const form = school && school.form;
  if (!form || !form.dataset.agendas) return;
  let agendas;
  try { agendas = JSON.parse(form.dataset.agendas); } catch (_) { return; }
  const agenda = form.querySelector('[name="agenda"]');
  const suggested = Object.values(agendas).concat("");
  if (agenda && suggested.includes(agenda.value.trim())) agenda.value = agendas[school.value] || "";
});

export function init() {}
