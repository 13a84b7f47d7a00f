from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from config.types import AuthedRequest
from flashcards.access import get_media_for_user
from flashcards.services.media import UPLOADABLE_PREFIXES, media_path


@login_required
@require_GET
def media_file(request: AuthedRequest, owner_id: int, filename: str) -> FileResponse:
    """A card's picture or sound, with its real type and nothing a browser could run."""
    media = get_media_for_user(request.user, owner_id, filename)
    path = media_path(media.sha256)
    if not path.exists():
        raise Http404("This media file is missing from storage.")
    content_type = media.content_type
    inline = content_type.startswith(UPLOADABLE_PREFIXES)
    response = FileResponse(
        path.open("rb"),
        content_type=content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=media.filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    # An SVG opened on its own could run script in our origin: the sandbox stops it.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
