"""Which references in card HTML and CSS may load something (Django-free).

Cards may only show files from the note owner's own media (a relative file
name, as Anki writes `<img src="cat.jpg">` and `url("_font.woff")`), our own
media URLs, and inline images/fonts as data: URLs. Everything with a scheme
or a host (http:, //cdn..., javascript:) is refused, so a card can't load
remote content or run script through a URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

# A callable that turns a media file name into the URL that serves it.
MediaUrl = Callable[[str], str]

MEDIA_PATH_PREFIX = "/media/"

_STRIPPED = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL
_DATA_URL = re.compile(
    r"data:(?P<type>[a-z0-9.+-]+/[a-z0-9.+-]+)(?:;[a-z0-9=._-]+)*(?:;base64)?,", re.I
)
_RASTER_IMAGES = frozenset(
    {"image/png", "image/gif", "image/jpeg", "image/jpg", "image/webp", "image/avif", "image/bmp"}
)
_FONTS = frozenset(
    {
        "font/woff",
        "font/woff2",
        "font/ttf",
        "font/otf",
        "application/font-woff",
        "application/font-woff2",
        "application/x-font-ttf",
        "application/x-font-woff",
        "application/vnd.ms-fontobject",
    }
)


# URL parsing drops leading and trailing C0 controls and spaces.
_C0_AND_SPACE = "".join(chr(i) for i in range(0x21))


def _clean(reference: str) -> str:
    return _STRIPPED.sub("", reference).strip(_C0_AND_SPACE)


def media_filename(reference: str) -> str | None:
    """The media file a relative reference names, or None if it isn't one.

    "cat%20big.jpg" names "cat big.jpg" (a reference is a URL, as in Anki);
    anything with a scheme, a leading slash or backslash, or a colon is not a
    media file name.
    """
    value = _clean(reference)
    if not value or value.startswith(("/", "\\", "#", "?")) or ":" in value:
        return None
    value = re.split(r"[?#]", value, maxsplit=1)[0]
    name = unquote(value)
    if name in ("", ".", ".."):
        return None
    return name


def is_own_media_path(reference: str) -> bool:
    """A path to our own media view, with no dot segments a browser would resolve away."""
    value = _clean(reference)
    if not value.startswith(MEDIA_PATH_PREFIX) or ":" in value or "\\" in value:
        return False
    path = re.split(r"[?#]", value, maxsplit=1)[0]
    return all(unquote(segment) not in (".", "..") for segment in path.split("/"))


def data_url_kind(reference: str) -> str | None:
    """ "image" or "font" for an inline data: URL of a raster image or font, else None."""
    match = _DATA_URL.match(_clean(reference))
    if not match:
        return None
    mime = match.group("type").lower()
    if mime in _RASTER_IMAGES:
        return "image"
    if mime in _FONTS:
        return "font"
    return None


def resolve_reference(
    reference: str, *, media_url: MediaUrl | None, allow_data: frozenset[str] = frozenset()
) -> str | None:
    """What a src/url() may become: a media URL, the reference kept, or None to drop it.

    allow_data lists the data: URL kinds ("image", "font") this place accepts.
    Without media_url, relative file names are kept as they are.
    """
    if is_own_media_path(reference):
        return _clean(reference)
    kind = data_url_kind(reference)
    if kind is not None:
        return _clean(reference) if kind in allow_data else None
    name = media_filename(reference)
    if name is None:
        return None
    return media_url(name) if media_url else _clean(reference)
