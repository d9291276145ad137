/* Is the laptop back? While something waits in the outbox and the last try found nobody there, ask the
 * laptop a tiny question every few seconds (GET /healthz, never cached, given up after a moment), and
 * send everything at once when it answers: what was saved while it was away arrives within seconds of
 * its return, not after the outbox's back-off (up to five minutes). Only after a long absence does the
 * asking slow down, gently, to once every 30 s at most. A page brought back into view sends at once.
 * A hidden page does not ask (the browser holds its timers back anyway); it sends when shown again. */
import { outbox } from "./outbox.js";
import { mayReachLaptop, person } from "./page.js";

const EVERY_MS = 3000;
const PATIENT_FOR_MS = 5 * 60 * 1000;  // asked every 3 s for the first five minutes of absence,
const SLOWER = 1.25;                    // then each wait a quarter longer than the last,
const AT_MOST_MS = 30000;               // up to 30 s
const ANSWER_WITHIN_MS = 2500;

let absentSince = null;
let wait = EVERY_MS;
let timer = null;

async function waiting() {
  try {
    return (await outbox.all()).some((e) => e.state === "queued" && e.person === person());
  } catch (_) { return false; }
}

async function laptopAnswers() {
  const controller = new AbortController();
  const giveUp = setTimeout(() => controller.abort(), ANSWER_WITHIN_MS);
  try {
    const response = await fetch("/healthz", { cache: "no-store", credentials: "omit", signal: controller.signal });
    return response.ok;
  } catch (_) {
    return false;
  } finally {
    clearTimeout(giveUp);
  }
}

function plan() {
  clearTimeout(timer);
  const absent = Date.now() - absentSince;
  wait = absent < PATIENT_FOR_MS ? EVERY_MS : Math.min(AT_MOST_MS, Math.round(wait * SLOWER));
  timer = setTimeout(ask, wait);
}

async function ask() {
  timer = null;
  if (!(await waiting())) { absentSince = null; return; }
  if (document.visibilityState !== "visible" || !mayReachLaptop()) { plan(); return; }  // `online`/shown send
  if (await laptopAnswers()) {
    absentSince = null;
    outbox.flush({ force: true });  // a failure there starts the asking again (below)
  } else {
    plan();
  }
}

/* A try found nobody (status 0: no network, refused, timed out): start asking, unless already. */
window.addEventListener("outbox:changed", (event) => {
  const detail = event.detail || {};
  if (detail.state !== "queued" || detail.status !== 0) return;
  if (absentSince === null) { absentSince = Date.now(); wait = EVERY_MS; }
  if (!timer) plan();
});

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") outbox.flush({ force: true });
});

/* Nothing to do for content as it arrives: the asking is for the page as a whole. */
export function init() {}
