"""Background import jobs: the upload is kept under DATA_DIR/imports/ until its job ends.

Progress goes to a small file next to the upload rather than to the job row:
the import holds one database transaction from start to end, so anything it
wrote to the database would stay invisible to the page polling it until the
very end (and on SQLite would wait on the import's write lock).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from config.jobs import ABANDONED_MESSAGE, abandoned_before
from imports.errors import ImportError_, PackageTooLarge
from imports.models import ImportJob
from imports.services.packages import import_package
from imports.services.text import import_text
from imports.text_import import TextImportSpec, decode_text

logger = logging.getLogger(__name__)

PACKAGE_EXTENSIONS = {".apkg", ".colpkg"}
TEXT_EXTENSIONS = {".csv", ".tsv", ".txt"}
# Text imports are read whole into memory: keep them to a sane size.
MAX_TEXT_BYTES = 50 * 1024 * 1024


def imports_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_upload_bytes() -> int:
    return settings.MAX_IMPORT_UPLOAD_MB * 1024 * 1024


def upload_kind(filename: str, head: bytes) -> str:
    """ImportJob.PACKAGE or TEXT, from the extension, else from the first bytes."""
    extension = os.path.splitext(filename)[1].lower()
    if extension in PACKAGE_EXTENSIONS:
        return ImportJob.PACKAGE
    if extension in TEXT_EXTENSIONS:
        return ImportJob.TEXT
    return ImportJob.PACKAGE if head.startswith(b"PK") else ImportJob.TEXT


def _store(chunks: Any, suffix: str) -> Path:
    """Write an upload under DATA_DIR/imports/ with a random name, within the size cap."""
    path = imports_dir() / f"{secrets.token_hex(16)}{suffix}"
    size = 0
    try:
        with open(path, "xb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_upload_bytes():
                    raise PackageTooLarge(
                        f"The file is larger than the {settings.MAX_IMPORT_UPLOAD_MB} MB "
                        "import limit."
                    )
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def store_upload(upload: UploadedFile | IO[bytes], filename: str) -> Path:
    suffix = os.path.splitext(filename)[1].lower()
    suffix = suffix if suffix in PACKAGE_EXTENSIONS | TEXT_EXTENSIONS else ".upload"
    if isinstance(upload, UploadedFile):
        return _store(upload.chunks(), suffix)
    return _store(iter(lambda: upload.read(1024 * 1024), b""), suffix)


def read_job_text(job: ImportJob) -> str:
    path = Path(job.file_path)
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise PackageTooLarge(
            f"Text imports are limited to {MAX_TEXT_BYTES // (1024 * 1024)} MB; "
            "split the file or use an .apkg."
        )
    return decode_text(path.read_bytes())


def create_job(
    *,
    owner: User,
    kind: str,
    source_name: str,
    path: Path,
    deck_name: str = "",
    options: dict[str, Any] | None = None,
    status: str = ImportJob.PENDING,
) -> ImportJob:
    return ImportJob.objects.create(
        owner=owner,
        kind=kind,
        source_name=source_name[:255] or "upload",
        file_path=str(path),
        deck_name=deck_name,
        options=options or {},
        status=status,
    )


def start_job(job: ImportJob) -> ImportJob:
    """Queue a job's import (the immediate backend runs it before returning)."""
    from imports.tasks import run_import

    if job.status == ImportJob.MAPPING:
        job.status = ImportJob.PENDING
        job.save(update_fields=["status", "options"])
    run_import.enqueue(job.pk)
    job.refresh_from_db()
    return job


def start_text_job(*, owner: User, source_name: str, text: str, spec: TextImportSpec) -> ImportJob:
    """Pasted text: written to a file like an upload, then imported in the background."""
    path = _store([text.encode("utf-8")], ".txt")
    job = create_job(
        owner=owner,
        kind=ImportJob.TEXT,
        source_name=source_name,
        path=path,
        deck_name=spec.deck,
        options=spec.to_dict(),
    )
    return start_job(job)


# --- progress -------------------------------------------------------------------


def progress_path(job_id: int) -> Path:
    return imports_dir() / f"job-{job_id}.progress.json"


def write_progress(job_id: int, done: int, total: int) -> None:
    path = progress_path(job_id)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"done": done, "total": total}))
    os.replace(tmp, path)


def read_progress(job: ImportJob) -> tuple[int, int]:
    """(done, total) of a running job, (0, 0) before it reports anything."""
    try:
        data = json.loads(progress_path(job.pk).read_text())
        return int(data["done"]), int(data["total"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0, 0


def percent(job: ImportJob) -> int:
    if job.status == ImportJob.DONE:
        return 100
    done, total = read_progress(job)
    return min(99, done * 100 // total) if total else 0


# --- running ------------------------------------------------------------------


def _remove_files(job: ImportJob) -> None:
    if job.file_path:
        Path(job.file_path).unlink(missing_ok=True)
    progress_path(job.pk).unlink(missing_ok=True)
    progress_path(job.pk).with_suffix(".tmp").unlink(missing_ok=True)


def run_import_job(*, job_id: int) -> None:
    """Run one queued import; its outcome (report or error) is saved on the job."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ImportJob.PENDING:
            return
        job.status, job.heartbeat = ImportJob.RUNNING, timezone.now()
        job.save(update_fields=["status", "heartbeat"])
    last_write = [0.0]

    def progress(done: int, total: int) -> None:
        now = timezone.now().timestamp()
        if done >= total or now - last_write[0] >= 0.5:
            last_write[0] = now
            write_progress(job.pk, done, total)

    try:
        if job.kind == ImportJob.PACKAGE:
            report = import_package(
                user=job.owner,
                path=job.file_path,
                deck_name=job.deck_name or None,
                progress=progress,
            )
        else:
            report = import_text(
                user=job.owner,
                text=read_job_text(job),
                spec=TextImportSpec.from_dict(job.options),
                progress=progress,
            )
    except ImportError_ as exc:
        job.status, job.error = ImportJob.FAILED, str(exc)
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        job.status = ImportJob.FAILED
        job.error = "The import failed unexpectedly. Nothing was imported."
    else:
        job.status, job.report = ImportJob.DONE, report.to_dict()
    finally:
        _remove_files(job)
    job.finished = timezone.now()
    job.file_path = ""
    job.save(update_fields=["status", "error", "report", "finished", "file_path"])


def fail_if_abandoned(*, job: ImportJob) -> None:
    """Mark the import failed if its worker died running it (see config.jobs). Its
    transaction died with the worker, so nothing of it was saved."""
    if job.status != ImportJob.RUNNING:
        return
    alive = [job.heartbeat] if job.heartbeat else []
    with contextlib.suppress(OSError):
        mtime = progress_path(job.pk).stat().st_mtime
        alive.append(datetime.fromtimestamp(mtime, tz=UTC))
    if not alive or max(alive) >= abandoned_before():
        return
    failed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.RUNNING).update(
        status=ImportJob.FAILED, error=ABANDONED_MESSAGE, finished=timezone.now(), file_path=""
    )
    if failed:
        _remove_files(job)
        job.refresh_from_db()


def discard_job(*, job: ImportJob) -> None:
    """Forget a job that is not running (its upload goes with it)."""
    if job.status == ImportJob.RUNNING:
        return
    _remove_files(job)
    job.delete()
