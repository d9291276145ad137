"""The `import` command: another laptop's export or a phone's outbox file, merged from the command line."""
from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..core.exchange.document_stream import discard
from ..core.exchange.import_file import IMPORTABLE, read_export_file
from ..core.exchange.merge import ImportProblem, MergeReport
from ..exchange.import_views import audit_detail, run_import, source_of
from ..exchange.outbox_file import OutboxReport
from ..store.database import DB_NAME, DataFolderInUse
from ..store.record_values import as_uuid
from ..web.db import open_store
from .data_option import data_option

# ---- The command: `flask --app app import PATH [--dry-run] [--wait SECONDS]`

class ReadOnlyStore:
    """The data folder as it is on disk, read without its lock and without changing a file (dry run)."""

    def __init__(self, folder: str) -> None:
        from ..store.journal_reader import read_consistent
        self.data = read_consistent(str(Path(folder) / DB_NAME))

    def get(self, table: str, record_id: str) -> dict | None:
        record = self.data.get(table, {}).get(as_uuid(record_id) or "")
        return None if record is None else json.loads(json.dumps(record))


@click.command("import")
@data_option
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Vis hva som ville skjedd; endre ingenting. (Show what would happen; change nothing.)")
@click.option("--wait", type=click.IntRange(0, 3600), default=0, metavar="SECONDS",
              help="Vent inntil så mange sekunder på at serveren stopper. (Wait up to this many seconds for the server to stop.)")
def import_command(path: str, dry_run: bool, wait: int) -> None:
    """Importer en eksport fra en annen laptop eller en utboksfil fra en telefon.
    (Import another laptop's export, JSON or ZIP, or a phone's outbox file.)

    Bare én prosess skriver i datamappen. Kjører serveren, bruk siden Leder → Importer
    (/leader/import), eller stopp serveren; med --wait venter kommandoen på at den stopper.
    --dry-run leser datamappen uten å skrive, også mens serveren kjører."""
    app = current_app._get_current_object()
    # The messages are translated, and the app picks the language per request: give it one (bokmål).
    with app.test_request_context("/leader/import/"):
        try:
            document = read_export(Path(path))
        except ImportProblem as problem:
            raise click.ClickException(str(problem)) from None
        try:
            store = open_or_wait(app, wait, dry_run)
            report = run_import(document, source_of(Path(path).name), dry_run=dry_run, store=store)
        finally:
            discard(document)  # the records read into a spool on disk (document_stream)
        echo_report(report)
    if not dry_run:
        store.create("audit", {"event": "import", "leader": True, "address": None, "command": True,
                               **audit_detail(report)})


def read_export(path: Path) -> dict:
    """The file, checked: read a piece at a time and its records kept on disk until merged, so an export of
    any size imports in bounded memory (the import page takes files up to import_file.MAX_UPLOAD)."""
    return read_export_file(path)


def open_or_wait(app, wait: int, dry_run: bool):
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            return open_store(app)
        except DataFolderInUse:
            if dry_run:
                click.echo("Serveren kjører; leser datamappen uten å skrive. / The server runs; reading without writing.")
                return ReadOnlyStore(app.config["DATA_DIR"])
            if time.monotonic() >= deadline:
                raise click.ClickException(
                    "Serveren kjører på denne datamappen: bruk Importer-siden (Leder → Importer, /leader/import), "
                    "eller stopp serveren og prøv igjen (eller bruk --wait SEKUNDER). / The server is running on "
                    "this data folder: use its Import page (/leader/import), or stop it and try again (or use "
                    "--wait SECONDS).") from None
            if not told:
                click.echo(f"Venter på at serveren stopper (inntil {wait} s) … / Waiting for the server to stop …")
                told = True
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def echo_report(report: MergeReport | OutboxReport) -> None:
    prefix = "Prøvekjøring, ingenting endret / Dry run, nothing changed: " if report.dry_run else ""
    if isinstance(report, OutboxReport):
        name = report.person["name"] if report.person else "?"
        click.echo(f"{prefix}Utboksfil fra / Outbox file from {name}: {len(report.items)} element(er) / item(s)")
        for item in report.items:
            detail = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in item.get("errors", {}).items())
            click.echo(f"  {item['kind'] or '?'} {item['id']}: {item['outcome']}"
                       + (f" — {item['message']}" if item["message"] else "") + (f" ({detail})" if detail else ""))
        return
    click.echo(f"{prefix}tabell / table: lagt til / added, oppdatert / updated, uendret / unchanged, konflikter / conflicts")
    for table in IMPORTABLE:
        counts = report.counts.get(table)
        if counts:
            click.echo(f"  {table}: {counts['added']}, {counts['updated']}, {counts['unchanged']}, {counts['conflicts']}")
    if not report.counts:
        click.echo("  (ingen poster / no records)")
    if report.total("skipped") or report.total("erased"):
        click.echo(f"  Utelatt (slettet person) / left out (erased person): {report.total('skipped')}; "
                   f"slettet her / erased here: {report.total('erased')}")
    if report.total("conflicts"):
        click.echo("Konflikter vises under Leder → Importer → Konflikter. / See conflicts on /leader/import/conflicts.")
