"""Building exports: files under DATA_DIR/exports/, directly or as a background job."""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from exports.apkg import write_apkg
from exports.csv_export import write_notes_csv
from exports.models import ExportJob
from exports.progress import ProgressClock, write_progress
from exports.records import ExportNote
from exports.selectors import (
    ExportScope,
    card_progress,
    count_notes,
    export_decks,
    export_note_types,
    iter_export_notes,
    media_files,
    review_entries,
)

logger = logging.getLogger(__name__)

EXTENSIONS = {ExportJob.APKG: "apkg", ExportJob.CSV: "csv", ExportJob.TSV: "tsv"}
CONTENT_TYPES = {
    ExportJob.APKG: "application/octet-stream",
    ExportJob.CSV: "text/csv; charset=utf-8",
    ExportJob.TSV: "text/tab-separated-values; charset=utf-8",
}
SEPARATORS = {ExportJob.CSV: ",", ExportJob.TSV: "\t"}
# Finished exports are kept this long for their download link.
KEEP_EXPORTS_FOR = timedelta(days=1)
PROGRESS_EVERY = 1000


def background_threshold() -> int:
    """Exports of this many notes or more are built as a background job."""
    return int(getattr(settings, "EXPORT_BACKGROUND_NOTES", 5000))


def exports_dir() -> Path:
    path = Path(settings.DATA_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def download_name(title: str, fmt: str) -> str:
    """'Lang::Français' -> 'Lang - Français.apkg' (no path or control characters)."""
    name = title.replace("::", " - ")
    name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', "_", name).strip(" .") or "export"
    return f"{name[:150]}.{EXTENSIONS[fmt]}"


@dataclass
class BuiltExport:
    path: Path
    filename: str
    notes: int = 0
    cards: int = 0
    media: list[str] = field(default_factory=list)
    missing_media: list[str] = field(default_factory=list)


def _counted(notes: Iterable[ExportNote], progress: Callable[[int], None]) -> Iterator[ExportNote]:
    for count, note in enumerate(notes, start=1):
        yield note
        if count % PROGRESS_EVERY == 0:
            progress(count)


def write_export(
    *,
    scope: ExportScope,
    fmt: str,
    with_progress: bool,
    out: IO[bytes],
    progress: Callable[[int], None] | None = None,
) -> BuiltExport:
    """Write the scope as `fmt` to a binary file object; the path in the result is unset."""
    built = BuiltExport(path=Path(), filename=download_name(scope.name, fmt))
    note_types = export_note_types(scope)
    decks = export_decks(scope)
    notes = iter_export_notes(scope)
    if fmt == ExportJob.APKG:
        hook = None
        if with_progress:
            learner = scope.progress_learner
            clock = ProgressClock(
                zone=learner.zone, day_start_hour=learner.day_starts_at_hour, now=timezone.now()
            )

            def hook(conn: sqlite3.Connection, changed_ids: Mapping[int, int]) -> None:
                write_progress(
                    conn,
                    cards=card_progress(scope, learner=learner, changed_ids=changed_ids),
                    reviews=review_entries(scope, learner=learner, changed_ids=changed_ids),
                    clock=clock,
                )

        result = write_apkg(
            out,
            decks=decks,
            note_types=note_types,
            notes=notes,
            resolve_media=lambda names: media_files(scope.owner, names),
            finish_collection=hook,
            progress=progress,
        )
        built.notes, built.cards = result.notes, result.cards
        built.media, built.missing_media = result.media, result.missing_media
    else:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        cards = 0

        def counting(notes: Iterable[ExportNote]) -> Iterator[ExportNote]:
            nonlocal cards
            for note in notes:
                cards += len(note.cards)
                yield note

        stream = counting(notes)
        built.notes = write_notes_csv(
            text,
            note_types=note_types,
            deck_names={deck.anki_id: deck.full_name for deck in decks},
            notes=_counted(stream, progress) if progress else stream,
            separator=SEPARATORS[fmt],
        )
        built.cards = cards
        text.flush()
        text.detach()
    return built


def build_export_file(
    *,
    scope: ExportScope,
    fmt: str,
    with_progress: bool,
    progress: Callable[[int], None] | None = None,
) -> BuiltExport:
    """Build the export into a new file under DATA_DIR/exports/."""
    final = exports_dir() / f"{secrets.token_urlsafe(12)}.{EXTENSIONS[fmt]}"
    partial = final.with_suffix(final.suffix + ".part")
    try:
        with open(partial, "wb") as out:
            built = write_export(
                scope=scope, fmt=fmt, with_progress=with_progress, out=out, progress=progress
            )
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    built.path = final
    return built


def job_scope(job: ExportJob) -> ExportScope | None:
    if job.card_ids:
        return ExportScope.for_cards(job.owner, job.card_ids)
    if job.deck is not None:
        return ExportScope.for_deck(job.deck, learner=job.owner)
    return None


@transaction.atomic
def create_export_job(
    *, owner: User, scope: ExportScope, fmt: str, with_progress: bool, notes_total: int
) -> ExportJob:
    return ExportJob.objects.create(
        owner=owner,
        deck=scope.deck,
        card_ids=list(scope.card_ids),
        title=scope.name,
        format=fmt,
        with_progress=with_progress and fmt == ExportJob.APKG,
        notes_total=notes_total,
        filename=download_name(scope.name, fmt),
    )


def start_export_job(
    *,
    owner: User,
    scope: ExportScope,
    fmt: str,
    with_progress: bool,
    notes_total: int | None = None,
) -> ExportJob:
    """Record an export and queue it; the page polls the job until it is ready."""
    from exports.tasks import build_export_job

    delete_expired_exports()
    job = create_export_job(
        owner=owner,
        scope=scope,
        fmt=fmt,
        with_progress=with_progress,
        notes_total=count_notes(scope) if notes_total is None else notes_total,
    )
    build_export_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


def run_export_job(*, job_id: int) -> None:
    """Build a queued export (the background task's body). Never raises for bad data."""
    job = ExportJob.objects.select_related("owner", "deck").filter(pk=job_id).first()
    if job is None or job.status != ExportJob.PENDING:
        return
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.RUNNING, heartbeat=timezone.now())
    scope = job_scope(job)
    if scope is None:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.FAILED, error="The deck was deleted.", finished=timezone.now()
        )
        return

    def report(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(notes_done=done, heartbeat=timezone.now())

    try:
        built = build_export_file(
            scope=scope, fmt=job.format, with_progress=job.with_progress, progress=report
        )
    except Exception:
        logger.exception("Export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.FAILED,
            error="Something went wrong while building the export. Please try again.",
            finished=timezone.now(),
        )
        return
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.DONE,
        notes_total=built.notes,
        notes_done=built.notes,
        file_path=built.path.name,
        file_size=built.path.stat().st_size,
        missing_media=built.missing_media,
        finished=timezone.now(),
    )


