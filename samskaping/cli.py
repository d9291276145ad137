"""Command-line tasks for the leader: `flask --app app set-leader-password`, `flask --app app demo`."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from .db import get_store
from .storage import DataFolderInUse


def init_app(app: Flask) -> None:
    app.cli.add_command(set_leader_password_command)
    app.cli.add_command(demo_command)


@click.command("set-leader-password")
@click.password_option("--password", prompt="Nytt passord for prosjektleder / New leader password",
                       confirmation_prompt="Gjenta / Repeat")
@with_appcontext
def set_leader_password_command(password: str) -> None:
    """Set (or reset) the project leader's password."""
    from .auth import set_leader_password
    if len(password) < 10:
        raise click.ClickException("Passordet må ha minst 10 tegn. / The password needs at least 10 characters.")
    try:
        set_leader_password(password)
    except DataFolderInUse as error:
        raise click.ClickException(str(error)) from None
    click.echo("Passordet er lagret. / The password is saved.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Fill an empty data folder with an example project."""
    from .demo import fill_demo
    try:
        added = fill_demo(get_store())
    except DataFolderInUse as error:
        raise click.ClickException(str(error)) from None
    click.echo("Eksempeldata lagt inn. / Example data added." if added else
               "Datamappen har allerede data; ingenting endret. / The data folder has data; nothing changed.")
