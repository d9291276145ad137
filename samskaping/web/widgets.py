"""A select widget that draws its options for less: the day page draws hundreds (the feedback's "about", the
owners of every agreed-responsibility row), and WTForms' own builds each through html_params and Markup.format.
The HTML is the same as WTForms' Select draws (tests/test_widgets.py compares them)."""
from __future__ import annotations

from markupsafe import escape
from wtforms.widgets import Select


class QuickSelect(Select):
    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or type(choice.value) is not str:
            return super().render_option(choice, **kwargs)  # the unusual ones as WTForms draws them
        # html_params sorts the attributes: selected before value.
        selected = " selected" if choice.selected else ""
        return f'<option{selected} value="{escape(choice.value)}">{escape(choice.label or choice.value)}</option>'
