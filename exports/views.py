from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.types import AuthedRequest
from exports.forms import ExportForm, parse_card_ids
from exports.models import ExportJob
from exports.selectors import ExportScope, count_cards, count_notes
from exports.services import (
    CONTENT_TYPES,
    background_threshold,
    build_export_file,
    job_file,
    record_finished_export,
    start_export_job,
)
from reviews.selectors import get_deck_for_learner


def _export(request: AuthedRequest, scope: ExportScope, form: ExportForm) -> HttpResponse | None:
    """Build or queue the export; None when there is nothing to export (form has the error)."""
    fmt = form.cleaned_data["format"]
    with_progress = form.cleaned_data["with_progress"]
    notes = count_notes(scope)
    if notes == 0:
        form.add_error(None, "There is nothing to export: no cards here yet.")
        return None
    if notes >= background_threshold():
        job = start_export_job(
            owner=request.user,
            scope=scope,
            fmt=fmt,
            with_progress=with_progress,
            notes_total=notes,
        )
        return redirect("exports:job", job.pk)
    built = build_export_file(scope=scope, fmt=fmt, with_progress=with_progress)
    if built.missing_media:
        # Say which files are missing before the download, on the job's page.
        job = record_finished_export(
            owner=request.user, scope=scope, fmt=fmt, with_progress=with_progress, built=built
        )
        messages.warning(
            request,
            f"{len(built.missing_media)} media file{'s' if len(built.missing_media) != 1 else ''}"
            " could not be found and were left out of the export.",
        )
        return redirect("exports:job", job.pk)
    handle = open(built.path, "rb")  # noqa: SIM115 - FileResponse closes it
    built.path.unlink()  # the open handle keeps the bytes until the response is sent
    return FileResponse(
        handle, as_attachment=True, filename=built.filename, content_type=CONTENT_TYPES[fmt]
    )


def _options_context(scope: ExportScope, form: ExportForm, **extra: object) -> dict:
    return {
        "scope": scope,
        "form": form,
        "note_count": count_notes(scope),
        "card_count": count_cards(scope),
        "background_threshold": background_threshold(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def deck_export(request: AuthedRequest, deck_id: int) -> HttpResponse:
    # Anyone who may study the deck may download it: its owner, and the members of a
    # class it is assigned to (with their own progress, never the owner's).
    deck = get_deck_for_learner(request.user, deck_id)
    scope = ExportScope.for_deck(deck, learner=request.user)
    form = ExportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            response = _export(request, scope, form)
            if response is not None:
                return response
        status = 422
    context = _options_context(scope, form, deck=deck, subdecks=len(scope.deck_ids) - 1)
    return render(request, "exports/export.html", context, status=status)


@login_required
@require_POST
def selection_export(request: AuthedRequest) -> HttpResponse:
    """From the browser: the first POST (no format yet) shows the options."""
    try:
        card_ids = parse_card_ids(request.POST.getlist("card_ids"))
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("flashcards:browse")
    scope = ExportScope.for_cards(request.user, card_ids)
    if not card_ids or count_cards(scope) == 0:
        if card_ids:
            raise Http404("No such cards.")
        messages.error(request, "Select some cards to export first.")
        return redirect("flashcards:browse")
    form = ExportForm(request.POST if "format" in request.POST else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            response = _export(request, scope, form)
            if response is not None:
                return response
        status = 422
    context = _options_context(scope, form, selected_ids=",".join(str(pk) for pk in scope.card_ids))
    return render(request, "exports/export.html", context, status=status)


def _job_for_user(request: AuthedRequest, job_id: int) -> ExportJob:
    return get_object_or_404(ExportJob, pk=job_id, owner=request.user)


@login_required
@require_GET
def job_detail(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = _job_for_user(request, job_id)
    job.fail_if_abandoned()
    template = "exports/job.html#status" if request.htmx else "exports/job.html"
    return render(request, template, {"job": job, "ready": job_file(job) is not None})


@login_required
@require_GET
def job_download(request: AuthedRequest, job_id: int) -> HttpResponse:
    job = _job_for_user(request, job_id)
    path = job_file(job)
    if path is None:
        raise Http404("This export is not ready or has expired.")
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=job.filename,
        content_type=CONTENT_TYPES[job.format],
    )
