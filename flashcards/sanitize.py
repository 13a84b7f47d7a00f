"""Card HTML made safe to show (Django-free; the one user of nh3).

Cards come from shared decks and other people's notes, so their HTML is
untrusted. sanitize_card_html() keeps what cards are made of (formatting,
lists, tables, ruby, pictures, audio/video, spans and divs with class and
style, Anki's cloze and type-answer markup, our sound and TTS elements) and
drops everything that can run script or load from elsewhere: <script>, event
handler attributes, javascript:/vbscript:/data: URLs (except inline raster
images), SVG and MathML, frames, objects, forms, <meta>/<base>/<link>, <style>
elements (rendering.py scopes a card's styles separately), url()/expression()
in style attributes, and media that isn't the owner's own (remote or
protocol-relative src). nh3 (ammonia, on html5ever) parses like a browser and
serializes well-formed output, which is what stops mutation-XSS tricks.

Only the data-* attributes Anki's and our own card markup use are kept
(data-cloze, data-ordinal, data-av, data-tts-*), so card HTML can't trigger page
scripts keyed on data attributes (htmx's data-hx-*, our data-confirm). The card
container also carries hx-disable (templates/flashcards/_card.html).
"""

from __future__ import annotations

import re

import nh3

from flashcards.card_css import clean_style_attribute
from flashcards.media_refs import MediaUrl, resolve_reference

__all__ = ["ALLOWED_TAGS", "sanitize_card_html"]

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "acronym", "address", "article", "aside", "audio", "b", "bdi", "bdo",
        "big", "blockquote", "br", "button", "caption", "center", "cite", "code", "col",
        "colgroup", "data", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
        "figcaption", "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hgroup", "hr", "i", "img", "input", "ins", "kbd", "li", "main", "mark",
        "nav", "ol", "p", "pre", "q", "rb", "rp", "rt", "rtc", "ruby", "s", "samp",
        "section", "small", "source", "span", "strike", "strong", "sub", "summary", "sup",
        "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul",
        "var", "video", "wbr",
    }
)  # fmt: skip

# Dropped together with everything inside them.
_DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "svg", "math", "iframe", "frame", "frameset", "object", "embed",
        "applet", "noscript", "noembed", "noframes", "template", "title", "textarea",
        "select", "xmp", "plaintext", "head", "canvas",
    }
)  # fmt: skip

_GLOBAL_ATTRIBUTES = {
    "class", "style", "id", "title", "lang", "dir", "align", "valign", "width", "height",
    "role", "aria-label", "aria-hidden", "aria-describedby", "translate",
    # Anki's cloze markup and our sound/TTS players
    "data-cloze", "data-ordinal", "data-av",
}  # fmt: skip

_ATTRIBUTES: dict[str, set[str]] = {
    "*": _GLOBAL_ATTRIBUTES,
    "a": {"href"},
    "img": {"src", "alt"},
    "audio": {"src", "controls", "preload", "loop", "muted", "autoplay"},
    "video": {"src", "controls", "preload", "loop", "muted", "autoplay", "playsinline"},
    "source": {"src", "type", "media"},
    "table": {"border", "cellpadding", "cellspacing", "bgcolor", "summary"},
    "tr": {"bgcolor"},
    "td": {"colspan", "rowspan", "headers", "scope", "bgcolor", "nowrap"},
    "th": {"colspan", "rowspan", "headers", "scope", "bgcolor", "nowrap", "abbr"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"value", "type"},
    "font": {"color", "face", "size"},
    "hr": {"size", "noshade", "color"},
    "details": {"open"},
    "time": {"datetime"},
    "data": {"value"},
    "del": {"datetime"},
    "ins": {"datetime"},
    # The type-answer box: a text field named typed_answer, nothing that could
    # fill or submit another form on the page.
    "input": {"autocomplete", "autocapitalize", "spellcheck", "placeholder", "size"},
    "button": {"data-tts-text", "data-tts-lang", "data-tts-voices", "data-tts-speed"},
}
_ATTRIBUTE_VALUES = {"input": {"type": {"text"}, "name": {"typed_answer"}}}
# A button in a card never submits the study form around it.
_FORCED_ATTRIBUTES = {"button": {"type": "button"}}

_MEDIA_TAGS = frozenset({"img", "audio", "video", "source"})
_SAFE_HREF = re.compile(r"(?:https?:|mailto:|#)", re.I)
_URL_NOISE = re.compile(r"[\t\n\r]")


def _attribute_filter(media_url: MediaUrl | None):
    def keep(tag: str, attribute: str, value: str) -> str | None:
        # nh3 calls this after its own checks and trusts what it returns.
        if attribute == "style":
            return clean_style_attribute(value, media_url=media_url)
        if attribute == "src":
            if tag not in _MEDIA_TAGS:
                return None
            allowed_data = frozenset({"image"}) if tag == "img" else frozenset()
            return resolve_reference(value, media_url=media_url, allow_data=allowed_data)
        if attribute == "href":
            cleaned = _URL_NOISE.sub("", value).strip()
            return cleaned if _SAFE_HREF.match(cleaned) else None
        return value

    return keep


def sanitize_card_html(html: str, *, media_url: MediaUrl | None = None) -> str:
    """Card HTML with everything that could run script or load remote content removed.

    media_url, when given, turns a media file name into the URL that serves it;
    relative file names in src and style url() are rewritten with it. Without
    it they are kept as they are.
    """
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        attribute_filter=_attribute_filter(media_url),
        strip_comments=True,
        link_rel="noopener noreferrer",
        tag_attribute_values={
            tag: {name: set(values) for name, values in spec.items()}
            for tag, spec in _ATTRIBUTE_VALUES.items()
        },
        set_tag_attribute_values={tag: dict(spec) for tag, spec in _FORCED_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto", "data"},
    )
