/* Samskaping on the phone starts here: a few small behaviours, one module each under static/js/.
 *
 * A behaviour listens on the document or the window at its top level, which runs once per page
 * load however often htmx swaps content in, and exports init(root) for what it must do to content as
 * it arrives: the whole document at load, then every element htmx swaps in (htmx:load), whether a
 * page reached by a boosted link or the day page's renewed lists. Pages work without any of this:
 * forms post normally and links lead to ordinary pages.
 *
 * ES modules, not classic scripts: each file says what it uses (no globals to load in the right
 * order), and they work on plain http too. They are deferred like the old scripts: they run once the
 * page is parsed, after htmx, and every one is fetched at load (no import on demand), so an app
 * update mid-day never mixes versions in an open page. */
import * as sending from "./sending.js";
import * as rows from "./rows.js";
import * as drafts from "./drafts.js";
import * as outboxScreen from "./outbox-screen.js";
import * as screens from "./screens.js";
import * as outboxCounter from "./outbox-counter.js";
import * as dayRefresh from "./day-refresh.js";
import * as offlineRequests from "./offline-requests.js";
import * as plans from "./plans.js";
import * as print from "./print.js";
import * as offlineLinks from "./offline-links.js";
import * as probe from "./probe.js";

// The order the page has always started in: the message of a record just sent first (a screen named
// in the address clears it, as every change of screen does), and the outbox screen drawn when it is
// shown, not once before.
const behaviours = [sending, rows, drafts, outboxScreen, screens, outboxCounter, dayRefresh, offlineRequests, plans, print, offlineLinks, probe];

function start(root) {
  for (const behaviour of behaviours) {
    try { behaviour.init(root); } catch (error) { console.error(error); }  // the others still start
  }
}

// htmx's own first htmx:load is on <body>, once it has started: the document is started already.
document.addEventListener("htmx:load", (event) => { if (event.target !== document.body) start(event.target); });
start(document);
