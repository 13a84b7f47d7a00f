"""Import and export jobs, through the imports and exports apps' services.

An upload becomes an import job as on the Import page; an export of a deck becomes
an export job whose file is downloaded once it is done (the web UI's background
path, used here for every size so a script has one flow).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import File, Form, Path, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from api.main import PageQuery, paginate, user_of, with_errors
from api.schemas import (
    MAX_ID,
    ExportIn,
    ExportJobOut,
    ExportJobPage,
    ImportJobOut,
    ImportJobPage,
)
from exports.models import ExportJob
from exports.selectors import ExportScope
from exports.services import job_file, start_export_job
from flashcards.access import get_deck_for_user
from flashcards.services.notetypes import ensure_stock_note_types
from imports.errors import ImportError_
from imports.models import ImportJob
from imports.services.jobs import (
    create_job,
    discard_job,
    percent,
    read_job_text,
    start_job,
    store_upload,
    upload_kind,
)
from imports.text_import import spec_for_file

router = Router(tags=["import and export"])
IdPath = Path(..., ge=1, le=MAX_ID)
DECK_NAME = Form("", max_length=1000)

_BINARY = {
    "responses": {
        200: {
            "description": "The exported file.",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    }
}


def import_out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "source_name": job.source_name,
        "status": job.status,
        "percent": percent(job),
        "report": job.report,
        "error": job.error,
        "created": job.created,
        "finished": job.finished,
    }


@router.post("/imports", response=with_errors({202: ImportJobOut}))
def start_import(
    request: HttpRequest, file: File[UploadedFile], deck_name: str = DECK_NAME
) -> Status[dict[str, Any]]:
    """Import an Anki package (.apkg, .colpkg) or a CSV/TSV file.

    Packages keep their decks (or go under `deck_name`). Text files follow their Anki
    `#` headers; columns without headers fill the note type's fields in order.
    Poll GET /imports/{id} until it is done or failed.
    """
    user = user_of(request)
    ensure_stock_note_types(owner=user)
    name = (file.name or "upload").replace("\x00", "")
    deck_name = deck_name.replace("\x00", "").strip()
    head = file.read(4)
    file.seek(0)
    kind = upload_kind(name, head)
    try:
        path = store_upload(file, name)
    except ImportError_ as exc:
        raise HttpError(400, str(exc)) from None
    job = create_job(owner=user, kind=kind, source_name=name, path=path, deck_name=deck_name)
    if kind == ImportJob.TEXT:
        try:
            spec, _header = spec_for_file(read_job_text(job), deck=deck_name or None)
        except ImportError_ as exc:
            discard_job(job=job)
            raise HttpError(400, str(exc)) from None
        job.options = spec.to_dict()
        job.save(update_fields=["options"])
    job = start_job(job)
    return Status(202, import_out(job))


@router.get("/imports", response=with_errors({200: ImportJobPage}))
def list_imports(request: HttpRequest, pages: Query[PageQuery]) -> dict[str, Any]:
    jobs = ImportJob.objects.filter(owner=user_of(request)).order_by("-created", "-pk")
    return paginate(jobs, pages, import_out)


@router.get("/imports/{job_id}", response=with_errors({200: ImportJobOut}))
def get_import(request: HttpRequest, job_id: int = IdPath) -> dict[str, Any]:
    return import_out(get_object_or_404(ImportJob, pk=job_id, owner=user_of(request)))


def export_out(job: ExportJob) -> dict[str, Any]:
    done = job.status == ExportJob.DONE
    return {
        "id": job.pk,
        "title": job.title,
        "format": job.format,
        "status": job.status,
        "percent": job.percent,
        "filename": job.filename,
        "file_size": job.file_size,
        "missing_media": job.missing_media,
        "error": job.error,
        "created": job.created,
        "finished": job.finished,
        "download": reverse("api_v1:export_file", args=[job.pk]) if done else None,
    }


@router.post("/exports", response=with_errors({202: ExportJobOut}))
def start_export(request: HttpRequest, payload: ExportIn) -> Status[dict[str, Any]]:
    """Export a deck and its subdecks; poll GET /exports/{id}, then fetch `download`."""
    user = user_of(request)
    deck = get_deck_for_user(user, payload.deck_id)
    job = start_export_job(
        owner=user,
        scope=ExportScope.for_deck(deck),
        fmt=payload.format,
        with_progress=payload.with_progress,
    )
    return Status(202, export_out(job))


@router.get("/exports", response=with_errors({200: ExportJobPage}))
def list_exports(request: HttpRequest, pages: Query[PageQuery]) -> dict[str, Any]:
    jobs = ExportJob.objects.filter(owner=user_of(request)).order_by("-created", "-pk")
    return paginate(jobs, pages, export_out)


@router.get("/exports/{job_id}", response=with_errors({200: ExportJobOut}))
def get_export(request: HttpRequest, job_id: int = IdPath) -> dict[str, Any]:
    return export_out(get_object_or_404(ExportJob, pk=job_id, owner=user_of(request)))


@router.get(
    "/exports/{job_id}/file",
    response=with_errors({}),
    openapi_extra=_BINARY,
    url_name="export_file",
)
def download_export(request: HttpRequest, job_id: int = IdPath) -> FileResponse:
    """The exported file, once the job is done (404 before that)."""
    job = get_object_or_404(ExportJob, pk=job_id, owner=user_of(request))
    path = job_file(job)
    if path is None:
        raise Http404("This export is not ready, failed, or has expired.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type="application/octet-stream",
    )
