"""The ZIP of everything: export.json (without QR codes), one CSV per table and LESMEG.txt, streamed."""
from __future__ import annotations

from collections.abc import Iterator

from .export import Snapshot, json_chunks
from .export_csv import CSV_TABLES, csv_chunks, readme, zip_chunks


def zip_export(snapshot: Snapshot, *, delimiter: str = ";", labels: str | None = None,
               neutralise: bool = True) -> Iterator[bytes]:
    """export.json, one CSV per table and LESMEG.txt, as one streamed ZIP."""
    options = {"delimiter": delimiter, "labels": labels, "neutralise": neutralise}
    members = [("export.json", json_chunks(snapshot, for_analysts=True)),
               *((f"{table}.csv", csv_chunks(snapshot, table, **options)) for table in CSV_TABLES),
               ("LESMEG.txt", [readme(snapshot, delimiter=delimiter, neutralise=neutralise)])]
    return zip_chunks(members)
