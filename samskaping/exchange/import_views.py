"""Import and merge: another installation's export or a phone's outbox file; the leader's conflicts."""
from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import datetime
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from ..web.forms import PageForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import AnyOf

from ..core.exchange.document_reader import large_blocks_apart
from ..core.exchange.document_stream import discard
from ..core.exchange.import_file import (
    FIELD_LABELS,
    IMPORTABLE,
    MAX_UPLOAD,
    OUTBOX_FORMAT,
    TABLE_LABELS,
    read_export_file,
)
from ..core.exchange.merge import (
    ImportProblem,
    MergeReport,
    apply,
    parse_document,
    resolve_conflict,
    unresolved_conflicts,
)
from ..core.join_codes import is_internal
from ..store.clock import utc_now
from ..web.access import access
from ..web.audit import audit
from ..web.db import get_store
from ..web.i18n import format_moment
from ..web.pages import get_or_404, see_other
from .outbox_file import OutboxReport, replay_outbox

# cli_group=None: `flask --app app import PATH` (imports_cli.py) is a top-level command, like those in cli.py.
bp = Blueprint("imports", __name__, url_prefix="/leader/import")

# An export of a whole school year can pass the app's 2 MB request limit; uploads here may be larger
# (MAX_UPLOAD, 32 MB, from merge_schema: a ZIP's export.json is held to the same limit).
UPLOAD_NAME = re.compile(r"[0-9a-f]{64}")
KEEP_RESULTS_SECONDS = 24 * 3600


class UploadForm(PageForm):
    file = FileField(_l("Export or outbox file"), validators=[FileRequired(_l("Choose a file."))],
                     description=_l("A JSON or ZIP export from another laptop, or an outbox file from a phone."))


class ResolveForm(PageForm):
    choice = HiddenField(validators=[AnyOf(("keep", "other"))])


@bp.url_value_preprocessor
def allow_large_upload(endpoint, values) -> None:
    # Runs before the app's before_request (the access check reads the form for its CSRF token), so
    # the larger limit is in place when the body is parsed; other routes keep MAX_CONTENT_LENGTH.
    if endpoint == "imports.upload" and request.method == "POST":
        request.max_content_length = MAX_UPLOAD


@bp.before_request
def memory_back() -> None:
    large_blocks_apart()  # what an import reads is given back to the system when freed (document_reader)


# ---- Kept uploads: between preview and confirm the file waits in <data>/imports/<sha256>.bin.

def uploads_folder() -> Path:
    folder = Path(current_app.config["DATA_DIR"]) / "imports"
    folder.mkdir(exist_ok=True)
    return folder


def kept(digest: str, suffix: str = ".bin") -> Path:
    if not UPLOAD_NAME.fullmatch(digest):
        abort(404)
    return uploads_folder() / f"{digest}{suffix}"


