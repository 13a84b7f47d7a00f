"""Cards and the review log as CSV, JSON and Excel, read back as pandas users would."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import openpyxl
import pytest
from django.urls import reverse

from reviews import scheduling
from stats import exports
from stats.models import SpreadsheetJob
from stats.selectors import deck_scope
from stats.services import run_spreadsheet_job
from tests import factories
from tests.stats.fixture import NOW, REVIEWS, build_history

pytestmark = pytest.mark.django_db

SPANISH_CARDS = 13  # s1-s11 minus "other" (in Other), plus two unseen cards
ALL_CARDS = SPANISH_CARDS + 1
SPANISH_REVIEWS = len(REVIEWS)
ALL_REVIEWS = SPANISH_REVIEWS + 1


@pytest.fixture
def history():
    return build_history()


@pytest.fixture
def client_of(client, history):
    client.force_login(history.learner)
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv(response) -> list[dict]:
    assert response.streaming
    return list(csv.DictReader(io.StringIO(_body(response).decode("utf-8-sig"))))


def _json(response) -> list[dict]:
    assert response.streaming
    return json.loads(_body(response))


def _xlsx(response) -> list[dict]:
    book = openpyxl.load_workbook(io.BytesIO(_body(response)), read_only=True)
    records = []
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = next(rows)
        # Read-only sheets end a row at its last value: pad the empty cells back.
        width = len(header)
        records += [
            dict(zip(header, row + (None,) * (width - len(row)), strict=True)) for row in rows
        ]
    return records


READERS = {"csv": _csv, "json": _json, "xlsx": _xlsx}


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_every_card_of_the_collection_comes_back(client_of, history, fmt):
    response = client_of.get(reverse("stats:export", args=["cards", fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="collection-cards-')
    rows = READERS[fmt](response)
    assert len(rows) == ALL_CARDS
    assert {int(row["card_id"]) for row in rows} == set(
        history.learner.notes.values_list("cards__id", flat=True)
    )
    by_front = {row["Front"]: row for row in rows}
    s4 = by_front["card s4"]
    assert s4["deck"] == "Spanish"
    assert s4["note_type"] == "Basic"
    assert s4["card_type"] == "Card 1"
    assert s4["Back"] == "x"
    assert s4["state"] == "review"
    assert int(s4["interval_days"]) == 41
    assert float(s4["stability"]) == 50.0
    assert int(s4["lapses"]) == 5
    assert by_front["unseen 0"]["state"] == "new"
    assert by_front["card s10"]["suspended"] in (True, "True")


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_every_review_of_a_deck_comes_back_with_its_study_day(client_of, history, fmt):
    url = reverse("stats:deck_export", args=[history.spanish.pk, "reviews", fmt])
    rows = READERS[fmt](client_of.get(url))
    assert len(rows) == SPANISH_REVIEWS
    by_when = {}
    for row in rows:
        moment = row["reviewed_at_utc"]
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        else:  # Excel: naive UTC
            moment = moment.replace(tzinfo=UTC)
        by_when.setdefault(moment, []).append(row)
    first_second = by_when[datetime(2024, 3, 12, 8, 0, tzinfo=UTC)][0]
    assert str(first_second["study_day"])[:10] == "2024-03-12"
    last_second = by_when[datetime(2024, 3, 12, 7, 59, tzinfo=UTC)][0]
    assert str(last_second["study_day"])[:10] == "2024-03-11"
    assert last_second["answer"] == "Easy"
    assert last_second["kind"] == "review"
    assert int(last_second["last_interval_days"]) == 21
    assert {row["deck"] for row in rows} == {"Spanish"}


def test_the_collection_review_log_has_every_review(client_of):
    for fmt in ("csv", "json", "xlsx"):
        rows = READERS[fmt](client_of.get(reverse("stats:export", args=["reviews", fmt])))
        assert len(rows) == ALL_REVIEWS
        assert len({row["review_id"] for row in rows}) == ALL_REVIEWS


def test_retrievability_in_the_export_is_fsrs_now(history):
    table = exports.cards_table(deck_scope(history.learner, history.spanish.pk), now=NOW)
    column = table.columns.index("retrievability")
    card_column = table.columns.index("card_id")
    rows = {row[card_column]: row for row in table.rows}
    state = history.states["s1"]
    expected = scheduling.retrievability(state.schedule(), NOW, scheduling.SchedulerConfig())
    assert rows[history.cards["s1"].pk][column] == pytest.approx(expected)
    assert rows[history.cards["s11"].pk][column] is None  # new: no memory yet


def test_field_columns_span_note_types_and_formulas_stay_text(owner, owner_client):
    deck = factories.make_deck(owner, "Mixed")
    basic = factories.make_note_type_basic(owner)
    cloze = factories.make_note_type_cloze(owner)
    factories.make_note(owner, basic, deck, ("=1+1", "@SUM(A1)\x07"), tags=["maths", "tricky"])
    factories.make_note(owner, cloze, deck, ("{{c1::Paris}} is in France", "extra"))
    table = exports.cards_table(deck_scope(owner, deck.pk), now=NOW)
    assert table.columns[:5] == ["card_id", "note_id", "deck", "note_type", "card_type"]
    assert {"Front", "Back", "Text", "Back Extra"} <= set(table.columns)
    out = io.BytesIO()
    rows = list(table.rows)
    table.rows = iter(rows)
    assert exports.write_xlsx(table, out) == 2
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    front = sheet.cell(row=2, column=header.index("Front") + 1)
    assert front.value == "=1+1" and front.data_type == "s"
    assert sheet.cell(row=2, column=header.index("Back") + 1).value == "@SUM(A1)"
    assert sheet.cell(row=2, column=header.index("tags") + 1).value == "maths tricky"
    assert sheet.cell(row=3, column=header.index("card_type") + 1).value == "Cloze 1"
    assert sheet.cell(row=3, column=header.index("Front") + 1).value is None


def test_a_long_table_continues_on_more_sheets(history, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_ROWS_PER_SHEET", 5)
    table = exports.reviews_table(deck_scope(history.learner, history.spanish.pk), now=NOW)
    out = io.BytesIO()
    assert exports.write_xlsx(table, out) == SPANISH_REVIEWS
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    assert book.sheetnames == ["reviews", "reviews 2", "reviews 3"]
    assert sum(len(list(sheet.iter_rows())) - 1 for sheet in book.worksheets) == SPANISH_REVIEWS


def test_an_unknown_download_is_a_404(client_of, history):
    assert client_of.get("/stats/export/cards.parquet").status_code == 404
    assert client_of.get("/stats/export/notes.csv").status_code == 404


def test_a_big_excel_file_is_built_in_the_background(
    client_of, history, monkeypatch, django_capture_on_commit_callbacks, client, other_user
):
    monkeypatch.setattr(exports, "XLSX_IN_REQUEST_ROWS", 3)
    url = reverse("stats:deck_export", args=[history.spanish.pk, "reviews", "xlsx"])
    page = client_of.get(url)
    assert page.status_code == 200
    assert b"Build the Excel file" in page.content
    assert not SpreadsheetJob.objects.exists()  # a GET starts nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of.post(url)
    job = SpreadsheetJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("stats:spreadsheet", args=[job.pk])
    job.refresh_from_db()
    assert job.status == SpreadsheetJob.DONE
    assert job.rows_done == job.rows_total == SPANISH_REVIEWS
    status = client_of.get(reverse("stats:spreadsheet", args=[job.pk]))
    assert b"Ready." in status.content
    download = client_of.get(reverse("stats:spreadsheet_download", args=[job.pk]))
    assert download["Content-Disposition"].startswith('attachment; filename="spanish-reviews-')
    assert len(_xlsx(download)) == SPANISH_REVIEWS
    # Only its owner sees the job and its file.
    client.force_login(other_user)
    assert client.get(reverse("stats:spreadsheet", args=[job.pk])).status_code == 404
    assert client.get(reverse("stats:spreadsheet_download", args=[job.pk])).status_code == 404


def test_a_background_build_fails_cleanly_when_the_deck_is_gone(
    client_of, history, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "XLSX_IN_REQUEST_ROWS", 3)
    job = SpreadsheetJob.objects.create(
        owner=history.learner, deck=None, title="Spanish", dataset="cards"
    )
    run_spreadsheet_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == SpreadsheetJob.FAILED
    assert "deleted" in job.error
    page = client_of.get(reverse("stats:spreadsheet", args=[job.pk]))
    assert b"deleted" in page.content


def test_csv_and_json_downloads_answer_only_get(client_of):
    assert client_of.post(reverse("stats:export", args=["cards", "csv"])).status_code == 405
