"""Media actions. Files live in Deckhand's content-addressed store (flashcards.services.media)."""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import os
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import User
from ankiconnect import fetch
from ankiconnect.actions import ActionError, action, call_context
from ankiconnect.lookups import a_str
from flashcards.models import Media
from flashcards.services.media import delete_media, media_path, read_media, store_media


def _max_bytes() -> int:
    return settings.MAX_MEDIA_UPLOAD_MB * 1024 * 1024


def _decode(data: Any) -> bytes:
    if not isinstance(data, str):
        raise ActionError('"data" must be a base64 string')
    # Base64 takes 4 characters for 3 bytes: refuse before decoding a huge string.
    if len(data) * 3 // 4 > _max_bytes() + 3:
        raise ActionError(f"that file is larger than the {settings.MAX_MEDIA_UPLOAD_MB} MB limit")
    try:
        # Strict, but line breaks (MIME-style base64) are fine.
        return base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ActionError(f'"data" is not valid base64: {exc}') from None


def store_media_file(
    user: User,
    *,
    filename: Any,
    data: Any = None,
    path: Any = None,
    url: Any = None,
    skip_hash: Any = None,
    delete_existing: bool = True,
) -> str | None:
    """Store a file; the name it is stored under, or None when skipHash matched."""
    filename = a_str(filename, "filename")
    if not (data or path or url):
        raise ActionError('You must provide a "data", "path", or "url" field.')
    if data:
        content = _decode(data)
    elif path:
        raise ActionError(
            'storeMediaFile with "path" is not supported: Deckhand runs on a server and '
            'cannot read files on your computer; send the file as base64 "data"'
        )
    else:
        try:
            content = fetch.fetch_url(
                a_str(url, "url"),
                allowlist=list(settings.ANKICONNECT_MEDIA_URL_ALLOWLIST),
                max_bytes=_max_bytes(),
            )
        except fetch.FetchError as exc:
            raise ActionError(str(exc)) from None
    if isinstance(skip_hash, str) and hashlib.md5(content).hexdigest() == skip_hash:
        return None
    try:
        media = store_media(
            owner=user,
            filename=filename,
            data=content,
            replace=delete_existing,
            max_bytes=_max_bytes(),
        )
    except ValidationError as exc:
        raise ActionError(" ".join(exc.messages)) from None
    return media.filename


@action("storeMediaFile")
def store_media_file_action(
    user: User,
    filename: Any,
    data: Any = None,
    path: Any = None,
    url: Any = None,
    skipHash: Any = None,
    deleteExisting: Any = True,
) -> str | None:
    return store_media_file(
        user,
        filename=filename,
        data=data,
        path=path,
        url=url,
        skip_hash=skipHash,
        delete_existing=deleteExisting is not False,
    )


def _plain_name(filename: Any) -> str:
    return unicodedata.normalize("NFC", os.path.basename(a_str(filename, "filename")))


@action("retrieveMediaFile")
def retrieve_media_file(user: User, filename: Any) -> str | bool:
    """The file's bytes as base64, or false when there is no such file."""
    media = Media.objects.filter(owner=user, filename=_plain_name(filename)).first()
    if media is None or not media_path(media.sha256).exists():
        return False
    return base64.b64encode(read_media(media)).decode("ascii")


@action("getMediaFilesNames")
def get_media_files_names(user: User, pattern: Any = "*") -> list[str]:
    pattern = a_str(pattern, "pattern")
    names = Media.objects.filter(owner=user).order_by("filename").values_list("filename", flat=True)
    return [name for name in names if fnmatch.fnmatchcase(name, pattern)]


@action("deleteMediaFile")
def delete_media_file(user: User, filename: Any) -> None:
    delete_media(owner=user, filenames=[_plain_name(filename)])
    return None


@action("getMediaDirPath")
def get_media_dir_path(user: User) -> str:
    """Not a folder: Deckhand keeps media on the server. Says where files can be reached."""
    base = call_context().base_url
    return (
        "Deckhand keeps media on its server, not in a folder you can write to: "
        "use storeMediaFile and retrieveMediaFile. "
        f"Stored files are served at {base}/media/{user.pk}/<filename>."
    )
