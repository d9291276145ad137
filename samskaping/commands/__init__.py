"""The `flask --app app …` commands, each a plain click command registered here."""
from __future__ import annotations

from flask import Flask

from .backup_commands import backup_command, restore_command
from .cli import demo_command, export_command, set_leader_password_command
from .import_command import import_command


def init_app(app: Flask) -> None:
    for command in (set_leader_password_command, demo_command, export_command, import_command, backup_command,
                    restore_command):
        app.cli.add_command(command)
