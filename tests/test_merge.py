"""Merging exports: twice is once, the order of imports does not matter, the newest wins, nothing is lost."""
from __future__ import annotations

import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from samskaping.core.exchange.merge import ImportProblem, apply, canonical, content
from samskaping.store.database import DB_NAME, Store

IDS = [str(uuid.UUID(int=n, version=4)) for n in range(1, 5)]
TIMES = [f"2026-11-{day:02d}T08:00:00.000000+00:00" for day in (1, 2, 3)] + ["2026-11-02T09:00:00.000000+01:00"]
PERSON = "5a3c1e00-0000-4000-8000-0000000000aa"

PROPERTY = settings(max_examples=40, deadline=None)


def school(record_id: str, name: str, updated_at: str) -> dict:
    return {"id": record_id, "name": name, "created_at": TIMES[0], "updated_at": updated_at,
            "author": PERSON, "device": None}


def document(*records: dict, table: str = "schools") -> dict:
    return {"format": "samskaping-export", "schema_version": 1, "exported_at": TIMES[2],
            "installation": str(uuid.uuid4()), "filters": {}, "tables": {table: list(records)}}


versions = st.builds(school, st.sampled_from(IDS), st.sampled_from(["Fjellby", "Elvedal", "Sjøvik"]), st.sampled_from(TIMES))
# One export holds each id at most once.
documents = st.lists(versions, max_size=4, unique_by=lambda r: r["id"]).map(lambda rs: document(*rs))


def state(store: Store) -> tuple[dict, set]:
    """The records (content only: _received_at differs by clock) and the lost versions kept in conflicts."""
    records = {r["id"]: canonical(r) for r in store.find("schools")}
    lost = {(c["table"], c["record_id"], canonical(c["lost"])) for c in store.find("conflicts")}
    return records, lost


def files(folder: str) -> tuple[bytes, bytes]:
    base = Path(folder) / DB_NAME
    return base.read_bytes() if base.exists() else b"", Path(f"{base}.journal").read_bytes()


def rank(record: dict) -> tuple:
    return datetime.fromisoformat(record["updated_at"]), canonical(record)


def merged_in_order(docs: list[dict]) -> tuple[dict, set]:
    with tempfile.TemporaryDirectory() as folder, Store(folder) as store:
        for number, doc in enumerate(docs):
            apply(store, doc, source=f"doc {number}")
        return state(store)


@PROPERTY
@given(documents, documents)
def test_importing_the_same_export_twice_changes_nothing_the_second_time(earlier, doc):
    with tempfile.TemporaryDirectory() as folder, Store(folder) as store:
        apply(store, earlier, source="earlier")
        apply(store, doc, source="first")
        before, on_disk = state(store), files(folder)
        again = apply(store, doc, source="second")
        assert not again.changed and again.total("added") == again.total("updated") == 0
        assert state(store) == before
        assert files(folder) == on_disk  # not a byte written


@PROPERTY
@given(st.lists(documents, min_size=1, max_size=4), st.randoms())
def test_the_result_does_not_depend_on_the_order_of_imports(docs, random):
    shuffled = list(docs)
    random.shuffle(shuffled)
    records, lost = merged_in_order(docs)
    assert (records, lost) == merged_in_order(shuffled)
    # The newest version of each record wins; every other version that arrived is kept as lost.
    every = {(r["id"], canonical(r)): r for doc in docs for r in doc["tables"]["schools"]}
    for record_id in {rid for rid, _ in every}:
        candidates = [r for (rid, _), r in every.items() if rid == record_id]
        winner = max(candidates, key=rank)
        assert records[record_id] == canonical(winner)
        assert {c for (t, rid, c) in lost if rid == record_id} == {canonical(r) for r in candidates} - {canonical(winner)}


@PROPERTY
@given(st.sampled_from(IDS), st.sampled_from(TIMES), st.sampled_from(TIMES), st.text(min_size=1, max_size=5))
def test_the_newest_version_wins_and_the_loser_is_kept_for_the_leader(record_id, time_a, time_b, name):
    a, b = school(record_id, name, time_a), school(record_id, name + "!", time_b)
    newer, older = (a, b) if rank(a) > rank(b) else (b, a)
    for first, second in ((a, b), (b, a)):
        with tempfile.TemporaryDirectory() as folder, Store(folder) as store:
            apply(store, document(first), source="first")
            report = apply(store, document(second), source="second")
            assert content(store.get("schools", record_id)) == newer
            [conflict] = store.find("conflicts")
            assert (conflict["table"], conflict["record_id"], conflict["resolved"]) == ("schools", record_id, False)
            assert conflict["lost"] == older and conflict["kept"] == newer and conflict["source"] == "second"
            assert report.counts["schools"]["conflicts"] == 1
            assert report.counts["schools"]["updated"] == (1 if second is newer else 0)


