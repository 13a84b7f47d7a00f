from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.types import AuthedRequest
from flashcards.models import NoteType
from flashcards.services.notetypes import ensure_stock_note_types
from imports.errors import ImportError_
from imports.forms import FileImportForm, MappingForm, PasteForm
from imports.models import ImportJob
from imports.services import ImportReport
from imports.services.jobs import (
    create_job,
    discard_job,
    fail_if_abandoned,
    percent,
    read_job_text,
    read_progress,
    start_job,
    start_text_job,
    store_upload,
    upload_kind,
)
from imports.text_import import (
    MAX_PREVIEW_ROWS,
    SEPARATOR_NAMES,
    TextImportSpec,
    default_columns,
    read_rows,
    spec_for_file,
    split_header,
)


def get_job_for_user(user: object, pk: int) -> ImportJob:
    """The user's own import job, 404 for anyone else's."""
    return get_object_or_404(ImportJob, pk=pk, owner=user)


def _upload_page(
    request: AuthedRequest,
    *,
    file_form: FileImportForm | None = None,
    paste_form: PasteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "file_form": file_form or FileImportForm(),
        "paste_form": paste_form or PasteForm(owner=request.user),
        "jobs": ImportJob.objects.filter(owner=request.user)[:10],
    }
    return render(request, "imports/upload.html", context, status=status)


@login_required
@require_GET
def upload(request: AuthedRequest) -> HttpResponse:
    ensure_stock_note_types(owner=request.user)
    return _upload_page(request)


@login_required
@require_POST
def upload_file(request: AuthedRequest) -> HttpResponse:
    form = FileImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, file_form=form, status=422)
    upload = form.cleaned_data["file"]
    deck_name = form.cleaned_data["deck_name"]
    head = upload.read(4)
    upload.seek(0)
    kind = upload_kind(upload.name, head)
    try:
        path = store_upload(upload, upload.name)
    except ImportError_ as exc:
        form.add_error("file", str(exc))
        return _upload_page(request, file_form=form, status=422)
    job = create_job(
        owner=request.user, kind=kind, source_name=upload.name, path=path, deck_name=deck_name
    )
    if kind == ImportJob.PACKAGE:
        start_job(job)
        return redirect("imports:job", job.pk)
    try:
        spec, header = spec_for_file(read_job_text(job), deck=deck_name or None)
    except ImportError_ as exc:
        discard_job(job=job)
        form.add_error("file", str(exc))
        return _upload_page(request, file_form=form, status=422)
    job.options = spec.to_dict()
    if header.is_complete:
        job.save(update_fields=["options"])
        start_job(job)
        return redirect("imports:job", job.pk)
    job.status = ImportJob.MAPPING
    job.save(update_fields=["options", "status"])
    return redirect("imports:mapping", job.pk)


@login_required
@require_POST
def paste(request: AuthedRequest) -> HttpResponse:
    form = PasteForm(request.POST, owner=request.user)
    if not form.is_valid():
        return _upload_page(request, paste_form=form, status=422)
    data = form.cleaned_data
    spec = TextImportSpec(
        separator=data["term"],
        row_separator=data["row"],
        pasted=True,
        html=False,
        note_type=data["note_type"].name,
        deck=data["deck"],
    )
    job = start_text_job(
        owner=request.user, source_name="Pasted text", text=data["text"], spec=spec
    )
    return redirect("imports:job", job.pk)


def _mapping_form(
    request: AuthedRequest, job: ImportJob, spec: TextImportSpec, rows: list[list[str]]
) -> MappingForm:
    width = max((len(row) for row in rows), default=0)
    data = request.POST if request.method == "POST" else None
    note_type = None
    if data is not None:
        note_type = NoteType.objects.filter(owner=request.user, pk=data.get("note_type")).first()
    if note_type is None:
        note_type = NoteType.objects.filter(owner=request.user, name=spec.note_type).first()
    if note_type is None:
        note_type = NoteType.objects.filter(owner=request.user).first()
    columns = spec.columns or default_columns(note_type.field_names if note_type else [], width)
    initial = {
        "separator": MappingForm.separator_key(spec.separator),
        "note_type": note_type.pk if note_type else None,
        "deck": spec.deck,
        "html": spec.html,
        "first_row_is_header": spec.first_row_is_header,
        **{f"column_{index}": name for index, name in enumerate(columns)},
    }
    if data is not None and "refresh" in data:
        # A changed note type or separator: new choices, the rest as typed.
        data = data.copy()
        for index in range(width):
            data[f"column_{index}"] = initial.get(f"column_{index}", "")
    return MappingForm(data, initial=initial, owner=request.user, note_type=note_type, width=width)


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: AuthedRequest, pk: int) -> HttpResponse:
    """A text file without Anki's headers: choose how to read it, with a preview."""
    job = get_job_for_user(request.user, pk)
    if job.status != ImportJob.MAPPING:
        return redirect("imports:job", job.pk)
    spec = TextImportSpec.from_dict(job.options)
    separator = spec.separator
    if request.method == "POST":
        separator = SEPARATOR_NAMES.get(request.POST.get("separator", ""), separator)
        if "refresh" in request.POST:
            spec.columns = []  # the new separator or note type gets fresh defaults
    try:
        _, body = split_header(read_job_text(job))
        rows = read_rows(body, separator, limit=200)
    except (ImportError_, OSError) as exc:
        discard_job(job=job)
        return render(request, "imports/mapping.html", {"job": job, "error": str(exc)}, status=422)
    spec.separator = separator
    form = _mapping_form(request, job, spec, rows)
    status = 200
    if request.method == "POST" and "refresh" not in request.POST:
        if form.is_valid():
            data = form.cleaned_data
            spec.note_type = data["note_type"].name
            spec.deck = data["deck"]
            spec.html = data["html"]
            spec.first_row_is_header = data["first_row_is_header"]
            spec.columns = form.columns()
            job.options = spec.to_dict()
            job.deck_name = spec.deck
            start_job(job)
            return redirect("imports:job", job.pk)
        status = 422
    context = {
        "job": job,
        "form": form,
        "preview": rows[:MAX_PREVIEW_ROWS],
        "row_count": len(rows),
    }
    template = "imports/mapping.html#mapping" if request.htmx else "imports/mapping.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def job_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    if job.status == ImportJob.MAPPING:
        return redirect("imports:mapping", job.pk)
    fail_if_abandoned(job=job)
    done, total = read_progress(job)
    context = {
        "job": job,
        "percent": percent(job),
        "done": done,
        "total": total,
        "report": ImportReport.from_dict(job.report) if job.report else None,
    }
    template = "imports/job.html#status" if request.htmx else "imports/job.html"
    return render(request, template, context)


@login_required
@require_POST
def job_discard(request: AuthedRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    discard_job(job=job)
    return redirect("imports:upload")
