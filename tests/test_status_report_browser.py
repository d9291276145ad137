"""The status report on paper: the leader's page printed by Chromium to an A4 PDF (print media), looked at
page by page with poppler (pdftotext, pdftoppm): every page has content, and no table row is cut by a page
break. The page and its style sheets are the app's own answers (its test client, the leader signed in),
handed to the browser as if from the laptop."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from browser_support import HOST_NAME

from samskaping.commands.demo import fill_demo
from samskaping.store.clock import local_today
from samskaping.web.db import get_store

pytestmark = pytest.mark.browser

A4_WIDTH_PX = 794  # 210 mm at 96 px per inch: the width print media lays the page out for
# Each cell of each table's body row gets a tiny marker at its end; a row is whole on one page when all of its
# markers are found on the same page of the PDF. (A header row is repeated on every page a table runs over, on
# purpose, so it is not marked.)
MARK_ROWS = """() => {
  const rows = [...document.querySelectorAll('main table tbody tr')];
  rows.forEach((row, r) => [...row.cells].forEach((cell, c) => {
    const mark = document.createElement('span');
    mark.textContent = ` QROW${r}Q${c}Q`;
    mark.style.fontSize = '2px';
    cell.append(mark);
  }));
  return rows.map((row) => row.cells.length);
}"""


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    assert found, f"{tool} is missing: install poppler-utils (apt-get install poppler-utils; .ci/run does)"
    return found


def served_by(client):
    """A Playwright route handler answering every request with the app's own answer (GET only)."""
    def handle(route):
        parts = urlsplit(route.request.url)
        if parts.hostname != HOST_NAME or route.request.method != "GET":
            return route.abort()
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        body = response.get_data()
        response.close()  # a static file's answer holds the file open until closed
        route.fulfill(status=response.status_code, body=body,
                      headers={k: v for k, v in response.headers.items() if k.lower() != "content-length"})
    return handle


@pytest.fixture
def demo_leader(app, actions):
    """The demo project with a term's worth of extra meetings, each deciding something and agreeing on two
    items (so the decisions' table runs over several pages), and the leader signed in."""
    with app.app_context():
        store = get_store()
        fill_demo(store)
        schools = store.find("schools")
        people = store.find("people")
        for n in range(14):
            school = schools[n % len(schools)]
            meeting, _ = store.create("meetings", {
                "date": (local_today() - timedelta(days=60 - 4 * n)).isoformat(), "school": school["id"],
                "type": "follow_up", "attendees": [people[0]["id"]], "notes": "Notater",
                "decisions": f"Vedtak {n}: " + "Vi holder fast på ukentlige økter og evaluerer etter hver periode. " * 3})
            for k in range(2):
                owner = people[(n + k) % len(people)]
                store.create("responsibilities", {
                    "what": f"Oppgave {n}.{k}: følge opp avtalen med trinnet", "owner": owner["id"],
                    "side": owner["side"], "status": "not_started", "meeting": meeting["id"], "school": school["id"],
                    "due": (local_today() + timedelta(days=n)).isoformat()})
    return actions.leader_client()


def test_the_printed_a4_report_has_content_on_every_page_and_never_cuts_a_row(chromium, demo_leader, tmp_path):
    pdftotext, pdftoppm = poppler("pdftotext"), poppler("pdftoppm")
    base = f"http://{HOST_NAME}"
    first, last = local_today() - timedelta(days=90), local_today() + timedelta(days=30)
    context = chromium.new_context(viewport={"width": A4_WIDTH_PX, "height": 1123}, locale="nb-NO",
                                   timezone_id="Europe/Oslo")
    try:
        context.route("**/*", served_by(demo_leader))
        page = context.new_page()
        page.goto(f"{base}/leader/report?date_from={first.isoformat()}&date_to={last.isoformat()}")
        page.emulate_media(media="print")
        cells_per_row = page.evaluate(MARK_ROWS)
        pdf = tmp_path / "statusrapport.pdf"
        page.pdf(path=str(pdf), format="A4")
    finally:
        context.close()

    pages = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    if not pages[-1].strip():
        pages.pop()  # pdftotext ends every page with a form feed, the last one too
    assert len(pages) >= 3, f"{len(pages)} pages"   # the demo plus 14 meetings does not fit on two
    assert len(cells_per_row) > 30
    for number, text in enumerate(pages, start=1):
        assert len(text.split()) > 20, f"page {number} is (nearly) empty: {text!r}"
    # Where each row's markers are: every row found, and found whole on one page.
    found: dict[int, set[int]] = {}
    for number, text in enumerate(pages, start=1):
        for row, _cell in re.findall(r"QROW(\d+)Q(\d+)Q", text):
            found.setdefault(int(row), set()).add(number)
    assert sorted(found) == list(range(len(cells_per_row))), "some rows are missing from the PDF"
    split = {row: sorted(on) for row, on in found.items() if len(on) > 1}
    assert split == {}, f"rows cut by a page break (row: pages): {split}"
    assert "Statusrapport" in pages[0] and "Beslutninger og avtaler i perioden" in "".join(pages)

    # Each page as an image, as a reader sees it (kept beside the PDF for a look): none is blank.
    subprocess.run([pdftoppm, "-r", "30", "-gray", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.pgm"))
    assert len(images) == len(pages)
    for image in images:
        pixels = image.read_bytes().split(b"\n", 3)[3]   # binary PGM: magic, size, depth, then the pixels
        assert sum(1 for value in pixels if value < 128) > 500, f"{image.name} is blank"
