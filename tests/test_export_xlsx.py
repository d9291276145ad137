"""The XLSX export: one typed workbook an analyst opens in Excel or LibreOffice, where text is only ever text."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import uuid
import zipfile
from datetime import datetime

import openpyxl
from openpyxl.utils.escape import unescape
import pytest
import xlsxwriter.workbook
from xlsxwriter import Workbook

from samskaping.core.exchange.export import Filters, take_snapshot
from samskaping.core.exchange.export_csv import CSV_TABLES, csv_chunks
from samskaping.core.exchange.export_xlsx import xlsx_chunks
from samskaping.core.exchange import xlsx_rows
from samskaping.core.exchange.xlsx_rows import StreamedSheet
from samskaping.store.clock import LOCAL_ZONE, local_today, utc_now

# Texts a spreadsheet or an XML writer might take for something else; each must come back exactly as typed.
HOSTILE = ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1", "=1+1",
           '<r><t>x</t></r></is></c><c r="Z1"><f>1+1</f></c><c r="Z2" t="inlineStr"><is><r><t>y</t></r>',
           "_x0041_ stays", "a & b < c > d", "  leading and trailing  ", "bell \x07 here"]
TRICKY = 'Linje 1\nLinje 2 med "sitat"; semikolon, komma – æøå ÆØÅ 🎉'
SHEETS_NB = ["Møter", "Ansvar", "Oppfølginger", "Tilbakemelding", "Barometersvar (anonyme)", "Personer", "Skoler",
             "Om eksporten"]


@pytest.fixture
def project(app, actions):
    """Two schools, people on both sides (one made in summer, one in winter: Norway's two offsets), a meeting
    with tricky and hostile texts, a responsibility, a follow-up, feedback and a closed barometer round."""
    store = actions.store()
    north, _ = store.create("schools", {"name": "Nordby skole"})
    south, _ = store.create("schools", {"name": "Sørby skole"})
    kari = store.put("people", {"id": str(uuid.uuid4()), "name": "Kari Ærlig", "side": "kommune", "role": "Lærer",
                                "school": north["id"], "active": True,
                                "created_at": "2026-07-01T22:30:00.000000+00:00",
                                "updated_at": "2026-01-15T23:30:00.500000+00:00"})
    ola, _ = store.create("people", {"name": "Ola Østby", "side": "entreprenor", "role": "Coach", "school": south["id"],
                                     "active": False})
    meeting, _ = store.create("meetings", {"date": "2026-10-05", "school": north["id"], "type": "planning",
                                           "attendees": [kari["id"], ola["id"]], "guests": "", "agenda": TRICKY,
                                           "notes": HOSTILE[0], "decisions": "\n".join(HOSTILE)}, author=kari["id"])
    later, _ = store.create("meetings", {"date": "2026-11-20", "school": south["id"], "type": "other",
                                         "attendees": [ola["id"]], "guests": "+47 99 99 99 99", "agenda": "@SUM(A1)",
                                         "notes": "", "decisions": ""})
    agreed, _ = store.create("responsibilities", {"what": "Lage plan", "owner": ola["id"], "side": "entreprenor",
                                                  "due": "2026-12-01", "status": "in_progress", "meeting": meeting["id"],
                                                  "school": north["id"]}, author=kari["id"])
    store.create("followups", {"responsibility": agreed["id"], "status": "in_progress", "previous_status": "not_started",
                               "comment": "-fint", "meeting": None}, author=ola["id"])
    store.create("feedback", {"to": ola["id"], "about": agreed["id"], "worked": "@bra", "improve": ""}, author=kari["id"])
    statement, _ = store.create("statements", {"f": "forankring", "text": "Jeg er enig i målet.", "position": 0, "active": True})
    round_, _ = store.create("rounds", {"title": "Høst", "status": "closed", "statement_ids": [statement["id"]],
                                        "date": "2026-10-01", "closed_at": "2026-10-20T10:00:00+00:00"})
    for n in range(3):
        store.create("answers", {"round": round_["id"], "person": str(uuid.uuid4()), "side": "kommune",
                                 "values": {statement["id"]: n + 3}, "comment": ""})
    return {"north": north, "south": south, "kari": kari, "ola": ola, "meeting": meeting, "later": later}


def workbook(app, store, filters=Filters(), **options) -> tuple[bytes, openpyxl.Workbook]:
    with app.test_request_context(), take_snapshot(store, filters, tables=CSV_TABLES) as snapshot:
        data = b"".join(xlsx_chunks(snapshot, **options))
    return data, openpyxl.load_workbook(io.BytesIO(data))


def records(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def width(sheet, column: int) -> float:
    return next(found.width for found in sheet.column_dimensions.values() if found.min <= column <= found.max)


def test_a_sheet_per_table_with_norwegian_headings_values_and_real_dates(app, actions, project):
    data, book = workbook(app, actions.store())
    assert book.sheetnames == SHEETS_NB
    meetings = book["Møter"]
    assert [cell.value for cell in meetings[1]][:5] == ["Id", "Dato", "Skole (id)", "Skole", "Type møte"]
    assert meetings.freeze_panes == "A2" and meetings.auto_filter.ref == "A1:O3"
    first = next(row for row in records(meetings) if row["Id"] == project["meeting"]["id"])
    assert first["Dato"] == datetime(2026, 10, 5) and first["Type møte"] == "Planleggingsmøte"
    assert first["Saksliste"] == TRICKY and first["Deltakere"] == "Kari Ærlig, Ola Østby"
    date_cell = meetings.cell(row=2, column=2)
    assert date_cell.is_date and date_cell.number_format == "dd.mm.yyyy"
    agenda = meetings.cell(row=2, column=9)
    assert agenda.alignment.wrap_text and width(meetings, 9) > 40 and 10 < width(meetings, 2) < 14

    people = {row["Navn"]: row for row in records(book["Personer"])}
    # Stored in UTC; shown as the clock in Norway said then: summer +2 and winter +1, across midnight.
    assert people["Kari Ærlig"]["Opprettet"] == datetime(2026, 7, 2, 0, 30)
    assert people["Kari Ærlig"]["Sist endret"] == datetime(2026, 1, 16, 0, 30, 0, 500000)
    assert book["Personer"]["H2"].number_format == "dd.mm.yyyy hh:mm"
    assert people["Kari Ærlig"]["Aktiv"] == "Ja" and people["Ola Østby"]["Aktiv"] == "Nei"
    assert people["Ola Østby"]["Organisasjon"] == "Sosial entreprenør"

    [responsibility] = records(book["Ansvar"])
    assert responsibility["Status"] == "Pågår" and responsibility["Frist"] == datetime(2026, 12, 1)
    assert responsibility["Møtedato"] == datetime(2026, 10, 5)
    answers = records(book["Barometersvar (anonyme)"])
    assert sorted(row["Svar (1–5)"] for row in answers) == [3, 4, 5]
    assert all(type(row["Svar (1–5)"]) is int and row["F"] == "Forankring" for row in answers)
    assert records(book["Tilbakemelding"])[0]["Hva fungerte godt"] == "@bra"


def test_every_hostile_text_stays_text_and_no_cell_is_a_formula(app, actions, project):
    data, book = workbook(app, actions.store())
    [meeting] = [row for row in records(book["Møter"]) if row["Id"] == project["meeting"]["id"]]
    assert meeting["Referat"] == HOSTILE[0]
    # Control characters are stored as Excel's _xHHHH_ escapes (a literal "_x0041_" as _x005F_x0041_), which
    # openpyxl leaves for its reader to undo; markup and all the rest as typed.
    assert unescape(meeting["Beslutninger"]) == "\n".join(HOSTILE)
    [later] = [row for row in records(book["Møter"]) if row["Id"] == project["later"]["id"]]
    assert later["Saksliste"] == "@SUM(A1)" and later["Andre deltakere"] == "+47 99 99 99 99"
    assert records(book["Oppfølginger"])[0]["Kommentar"] == "-fint"  # no neutralising quote added, none shown
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheets = [name for name in package.namelist() if name.startswith("xl/worksheets/")]
        assert len(sheets) == 8
        for name in sheets:
            assert "<f>" not in package.read(name).decode("utf-8")  # not even the injected markup's
        assert "calcChain" not in " ".join(package.namelist())
        assert {member.compress_type for member in package.infolist()} == {zipfile.ZIP_DEFLATED}
    assert xlsxwriter.workbook.ZipFile is zipfile.ZipFile  # packed at level 1, and XlsxWriter left as it was


def test_english_keys_and_codes_on_request(app, actions, project):
    _, book = workbook(app, actions.store(), labels=None)
    assert book.sheetnames == [*CSV_TABLES, "about"]
    people = {row["name"]: row for row in records(book["people"])}
    assert people["Kari Ærlig"]["active"] is True and people["Ola Østby"]["side"] == "entreprenor"
    assert records(book["responsibilities"])[0]["status"] == "in_progress"
    _, english = workbook(app, actions.store(), labels="en")
    assert english.sheetnames[0] == "Meetings" and english.sheetnames[-1] == "About the export"
    assert records(english["Responsibilities"])[0]["Status"] == "In progress"


def test_filters_keep_the_same_records_as_the_csv_and_are_told_on_om_eksporten(app, actions, project):
    store = actions.store()
    chosen = Filters(school=project["north"]["id"], side="kommune")
    _, book = workbook(app, store, chosen)
    with app.test_request_context(), take_snapshot(store, chosen, tables=CSV_TABLES) as snapshot:
        for table, sheet in zip(CSV_TABLES, book.sheetnames):
            text = b"".join(csv_chunks(snapshot, table)).decode("utf-8-sig")
            expected = [row[0] for row in list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:]]
            assert [row[0] for row in list(book[sheet].iter_rows(values_only=True))[1:]] == expected, table
    assert [row["Id"] for row in records(book["Møter"])] == [project["meeting"]["id"]]
    lines = list(book["Om eksporten"].iter_rows(values_only=True))
    about = {row[0]: row[1] for row in lines[:lines.index((None,) * 4)]}
    sheet_rows = {row[0]: row[1] for row in lines if isinstance(row[1], int)}
    assert about["Skole"] == "Nordby skole" and about["Organisasjon"] == "Kommune" and about["Fra dato"] == "(alle)"
    # A real date-time cell, in Norwegian time (an hour or two from UTC would be found out).
    made_here = datetime.fromisoformat(utc_now()).astimezone(LOCAL_ZONE).replace(tzinfo=None)
    assert abs((about["Laget (norsk tid)"] - made_here).total_seconds()) < 300
    assert sheet_rows["Møter"] == 1 and sheet_rows["Skoler"] == 1  # rows per sheet, as numbers
    meanings = [row for row in book["Om eksporten"].iter_rows(values_only=True) if row[0] == "Møter" and row[2]]
    assert ("Møter", "Referat", "notes", "Referat / notater fra møtet.") in meanings


def test_odd_stored_values_are_written_not_lost(app, actions, project):
    """A lone surrogate (only imported JSON can hold one), a text longer than a cell holds, a day that is no day."""
    store = actions.store()
    store.update("meetings", project["meeting"]["id"], {"notes": "x" * 40_000, "guests": "før \ud800 etter",
                                                        "date": "ikke en dato"})
    _, book = workbook(app, store)
    [meeting] = [row for row in records(book["Møter"]) if row["Id"] == project["meeting"]["id"]]
    assert meeting["Referat"] == "x" * 32_767 and meeting["Andre deltakere"] == "før ? etter"
    assert meeting["Dato"] == "ikke en dato"
    texts = [row[0] for row in book["Om eksporten"].iter_rows(values_only=True) if row and row[0]]
    assert any(text.startswith("1 tekster var lengre enn en celle rommer") for text in texts)


def test_rows_beyond_a_sheets_limit_are_left_out_and_told(app, actions, project, monkeypatch):
    monkeypatch.setattr(xlsx_rows, "MAX_ROWS", 3)  # Excel's is 1,048,576: two data rows here
    _, book = workbook(app, actions.store())
    assert len(records(book["Barometersvar (anonyme)"])) == 2 and len(records(book["Møter"])) == 2
    texts = [row[0] for row in book["Om eksporten"].iter_rows(values_only=True) if row and row[0]]
    assert "1 rader fikk ikke plass i arket sitt (et ark rommer 1 048 576) og er utelatt; CSV-eksporten har dem." in texts


def test_streamed_rows_are_the_xml_xlsxwriter_itself_writes(tmp_path):
    """StreamedSheet writes rows by itself for speed: the same values through XlsxWriter's own cell API give the
    same bytes, escapes included (the one difference kept on purpose: no raw markup for "<r>…</r>")."""
    values = [["Id", "æøå 🎉", "\x01\x1f_x0041_", " lead", "trail\n", "a&b<c>", "=1+1", TRICKY, "\ufffe"],
              [1, 2.5, 46000.25, True, False, None, "", 10**15, -3]]
    files = {}
    for name in ("api", "streamed"):
        path = tmp_path / f"{name}.xlsx"
        book = Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False, "tmpdir": str(tmp_path)})
        style, head = book.add_format({"valign": "top"}), book.add_format({"bold": True})
        if name == "api":
            sheet = book.add_worksheet("s")
            for column, heading in enumerate(["a", "b", "c", "d", "e", "f", "g", "h", "i"]):
                sheet.write_string(0, column, heading, head)
            for row, line in enumerate(values, 1):
                for column, value in enumerate(line):
                    if isinstance(value, str) and value:
                        sheet.write_string(row, column, value, style)
                    elif isinstance(value, bool):
                        sheet.write_boolean(row, column, value, style)
                    elif value is not None and value != "":
                        sheet.write(row, column, value if abs(value) < 1e15 else str(value), style)
        else:
            sheet = book.add_worksheet("s", worksheet_class=StreamedSheet)
            assert sheet.write_table(list("abcdefghi"), values, [style] * 9, head) == (2, 0, 0)
        book.close()
        with zipfile.ZipFile(path) as package:
            files[name] = package.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert re.search(r"<sheetData>.*</sheetData>", files["streamed"], re.S).group(0) == \
        re.search(r"<sheetData>.*</sheetData>", files["api"], re.S).group(0)
    assert files["streamed"] == files["api"]  # the sheet around the rows too: <dimension> included


# ---- The page and the command

def test_download_from_the_page_is_a_dated_xlsx_for_the_leader_only_and_audited(app, actions, project, client):
    assert client.get("/leader/export/download?format=xlsx").status_code == 302
    leader = actions.leader_client()
    page = leader.get("/leader/export/").get_data(as_text=True)
    assert 'value="xlsx"' in page and "Excel-arbeidsbok (XLSX)" in page and 'name="headings"' in page
    response = leader.get(f"/leader/export/download?format=xlsx&headings=keys&school={project['south']['id']}")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == f'attachment; filename="samskaping-{local_today().isoformat()}.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert [row["id"] for row in records(book["meetings"])] == [project["later"]["id"]]
    [entry] = actions.store().find("audit", event="export")
    assert entry["format"] == "xlsx" and entry["headings"] == "keys" and entry["filters"]["school"] == project["south"]["id"]
    assert "Kari" not in json.dumps(entry)
    refused = leader.get("/leader/export/download?format=xlsx&headings=pdf")
    assert refused.status_code == 400 and "Ikke et gyldig valg" in refused.get_data(as_text=True)
    assert len(actions.store().find("audit", event="export")) == 1


def test_cli_writes_the_workbook_with_the_csv_filters_and_refuses_what_does_not_apply(app, runner, actions, project,
                                                                                     tmp_path):
    out = tmp_path / "alt.xlsx"
    result = runner.invoke(args=["export", "--format", "xlsx", "--out", str(out), "--school", "Nordby skole",
                                 "--from", "01.10.2026", "--to", "2026-10-31"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == SHEETS_NB and [row["Id"] for row in records(book["Møter"])] == [project["meeting"]["id"]]
    assert runner.invoke(args=["export", "--format", "xlsx", "--keys", "--out", str(tmp_path / "k.xlsx")]).exit_code == 0
    assert openpyxl.load_workbook(tmp_path / "k.xlsx").sheetnames[0] == "meetings"
    for args in (["--format", "xlsx", "--raw"], ["--format", "csv", "--table", "people", "--keys"],
                 ["--format", "xlsx", "--keys", "--labels", "en"]):
        refused = runner.invoke(args=["export", "--out", str(tmp_path / "no.xlsx"), *args])
        assert refused.exit_code == 2 and ("--raw" in refused.output or "--keys" in refused.output)
    assert not (tmp_path / "no.xlsx").exists()
    assert [entry["headings"] for entry in actions.store().find("audit", event="export")] == ["nb", "keys"]


# ---- A real spreadsheet reads it

def require_soffice() -> str:
    """LibreOffice's soffice; in CI a missing one is a failure (.ci/run installs it), elsewhere a loud skip."""
    found = shutil.which("soffice")
    if found:
        return found
    message = "no soffice found: apt-get install -y libreoffice-calc-nogui"
    if os.environ.get("CI") == "true":
        pytest.fail(f"the LibreOffice test cannot run in CI: {message}", pytrace=False)
    pytest.skip(f"LIBREOFFICE TEST NOT RUN: {message}")


def test_libreoffice_opens_the_workbook_and_reads_every_sheet_as_written(app, actions, project, tmp_path):
    soffice = require_soffice()
    data, _ = workbook(app, actions.store())
    (tmp_path / "samskaping.xlsx").write_bytes(data)
    # Every sheet to its own CSV (the last option, -1: LibreOffice 7.2 and later), cells as shown (9th: true),
    # formulas' results rather than their text (10th: false): a formula would show as what it computes.
    options = "44,34,76,1,,0,false,true,true,false,false,-1"
    result = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                             "--convert-to", f"csv:Text - txt - csv (StarCalc):{options}", "--outdir",
                             str(tmp_path / "out"), str(tmp_path / "samskaping.xlsx")],
                            capture_output=True, text=True, timeout=180)
    written = {path.name for path in (tmp_path / "out").glob("*.csv")} if (tmp_path / "out").exists() else set()
    assert written == {f"samskaping-{name}.csv" for name in SHEETS_NB}, (result.stdout, result.stderr)

    def rows(name: str) -> list[dict]:
        text = (tmp_path / "out" / f"samskaping-{name}.csv").read_text(encoding="utf-8")
        table = list(csv.reader(io.StringIO(text, newline="")))
        return [dict(zip(table[0], row)) for row in table[1:]]

    [meeting] = [row for row in rows("Møter") if row["Id"] == project["meeting"]["id"]]
    assert meeting["Dato"] == "05.10.2026" and meeting["Saksliste"] == TRICKY
    assert meeting["Referat"] == HOSTILE[0]  # a formula would have shown as its result
    assert meeting["Beslutninger"] == "\n".join(HOSTILE).replace("\r", "")  # its CSV drops a carriage return
    assert {row["Navn"]: row["Opprettet"] for row in rows("Personer")}["Kari Ærlig"] == "02.07.2026 00:30"
    assert sorted(row["Svar (1–5)"] for row in rows("Barometersvar (anonyme)")) == ["3", "4", "5"]
    assert rows("Oppfølginger")[0]["Kommentar"] == "-fint"