@transaction.atomic
def record_finished_export(
    *, owner: User, scope: ExportScope, fmt: str, with_progress: bool, built: BuiltExport
) -> ExportJob:
    """Keep a file built during the request as a finished job (to show what was missing)."""
    return ExportJob.objects.create(
        owner=owner,
        deck=scope.deck,
        card_ids=list(scope.card_ids),
        title=scope.name,
        format=fmt,
        with_progress=with_progress and fmt == ExportJob.APKG,
        status=ExportJob.DONE,
        notes_total=built.notes,
        notes_done=built.notes,
        filename=built.filename,
        file_path=built.path.name,
        file_size=built.path.stat().st_size,
        missing_media=built.missing_media,
        finished=timezone.now(),
    )


def job_file(job: ExportJob) -> Path | None:
    if job.status != ExportJob.DONE or not job.file_path:
        return None
    path = exports_dir() / Path(job.file_path).name
    return path if path.is_file() else None


def delete_expired_exports() -> int:
    """Forget exports older than KEEP_EXPORTS_FOR, and their files."""
    cutoff = timezone.now() - KEEP_EXPORTS_FOR
    old = list(ExportJob.objects.filter(created__lt=cutoff))
    for job in old:
        if job.file_path:
            (exports_dir() / Path(job.file_path).name).unlink(missing_ok=True)
    ExportJob.objects.filter(pk__in=[job.pk for job in old]).delete()
    return len(old)
