"""Anki's text primitives, reimplemented in plain Python (Django-free).

The card renderer (flashcards.templating) builds on these. Each one follows
what Anki's Rust core does, checked against the real `anki` package in
tests/flashcards/test_templating.py:

- strip_html / decode_entities: Anki's regex tag stripper and its strict
  entity decoder (one bad entity and the text is left as it was).
- cloze parsing: nested clozes, hints, `{{c0::}}` ignored, unclosed clozes dropped.
- audio/TTS tags: `[sound:x.mp3]` and `[anki:tts lang=..]..[/anki:tts]`
  replaced by `[anki:play:q:0]` references, as Anki's card renderer does.
- compare_answer: the type-in-the-answer diff (typeGood/typeBad/typeMissed).
"""

from __future__ import annotations

import difflib
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from html.entities import name2codepoint

# Rust's str::trim() trims Unicode White_Space, which differs from str.strip()
# (Python also strips \x1c-\x1f).
RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

# Fluent wraps every interpolated value in these bidi isolation marks; Anki's
# messages carry them, so ours do too.
FSI, PDI = "\u2068", "\u2069"


def isolate(value: object) -> str:
    return f"{FSI}{value}{PDI}"


# HTML
# ----------------------------------------------------------------------------

_HTML = re.compile(
    r"(<!--.*?-->)|(<style.*?>.*?</style>)|(<script.*?>.*?</script>)|(<.*?>)", re.S | re.I
)
_HTML_LINEBREAK_TAGS = re.compile(
    r"</?(?:br|address|article|aside|blockquote|canvas|dd|div|dl|dt|fieldset|figcaption"
    r"|figure|footer|form|h[1-6]|header|hr|li|main|nav|noscript|ol|output|p|pre|section"
    r"|table|tfoot|ul|video)>",
    re.S | re.I,
)
_MINIMAL_ENTITIES = {'"': "&quot;", "&": "&amp;", "'": "&#x27;", "<": "&lt;", ">": "&gt;"}
_DIGITS = frozenset("0123456789")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def strip_html_preserving_entities(html: str) -> str:
    return _HTML.sub("", html)


def strip_html(html: str) -> str:
    """Anki's strip_html: comments, style/script blocks and tags go, entities are decoded."""
    return decode_entities(strip_html_preserving_entities(html))


def strip_html_for_tts(html: str) -> str:
    return strip_html(_HTML_LINEBREAK_TAGS.sub(" ", html))


def decode_entities(text: str) -> str:
    """Decode entities the strict way Anki does (the htmlescape crate).

    Named entities are HTML 4's, numeric ones `&#65;`/`&#x41;`. Any entity that
    is unknown, malformed or unterminated makes the whole text come back as it
    was. A decoded no-break space becomes a plain space.
    """
    if "&" not in text:
        return text
    decoded = _strict_decode(text)
    if decoded is None:
        return text
    return decoded.replace("\xa0", " ")


def _strict_decode(text: str) -> str | None:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char != "&":
            out.append(char)
            i += 1
            continue
        end = text.find(";", i + 1)
        if end == -1:
            return None
        body = text[i + 1 : end]
        if body.startswith("#"):
            digits = body[1:]
            if digits.startswith("x"):
                digits, radix, allowed = digits[1:], 16, _HEX_DIGITS
            else:
                radix, allowed = 10, _DIGITS
            if not digits or any(c not in allowed for c in digits):
                return None
            codepoint = int(digits, radix)
            if codepoint > 0x10FFFF or 0xD800 <= codepoint <= 0xDFFF:
                return None
            out.append(chr(codepoint))
        else:
            if not body or body not in name2codepoint:
                return None
            out.append(chr(name2codepoint[body]))
        i = end + 1
    return "".join(out)


def encode_minimal(text: str) -> str:
    """htmlescape's encode_minimal: & < > " ' become entities."""
    return "".join(_MINIMAL_ENTITIES.get(c, c) for c in text)


def encode_attribute(text: str) -> str:
    """htmlescape's encode_attribute: also every non-alphanumeric char below 256 as &#xHH;."""
    out = []
    for char in text:
        entity = _MINIMAL_ENTITIES.get(char)
        if entity:
            out.append(entity)
        elif ord(char) < 256 and (ord(char) > 127 or not (char.isascii() and char.isalnum())):
            out.append(f"&#x{ord(char):02X};")
        else:
            out.append(char)
    return "".join(out)


_FIELD_IS_EMPTY = re.compile(r"^(?:[ \t\n\x0b\x0c\r]|</?(?:br|div) ?/?>)*$", re.I | re.S)


