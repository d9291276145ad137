"""The phone's scripts as files: every one a page needs is kept by the service worker (else the app
would not open offline), and none draws HTML from strings."""
from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"
TEMPLATES = STATIC.parent / "templates"


def shell() -> set[str]:
    """The paths sw.js stores when it installs."""
    listing = re.search(r"const SHELL = \[(.*?)\];", (STATIC / "sw.js").read_text(), re.S).group(1)
    return set(re.findall(r'"([^"]+)"', listing))


def scripts_a_page_loads() -> set[str]:
    """The scripts base.html names, and every module they import, followed to the end."""
    named = re.findall(r"url_for\('static', filename='([^']+\.js)'\)", (TEMPLATES / "base.html").read_text())
    seen, todo = set(), list(named)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source = (STATIC / name).read_text()
        folder = Path(name).parent
        todo += [(folder / found).as_posix().removeprefix("./")
                 for found in re.findall(r'^import .*? from "(\./[^"]+)";$', source, re.M)]
    return seen


def test_every_script_a_page_loads_is_in_the_service_workers_shell():
    scripts = scripts_a_page_loads()
    assert {"js/main.js", "js/outbox.js", "js/pwa.js", "js/sending.js"} <= scripts
    missing = {f"/static/{name}" for name in scripts} - shell()
    assert not missing, f"not stored by sw.js, so the app would not open offline: {sorted(missing)}"


def test_every_module_under_static_js_is_loaded_and_kept():
    modules = {f"js/{path.name}" for path in (STATIC / "js").glob("*.js")}
    assert modules == {name for name in scripts_a_page_loads() if name.startswith("js/")}
    assert {f"/static/{name}" for name in modules} <= shell()


def test_no_script_draws_html_from_strings():
    for path in (STATIC / "js").glob("*.js"):
        # Properties and calls, not htmx's name for a swap ("innerHTML": replace the children).
        found = re.findall(r"\.(innerHTML|outerHTML|insertAdjacentHTML|write)\b", path.read_text())
        assert not found, f"{path.name} uses {found}: draw from a <template> and fill with textContent"


def test_every_script_is_served_as_javascript_whatever_the_platform_says(tmp_path):
    """A Windows registry may call .js text/plain; with nosniff a phone would then refuse the modules."""
    import mimetypes

    from samskaping import create_app
    from samskaping.web.db import close_store
    mimetypes.add_type("text/plain", ".js")  # what such a laptop's registry says
    try:
        app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data")})
        response = app.test_client().get("/static/js/main.js")
        assert response.status_code == 200 and response.mimetype == "text/javascript"
        response.close()
        close_store(app)
    finally:
        mimetypes.add_type("text/javascript", ".js")
