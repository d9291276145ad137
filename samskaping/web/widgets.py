"""WTForms' widgets, drawing the same HTML for less. The day page draws a few hundred fields and options (the
feedback's "about", every agreed-responsibility row's owners, the attendees, a follow-up form per open
responsibility of hers), and WTForms builds each attribute through Markup.format, a Python string formatter
(about a third of the page's time). The HTML is the same as WTForms' own (tests/test_widgets.py compares
them for every field of the participants' forms).

A form opts in with `Meta = QuickWidgets`: its fields are then drawn by the quick twin of their widget where
there is one (the same class with a quicker html_params), else by their own widget.
"""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.meta import DefaultMeta
from wtforms.widgets.core import clean_key


def quick_html_params(**kwargs) -> Markup:
    """wtforms.widgets.html_params without Markup.format: sorted keys, `data_`/`aria_` keys with hyphens,
    True as the bare name, False left out, values escaped (escape also turns " into &#34;)."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is False:
            continue
        key = escape(clean_key(key))
        params.append(key if value is True else f'{key}="{escape(value)}"')
    return Markup(" ".join(params))


LONG, KEPT = 100, 16  # lists long enough to keep the options of; how many kept at most
_options_kept: dict[int, tuple] = {}  # id(choices) -> (choices, selected value, options' HTML)


class QuickSelect(widgets.Select):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        html = [f"<select {quick_html_params(name=field.name, **kwargs)}>"]
        if field.has_groups():
            for optgroup, choices in field._iter_groups_normalized():
                if optgroup is not None:
                    html.append(f"<optgroup {quick_html_params(label=optgroup)}>")
                html.extend(self.render_option(choice) for choice in choices)
                if optgroup is not None:
                    html.append("</optgroup>")
        else:
            html.append(self.options(field))
        html.append("</select>")
        return Markup("".join(html))

    def options(self, field) -> str:
        """The options; of a long list kept as one object across requests (the feedback's "about"), drawn once
        per selected value and kept while that list is the field's."""
        choices = field.choices
        if type(choices) is not list or len(choices) < LONG:
            return "".join(self.render_option(choice) for choice in field._iter_choices_normalized())
        kept = _options_kept.get(id(choices))
        if kept is None or kept[0] is not choices or kept[1] != field.data:
            html = "".join(self.render_option(choice) for choice in field._iter_choices_normalized())
            if len(_options_kept) >= KEPT:
                _options_kept.clear()
            kept = _options_kept[id(choices)] = (choices, field.data, html)
        return kept[2]

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or type(choice.value) is not str:
            return super().render_option(choice, **kwargs)  # the unusual ones as WTForms draws them
        # html_params sorts the attributes: selected before value.
        selected = " selected" if choice.selected else ""
        return f'<option{selected} value="{escape(choice.value)}">{escape(choice.label or choice.value)}</option>'


class QuickTextArea(widgets.TextArea):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        return Markup(f"<textarea {quick_html_params(name=field.name, **kwargs)}>\r\n{escape(field._value())}</textarea>")


class QuickList(widgets.ListWidget):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        html = [f"<{self.html_tag} {quick_html_params(**kwargs)}>"]
        for control, label in self._checkboxes(field) or self._subfields(field):
            html.append(f"<li>{label} {control}</li>" if self.prefix_label else f"<li>{control} {label}</li>")
        html.append(f"</{self.html_tag}>")
        return Markup("".join(html))

    @staticmethod
    def _subfields(field):
        for subfield in field:
            yield render(subfield.widget, subfield), f'<label for="{escape(subfield.id)}">{escape(subfield.label.text)}</label>'

    @staticmethod
    def _checkboxes(field) -> list | None:
        """A plain list of checkboxes (the attendees) drawn from the choices, without a WTForms field made
        for each; None where a choice or the field has more to it than a value and a label."""
        flags = getattr(field, "flags", None)
        if (type(getattr(field, "option_widget", None)) is not widgets.CheckboxInput or field.render_kw
                or not hasattr(field, "_iter_choices_normalized") or getattr(flags, "required", False)
                or getattr(flags, "disabled", False)):
            return None
        drawn, name = [], escape(field.name)
        for index, choice in enumerate(field._iter_choices_normalized()):
            if choice.render_kw or type(choice.value) is not str:
                return None
            option_id = escape(f"{field.id}-{index}")
            checked = " checked" if choice.selected else ""
            drawn.append((f'<input{checked} id="{option_id}" name="{name}" type="checkbox" value="{escape(choice.value)}">',
                          f'<label for="{option_id}">{escape(choice.label or choice.value)}</label>'))
        return drawn


def _quick_input(base: type) -> type:
    return type(f"Quick{base.__name__}", (base,), {"html_params": staticmethod(quick_html_params)})


QUICK = {widgets.Select: QuickSelect, widgets.TextArea: QuickTextArea, widgets.ListWidget: QuickList,
         **{base: _quick_input(base) for base in (widgets.HiddenInput, widgets.TextInput, widgets.DateInput,
                                                   widgets.CheckboxInput)}}
_twins: dict[int, object] = {}


def render(widget, field, **kwargs) -> Markup:
    """Draw field with the quick twin of its widget (same state, same HTML), or with the widget itself."""
    kind = QUICK.get(type(widget))
    if kind is None:
        return widget(field, **kwargs)
    twin = _twins.get(id(widget))
    if twin is None or twin[0] is not widget:
        quick = kind.__new__(kind)
        quick.__dict__.update(widget.__dict__)
        twin = _twins[id(widget)] = (widget, quick)
    return twin[1](field, **kwargs)


def without_hidden_id(field, render_kw: dict) -> dict:
    """A hidden input is drawn without an id: nothing labels it, and a page with several forms (the day page's
    follow-ups, the charter's two) would repeat ids such as csrf_token and id. Ids stay unique on every page."""
    if isinstance(field.widget, widgets.HiddenInput):
        return {"id": False, **render_kw}
    return render_kw


class IdlessHiddenMeta(DefaultMeta):
    """Form Meta that draws hidden inputs without an id (every form of the app has it: web/forms.py)."""

    def render_field(self, field, render_kw):
        return super().render_field(field, without_hidden_id(field, render_kw))


class QuickWidgets(DefaultMeta):
    """Form Meta whose fields are drawn by render()."""

    def render_field(self, field, render_kw):
        other_kw = getattr(field, "render_kw", None)
        if other_kw is not None:
            render_kw = dict(other_kw, **render_kw)
        return render(field.widget, field, **without_hidden_id(field, render_kw))
