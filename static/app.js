/* Samskaping on the phone: screens of the day page, drafts, sending forms through the outbox,
 * "add another" rows, the pending counter and the outbox screen. Plain JS, no build step.
 * Every page also works without it: forms post normally and links lead to ordinary pages. */
(function () {
  "use strict";

  const Outbox = window.SamskapingOutbox;
  const text = () => JSON.parse((document.querySelector("[data-client-text]") || { dataset: {} }).dataset.clientText || "{}");
  const t = (key, values) => (text()[key] || key).replace(/%\((\w+)\)s/g, (_, name) => (values || {})[name] ?? "");
  const person = () => (document.querySelector("[data-person]") || { dataset: {} }).dataset.person || "";
  const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const when = (iso) => new Date(iso).toLocaleString(document.documentElement.lang === "nb" ? "nb-NO" : "en-GB",
    { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" });

  /* ---- Screens of the day page ------------------------------------------------------------- */

  function showScreen(name) {
    const screens = document.querySelectorAll("[data-screen]");
    if (!Array.from(screens).some((s) => s.dataset.screen === name)) return false;
    screens.forEach((s) => { s.hidden = s.dataset.screen !== name; });
    document.querySelectorAll(".flash").forEach((f) => f.remove());  // yesterday's news on another screen
    window.scrollTo(0, 0);
    if (name === "outbox") renderOutbox();
    return true;
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-to-screen]");
    if (!link || !showScreen(link.dataset.toScreen)) return;  // no such screen here: an ordinary link
    event.preventDefault();
    event.stopImmediatePropagation();  // not a page load (htmx would fetch it)
    const name = link.dataset.toScreen;
    history.pushState({ screen: name }, "", name === "home" ? location.pathname : `#${name}`);
  }, true);

  window.addEventListener("popstate", () => showScreen(location.hash.slice(1) || "home"));

  /* ---- Form helpers ------------------------------------------------------------------------ */

  /* The record's client-made UUID (not form.elements.id: that also finds elements whose id is "id"). */
  function recordIdField(form) {
    return form.querySelector(':scope > input[name="id"]');
  }

  function draftKey(form) {
    return form.dataset.draft ? `samskaping:draft:${person()}:${form.dataset.draft}` : null;
  }

  function fieldsOf(form) {
    return Array.from(new FormData(form)).filter(([name]) => name !== "csrf_token" && name !== "action")
      .map(([name, value]) => [name, String(value)]);
  }

  function rowIndexes(form) {
    return Array.from(form.querySelectorAll("[data-rows] [name$='-what']"),
      (el) => Number((el.name.match(/-(\d+)-what$/) || [])[1]));
  }

  function addRow(form) {
    const template = form.querySelector("template[data-row-template]");
    const rows = form.querySelector("[data-rows]");
    if (!template || !rows) return null;
    const next = Math.max(-1, ...rowIndexes(form)) + 1;
    const holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replaceAll("__INDEX__", String(next));
    const row = holder.firstElementChild;
    rows.appendChild(row);
    if (window.htmx) window.htmx.process(row);  // inline validation on the new fields
    return row;
  }

  function switchFollowups(form) {
    const school = form.querySelector("[data-followup-switch]");
    if (!school) return;
    form.querySelectorAll(".followup-group").forEach((group) => {
      const chosen = group.dataset.school === school.value;
      group.hidden = !chosen;
      group.disabled = !chosen;  // a disabled fieldset's fields are not sent
    });
  }

  function fill(form, fields) {
    const values = new Map();
    fields.forEach(([name, value]) => values.set(name, (values.get(name) || []).concat(value)));
    const wanted = fields.map(([name]) => Number((name.match(/^responsibilities-(\d+)-/) || [])[1])).filter((n) => !Number.isNaN(n));
    while (wanted.length && Math.max(...rowIndexes(form)) < Math.max(...wanted)) if (!addRow(form)) break;
    const school = form.querySelector("[data-followup-switch]");
    if (school && values.has(school.name)) { school.value = values.get(school.name)[0]; switchFollowups(form); }
    Array.from(form.elements).forEach((el) => {
      if (!el.name || el.name === "csrf_token" || el.disabled) return;
      const given = values.get(el.name);
      if (el.type === "checkbox" || el.type === "radio") el.checked = Boolean(given && given.includes(el.value));
      else if (given) el.value = given[0];
    });
  }

  function showErrors(form, errors, message) {
    form.querySelectorAll(".errors").forEach((box) => { box.innerHTML = ""; });
    const box = form.querySelector("[data-form-message]");
    const loose = [];
    let first = null;
    Object.entries(errors || {}).forEach(([name, messages]) => {
      const field = form.elements[name];
      const el = field && (field.id ? field : field[0]);
      const slot = el && document.getElementById(`${el.id}-errors`);
      const html = messages.map((m) => `<p>${escapeHtml(m)}</p>`).join("");
      if (slot) { slot.innerHTML = html; first = first || el; } else loose.push(...messages);
    });
    // The field to correct may be far down a long form: take her there.
    if (first) { first.scrollIntoView({ block: "center" }); first.focus({ preventScroll: true }); }
    if (box) {
      box.textContent = [message, ...loose].filter(Boolean).join(" ");
      box.hidden = !box.textContent;
      box.classList.remove("info");  // an error unless the caller says it is news
    }
  }

  function resetForm(form) {
    form.reset();
    const rows = form.querySelectorAll("[data-rows] > li");
    rows.forEach((row, index) => { if (index > 0) row.remove(); });
    freshForm(form);  // the id just sent is used: the next one is a new record
    switchFollowups(form);
    showErrors(form, {}, "");
  }

  function notice(message, waiting) {
    const box = document.querySelector("[data-notice]");
    if (box) { box.textContent = message; box.hidden = !message; box.classList.toggle("waiting", Boolean(waiting)); }
  }

  /* ---- Drafts: every form keeps what was typed, per person, until it is safely stored ---------- */

  let draftTimer = null;
  document.addEventListener("input", (event) => {
    const form = event.target.form;
    if (!form || !draftKey(form)) return;
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => localStorage.setItem(draftKey(form),
      JSON.stringify({ fields: fieldsOf(form), saved_at: new Date().toISOString() })), 300);
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-followup-switch]")) switchFollowups(event.target.form);
    event.target.dispatchEvent(new Event("input", { bubbles: true }));
  });

  /* Ids this phone has already sent a record under. A page shown again (from the browser's or the
   * service worker's cache, or history) still carries the id the server made when it was first
   * served: a second meeting saved from it must get its own id, not replace the first. */
  const usedKey = () => `samskaping:used-ids:${person()}`;
  const usedIds = () => JSON.parse(localStorage.getItem(usedKey()) || "[]");
  function markUsed(id) {
    localStorage.setItem(usedKey(), JSON.stringify(usedIds().filter((u) => u !== id).concat(id).slice(-500)));
  }

  // The phone's own calendar day (YYYY-MM-DD): a Norwegian phone's day, not the UTC one.
  function phoneDay(now = new Date()) {
    return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
  }

  function freshForm(form) {
    const field = recordIdField(form);
    if (field && usedIds().includes(field.value)) field.value = Outbox.uuid4();
    // A page kept since yesterday would otherwise date today's meeting yesterday.
    const date = form.matches("[data-kind=meeting]") && form.querySelector('input[name="date"]');
    if (date) {
      date.value = phoneDay();
    }
  }

  function restoreDrafts() {
    document.querySelectorAll("form[data-draft]").forEach((form) => {
      const saved = localStorage.getItem(draftKey(form));
      switchFollowups(form);
      if (!saved) { freshForm(form); return; }
      try { fill(form, JSON.parse(saved).fields); } catch (_) { return; }
      const box = form.querySelector("[data-form-message]");
      if (box && box.hidden) { box.textContent = t("draftRestored"); box.hidden = false; box.classList.add("info"); }
    });
  }

  /* ---- Sending: through the outbox, so nothing is lost if the laptop cannot be reached ------- */

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-add-row]");
    if (!button || !addRow(button.form)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.matches("form[data-outbox]") || !Outbox || !person()) return;
    if (event.submitter && event.submitter.name === "action" && event.submitter.value !== "save") return;
    event.preventDefault();
    event.stopImmediatePropagation();  // htmx does not post it: the outbox does
    clearTimeout(draftTimer);  // a pending draft save must not bring the sent form back as a draft
    const id = recordIdField(form).value;
    const previous = await Outbox.get(id);
    await Outbox.put({
      // getAttribute: form.action would find the buttons named "action" instead.
      id, kind: form.dataset.kind, url: new URL(form.getAttribute("action"), location.href).pathname,
      person: person(), draft: form.dataset.draft,
      screen: (form.closest("[data-screen]") || {}).dataset?.screen || null,
      fields: fieldsOf(form).concat([["action", "save"]]), updated_at: new Date().toISOString(),
      created_at: previous ? previous.created_at : new Date().toISOString(),
    });
    // The content is safe in the outbox now; the draft slot is free for the next one.
    if (draftKey(form)) localStorage.removeItem(draftKey(form));
    markUsed(id);
    showErrors(form, {}, t("sending"));
    const outcome = (await Outbox.flush({ force: true }))[id] || { state: "queued", answer: {} };
    afterSend(form, outcome);
  }, true);

  function afterSend(form, outcome) {
    const onDayPage = Boolean(form.closest("[data-screen]"));
    if (outcome.state === "refused") {
      showErrors(form, outcome.answer.errors, outcome.answer.message || t("refused"));
      return;
    }
    if (outcome.state === "sent" && !onDayPage && outcome.answer.location) {
      // Like the server's flash message after a redirect: shown once on the next page.
      sessionStorage.setItem("samskaping:flash", outcome.answer.message || t("sent"));
      location.assign(outcome.answer.location);
      return;
    }
    resetForm(form);
    const message = outcome.state === "sent" ? (outcome.answer.message || t("sent")) : t("queued");
    if (onDayPage) {
      notice(message, outcome.state !== "sent");
      showScreen("home");
      history.pushState({ screen: "home" }, "", location.pathname);
      if (outcome.state === "sent") refreshLists();
    } else {
      showErrors(form, {}, message);
      form.querySelector("[data-form-message]").classList.add("info");
    }
  }

  /* The day page carries its lists (people, schools, my responsibilities); bring it up to date when
   * the laptop answers. On the home screen the whole page is renewed (drafts bring back anything
   * typed); inside a form only the lists on the home screen are, so nothing moves under the user. */
  let refreshes = 0;
  async function refreshLists() {
    const mine = ++refreshes;  // only the newest of overlapping refreshes is applied
    if (!document.querySelector('[data-screen="home"]')) return;
    try {
      const response = await fetch("/", { credentials: "same-origin" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      // Looked up now, not before the fetch: the page may have changed (or been renewed) meanwhile.
      const main = document.getElementById("main");
      const home = document.querySelector('[data-screen="home"]');
      if (mine !== refreshes || !main || !home) return;
      const message = document.querySelector("[data-notice]")?.textContent || "";
      if (!home.hidden && fresh.getElementById("main")) {
        main.innerHTML = fresh.getElementById("main").innerHTML;
        if (window.htmx) window.htmx.process(main);
        restoreDrafts();
        notice(message);
      } else if (fresh.getElementById("day-lists")) {
        document.getElementById("day-lists").innerHTML = fresh.getElementById("day-lists").innerHTML;
      }
    } catch (_) { /* still offline: keep what we have */ }
  }

  /* ---- Pending counter and the outbox screen ------------------------------------------------ */

  async function updateCounter() {
    const counter = document.querySelector("[data-outbox-counter]");
    if (!counter || !Outbox) return;
    const mine = (await Outbox.all()).filter((e) => e.person === person());
    const refused = mine.filter((e) => e.state === "refused").length;
    const queued = mine.length - refused;
    const parts = [];
    if (queued) parts.push(t("waiting", { count: queued }));
    if (refused) parts.push(t("needsAttention", { count: refused }));
    if (!navigator.onLine) parts.push(t("offline"));
    counter.textContent = parts.join(" · ") || t("nothingQueued");
    counter.classList.toggle("pending", queued > 0);
    counter.classList.toggle("attention", refused > 0);
  }

  function summary(entry) {
    const form = formFor(entry);
    const value = (name) => (entry.fields.find(([n]) => n === name) || [])[1] || "";
    const label = (name) => {
      const select = form && form.elements[name];
      const option = select && select.options && Array.from(select.options).find((o) => o.value === value(name));
      return option ? option.textContent : "";
    };
    if (entry.kind === "meeting") {
      const date = value("date").split("-").reverse().join(".");  // dd.mm.yyyy
      return [date, label("school")].filter(Boolean).join(" · ");
    }
    if (entry.kind === "feedback") return label("to");
    const heading = document.querySelector(`[data-screen="${entry.screen}"] h1`);
    return heading ? heading.textContent : "";
  }

  function formFor(entry) {
    const screen = entry.screen && document.querySelector(`[data-screen="${entry.screen}"]`);
    return (screen && screen.querySelector("form[data-outbox]"))
      || document.querySelector(`form[data-outbox][data-draft="${entry.draft}"]`);
  }

  async function renderOutbox() {
    const list = document.querySelector("[data-outbox-list]");
    if (!list || !Outbox) return;
    const entries = (await Outbox.all()).filter((e) => e.person === person())
      .sort((a, b) => a.created_at.localeCompare(b.created_at));
    list.innerHTML = entries.map((e) => `
      <li class="card outbox-item ${e.state}" data-entry="${escapeHtml(e.id)}">
        <div>
          <strong>${escapeHtml(t(`kind.${e.kind}`))}</strong> <span class="badge">${escapeHtml(t(`state.${e.state}`))}</span><br>
          <span class="meta">${escapeHtml(summary(e))}</span><br>
          <span class="meta">${escapeHtml(t("savedAt", { when: when(e.created_at) }))}${e.last_try ? " · " + escapeHtml(t("lastTry", { when: when(e.last_try) })) : ""}</span>
          ${e.state === "refused" ? `<p class="error-box">${escapeHtml([e.message, ...Object.values(e.errors || {}).flat()].filter(Boolean).join(" "))}</p>` : ""}
          <div class="actions">
            ${e.state === "refused" && formFor(e) ? `<button type="button" class="primary" data-outbox-correct>${escapeHtml(t("correct"))}</button>` : ""}
            <button type="button" class="danger" data-outbox-delete>${escapeHtml(t("delete"))}</button>
          </div>
        </div>
      </li>`).join("");
    const empty = document.querySelector("[data-outbox-empty]");
    if (empty) empty.hidden = entries.length > 0;
  }

  document.addEventListener("click", async (event) => {
    const item = event.target.closest("[data-entry]");
    if (event.target.closest("[data-outbox-send]")) { await Outbox.flush({ force: true }); return; }
    if (event.target.closest("[data-outbox-download]")) { download(); return; }
    if (!item) return;
    const entry = await Outbox.get(item.dataset.entry);
    if (!entry) return renderOutbox();
    if (event.target.closest("[data-outbox-delete]") && window.confirm(t("confirmDelete"))) {
      await Outbox.remove(entry.id);
    } else if (event.target.closest("[data-outbox-correct]")) {
      const form = formFor(entry);
      const screen = form.closest("[data-screen]");
      if (screen) { showScreen(screen.dataset.screen); history.pushState({ screen: screen.dataset.screen }, "", `#${screen.dataset.screen}`); }
      fill(form, entry.fields);
      showErrors(form, entry.errors, entry.message);
    }
  });

  async function download() {
    const items = (await Outbox.all()).filter((e) => e.person === person());
    const file = { format: "samskaping-outbox", version: 1, exported_at: new Date().toISOString(),
      origin: location.origin, person: person(), items };
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: "application/json" }));
    link.download = `samskaping-utboks-${phoneDay()}.json`;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  /* ---- Start (also after htmx swaps in a new page) ------------------------------------------ */

  function showPendingFlash() {
    const message = sessionStorage.getItem("samskaping:flash");
    const main = document.getElementById("main");
    if (!message || !main) return;
    sessionStorage.removeItem("samskaping:flash");
    const flash = document.createElement("p");
    flash.className = "flash";
    flash.setAttribute("role", "status");
    flash.textContent = message;
    main.prepend(flash);
  }

  function start() {
    if (!Outbox || !person()) return;
    showPendingFlash();
    restoreDrafts();
    if (location.hash) showScreen(location.hash.slice(1));
    updateCounter();
    Outbox.flush({ force: true });
  }

  // Inline validation asks the laptop; with no network there is nobody to ask (the form is checked
  // again when it is delivered), so do not try and fill the console with errors.
  document.addEventListener("htmx:beforeRequest", (event) => { if (!navigator.onLine) event.preventDefault(); });

  window.addEventListener("outbox:changed", () => { updateCounter(); if (!document.querySelector('[data-screen="outbox"]')?.hidden) renderOutbox(); });
  window.addEventListener("online", () => { updateCounter(); refreshLists(); });
  setInterval(() => { if (navigator.onLine && document.visibilityState === "visible") refreshLists(); }, 10 * 60 * 1000);
  window.addEventListener("offline", updateCounter);
  document.addEventListener("htmx:afterSettle", (event) => { if (event.detail.elt === document.body) start(); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
