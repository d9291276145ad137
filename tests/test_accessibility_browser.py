"""Every page a leader and a participant can reach in the demo project, audited in a real browser at 360 px
and at 1280 px: axe-core (tests/vendor/axe-core, MPL-2.0) finds no serious or critical violation, no page
scrolls sideways, and no id is used twice on a page. Nor any of these moderate faults: content outside every
landmark (axe "region"), a page without an h1 ("page-has-heading-one"), a skipped heading level
("heading-order"), and a tap target under 44 px high.

What counts as a tap target: a visible button, summary, a.button, any link in a nav, a header, a card or an
.actions row, and a link that stands alone in its block (its parent holds no other text: a <dd>, a <td>, a
list item, a paragraph). A link inside a sentence is running text and is left to the text's own line height.

The pages are found as a user finds them: by following the links of every page from the start page, same
origin, GET only; pages of the same kind (a meeting, a person...) are audited twice at most."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from browser_support import (
    HOST_NAME,
    LAUNCH_ARGS,
    LEADER_PASSWORD,
    PHONE,
    REPO_ROOT,
    free_port,
    stop_server,
    wait_for_health,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = (360, 1280)
SAME_KIND = 2          # pages of one kind audited (two meetings, two people...)
MOST_PAGES = 120       # per visitor: a bound on the crawl, far above what the demo has
FAILING = ("serious", "critical")
ALSO_FAILING = ("region", "page-has-heading-one", "heading-order")  # moderate, but named by the issue (12)
TAP = 44
# Links that change something or are not pages: leaving, switching language, files, the service worker.
NOT_PAGES = re.compile(r"^/(leader/logout|logout|language/|static/|sw\.js|healthz|join/|manifest)"
                       r"|\.(ics|csv|json|zip|svg|png|pdf|xlsx|html)$|/download|/export/file")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

PAGE_FACTS = """() => {
  const ids = {};
  document.querySelectorAll('[id]').forEach((el) => { ids[el.id] = (ids[el.id] || 0) + 1; });
  return {
    width: document.documentElement.scrollWidth,
    duplicates: Object.entries(ids).filter(([, n]) => n > 1).map(([id]) => id),
    links: Array.from(document.querySelectorAll('a[href]:not([download])')).map((a) => a.href),
  };
}"""
SMALL_TARGETS = """(least) => {
  const chosen = 'button, summary, a.button, nav a, header a, .card a, .actions a';
  const visible = (el) => el.checkVisibility({visibilityProperty: true}) && el.getBoundingClientRect().height > 0;
  const alone = (a) => a.parentElement && a.parentElement.textContent.trim() === a.textContent.trim()
    && !['SPAN', 'STRONG', 'EM', 'LABEL'].includes(a.parentElement.tagName);
  const targets = [...document.querySelectorAll(chosen), ...[...document.querySelectorAll('a[href]')].filter(alone)];
  return [...new Set(targets)].filter((el) => visible(el) && !el.closest('.visually-hidden')
      && el.getBoundingClientRect().height < least)
    .slice(0, 4).map((el) => `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}"`
      + ` ${Math.round(el.getBoundingClientRect().height)} px`);
}"""
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' '))}));
}"""


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """`python app.py --demo` on a fresh folder, with the leader's password set, one participant's link and a
    merge conflict to decide."""
    folder = tmp_path_factory.mktemp("demo")
    data_dir, log, port = folder / "data", folder / "server.log", free_port()
    prepare = (
        "import sys\n"
        "from samskaping import create_app\n"
        "from samskaping.commands.demo import fill_demo\n"
        "from samskaping.leader.auth import join_token, set_leader_password\n"
        "from samskaping.web.db import close_store, get_store\n"
        "app = create_app({'DATA_DIR': sys.argv[1]})\n"
        "with app.app_context():\n"
        "    store = get_store()\n"
        "    fill_demo(store)\n"
        "    school = store.find('schools')[0]\n"  # a merge conflict, so that its page shows one
        "    store.create('conflicts', {'table': 'schools', 'record_id': school['id'], 'kept': school,\n"
        "                               'lost': {**school, 'name': school['name'] + ' (eldre)'},\n"
        "                               'source': 'sync:another-laptop', 'resolved': False})\n"
        "    set_leader_password(sys.argv[2])\n"
        "    person = next(p for p in store.find('people') if p['name'] == 'Lars Bakken')\n"
        "    print(f'/join/{join_token(person)}')\n"
        "close_store(app)\n")
    join_path = subprocess.run([sys.executable, "-c", prepare, str(data_dir), LEADER_PASSWORD], cwd=REPO_ROOT,
                               check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port), "--data", str(data_dir)],
            cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_for_health(port, process, log)
        yield f"http://{HOST_NAME}:{port}", join_path
    finally:
        if process.poll() is None:
            stop_server(process, log)


