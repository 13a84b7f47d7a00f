"""Plain-text helpers for field HTML (Django-free)."""

from __future__ import annotations

import html
import re

_SOUND = re.compile(r"\[sound:[^\]]*\]")
_COMMENTS = re.compile(r"<!--.*?-->", re.S)
_STYLE_SCRIPT = re.compile(r"<(style|script)\b.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>", re.S)
_IMG = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_SPACES = re.compile(r"\s+")


def strip_html(text: str) -> str:
    """Anki's strip_html: tags and sound tags removed, entities decoded, spaces folded."""
    text = _COMMENTS.sub("", text)
    text = _STYLE_SCRIPT.sub("", text)
    text = _SOUND.sub("", text)
    text = re.sub(r"<br\s*/?>|<div>", " ", text, flags=re.I)
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")
    return _SPACES.sub(" ", text).strip()


def media_references(text: str) -> set[str]:
    """File names a field refers to: <img src="..."> and [sound:...]."""
    names = {html.unescape("".join(groups)) for groups in _IMG.findall(text)}
    names.update(m[7:-1] for m in _SOUND.findall(text))
    return {name for name in names if name and "://" not in name and not name.startswith("data:")}
