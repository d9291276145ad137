"""The leader's backup page: the backups with their age, "back up now", and the folder they go to."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, render_template
from flask_babel import format_timedelta, gettext as _, lazy_gettext as _l
from wtforms import StringField, ValidationError

from ..web.access import access, current_author
from ..web.audit import audit
from ..web.db import get_store
from ..web.forms import AppForm
from ..web.pages import see_other
from ..web.validators import clean_text, max_length
from .backup_keeper import SETTINGS_ID, WARN_AFTER_DAYS, folder_problem, keeper, status

bp = Blueprint("backup", __name__, url_prefix="/leader/backups")


def writable_folder(form, field) -> None:
    problem = folder_problem(field.data) if field.data else None
    if problem:
        raise ValidationError(problem)


class FolderForm(AppForm):
    folder = StringField(_l("Backup folder"), filters=[clean_text], validators=[max_length(500), writable_folder],
                         description=_l("A USB stick or a synced cloud folder keeps the backups off this PC. "
                                        "Leave it empty for the data folder's own backups folder."))


@bp.before_app_request
def start_automatic_backup() -> None:
    """One backup when the app starts serving, then one a day (automatic backups are off in tests unless
    a test turns them on)."""
    app = current_app._get_current_object()
    if app.config.get("BACKUP_AUTOMATIC", not app.testing):
        keeper(app).maybe_start()


@bp.app_context_processor
def backup_context() -> dict:
    return {"backup_status": current_status, "backup_age": age}


def current_status():
    app = current_app._get_current_object()
    return status(app, get_store(), keeper(app).clock())


def age(moment: datetime) -> str:
    """"for 2 timer siden", "2 hours ago"."""
    return format_timedelta(moment - keeper(current_app._get_current_object()).clock(), add_direction=True)


@bp.get("/")
@access("leader")
def index(form: FolderForm | None = None):
    chosen = (get_store().get("settings", SETTINGS_ID) or {}).get("folder") or ""
    return render_template("leader/backups.html", form=form or FolderForm(formdata=None, folder=chosen),
                           warn_days=WARN_AFTER_DAYS), 422 if form else 200


@bp.post("/now")
@access("leader")
def now():
    if not AppForm().validate_on_submit():
        abort(400)
    app = current_app._get_current_object()
    with keeper(app).running:  # after an automatic one in progress, not beside it
        outcome = keeper(app).make(via="leader page")
    if outcome.error:
        flash(_("The backup failed: %(reason)s Nothing else was changed.", reason=outcome.error))
    else:
        flash(_("Backup made: %(name)s.", name=outcome.made.path.name))
    return see_other("backup.index")


@bp.post("/folder")
@access("leader")
def folder():
    form = FolderForm()
    if not form.validate_on_submit():
        return index(form)
    store = get_store()
    author, device = current_author()
    chosen = form.folder.data or None
    _record, created = store.create("settings", {"folder": chosen}, author=author, device=device, record_id=SETTINGS_ID)
    if not created:
        store.update("settings", SETTINGS_ID, {"folder": chosen}, author=author, device=device)
    audit("backup_folder", folder=chosen)
    flash(_("Backups now go to %(folder)s.", folder=chosen) if chosen else
          _("Backups now go to the data folder's own backups folder."))
    return see_other("backup.index")
