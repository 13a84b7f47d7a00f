"""The statistics page (the collection or one deck) and its data downloads."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from config.types import AuthedRequest
from flashcards.rendering import render_card_html
from reviews.selectors import get_card_for_learner
from stats import exports, services
from stats.models import SpreadsheetJob
from stats.presentation import page_charts, percent
from stats.selectors import (
    DEFAULT_RANGE,
    RANGE_LABELS,
    StatsScope,
    collection_scope,
    deck_scope,
    stats_page,
)


def _export_url(scope: StatsScope, dataset: str, fmt: str) -> str:
    if scope.deck is None:
        return reverse("stats:export", args=[dataset, fmt])
    return reverse("stats:deck_export", args=[scope.deck.pk, dataset, fmt])


def _format_label(fmt: str) -> str:
    return "Excel" if fmt == "xlsx" else fmt.upper()


def _render(request: AuthedRequest, scope: StatsScope) -> HttpResponse:
    range_key = request.GET.get("range", DEFAULT_RANGE)
    page = stats_page(scope, range_key=range_key)
    downloads = [
        (
            dataset,
            [(_format_label(fmt), _export_url(scope, dataset, fmt)) for fmt in exports.FORMATS],
        )
        for dataset in exports.DATASETS
    ]
    context = {
        "page": page,
        "scope": scope,
        "charts": page_charts(page),
        "ranges": [(key, label, key == page.range_key) for key, label in RANGE_LABELS.items()],
        "downloads": downloads,
        "today_retention": percent(page.today.retention.rate),
        "hardest": [
            ("Most lapses", page.hardest_by_lapses),
            ("Highest difficulty", page.hardest_by_difficulty),
        ],
    }
    return render(request, "stats/stats.html", context)


@login_required
@require_GET
def collection_stats(request: AuthedRequest) -> HttpResponse:
    return _render(request, collection_scope(request.user))


@login_required
@require_GET
def deck_stats(request: AuthedRequest, deck_id: int) -> HttpResponse:
    return _render(request, deck_scope(request.user, deck_id))


def _download(request: AuthedRequest, scope: StatsScope, dataset: str, fmt: str) -> HttpResponse:
    if dataset not in exports.DATASETS or fmt not in exports.FORMATS:
        raise Http404("No such download.")
    if fmt != "xlsx" and request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    filename = services.download_name(scope, dataset, fmt)
    if fmt == "xlsx":
        rows = exports.count_rows(dataset, scope)
        if rows > exports.XLSX_IN_REQUEST_ROWS:
            # Too long to build while the browser waits: a background job, started by a
            # button (a POST), so a link followed by a crawler never starts one.
            if request.method == "POST":
                job = services.start_spreadsheet_job(
                    learner=request.user, deck=scope.deck, dataset=dataset, rows_total=rows
                )
                return redirect("stats:spreadsheet", job.pk)
            context = {"scope": scope, "dataset": dataset, "rows": rows}
            return render(request, "stats/spreadsheet_start.html", context)
        # openpyxl finishes the zip at the end: write to disk, then send the file.
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        exports.write_xlsx(exports.build_table(dataset, scope), handle)
        handle.seek(0)
        return FileResponse(
            handle, as_attachment=True, filename=filename, content_type=exports.FORMATS[fmt]
        )
    table = exports.build_table(dataset, scope)
    chunks = exports.csv_chunks(table) if fmt == "csv" else exports.json_chunks(table)
    response = StreamingHttpResponse(chunks, content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def collection_export(request: AuthedRequest, dataset: str, fmt: str) -> HttpResponse:
    return _download(request, collection_scope(request.user), dataset, fmt)


@login_required
@require_http_methods(["GET", "POST"])
def deck_export(request: AuthedRequest, deck_id: int, dataset: str, fmt: str) -> HttpResponse:
    return _download(request, deck_scope(request.user, deck_id), dataset, fmt)


def _job_for_user(request: AuthedRequest, job_id: int) -> SpreadsheetJob:
    return get_object_or_404(
        SpreadsheetJob.objects.select_related("deck"), pk=job_id, owner=request.user
    )


@login_required
@require_GET
def spreadsheet(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = _job_for_user(request, job_id)
    job.fail_if_abandoned()
    template = "stats/spreadsheet.html#status" if request.htmx else "stats/spreadsheet.html"
    context = {"job": job, "ready": services.spreadsheet_file(job) is not None}
    return render(request, template, context)


@login_required
@require_GET
def spreadsheet_download(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = _job_for_user(request, job_id)
    path = services.spreadsheet_file(job)
    if path is None:
        raise Http404("This file is not ready or has expired.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=exports.FORMATS["xlsx"],
    )


@login_required
@require_GET
def card_preview(request: AuthedRequest, card_id: int) -> HttpResponse:
    """A hard card's two sides, for a learner who studies it but may not edit it (a class
    deck): the hardest-cards table links owners to the note editor and everyone else here."""
    card = get_card_for_learner(request.user, card_id)
    rendered = render_card_html(card, learner=request.user, reveal=True)
    return render(request, "stats/card.html", {"card": card, "rendered": rendered})
