"""`--data FOLDER` on every command: the data folder to work on, as `python app.py --data FOLDER` serves it."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import click
from flask.cli import ScriptInfo

HELP = ("datamappen kommandoen arbeider i (ellers SAMSKAPING_DATA, ellers instance/) "
        "(the data folder; otherwise SAMSKAPING_DATA, otherwise instance/)")


def data_option(command: Callable) -> Callable:
    """Add --data to a command. Flask has built the app before the command's options are read, so the option
    points the app at the folder then, before the command opens the store (it is opened lazily, web/db.py)."""
    return click.option("--data", type=click.Path(file_okay=False, path_type=Path), expose_value=False,
                        is_eager=True, callback=_use_folder, metavar="MAPPE", help=HELP)(command)


def _use_folder(ctx: click.Context, _param: click.Parameter, folder: Path | None) -> None:
    if folder is None:
        return
    from ..web.data_folder import use_data_folder
    app = ctx.ensure_object(ScriptInfo).load_app()
    try:
        use_data_folder(app, folder)
    except OSError as error:  # a folder that cannot be made (a file in the way, no rights): said, no traceback
        raise click.BadParameter(f"{folder}: {error.strerror or error}", ctx=ctx, param_hint="--data") from None