def field_is_empty(text: str) -> bool:
    """True if the text is only whitespace and empty <br>/<div> tags, as Anki judges it."""
    return bool(_FIELD_IS_EMPTY.match(text))


# Clozes
# ----------------------------------------------------------------------------

_MAX_OPEN_CLOZES = 10
_U16_MAX = 65535


@dataclass
class _Cloze:
    ordinal: int
    nodes: list[str | _Cloze] = field(default_factory=list)
    hint: str | None = None

    def shown_hint(self) -> str:
        return "..." if self.hint is None else self.hint

    def clozed_text(self) -> str:
        return "".join(n if isinstance(n, str) else n.clozed_text() for n in self.nodes)


_CLOZE_MARKER = re.compile(r"\}\}|\{\{c([0-9]+)::")


def _marker_at(text: str, pos: int) -> re.Match[str] | None:
    """The open/close marker starting at pos; a cloze number must fit in 16 bits."""
    marker = _CLOZE_MARKER.match(text, pos)
    if marker and marker.group(1) is not None and int(marker.group(1)) > _U16_MAX:
        return None
    return marker


def _cloze_tokens(text: str):
    """Yield ("open", n), ("close", None) and ("text", s) like Anki's cloze tokenizer."""
    pos, n = 0, len(text)
    while pos < n:
        marker = _marker_at(text, pos)
        if marker:
            if marker.group(1) is None:
                yield "close", None
            else:
                yield "open", int(marker.group(1))
            pos = marker.end()
            continue
        end = pos + 1
        while True:
            candidate = _CLOZE_MARKER.search(text, end)
            if candidate is None:
                end = n
                break
            if _marker_at(text, candidate.start()):
                end = candidate.start()
                break
            end = candidate.start() + 1
        yield "text", text[pos:end]
        pos = end


def _parse_clozes(text: str) -> list[str | _Cloze]:
    open_clozes: list[_Cloze] = []
    output: list[str | _Cloze] = []
    for kind, value in _cloze_tokens(text):
        if kind == "open":
            if len(open_clozes) < _MAX_OPEN_CLOZES:
                open_clozes.append(_Cloze(ordinal=value))
        elif kind == "text":
            if open_clozes:
                cloze = open_clozes[-1]
                head, sep, tail = value.partition("::")
                if sep:
                    value = head
                    cloze.hint = tail
                cloze.nodes.append(value)
            else:
                output.append(value)
        else:
            if open_clozes:
                cloze = open_clozes.pop()
                (open_clozes[-1].nodes if open_clozes else output).append(cloze)
            else:
                output.append("}}")
    # clozes still open at the end are dropped, as Anki does
    return output


def cloze_numbers(text: str) -> set[int]:
    """The cloze numbers a field uses (c1, c2 ...); c0 and unclosed clozes don't count."""
    found: set[int] = set()

    def walk(nodes: list[str | _Cloze]) -> None:
        for node in nodes:
            if isinstance(node, _Cloze) and node.ordinal != 0:
                found.add(node.ordinal)
                walk(node.nodes)

    walk(_parse_clozes(text))
    return found


def _reveal(cloze: _Cloze, ordinal: int, question: bool, state: list[bool], buf: list[str]):
    active = cloze.ordinal == ordinal
    if active:
        state[0] = True
    if question and active:
        inner: list[str] = []
        _reveal_nodes(cloze.nodes, ordinal, question, state, inner)
        buf.append(
            f'<span class="cloze" data-cloze="{encode_attribute("".join(inner))}" '
            f'data-ordinal="{cloze.ordinal}">[{cloze.shown_hint()}]</span>'
        )
        return
    css_class = "cloze" if active else "cloze-inactive"
    buf.append(f'<span class="{css_class}" data-ordinal="{cloze.ordinal}">')
    _reveal_nodes(cloze.nodes, ordinal, question, state, buf)
    buf.append("</span>")


def _reveal_nodes(nodes, ordinal: int, question: bool, state: list[bool], buf: list[str]):
    for node in nodes:
        if isinstance(node, str):
            buf.append(node)
        else:
            _reveal(node, ordinal, question, state, buf)


def reveal_cloze_text(text: str, ordinal: int, question: bool) -> str:
    """Render clozes for card `ordinal` (1-based); "" if that cloze isn't in the text."""
    state = [False]
    buf: list[str] = []
    _reveal_nodes(_parse_clozes(text), ordinal, question, state, buf)
    return "".join(buf) if state[0] else ""


