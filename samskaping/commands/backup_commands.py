"""`flask --app app backup [--to DIR]` and `flask --app app restore FILE`: backups from the command line."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..leader.backup_keeper import SETTINGS_ID, folder_problem, keeper
from ..store.backup_file import BackupDamaged, read_backup, rotate, write_backup
from ..store.clock import utc_now
from ..store.database import DB_NAME, DamagedDatabase, DataFolderInUse, Store
from ..store.durable import sync_folder
from ..store.folder_lock import lock_folder, unlock_folder
from ..store.journal_reader import read_consistent
from ..web.db import open_store
from .cli import audit_from_command
from .data_option import data_option

REPLACED = "replaced"  # under the data folder: what a restore replaced, one folder per restore


class Refused(click.ClickException):
    """Nothing was changed; exit code 2, as for bad usage."""
    exit_code = 2


@click.command("backup")
@data_option
@with_appcontext
@click.option("--to", "to", type=click.Path(file_okay=False, path_type=Path),
              help="mappe for kopien, ellers den valgte eller datamappens backups/ (folder for the backup)")
def backup_command(to: Path | None) -> None:
    """Ta en sikkerhetskopi nå, også mens serveren kjører. (Back up now, also while the server runs.)"""
    app: Flask = current_app._get_current_object()
    if to is not None and folder_problem(str(to.resolve())):
        raise Refused(f"{to}: finnes ikke eller kan ikke skrives til / does not exist or cannot be written to.")
    data_dir = app.config["DATA_DIR"]
    try:
        store = open_store(app)
    except DataFolderInUse:
        store = None
    if store is not None:
        outcome = keeper(app).make(via="command line", store=store, folder=to)
        if outcome.error:
            raise click.ClickException(f"Sikkerhetskopien feilet / The backup failed: {outcome.error}")
        made = outcome.made
    else:
        # The server holds the folder: a consistent copy of its files, as the export command reads them.
        try:
            tables = read_consistent(str(Path(data_dir) / DB_NAME))
        except DamagedDatabase as error:
            raise Refused(f"Datamappen kan ikke leses / The data folder cannot be read: {error}") from None
        folder = to or Path((tables.get("settings", {}).get(SETTINGS_ID) or {}).get("folder") or Path(data_dir) / "backups")
        folder.mkdir(exist_ok=True)
        made = write_backup(tables, folder, made_at=datetime.fromisoformat(utc_now()))
        rotate(folder)
        audit_from_command(tables, data_dir, {"event": "backup", "file": made.path.name, "folder": str(folder),
                                             "bytes": made.size})
    click.echo(f"{made.path} ({made.size} bytes)")


@click.command("restore")
@data_option
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="ikke spør (do not ask)")
def restore_command(file: Path, yes: bool) -> None:
    """Legg tilbake en sikkerhetskopi; serveren må være stoppet. (Restore a backup; stop the server first.)

    Kopien sjekkes før noe erstattes; det som erstattes, legges i datamappen under replaced/."""
    app: Flask = current_app._get_current_object()
    data_dir = Path(app.config["DATA_DIR"])
    try:
        lock = lock_folder(data_dir)  # held until the files are in place: no server may start meanwhile
    except DataFolderInUse:
        raise Refused("Serveren kjører på denne datamappen: stopp den (Ctrl+C) og prøv igjen. Ingenting er endret. / "
                      "The server is running on this data folder: stop it and try again. Nothing was changed.") from None
    try:
        header, checked, counts = check_backup(file, data_dir)
        try:
            click.echo(f"Sikkerhetskopi fra / Backup from {header['made_at']}: {sum(counts.values())} poster / records.")
            if not yes and not click.confirm(f"Erstatte dataene i / Replace the data in {data_dir}?"):
                raise click.ClickException("Ingenting er endret. / Nothing was changed.")
            erased = erased_here(data_dir)
            aside = replace_data(data_dir, checked)
        finally:
            shutil.rmtree(checked.parent, ignore_errors=True)
    finally:
        unlock_folder(lock)
    store = open_store(app)
    again = reapply_erasures(app, store, erased)
    audit_from_command(store, data_dir, {"event": "restore", "file": file.name, "made_at": header["made_at"],
                                        "counts": counts, "replaced_kept_in": str(aside), "erased_again": again})
    click.echo(f"Lagt tilbake / Restored. Det som ble erstattet, ligger i / What it replaced is kept in {aside}")
    if again:
        click.echo(f"{again} person(er) slettet etter kopien er slettet igjen. / "
                   f"{again} person(s) erased after the backup were erased again.")


def check_backup(file: Path, data_dir: Path) -> tuple[dict, Path, dict[str, int]]:
    """Read the backup and open it as a store in a temporary folder (the store's own checks run there);
    returns (header, the checked database file, counts). Refused, with nothing changed, if it fails."""
    try:
        header, tables = read_backup(file)
    except BackupDamaged as error:
        raise Refused(f"Filen er skadet eller ikke en sikkerhetskopi; ingenting er endret. / The file is damaged "
                      f"or not a backup; nothing was changed. ({error})") from None
    # Inside the data folder: the checked file is then renamed into place, on the same disk.
    folder = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    try:
        (folder / DB_NAME).write_bytes(json.dumps(tables, separators=(",", ":")).encode("ascii"))
        with Store(folder) as trial:
            counts = trial.counts()
        if counts != header["counts"]:
            raise DamagedDatabase(f"it holds {counts}, its header says {header['counts']}")
        _sync_file(folder / DB_NAME)
    except (DamagedDatabase, ValueError, OSError) as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise Refused(f"Filen kan ikke åpnes som database; ingenting er endret. / The file cannot be opened as a "
                      f"database; nothing was changed. ({error})") from None
    return header, folder / DB_NAME, counts


def erased_here(data_dir: Path):
    """The tombstones of people erased in the data about to be replaced (none if it cannot be read)."""
    from ..core.erasure.erase import load_from
    try:
        return load_from(read_consistent(str(data_dir / DB_NAME)))
    except DamagedDatabase:
        return None


def replace_data(data_dir: Path, checked: Path) -> Path:
    """Move the database files aside, then rename the checked file into their place; returns where they went."""
    aside = data_dir / REPLACED / f"before-restore-{utc_now()[:19].replace(':', '-')}"
    aside.mkdir(parents=True, exist_ok=True)
    for name in (DB_NAME, DB_NAME + ".journal"):
        if (data_dir / name).exists():
            os.replace(data_dir / name, aside / name)
    os.replace(checked, data_dir / DB_NAME)
    sync_folder(data_dir)
    return aside


def reapply_erasures(app: Flask, store: Store, tombs) -> int:
    """An erasure made after the backup is made again: a restore never brings an erased person back."""
    if not tombs:
        return 0
    from ..core.erasure.on_merge import absorb
    with app.test_request_context("/leader/"):  # the replacement text in the app's language (bokmål)
        return len(absorb(store, tombs, source="restore").names)


def _sync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
