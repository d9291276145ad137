"""The base of every form (Flask-WTF with its CSRF token, except for phones' late outbox deliveries), and
what forms share: date formats and choices."""
from __future__ import annotations

import threading
from collections.abc import Callable

from babel import support
from flask import current_app
from flask_babel import LazyString, get_locale
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from werkzeug.utils import cached_property
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path

from .lookups import active_people, kept_while_unchanged
from .outbox import is_outbox_delivery
from .widgets import IdlessHiddenMeta

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]  # the date picker's value, or typed Norwegian style


class LazyTokenCSRF(FlaskForm.Meta.csrf_class):  # type: ignore[name-defined]
    """Flask-WTF's CSRF for forms, whose fresh token for the page is signed only when the page is drawn: a POST
    that validates and redirects, or an inline check of one field, never draws it (it cost 5-6 % of either).
    The token that came with the request is checked as before (CSRFProtect, in access.py)."""

    def generate_csrf_token(self, csrf_token_field):
        return LazyString(generate_csrf, secret_key=self.meta.csrf_secret, token_key=self.meta.csrf_field_name)


class PageForm(FlaskForm):
    """The base of the leader's forms: Flask-WTF's, with hidden inputs drawn without ids (unique ids per page)."""
    class Meta(IdlessHiddenMeta, FlaskForm.Meta):
        pass


class TranslatedMeta:
    """WTForms' own messages ("Not a valid date value.") in the user's language. Flask-WTF loads and parses
    WTForms' catalogue on every request (~1 ms of each POST); it never changes while the app runs, so it is read
    once per language."""

    def get_translations(self, form):
        if not current_app.config.get("WTF_I18N_ENABLED", True):
            return super().get_translations(form)
        return wtforms_translations(str(get_locale()))


class AppForm(PageForm):
    class Meta(TranslatedMeta, FlaskForm.Meta):
        csrf_class = LazyTokenCSRF

        @cached_property
        def csrf(self) -> bool:
            # A queued submission may arrive days later with a stale token; it is authenticated by
            # the bound device, a custom header and its origin instead (see outbox.py and access.py).
            return current_app.config.get("WTF_CSRF_ENABLED", True) and not is_outbox_delivery()


class RowForm(Form):
    """The base of a row inside a form (a FormField in a FieldList): no CSRF token of its own, and WTForms'
    messages translated as in the form around it (a subform does not take its parent's Meta)."""
    Meta = TranslatedMeta


_catalogues: dict[str, support.Translations] = {}
_catalogues_lock = threading.Lock()


def wtforms_translations(locale: str) -> support.Translations:
    """WTForms' messages ("Not a valid choice.", "Not a valid date value.") in `locale`, loaded once."""
    catalogue = _catalogues.get(locale)
    if catalogue is None:
        with _catalogues_lock:
            catalogue = _catalogues.get(locale)
            if catalogue is None:
                catalogue = _catalogues[locale] = support.Translations.load(messages_path(), [locale], domain="wtforms")
    return catalogue


class LazySelectField(SelectField):
    """A select whose choices are made by `load_choices()` only when something reads them (drawing the
    field, or checking a value against them): an inline check of another field never pays for a long list."""

    def __init__(self, *args, load_choices: Callable[[], list[SelectChoice]], **kwargs):
        self._load_choices = load_choices
        super().__init__(*args, **kwargs)

    @property
    def choices(self):
        if self._choices is None:
            self._choices = self._load_choices()
        return self._choices

    @choices.setter
    def choices(self, value) -> None:
        self._choices = value


def choices(records: list[dict], blank: str | None = None) -> list[SelectChoice]:
    """A select field's choices from named records, with an optional empty first choice."""
    named = [SelectChoice(r["id"], r["name"]) for r in records]
    return ([SelectChoice("", blank)] if blank is not None else []) + named


def options(labels: dict) -> list[SelectChoice]:
    """A select field's choices from one of the label tables (core/vocabulary.py)."""
    return [SelectChoice(key, label) for key, label in labels.items()]


def people_choices() -> list[SelectChoice]:
    """Every active person by name, as a select's choices (shared: copy before changing)."""
    return kept_while_unchanged("people_choices", ("people",), lambda: choices(active_people()))