def keep_upload(data: bytes, filename: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    kept(digest).write_bytes(data)
    kept(digest, ".name").write_text(filename, encoding="utf-8")
    cutoff = time.time() - KEEP_RESULTS_SECONDS
    for old in uploads_folder().iterdir():  # forgotten previews and old results
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    return digest


def load_upload(digest: str) -> tuple[dict, str] | None:
    """The kept upload's document (checked when it was uploaded, and here again as it is read) and file name.
    Read a piece at a time (read_export_file), its records spooled: call discard(document) when done."""
    path = kept(digest)
    if not path.exists():
        return None
    name_file = kept(digest, ".name")
    return read_export_file(path), name_file.read_text(encoding="utf-8") if name_file.exists() else "upload"


def forget_upload(digest: str) -> None:
    kept(digest).unlink(missing_ok=True)
    kept(digest, ".name").unlink(missing_ok=True)


# ---- Pages

@bp.route("/", methods=["GET", "POST"])
@access("leader")
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("imports/upload.html", form=form), 422 if request.method == "POST" else 200
    data, filename = form.file.data.read(), form.file.data.filename or "upload"
    try:
        parse_document(data, filename)
    except ImportProblem as problem:
        return render_template("imports/upload.html", form=form, problem=str(problem), filename=filename), 422
    return see_other("imports.preview", digest=keep_upload(data, filename))


@bp.get("/preview/<digest>")
@access("leader")
def preview(digest: str):
    """What the import would add, update and put in conflict, before anything is written."""
    upload = load_upload(digest)
    if upload is None:
        flash(_("That file is no longer waiting; upload it again."))
        return see_other("imports.upload")
    document, filename = upload
    try:
        report = run_import(document, source_of(filename), dry_run=True)
    finally:
        discard(document)
    return render_template("imports/preview.html", report=report, filename=filename, digest=digest,
                           form=PageForm(), outbox=isinstance(report, OutboxReport), tables=IMPORTABLE,
                           labels=TABLE_LABELS)


@bp.post("/confirm/<digest>")
@access("leader")
def confirm(digest: str):
    if not PageForm().validate_on_submit():
        abort(400)
    upload = load_upload(digest)
    if upload is None:
        flash(_("That file is no longer waiting; upload it again."))
        return see_other("imports.upload")
    document, filename = upload
    try:
        report = run_import(document, source_of(filename))
    finally:
        discard(document)
    forget_upload(digest)
    audit("import", **audit_detail(report))
    kept(digest, ".result").write_text(json.dumps(result_of(report)), encoding="utf-8")
    return see_other("imports.done", digest=digest)


@bp.post("/cancel/<digest>")
@access("leader")
def cancel(digest: str):
    if not PageForm().validate_on_submit():
        abort(400)
    forget_upload(digest)
    flash(_("Nothing was imported."))
    return see_other("imports.upload")


@bp.get("/done/<digest>")
@access("leader")
def done(digest: str):
    path = kept(digest, ".result")
    if not path.exists():
        return see_other("imports.upload")
    result = json.loads(path.read_text(encoding="utf-8"))
    return render_template("imports/done.html", result=result, tables=IMPORTABLE, labels=TABLE_LABELS,
                           open_conflicts=len(unresolved_conflicts(get_store())), source_label=source_label)


@bp.app_context_processor
def conflict_helpers() -> dict:
    """open_conflicts_count(): for the notice on the leader's start page and the dashboard."""
    return {"open_conflicts_count": lambda: len(unresolved_conflicts(get_store()))}


@bp.get("/conflicts")
@access("leader")
def conflicts():
    store = get_store()
    items = [{**conflict, "current": store.get(conflict["table"], conflict["record_id"]) or conflict["kept"]}
             for conflict in unresolved_conflicts(store)]
    return render_template("imports/conflicts.html", items=items, form=PageForm(), rows=field_rows,
                           labels=TABLE_LABELS, field_labels=FIELD_LABELS, source_label=source_label)


@bp.post("/conflicts/<conflict_id>")
@access("leader")
def resolve(conflict_id: str):
    conflict = get_or_404("conflicts", conflict_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        abort(400)
    if not conflict.get("resolved"):
        resolve_conflict(get_store(), conflict, form.choice.data)
        audit("conflict_resolved", conflict=conflict_id, table=conflict["table"], record=conflict["record_id"],
              choice=form.choice.data)
    flash(_("The other version is stored.") if form.choice.data == "other" else _("The current version is kept."))
    return see_other("imports.conflicts")


# ---- Shared by the pages and the command

def source_of(filename: str) -> str:
    """Where a merge's records came from, as kept with its conflicts: "<file name> (<UTC time>)"; a sync's
    is "sync:<the other laptop's installation id>" (sync.py). source_label() words either for a page."""
    return f"{filename} ({datetime.fromisoformat(utc_now()).isoformat(timespec='seconds')})"


SOURCE_FILE = re.compile(r"(.*) \((\d{4}-\d{2}-\d{2}T[^()]*)\)", re.DOTALL)


def source_label(source: str | None) -> str:
    """A merge's source for the leader: the file name and when it was imported (dd.mm.yyyy HH:MM), or the
    name of the laptop synced with (from the paired laptops) instead of its id."""
    source = source or ""
    if source.startswith("sync:"):
        peers = get_store().find("peers", installation=source.removeprefix("sync:"))
        name = (peers[0].get("name") or peers[0].get("url")) if peers else None
        return _("From a sync with %(name)s", name=name) if name else _("From a sync with another laptop")
    match = SOURCE_FILE.fullmatch(source)
    if match:
        try:
            return _("From the file %(file)s, imported %(when)s", file=match[1], when=format_moment(match[2]))
        except ValueError:
            pass
    return _("From %(source)s", source=source)


def run_import(document: dict, source: str, *, dry_run: bool = False, store=None) -> MergeReport | OutboxReport:
    """Merge a document parse_document or read_export_file returned (both checked it: not checked again)."""
    store = store or get_store()
    if document.get("format") == OUTBOX_FORMAT:
        return replay_outbox(store, document, source=source, dry_run=dry_run)
    return apply(store, document, source=source, dry_run=dry_run, checked=True)


def audit_detail(report: MergeReport | OutboxReport) -> dict:
    """Counts only, never content."""
    if isinstance(report, OutboxReport):
        return {"source": report.source, "kind": "outbox", "person": report.person["id"] if report.person else None,
                **{outcome: report.total(outcome) for outcome in ("created", "updated", "duplicate", "conflict", "refused")}}
    return {"source": report.source, "kind": "export",
            **{outcome: report.total(outcome) for outcome in ("added", "updated", "unchanged", "conflicts")}}


def result_of(report: MergeReport | OutboxReport) -> dict:
    if isinstance(report, OutboxReport):
        return {"kind": "outbox", "source": report.source, "person": report.person["name"] if report.person else None,
                "items": report.items}
    return {"kind": "export", "source": report.source, "counts": report.counts}


def field_rows(table: str, current: dict, other: dict) -> list[tuple[str, object, object, bool]]:
    """(field, current value, other value, differs) for the side-by-side view; bookkeeping last."""
    # Which QR code is in force is settled by the merge itself (join_codes.py), never shown nor chosen here.
    names = [key for key in {**current, **other} if not key.startswith("_") and key != "id" and not is_internal(key)]
    stamped = ("created_at", "updated_at", "author", "device", "updated_by", "updated_device", "client_updated_at")
    names.sort(key=lambda name: (name in stamped, stamped.index(name) if name in stamped else 0))
    return [(name, current.get(name), other.get(name), current.get(name) != other.get(name)) for name in names]
