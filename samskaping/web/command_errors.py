"""A data folder that cannot be opened, said to the leader at the command line: bokmål, then English, exit code 2."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from babel.support import Translations

from ..store.refusals import StoreRefused

TRANSLATIONS = Path(__file__).parent.parent / "translations"


def refusal_text(refusal: StoreRefused) -> str:
    """Why the data folder was not opened, as printed for the leader at start-up: bokmål, then English."""
    bokmal = Translations.load(str(TRANSLATIONS), ["nb"])
    return f"{refusal.render(bokmal.gettext)}\n\n{refusal.render()}"


class CommandRefused(click.ClickException):
    """A `flask --app app …` command that found the data folder unusable: the refusal's text, exit code 2."""

    exit_code = 2

    def __init__(self, refusal: StoreRefused) -> None:
        super().__init__(refusal_text(refusal))

    def show(self, file=None) -> None:
        click.echo(self.format_message(), file=file or sys.stderr)
