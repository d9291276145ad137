"""Rendering helpers shared by the views: page-or-partial in one place, 303 after POST."""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, url_for
from flask.signals import before_render_template, template_rendered
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField

from ..store.reads import courteous
from .db import get_store
from .extensions import htmx


RENDER_BUFFER = 64


def get_or_404(table: str, record_id: str) -> dict:
    """The record, or a 404 page (a malformed id is just another missing record)."""
    record = get_store().get(table, record_id)
    if record is None:
        abort(404)
    return record


def render_courteously(template_name: str, **context) -> str:
    """render_template for a long page (the leader's dashboard over 50k records): the same text, drawn with
    rests (courteous, store/reads.py), so a phone's request is not held up for the interpreter lock meanwhile.
    Jinja's stream is buffered (RENDER_BUFFER pieces at a time): handing on each piece alone added a third to
    the page's CPU."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(template_name)
    app.update_template_context(context)
    before_render_template.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    stream = template.stream(context)
    stream.enable_buffering(RENDER_BUFFER)
    page = "".join(courteous(stream))
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    return page


def render_page_or_partial(page: str, partial: str, target: str, **context) -> str:
    """The partial for an htmx request that swaps the element with id `target` (the partial draws exactly that
    element); the whole page for anything else: a plain request, a boosted link, another target."""
    if htmx and htmx.target == target:
        return render_template(partial, **context)
    return render_template(page, **context)


def see_other(endpoint: str, **values):
    """Redirect after a successful POST, so reload never posts twice."""
    return redirect(url_for(endpoint, **values), code=303)


def field_errors(form: FlaskForm, name: str) -> str:
    """Validate the whole form and return only one field's errors (inline validation via htmx)."""
    form.validate()
    return render_template("_field_errors.html", errors=dict(walk_fields(form)).get(name, []))


def walk_fields(fields):
    """Yield (full field name, errors) for every leaf field, descending into FieldList and FormField."""
    for field in fields:
        if isinstance(field, (FieldList, FormField)):
            yield from walk_fields(field)
        else:
            yield field.name, field.errors