@PROPERTY
@given(st.sampled_from(TIMES), st.text(min_size=1, max_size=5), st.text(min_size=1, max_size=5))
def test_equal_times_are_broken_the_same_way_on_every_laptop(moment, name_a, name_b):
    a, b = school(IDS[0], name_a, moment), school(IDS[0], name_b, moment)
    results = set()
    for first, second in ((a, b), (b, a)):
        with tempfile.TemporaryDirectory() as folder, Store(folder) as store:
            apply(store, document(first), source="x")
            apply(store, document(second), source="y")
            results.add(canonical(store.get("schools", IDS[0])))
    assert results == {max(canonical(a), canonical(b))}


def test_a_dry_run_counts_the_same_and_writes_nothing(tmp_path):
    with Store(tmp_path) as store:
        apply(store, document(school(IDS[0], "Fjellby", TIMES[0]), school(IDS[1], "Elvedal", TIMES[0])), source="a")
        doc = document(school(IDS[0], "Fjellby", TIMES[0]), school(IDS[1], "Elvedal skole", TIMES[1]),
                       school(IDS[2], "Sjøvik", TIMES[0]))
        on_disk = files(tmp_path)
        planned = apply(store, doc, source="b", dry_run=True)
        assert files(tmp_path) == on_disk and store.get("schools", IDS[2]) is None
        done = apply(store, doc, source="b")
    assert planned.counts == done.counts == {"schools": {"added": 1, "updated": 1, "unchanged": 1, "conflicts": 1}}


def test_merged_records_keep_their_own_stamps_and_get_a_received_time(tmp_path):
    incoming = {**school(IDS[0].upper(), "Fjellby", TIMES[1]), "updated_by": PERSON, "updated_device": None,
                "_secret": "local bookkeeping of the other laptop"}
    with Store(tmp_path) as store:
        apply(store, document(incoming), source="a")
        stored = store.get("schools", IDS[0])
    assert stored["id"] == IDS[0] and stored["created_at"] == TIMES[0] and stored["updated_at"] == TIMES[1]
    assert stored["author"] == PERSON and "_secret" not in stored
    assert datetime.fromisoformat(stored["_received_at"]) > datetime.fromisoformat(TIMES[2])


def test_each_table_is_written_in_one_journal_line(tmp_path):
    doc = document(*(school(record_id, "Skole", TIMES[0]) for record_id in IDS))
    with Store(tmp_path) as store:
        apply(store, doc, source="a")
        journal = files(tmp_path)[1]
        assert journal.count(b"\n") == 1 and len(store.find("schools")) == len(IDS)


@pytest.mark.parametrize("change, named", [
    (lambda r: r.pop("id"), "the field id is missing"),
    (lambda r: r.update(updated_at="yesterday"), "the field updated_at"),
    (lambda r: r.update(updated_at="2026-11-01T08:00:00"), "the field updated_at"),  # no time zone
    (lambda r: r.update(name=7), "the field name"),
])
def test_a_malformed_record_anywhere_means_nothing_is_written(tmp_path, change, named):
    bad = school(IDS[3], "Sjøvik", TIMES[0])
    change(bad)
    with Store(tmp_path) as store:
        on_disk = files(tmp_path)
        with pytest.raises(ImportProblem) as problem:
            apply(store, document(school(IDS[0], "Fjellby", TIMES[0]), bad), source="a")
        assert files(tmp_path) == on_disk and store.find("schools") == []
    assert named in str(problem.value) and "schools, record 2" in str(problem.value)


def test_the_received_time_is_taken_as_the_store_writes_not_before(tmp_path, monkeypatch):
    """A sync asking "what changed since T" must not miss a record: its `_received_at` is stamped inside
    Store.put_many, under the store's lock, so no write stamped earlier can land after the reader looked."""
    with Store(tmp_path) as store:
        entered = []
        real_put_many = store.put_many

        def slow_put_many(table, records, **kwargs):
            time.sleep(0.01)  # as if another thread held the lock a moment
            entered.append(datetime.now(timezone.utc))
            return real_put_many(table, records, **kwargs)
        monkeypatch.setattr(store, "put_many", slow_put_many)
        apply(store, document(school(IDS[0], "Fjellby", TIMES[1])), source="a")
        stored = store.get("schools", IDS[0])
    assert datetime.fromisoformat(stored["_received_at"]) >= entered[0]


