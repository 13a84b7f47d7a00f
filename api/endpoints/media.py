"""Media: list, upload, download, delete. Stored through flashcards.services.media."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from ninja import File, Form, Path, Query, Router, Status
from ninja.files import UploadedFile

from api.main import PageQuery, paginate, user_of, with_errors
from api.schemas import FormBool, MediaOut, MediaPage
from flashcards.forms import validate_upload
from flashcards.models import Media
from flashcards.services.media import delete_media, media_path, store_media

router = Router(tags=["media"])
REPLACE_FIELD = Form(False)
FILENAME = Path(..., min_length=1, max_length=255, pattern=r"^[^/\\\x00]+$")

_BINARY = {
    "responses": {
        200: {
            "description": "The file's bytes.",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    }
}


def media_out(media: Media) -> dict[str, Any]:
    return {
        "filename": media.filename,
        "size": media.size,
        "content_type": media.content_type,
        "sha256": media.sha256,
    }


def _media_for(request: HttpRequest, filename: str) -> Media:
    media = Media.objects.filter(owner=user_of(request), filename=filename).first()
    if media is None:
        raise Http404("No such media file.")
    return media


@router.get("/media", response=with_errors({200: MediaPage}))
def list_media(request: HttpRequest, pages: Query[PageQuery]) -> dict[str, Any]:
    files = Media.objects.filter(owner=user_of(request)).order_by("filename")
    return paginate(files, pages, media_out)


@router.post("/media", response=with_errors({201: MediaOut}))
def upload_media(
    request: HttpRequest,
    file: File[UploadedFile],
    filename: str = Form("", max_length=255),
    replace: FormBool = REPLACE_FIELD,
) -> Status[dict[str, Any]]:
    """Store a picture, sound or video under `filename` (default: the upload's name).

    The answer's filename is what fields should reference: with `replace` false, a
    different file already stored under that name makes the new one get a name of its own.
    """
    name = (filename or file.name or "").replace("\x00", "")
    file.name = name
    validate_upload(file)
    media = store_media(
        owner=user_of(request),
        filename=name,
        data=file,
        replace=replace,
        max_bytes=settings.MAX_MEDIA_UPLOAD_MB * 1024 * 1024,
    )
    return Status(201, media_out(media))


@router.get(
    "/media/{filename}", response=with_errors({}, 400, 401, 404, 422, 429), openapi_extra=_BINARY
)
def download_media(request: HttpRequest, filename: str = FILENAME) -> FileResponse:
    """The bytes, always as application/octet-stream (the listing says the real type)."""
    media = _media_for(request, filename)
    path = media_path(media.sha256)
    if not path.exists():
        raise Http404("This media file is missing from storage.")
    response = FileResponse(
        path.open("rb"),
        content_type="application/octet-stream",
        as_attachment=True,
        filename=media.filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.delete("/media/{filename}", response=with_errors({204: None}))
def remove_media(request: HttpRequest, filename: str = FILENAME) -> Status[None]:
    media = _media_for(request, filename)
    delete_media(owner=user_of(request), filenames=[media.filename])
    return Status(204, None)
