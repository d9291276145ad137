"""Command-line tasks for the leader: `flask --app app set-leader-password`, `... demo`, `... export`."""
from __future__ import annotations

import getpass
import os
import uuid
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..store.clock import utc_now
from ..store.database import DB_NAME, DataFolderInUse, Store
from ..store.durable import write_atomically
from ..store.journal_reader import read_consistent
from ..store.pending_writes import PENDING_NAME, append_pending, pending_lines
from ..store.refusals import StoreRefused
from ..web.command_errors import CommandRefused
from ..web.db import get_store, open_store
from .data_option import data_option


@click.command("set-leader-password")
@click.password_option("--password", prompt="Nytt passord for prosjektleder / New leader password",
                       confirmation_prompt="Gjenta / Repeat")
@data_option
@with_appcontext
def set_leader_password_command(password: str) -> None:
    """Velg (eller bytt) prosjektlederens passord. (Set or reset the project leader's password.)"""
    from ..leader.auth import set_leader_password
    if len(password) < 10:
        raise click.ClickException("Passordet må ha minst 10 tegn. / The password needs at least 10 characters.")
    try:
        set_leader_password(password)
    except DataFolderInUse as error:
        raise CommandRefused(error) from None
    audit_from_command(get_store(), current_app.config["DATA_DIR"], {"event": "leader_password_set"})
    click.echo("Passordet er lagret. / The password is saved.")


@click.command("demo")
@data_option
@with_appcontext
def demo_command() -> None:
    """Fyll en tom datamappe med et eksempelprosjekt. (Fill an empty data folder with an example project.)"""
    from .demo import fill_demo
    try:
        added = fill_demo(get_store())
    except DataFolderInUse as error:
        raise CommandRefused(error) from None
    click.echo("Eksempeldata lagt inn. / Example data added." if added else
               "Datamappen har allerede data; ingenting endret. / The data folder has data; nothing changed.")


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "zip", "xlsx"]), required=True,
              help="json, csv (én tabell), zip (alt) eller xlsx (alt i én Excel-bok) (one table, everything, one workbook)")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="filen som skrives (the file to write)")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d", "%d.%m.%Y"]), help="første dag, ÅÅÅÅ-MM-DD eller dd.mm.åååå (first day)")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d", "%d.%m.%Y"]), help="siste dag, tatt med (last day, included)")
@click.option("--school", help="skolens id eller navn (the school's id or name)")
@click.option("--side", type=click.Choice(["kommune", "entreprenor"]), help="organisasjon (organisation)")
@click.option("--table", type=click.Choice(["meetings", "responsibilities", "followups", "feedback", "answers", "people", "schools"]),
              help="tabellen, for --format csv (the table)")
@click.option("--delimiter", type=click.Choice([";", ","]), default=";", show_default=True, help="skilletegn i CSV (CSV separator)")
@click.option("--labels", type=click.Choice(["nb", "en"]),
              help="overskrifter og koder på dette språket; ellers nøkler i CSV, norsk i xlsx "
                   "(headings in this language; else keys in CSV, Norwegian in xlsx)")