def test_a_bad_barometer_round_is_refused_naming_the_record_and_field_and_nothing_is_written(tmp_path):
    round_ = {**school(IDS[1], "", TIMES[0]), "title": "Høst", "status": "open", "closes_on": "2026-02-30",
              "closed_at": None, "statement_ids": [], "invited": []}
    del round_["name"]
    doc = document(school(IDS[0], "Fjellby", TIMES[0]))
    doc["tables"]["rounds"] = [round_]
    with Store(tmp_path) as store:
        on_disk = files(tmp_path)
        with pytest.raises(ImportProblem) as problem:
            apply(store, doc, source="a")
        assert files(tmp_path) == on_disk and store.find("schools") == [] and store.find("rounds") == []
    assert "rounds, record 1" in str(problem.value) and "the field closes_on" in str(problem.value)
    round_["closes_on"] = "2026-02-28"
    with Store(tmp_path) as store:
        apply(store, doc, source="a")
        assert store.get("rounds", IDS[1])["closes_on"] == "2026-02-28"


# ---- Barometer rounds closed here: their published results never move by one person's answer -----------

ROUNDS = [str(uuid.UUID(int=n, version=4)) for n in range(101, 103)]
ANSWERS = [str(uuid.UUID(int=n, version=4)) for n in range(201, 204)]
STATEMENT = "5a3c1e00-0000-4000-8000-0000000051a1"


def barometer_round(record_id: str, status: str, updated_at: str = TIMES[0], closes_on: str | None = None) -> dict:
    return {"id": record_id, "title": "Høsten", "status": status, "closes_on": closes_on,
            "closed_at": updated_at if status == "closed" else None, "statement_ids": [STATEMENT], "invited": [],
            "created_at": TIMES[0], "updated_at": updated_at, "author": None, "device": None}


def answer(record_id: str, round_id: str, value: int, updated_at: str = TIMES[0]) -> dict:
    return {"id": record_id, "round": round_id, "person": PERSON, "side": "kommune", "values": {STATEMENT: value},
            "comment": "", "created_at": TIMES[0], "updated_at": updated_at, "author": PERSON, "device": None}


def barometer(rounds: list[dict], answers: list[dict], answers_first: bool = False) -> dict:
    doc = document()
    doc["tables"] = {"answers": answers, "rounds": rounds} if answers_first else {"rounds": rounds, "answers": answers}
    return doc


def values_of(store: Store) -> dict:
    return {a["id"]: a["values"][STATEMENT] for a in store.find("answers")}


def test_answers_to_a_round_closed_here_are_not_taken_but_counted(tmp_path):
    with Store(tmp_path) as store:
        apply(store, barometer([barometer_round(ROUNDS[0], "closed")], [answer(ANSWERS[0], ROUNDS[0], 3)]), source="a")
        later = barometer([], [answer(ANSWERS[0], ROUNDS[0], 3),  # the same again
                               answer(ANSWERS[1], ROUNDS[0], 5),  # new: would change the results
                               answer(ANSWERS[2], ROUNDS[0].upper(), 1, TIMES[1])])
        later["tables"]["answers"][1:1] = [answer(ANSWERS[0], ROUNDS[0], 1, TIMES[1])]  # changed later elsewhere
        later["tables"]["answers"].pop(0)
        on_disk = files(tmp_path)
        planned = apply(store, later, source="b", dry_run=True)
        done = apply(store, later, source="b")
        assert planned.counts == done.counts == {"answers": {"added": 0, "updated": 0, "unchanged": 0,
                                                             "conflicts": 0, "late": 3}}
        assert not done.changed and files(tmp_path) == on_disk
        assert values_of(store) == {ANSWERS[0]: 3} and store.find("conflicts") == []  # no one's answer kept aside
        again = apply(store, barometer([], [answer(ANSWERS[0], ROUNDS[0], 3)]), source="c")
        assert again.counts == {"answers": {"added": 0, "updated": 0, "unchanged": 1, "conflicts": 0}}


def test_a_round_closed_here_by_its_last_day_takes_no_more_answers_an_open_one_does(tmp_path):
    with Store(tmp_path) as store:
        apply(store, barometer([barometer_round(ROUNDS[0], "open", closes_on="2026-01-31"),
                                barometer_round(ROUNDS[1], "open", closes_on=None)], []), source="a")
        report = apply(store, barometer([], [answer(ANSWERS[0], ROUNDS[0], 4), answer(ANSWERS[1], ROUNDS[1], 4)]),
                       source="b")
        assert report.counts["answers"]["late"] == 1 and report.counts["answers"]["added"] == 1
        assert values_of(store) == {ANSWERS[1]: 4}


