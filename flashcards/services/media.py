from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from flashcards.models import Media

# What cards may show. Anything else is kept (Anki packages carry odd files)
# but only ever served as a download.
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".bmp": "image/bmp",
    ".ico": "image/x-icon",
    ".svg": "image/svg+xml",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".flac": "audio/flac",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mov": "video/quicktime",
}
UPLOADABLE_PREFIXES = ("image/", "audio/", "video/")


def validate_media_filename(name: str) -> str:
    """A bare file name as fields reference it: no folders, no '..', no NUL."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise ValidationError("A media file needs a name.")
    if "\x00" in name or any(ord(ch) < 32 for ch in name):
        raise ValidationError("Media file names can't contain control characters.")
    if "/" in name or "\\" in name or name in {".", ".."} or ".." in PurePosixPath(name).parts:
        raise ValidationError(f"“{name}” is not a plain file name.")
    if len(name.encode()) > 255:
        raise ValidationError("That media file name is too long.")
    return name


def content_type_for(filename: str) -> str:
    return MEDIA_TYPES.get(os.path.splitext(filename)[1].lower(), "application/octet-stream")


def media_path(sha256: str) -> Path:
    return Path(settings.MEDIA_ROOT) / sha256[:2] / sha256


def _write_blob(chunks: Iterable[bytes], *, max_bytes: int | None) -> tuple[str, int]:
    """Stream into a temporary file, then move it to its content address."""
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise ValidationError(
                        f"That file is larger than the {max_bytes // (1024 * 1024)} MB limit."
                    )
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        final = media_path(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, final)
        return sha, size
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def _unique_name(owner: User, filename: str, sha: str) -> str:
    stem, ext = os.path.splitext(filename)
    return f"{stem}-{sha[:8]}{ext}"


@transaction.atomic
def store_media(
    *,
    owner: User,
    filename: str,
    data: bytes | IO[bytes],
    replace: bool = False,
    max_bytes: int | None = None,
) -> Media:
    """Store a file under the name fields will use.

    Same name and same bytes: nothing changes. Same name, other bytes: with
    `replace` the name points at the new bytes (AnkiConnect's storeMediaFile),
    otherwise the new file gets a name of its own (the editor, imports).
    """
    filename = validate_media_filename(filename)
    if isinstance(data, bytes | bytearray):
        chunks: Iterable[bytes] = [bytes(data)]
    else:
        chunks = iter(lambda: data.read(1024 * 1024), b"")
    sha, size = _write_blob(chunks, max_bytes=max_bytes)
    existing = Media.objects.select_for_update().filter(owner=owner, filename=filename).first()
    if existing is not None:
        if existing.sha256 == sha:
            return existing
        if replace:
            existing.sha256, existing.size = sha, size
            existing.content_type = content_type_for(filename)
            existing.save(update_fields=["sha256", "size", "content_type"])
            return existing
        filename = _unique_name(owner, filename, sha)
        same = Media.objects.filter(owner=owner, filename=filename).first()
        if same is not None:
            return same
    return Media.objects.create(
        owner=owner,
        filename=filename,
        sha256=sha,
        size=size,
        content_type=content_type_for(filename),
    )


def read_media(media: Media) -> bytes:
    return media_path(media.sha256).read_bytes()


@transaction.atomic
def delete_media(*, owner: User, filenames: Iterable[str]) -> int:
    """Forget names; the bytes stay while any other row shares them."""
    rows = list(Media.objects.filter(owner=owner, filename__in=list(filenames)))
    shas = {row.sha256 for row in rows}
    Media.objects.filter(pk__in=[row.pk for row in rows]).delete()
    still_used = set(Media.objects.filter(sha256__in=shas).values_list("sha256", flat=True))
    for sha in shas - still_used:
        media_path(sha).unlink(missing_ok=True)
    return len(rows)