def _cloze_texts(text: str, ordinal: int, question: bool) -> list[str]:
    output: list[str] = []

    def walk(node: str | _Cloze) -> None:
        if isinstance(node, _Cloze):
            if node.ordinal == ordinal:
                output.append(node.shown_hint() if question else node.clozed_text())
            for child in node.nodes:
                walk(child)

    for node in _parse_clozes(text):
        walk(node)
    return output


def reveal_cloze_text_only(text: str, ordinal: int, question: bool) -> str:
    return ", ".join(_cloze_texts(text, ordinal, question))


def extract_cloze_for_typing(text: str, ordinal: int) -> str:
    """The text a learner must type for cloze `ordinal`; equal answers collapse to one."""
    output = _cloze_texts(text, ordinal, question=False)
    if not output:
        return ""
    if min(output) == max(output):
        return output[-1]
    return ", ".join(output)


_MATHJAX = re.compile(r"(\\[(\[])(.*?)(\\[\])])", re.S | re.I)


def strip_html_inside_mathjax(text: str) -> str:
    return _MATHJAX.sub(
        lambda m: m.group(1) + strip_html_preserving_entities(m.group(2)) + m.group(3), text
    )


# Audio and text-to-speech tags
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SoundTag:
    """A `[sound:filename]` reference: the file's name, entities decoded, folders dropped."""

    filename: str


@dataclass(frozen=True)
class TtsTag:
    """Text the browser should speak, from `{{tts lang:Field}}` or `[anki:tts]`."""

    text: str
    lang: str
    voices: tuple[str, ...] = ()
    speed: float = 1.0
    other_args: tuple[str, ...] = ()


AvTag = SoundTag | TtsTag

_SOUND = re.compile(r"\[sound:([^\]]+)\]")
_DIRECTIVE_NAME = re.compile(r"\[anki:([^\] \t\r\n]+)")
_WS0 = re.compile(r"[ \t\r\n]*")
_OPTION = re.compile(r'([^\] \t\r\n=]+)=(?:"([^"]*)"|([^\] \t\r\n"]*))[ \t\r\n]*')
_RUST_FLOAT = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)\Z", re.I)
BLANK_WORD = "blank"  # Anki's card_templates_blank, spoken for a [...] cloze


def _parse_directive(text: str, pos: int):
    """Parse `[anki:name opts]content[/anki:name]` at pos: (name, options, content, end)."""
    named = _DIRECTIVE_NAME.match(text, pos)
    if not named:
        return None
    name = named.group(1)
    cursor = _WS0.match(text, named.end()).end()
    options: list[tuple[str, str]] = []
    while option := _OPTION.match(text, cursor):
        value = option.group(2) if option.group(2) is not None else option.group(3)
        options.append((option.group(1), value))
        cursor = option.end()
    if not text.startswith("]", cursor):
        return None
    closing = text.find(f"[/anki:{name}]", cursor + 1)
    if closing == -1:
        return None
    return name, options, text[cursor + 1 : closing], closing + len(f"[/anki:{name}]")


def _av_nodes(text: str):
    """Split card text into ("text", s), ("sound", name) and ("tts", options, content)."""
    pos, n = 0, len(text)
    while pos < n:
        if text.startswith("[sound:", pos) and (sound := _SOUND.match(text, pos)):
            yield ("sound", sound.group(1))
            pos = sound.end()
            continue
        if text.startswith("[anki:", pos) and (directive := _parse_directive(text, pos)):
            name, options, content, end = directive
            if name == "tts":
                yield ("tts", options, content)
            else:
                yield ("text", text[pos:end])
            pos = end
            continue
        # plain text: one character, then up to the next "["
        nxt = text.find("[", pos + 1)
        nxt = n if nxt == -1 else nxt
        yield ("text", text[pos:nxt])
        pos = nxt


def _tts_tag(options: list[tuple[str, str]], content: str) -> TtsTag | str:
    """The TTS tag, or Anki's error text when the directive has no language."""
    lang, voices, speed, blank = "", (), 1.0, None
    other: dict[str, str] = {}
    for key, value in options:
        if key == "lang":
            lang = value
        elif key == "voices":
            voices = tuple(value.split(","))
        elif key == "speed":
            speed = float(value) if _RUST_FLOAT.match(value) else 1.0
        elif key == "cloze_blank":
            blank = value
        else:
            other[key] = value
    if not lang:
        not_set = "'" + isolate("lang") + "' not set"
        return f"Error in directive '{isolate('anki:tts')}': {isolate(not_set)}"
    spoken = strip_html_for_tts(content).replace("[...]", BLANK_WORD if blank is None else blank)
    return TtsTag(
        text=spoken,
        lang=lang,
        voices=voices,
        speed=speed,
        other_args=tuple(f"{k}={v}" for k, v in other.items()),
    )