@pytest.mark.parametrize("answers_first", [False, True])
def test_a_closed_round_new_here_comes_whole_with_its_answers(tmp_path, answers_first):
    doc = barometer([barometer_round(ROUNDS[0], "closed", TIMES[1])],
                    [answer(ANSWERS[0], ROUNDS[0], 2), answer(ANSWERS[1], ROUNDS[0], 5)], answers_first=answers_first)
    with Store(tmp_path) as store:
        report = apply(store, doc, source="a")
        assert report.counts["rounds"]["added"] == 1 and report.counts["answers"]["added"] == 2
        assert not apply(store, doc, source="a again").changed
        # Now it is closed here: an answer that comes in a later document is not taken.
        late = apply(store, barometer([], [answer(ANSWERS[2], ROUNDS[0], 1)]), source="b")
        assert late.counts["answers"]["late"] == 1
        assert values_of(store) == {ANSWERS[0]: 2, ANSWERS[1]: 5}


def test_a_round_that_closed_elsewhere_still_takes_the_answers_that_come_with_the_closing(tmp_path):
    """Open here (its results not shown yet): the document that closes it brings answers given while it was open."""
    with Store(tmp_path) as store:
        apply(store, barometer([barometer_round(ROUNDS[0], "open")], []), source="a")
        report = apply(store, barometer([barometer_round(ROUNDS[0], "closed", TIMES[2])],
                                        [answer(ANSWERS[0], ROUNDS[0], 2, TIMES[1])]), source="b")
        assert report.counts["answers"]["added"] == 1 and store.get("rounds", ROUNDS[0])["status"] == "closed"


rounds_versions = st.builds(barometer_round, st.sampled_from(ROUNDS), st.sampled_from(["open", "closed"]),
                            st.sampled_from(TIMES))
answer_versions = st.builds(answer, st.sampled_from(ANSWERS), st.sampled_from(ROUNDS), st.integers(1, 5),
                            st.sampled_from(TIMES))
barometer_documents = st.builds(barometer, st.lists(rounds_versions, max_size=2, unique_by=lambda r: r["id"]),
                                st.lists(answer_versions, max_size=3, unique_by=lambda r: r["id"]), st.booleans())
open_documents = st.builds(barometer, st.lists(st.builds(barometer_round, st.sampled_from(ROUNDS), st.just("open"),
                                                         st.sampled_from(TIMES)), max_size=2, unique_by=lambda r: r["id"]),
                           st.lists(answer_versions, max_size=3, unique_by=lambda r: r["id"]))


def barometer_state(store: Store) -> tuple[dict, set]:
    records = {(table, r["id"]): canonical(r) for table in ("rounds", "answers") for r in store.find(table)}
    lost = {(c["table"], c["record_id"], canonical(c["lost"])) for c in store.find("conflicts")}
    return records, lost


@PROPERTY
@given(barometer_documents, barometer_documents)
def test_importing_the_same_barometer_export_twice_changes_nothing_the_second_time(earlier, doc):
    with tempfile.TemporaryDirectory() as folder, Store(folder) as store:
        apply(store, earlier, source="earlier")
        apply(store, doc, source="first")
        before, on_disk = barometer_state(store), files(folder)
        again = apply(store, doc, source="second")
        assert not again.changed and again.total("added") == again.total("updated") == 0
        assert barometer_state(store) == before and files(folder) == on_disk


@PROPERTY
@given(st.lists(open_documents, min_size=1, max_size=4), st.randoms())
def test_while_rounds_are_open_their_answers_merge_in_any_order(docs, random):
    shuffled = list(docs)
    random.shuffle(shuffled)

    def merged(order: list[dict]) -> tuple[dict, set]:
        with tempfile.TemporaryDirectory() as folder, Store(folder) as store:
            for number, doc in enumerate(order):
                apply(store, doc, source=f"doc {number}")
            return barometer_state(store)
    assert merged(docs) == merged(shuffled)


def test_a_closed_round_is_never_opened_again_by_a_merge_nor_by_choosing_the_other_version(tmp_path):
    """Closing is the only change a round gets; a laptop whose clock ran ahead must not undo it."""
    from samskaping.core.exchange.merge import resolve_conflict
    closed, reopened = barometer_round(ROUNDS[0], "closed", TIMES[0]), barometer_round(ROUNDS[0], "open", TIMES[2])
    for first, second in ((closed, reopened), (reopened, closed)):
        with tempfile.TemporaryDirectory() as folder, Store(folder) as store:
            apply(store, barometer([first], []), source="a")
            apply(store, barometer([second], []), source="b")
            assert content(store.get("rounds", ROUNDS[0])) == closed
            [conflict] = store.find("conflicts")
            assert conflict["lost"] == reopened
            resolve_conflict(store, conflict, "other")
            assert store.get("rounds", ROUNDS[0])["status"] == "closed"
