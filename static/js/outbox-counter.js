/* The pending counter, under the header of every participant's page: how much waits on this phone,
 * how much needs her, and whether there is a network (and, on the day page's cards of what waits for
 * her, whether her answer is on the phone). A tap opens the outbox screen (a link to
 * /#outbox, which screens.js shows in place on the day page). */
import { outbox } from "./outbox.js";
import { mayReachLaptop, person, t, within } from "./page.js";

async function update() {
  const counter = document.querySelector("[data-outbox-counter]");
  if (!counter) return;
  const mine = (await outbox.all()).filter((e) => e.person === person());
  const refused = mine.filter((e) => e.state === "refused").length;
  const queued = mine.length - refused;
  const parts = [];
  if (queued) parts.push(t("waiting", { count: queued }));
  if (refused) parts.push(t("needsAttention", { count: refused }));
  if (!mayReachLaptop()) parts.push(t("offline"));
  counter.textContent = parts.join(" · ") || t("nothingQueued");
  counter.classList.toggle("pending", queued > 0);
  counter.classList.toggle("attention", refused > 0);
  // What waits for her on the day page (the charter, the barometer) says so when her answer is on the phone.
  document.querySelectorAll("[data-waiting-kind]").forEach((note) => {
    note.hidden = !mine.some((e) => e.state === "queued" && e.kind === note.dataset.waitingKind);
  });
}

window.addEventListener("outbox:changed", update);
window.addEventListener("online", update);
window.addEventListener("offline", update);

export function init(root) {
  if (person() && within(root, "[data-outbox-counter], [data-waiting-kind]").length) update();
}