@click.option("--keys", is_flag=True, help="xlsx: engelske nøkler og koder, for programmer (xlsx: English keys and codes)")
@click.option("--raw", is_flag=True, help="la celler som begynner med = + - @ stå som de er, for maskiner (leave such cells as they are)")
@data_option
@with_appcontext
def export_command(fmt, out, date_from, date_to, school, side, table, delimiter, labels, keys, raw) -> None:
    """Eksporter dataene, også mens serveren kjører: da leses en konsistent kopi av filene.
    (Export the data, also while the server runs: then a consistent copy of its files is read.)"""
    from ..core.exchange.export import TABLES, Filters, json_chunks, take_snapshot
    from ..core.exchange.export_csv import CSV_TABLES, csv_chunks
    from ..core.exchange.export_xlsx import xlsx_chunks
    from ..core.exchange.export_zip import zip_export
    if fmt == "csv" and not table:
        raise click.UsageError("--table trengs for --format csv / --table is needed for --format csv")
    if keys and (fmt != "xlsx" or labels):
        raise click.UsageError("--keys gjelder bare --format xlsx, uten --labels / --keys is for --format xlsx, "
                               "without --labels")
    if raw and fmt == "xlsx":
        raise click.UsageError("--raw gjelder ikke xlsx: ingen celle er en formel der / --raw is not for xlsx: "
                               "no cell of it is a formula")
    if date_from and date_to and date_from > date_to:
        raise click.UsageError("--from er etter --to / --from is after --to")
    data_dir = current_app.config["DATA_DIR"]
    source, live = open_for_export(data_dir)
    filters = Filters(date_from.date() if date_from else None, date_to.date() if date_to else None,
                      find_school(source, school) if school else None, side)
    options = {"delimiter": delimiter, "labels": labels, "neutralise": not raw}
    tables = {"csv": (table,), "xlsx": CSV_TABLES}.get(fmt, TABLES)
    with take_snapshot(source, filters, tables=tables) as snapshot:
        chunks = (json_chunks(snapshot) if fmt == "json" else zip_export(snapshot, **options) if fmt == "zip"
                  else xlsx_chunks(snapshot, labels=None if keys else labels or "nb") if fmt == "xlsx"
                  else csv_chunks(snapshot, table, **options))
        size = write_atomically(chunks, out)
        counts = {table: snapshot.counts[table]} if fmt == "csv" else snapshot.counts
    # A workbook has no formulas to neutralise: its audit line says which headings it has instead.
    detail = {"headings": "keys" if keys else labels or "nb"} if fmt == "xlsx" else {"neutralised": not raw}
    where = audit_from_command(source, data_dir, {"format": fmt, "table": table, "filters": filters.document(),
                                                 "counts": counts, **detail})
    click.echo(f"{out}: {sum(counts.values())} poster / records, {size} bytes.")
    if not live:
        click.echo("Serveren kjører: leste en konsistent kopi av filene; eksporten føres i loggen når den "
                   f"starter neste gang ({where}). / The server is running: read a consistent copy; the export "
                   "is added to the audit log when it next starts.")


def find_school(source: Store | dict, wanted: str) -> str:
    schools = source.find("schools") if isinstance(source, Store) else list(source.get("schools", {}).values())
    for school in schools:
        if wanted in (school["id"], school.get("name")):
            return school["id"]
    raise click.BadParameter(f"ingen skole / no school {wanted!r}", param_hint="--school")


def open_for_export(data_dir: str | os.PathLike) -> tuple[Store | dict, bool]:
    """(source, live): this app's store if the folder is free, else a consistent read-only copy of its files."""
    try:
        return open_store(current_app), True
    except DataFolderInUse:
        try:
            data = read_consistent(str(Path(data_dir) / DB_NAME))
        except StoreRefused as refusal:  # the running server's files are damaged: say so, no traceback
            raise CommandRefused(refusal) from None
    # An installation id an earlier command made up is pending too: every export of this folder carries one id.
    from ..core.exchange.export import INSTALLATION_SETTINGS_ID
    if INSTALLATION_SETTINGS_ID not in data.get("settings", {}):
        for line in pending_lines(Path(data_dir) / PENDING_NAME):
            if line.get("table") == "settings" and line.get("id") == INSTALLATION_SETTINGS_ID:
                data.setdefault("settings", {})[INSTALLATION_SETTINGS_ID] = {"id": INSTALLATION_SETTINGS_ID, **line["fields"]}
    return data, False


def audit_from_command(source: Store | dict, data_dir: str | os.PathLike, fields: dict) -> str:
    """Audit what a command did (an export, a backup, a restore, a new password). With the folder free, straight into the store; while a
    server holds it, appended to pending-writes.jsonl, which fold_pending_writes adds on the next start.
    Returns where it went ("audit" or the pending file's path)."""
    from ..core.exchange.export import INSTALLATION_SETTINGS_ID
    fields = {"event": "export", "leader": False, "address": None, "via": "command line", "user": _os_user(),
              "at": utc_now(), **fields}
    if isinstance(source, Store):
        source.create("audit", fields)
        return "audit"
    pending = Path(data_dir) / PENDING_NAME
    lines = [{"table": "audit", "id": str(uuid.uuid4()), "fields": fields}]
    made = source.get("settings", {}).get(INSTALLATION_SETTINGS_ID, {})
    if made.get("_unsaved"):  # the installation id this export carries was made up by it: keep it
        lines.append({"table": "settings", "id": INSTALLATION_SETTINGS_ID, "fields": {"installation": made["installation"]}})
    append_pending(pending, lines)
    return str(pending)


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return None