@pytest.fixture(scope="module")
def browser(chromium):
    """The run's one Chromium (a second Playwright in the same run cannot start while the first lives)."""
    return chromium


def visitor(browser, base: str, width: int, who: str, join_path: str):
    """A browser context at `width` px signed in as the leader or joined as a participant. The page's own
    Content-Security-Policy would refuse axe's script: bypassed for the audit only."""
    options = {**PHONE} if width < 600 else {"viewport": {"width": width, "height": 900}, "locale": "nb-NO",
                                             "timezone_id": "Europe/Oslo"}
    context = browser.new_context(**options, bypass_csp=True)
    context.set_default_timeout(10_000)
    context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname == HOST_NAME
                  else route.abort())
    page = context.new_page()
    if who == "leader":
        page.goto(base + "/leader/login")
        page.get_by_label("Passord").fill(LEADER_PASSWORD)
        page.get_by_role("button", name=re.compile("Logg inn")).click()
        page.wait_for_url(re.compile(r"/leader/?$"))
    else:
        page.goto(base + join_path)
        page.get_by_role("button", name="Koble til denne telefonen").click()
        page.wait_for_url(re.compile(r"/$"))
    return context, page


def kind_of(path: str) -> str:
    return UUID.sub("{id}", path.split("?")[0])


def audit(page, base: str, width: int) -> tuple[list[str], dict[str, str]]:
    """Crawl from the start page; (pages audited, {page: what is wrong})."""
    seen_kinds: dict[str, int] = {}
    queue, queued, audited, faults = deque(["/"]), {"/"}, [], {}
    while queue and len(audited) < MOST_PAGES:
        path = queue.popleft()
        response = page.goto(base + path)
        if response is None or response.status >= 400 or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        audited.append(path)
        facts = page.evaluate(PAGE_FACTS)
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        violations = [v for v in page.evaluate(RUN_AXE) if v["impact"] in FAILING or v["id"] in ALSO_FAILING]
        problems = [f"axe {v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'])}" for v in violations]
        if small := page.evaluate(SMALL_TARGETS, TAP):
            problems.append(f"tap targets under {TAP} px: {', '.join(small)}")
        if facts["width"] > width:
            problems.append(f"{facts['width']} px wide on a {width} px screen")
        if facts["duplicates"]:
            problems.append(f"ids used twice: {', '.join(facts['duplicates'][:5])}")
        if problems:
            faults[path] = "; ".join(problems)
        for href in facts["links"]:
            url, _fragment = urldefrag(href)
            parts = urlsplit(url)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.hostname != HOST_NAME or target in queued or NOT_PAGES.search(parts.path):
                continue
            kind = kind_of(target)
            if seen_kinds.get(kind, 0) >= SAME_KIND:
                continue
            seen_kinds[kind] = seen_kinds.get(kind, 0) + 1
            queued.add(target)
            queue.append(target)
    return audited, faults


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("who", ["participant", "leader"])
def test_every_page_passes_the_accessibility_audit(demo_server, browser, who, width):
    base, join_path = demo_server
    context, page = visitor(browser, base, width, who, join_path)
    try:
        audited, faults = audit(page, base, width)
    finally:
        context.close()
    print(f"{who} at {width} px: {len(audited)} pages audited, {len(faults)} with faults")
    assert len(audited) >= (20 if who == "leader" else 10), audited  # the crawl reached the app's pages
    assert not faults, f"{len(faults)} of {len(audited)} pages fail:\n" + "\n".join(
        f"{path}: {problem}" for path, problem in sorted(faults.items()))