def extract_av_tags(text: str, side: str) -> tuple[str, list[AvTag]]:
    """Replace sound and TTS tags with `[anki:play:<side>:<n>]`, as Anki does.

    side is "q" or "a". Other `[anki:...]` directives are left as they are.
    """
    if "[" not in text:
        return text, []
    tags: list[AvTag] = []
    out: list[str] = []
    for node in _av_nodes(text):
        if node[0] == "text":
            out.append(node[1])
            continue
        if node[0] == "sound":
            # Anki plays only the file's own name: no folders, so no escaping the media folder.
            tag = SoundTag(posixpath.basename(decode_entities(node[1])))
        else:
            tag = _tts_tag(*node[1:])
        if isinstance(tag, str):
            out.append(f"[{tag}]")
        else:
            out.append(f"[anki:play:{side}:{len(tags)}]")
            tags.append(tag)
    return "".join(out), tags


def strip_av_tags(text: str) -> str:
    """Remove sound and TTS tags (Anki's strip_av_tags)."""
    if "[" not in text:
        return text
    return "".join(node[1] for node in _av_nodes(text) if node[0] == "text")


# Type in the answer
# ----------------------------------------------------------------------------

_LINEBREAKS = re.compile(r"(\n|<br\s?/?>|</?div>)+", re.S | re.I)


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


def _strip_expected(expected: str) -> str:
    no_av = strip_av_tags(expected)
    return strip_html(_LINEBREAKS.sub(" ", no_av)).strip(RUST_WHITESPACE)


def _diff_tokens(typed: list[str], expected: list[str]):
    matcher = difflib.SequenceMatcher(None, typed, expected)
    typed_tokens: list[tuple[str, str]] = []
    expected_tokens: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        typed_part = "".join(typed[i1:i2])
        expected_part = "".join(expected[j1:j2])
        if tag == "equal":
            typed_tokens.append(("typeGood", typed_part))
            expected_tokens.append(("typeGood", expected_part))
        elif tag == "delete":
            typed_tokens.append(("typeBad", typed_part))
        elif tag == "insert":
            typed_tokens.append(("typeMissed", "-" * (j2 - j1)))
            expected_tokens.append(("typeMissed", expected_part))
        else:
            typed_tokens.append(("typeBad", typed_part))
            expected_tokens.append(("typeMissed", expected_part))
    return typed_tokens, expected_tokens


def _render_tokens(tokens: list[tuple[str, str]]) -> str:
    out = []
    for css_class, text in tokens:
        if text and _is_mark(text[0]):
            text = "\xa0" + text
        out.append(f"<span class={css_class}>{encode_minimal(text)}</span>")
    return "".join(out)


def compare_answer(expected: str, typed: str, *, combining: bool = True) -> str:
    """Anki's typed-answer comparison HTML: `<code id=typeans>...</code>`.

    expected is the field's HTML (tags and sounds are stripped here); typed is
    what the learner typed. With combining=False, accents and other combining
    marks are ignored when comparing (Anki's `{{type:nc:Field}}`).
    """
    stripped = _strip_expected(expected)
    if not typed:
        return f"<code id=typeans>{encode_minimal(stripped)}</code>"
    if combining:
        typed_chars = list(unicodedata.normalize("NFC", typed))
        expected_chars = list(unicodedata.normalize("NFC", stripped))
        expected_original = "".join(expected_chars)
        expected_split: list[str] | None = None
    else:
        typed_chars = [c for c in unicodedata.normalize("NFKD", typed) if not _is_mark(c)]
        expected_chars = []
        expected_split = []
        for char in unicodedata.normalize("NFKD", stripped):
            if _is_mark(char):
                if expected_split:
                    expected_split[-1] += char
            else:
                expected_chars.append(char)
                expected_split.append(char)
        expected_original = stripped
    if typed_chars == expected_chars:
        good = encode_minimal(expected_original)
        return f"<code id=typeans><span class=typeGood>{good}</span></code>"
    typed_tokens, expected_tokens = _diff_tokens(typed_chars, expected_chars)
    typed_html = _render_tokens(typed_tokens)
    if expected_split is None:
        expected_html = _render_tokens(expected_tokens)
    else:
        parts, index = [], 0
        for css_class, text in expected_tokens:
            end = index + len(text)
            shown = encode_minimal("".join(expected_split[index:end]))
            parts.append(f"<span class={css_class}>{shown}</span>")
            index = end
        expected_html = "".join(parts)
    return (
        f"<code id=typeans>{typed_html}<br><span id=typearrow>&darr;</span><br>"
        f"{expected_html}</code>"
    )
