"""Anki's card template language, rendered in plain Python (Django-free).

`render_card` produces what Anki's reviewer shows for a card: the question and
answer HTML (not yet sanitized), with

- `{{Field}}`, `{{#Field}}..{{/Field}}`, `{{^Field}}..{{/Field}}`, filter chains
  (`{{text:hint:Field}}`), `{{FrontSide}}` and the special fields Tags, Type,
  Deck, Subdeck, Card, CardFlag, CardID and `{{#c1}}`;
- the built-in filters text, hint, cloze, cloze-only, furigana, kana, kanji,
  `tts <lang> [voices=..] [speed=..]`, type, type:cloze and type:nc;
- sounds and TTS replaced by `[anki:play:q:0]` references into
  `question_av`/`answer_av`, exactly as Anki's renderer does; the glue layer
  (flashcards.rendering) turns them into players;
- type-in-the-answer done as Anki's desktop reviewer does it: an input on the
  front, the typeGood/typeBad/typeMissed comparison on the back;
- Anki's own error texts for template mistakes and blank fronts.

Two deliberate differences from Anki, because card HTML runs under a CSP that
forbids inline script: the hint filter renders a `<details>` element instead of
a link with an onclick handler, and the type-answer input has no onkeypress.
The tests in tests/flashcards/test_templating.py compare every construct with
the real `anki` package.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from flashcards.anki_text import (
    RUST_WHITESPACE,
    AvTag,
    SoundTag,
    TtsTag,
    compare_answer,
    encode_minimal,
    extract_av_tags,
    extract_cloze_for_typing,
    field_is_empty,
    isolate,
    reveal_cloze_text,
    reveal_cloze_text_only,
    strip_html,
    strip_html_inside_mathjax,
)
from flashcards.anki_text import cloze_numbers as _cloze_numbers

__all__ = [
    "SPECIAL_FIELDS",
    "AvTag",
    "RenderedCard",
    "SoundTag",
    "TtsTag",
    "TemplateError",
    "cloze_numbers",
    "field_names_in",
    "nonempty_card_ords",
    "render_card",
    "template_error",
]

DEFAULT_FONT = ("Arial", 20)
MAX_CLOZE_ORD = 499  # Anki caps cloze cards at c500
# Names a template may use besides the note's fields (and {{#c1}}, {{#c2}} ...).
SPECIAL_FIELDS = frozenset(
    {"FrontSide", "Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag", "CardID"}
)

_ALWAYS_FILLED = frozenset({"Type", "Deck", "Subdeck", "Card", "CardFlag", "CardID"})

_ERROR_LINK = "https://docs.ankiweb.net/templates/errors.html#template-syntax-error"
_BLANK_LINK = "https://docs.ankiweb.net/templates/errors.html#front-of-card-is-blank"
_BLANK_CLOZE_LINK = (
    "https://docs.ankiweb.net/templates/errors.html#no-cloze-filter-on-cloze-note-type"
)
_MORE_INFO = "More information"
_ALT_SYNTAX = "{{=<% %>=}}"


def cloze_numbers(text: str) -> set[int]:
    """The cloze numbers (1-based) a field's text uses."""
    return _cloze_numbers(text)


# Parsing
# ----------------------------------------------------------------------------


class TemplateError(Exception):
    """A template that cannot be parsed or names a field the note doesn't have.

    `str()` is the plain message (as Anki words it); `html()` the message as
    Anki shows it on the card, headed by the side it came from.
    """

    def __init__(self, message: str, *, front: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.front = front

    def html(self) -> str:
        header = "Front template has a problem:" if self.front else "Back template has a problem:"
        return (
            f"{header}<br>{encode_minimal(self.message)}<br>"
            f"<a href='{_ERROR_LINK}'>{_MORE_INFO}</a>"
        )


def _no_such_field(found: str, name: str) -> TemplateError:
    return TemplateError(
        f"Found '{isolate(found)}', but there is no field called '{isolate(name)}'"
    )


@dataclass
class _Text:
    text: str


@dataclass
class _Comment:
    text: str


@dataclass
class _Replacement:
    key: str
    filters: list[str]  # in the order they are applied


@dataclass
class _Conditional:
    key: str
    negated: bool
    children: list = field(default_factory=list)


_Node = _Text | _Comment | _Replacement | _Conditional


def _tokens(template: str) -> Iterator[tuple[str, str]]:
    """Yield ("text" | "comment" | "handle", content) as Anki's lexer does."""
    start, end = "{{", "}}"
    if template.lstrip(RUST_WHITESPACE).startswith(_ALT_SYNTAX):
        template = template.lstrip(RUST_WHITESPACE)
        while template.startswith(_ALT_SYNTAX):
            template = template[len(_ALT_SYNTAX) :]
        start, end = "<%", "%>"
    pos, n = 0, len(template)
    while pos < n:
        handle = template.find(start, pos)
        if handle != -1 and template.find(end, handle + len(start)) == -1:
            handle = -1  # no closing brackets anywhere after: the rest is text
        comment = template.find("<!--", pos)
        if comment != -1 and template.find("-->", comment + 4) == -1:
            comment = -1
        candidates = [i for i in (handle, comment) if i != -1]
        if not candidates:
            yield "text", template[pos:]
            return
        first = min(candidates)
        if first > pos:
            yield "text", template[pos:first]
        if first == handle:
            close = template.find(end, handle + len(start))
            yield "handle", template[handle + len(start) : close]
            pos = close + len(end)
        else:
            close = template.find("-->", comment + 4)
            yield "comment", template[comment + 4 : close]
            pos = close + 3


def _classify(handle: str) -> tuple[str, str]:
    content = handle.lstrip("{").strip(RUST_WHITESPACE)
    if len(content) >= 2:
        for prefix, kind in (("#", "open"), ("/", "close"), ("^", "negated")):
            if content.startswith(prefix):
                return kind, content[1:].lstrip(RUST_WHITESPACE)
    return "replace", content


def _replacement(content: str) -> _Replacement:
    parts = content.split(":")
    return _Replacement(key=parts[-1], filters=list(reversed(parts[:-1])))


def _parse(template: str) -> list[_Node]:
    root: list[_Node] = []
    stack: list[_Conditional] = []
    for kind, content in _tokens(template):
        target = stack[-1].children if stack else root
        if kind == "text":
            target.append(_Text(content))
        elif kind == "comment":
            target.append(_Comment(content))
        else:
            handle_kind, name = _classify(content)
            if handle_kind == "replace":
                target.append(_replacement(name))
            elif handle_kind in ("open", "negated"):
                conditional = _Conditional(key=name, negated=handle_kind == "negated")
                target.append(conditional)
                stack.append(conditional)
            elif stack and stack[-1].key == name:
                stack.pop()
            elif stack:
                raise TemplateError(
                    f"Found '{isolate('{{/' + name + '}}')}', "
                    f"but expected '{isolate('{{/' + stack[-1].key + '}}')}'"
                )
            else:
                raise TemplateError(
                    f"Found '{isolate('{{/' + name + '}}')}', "
                    f"but missing '{isolate('{{#' + name + '}}')}' "
                    f"or '{isolate('{{^' + name + '}}')}'"
                )
    if stack:
        raise TemplateError(f"Missing '{isolate('{{/' + stack[-1].key + '}}')}'")
    return root


def template_error(template: str) -> str | None:
    """Anki's message for a template that can't be parsed, or None if it parses."""
    try:
        _parse(template)
    except TemplateError as error:
        return error.message
    return None


def _is_cloze_conditional(key: str) -> bool:
    return key.startswith("c") and key[1:].isascii() and key[1:].isdigit()


def field_names_in(template: str) -> set[str]:
    """Every name a template refers to: replacements and conditionals (not `{{#c1}}`).

    Special names (FrontSide, Tags, Deck ...) are included when used; a filter
    with no field (`{{tts-voices:}}`) is not. Works on broken templates too.
    """
    names: set[str] = set()
    for kind, content in _tokens(template):
        if kind != "handle":
            continue
        handle_kind, name = _classify(content)
        if handle_kind == "replace":
            replacement = _replacement(name)
            if replacement.key or not replacement.filters:
                names.add(replacement.key)
        elif not _is_cloze_conditional(name):
            names.add(name)
    return names


# Which cards a note makes
# ----------------------------------------------------------------------------


def _renders_with_fields(nodes: list[_Node], nonempty: set[str]) -> bool:
    """Anki's renders_with_fields: does some field reference survive with these fields?"""
    for node in nodes:
        if isinstance(node, _Replacement):
            if node.key in nonempty:
                return True
        elif isinstance(node, _Conditional):
            if node.negated == (node.key in nonempty):
                continue
            if _renders_with_fields(node.children, nonempty):
                return True
    return False


def nonempty_card_ords(
    *,
    templates: Sequence[Mapping[str, str]],
    fields: Mapping[str, str],
    is_cloze: bool,
    tags: Sequence[str] = (),
    ensure_one: bool = True,
) -> list[int]:
    """The card ordinals Anki would make for a note, sorted.

    Standard note types: one card per template whose front shows at least one
    non-empty field (conditionals honoured). As in Anki, Deck, Subdeck, Type,
    Card, CardFlag and CardID count as filled, and Tags does when the note has
    tags. Cloze note types: one card per cloze number found in any field (not
    only those the template shows), capped at c500, as Anki does. When
    nothing qualifies Anki still makes card 0 so the note isn't lost; pass
    ensure_one=False to get an empty list instead.
    """
    if is_cloze:
        numbers = set()
        for value in fields.values():
            numbers |= _cloze_numbers(value)
        ords = sorted({min(number - 1, MAX_CLOZE_ORD) for number in numbers})
    else:
        nonempty = {name for name, value in fields.items() if not field_is_empty(value)}
        # Anki counts the card's own special fields as filled (a template of just
        # {{Deck}} makes a card), and Tags when the note has tags.
        nonempty |= _ALWAYS_FILLED - set(fields)
        if tags and "Tags" not in fields:
            nonempty.add("Tags")
        ords = []
        for ord_, template in enumerate(templates):
            try:
                nodes = _parse(template.get("qfmt", ""))
            except TemplateError:
                continue
            if _renders_with_fields(nodes, nonempty):
                ords.append(ord_)
    if not ords and ensure_one:
        return [0]
    return ords


# Rendering
# ----------------------------------------------------------------------------


@dataclass
class _Context:
    fields: dict[str, str]
    nonempty: set[str]
    card_ord: int
    frontside: str | None  # None while rendering the question


_FURIGANA = re.compile(r" ?([^ >]+?)\[(.+?)\]")


def _ruby(text: str, shown) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(2).startswith("sound:"):
            return match.group(0)
        return shown(match)

    return _FURIGANA.sub(replace, text.replace("&nbsp;", " "))


def _hint(text: str, field_name: str) -> str:
    if not text.strip(RUST_WHITESPACE):
        return text
    # Anki uses a link with an onclick handler; <details> needs no script. The
    # line breaks sit where Anki's do, so {{text:hint:Field}} gives the same text.
    return (
        f'\n<details class="hint"><summary class="hint-link">\n{field_name}</summary>\n'
        f'<div class="hint">{text}</div></details>\n'
    )


def _apply_filter(name: str, text: str, field_name: str, ctx: _Context) -> str | None:
    """One built-in filter; None for a filter Anki doesn't know."""
    question = ctx.frontside is None
    if name == "text":
        return strip_html(text)
    if name == "furigana":
        return _ruby(text, lambda m: f"<ruby><rb>{m.group(1)}</rb><rt>{m.group(2)}</rt></ruby>")
    if name == "kanji":
        return _ruby(text, lambda m: m.group(1))
    if name == "kana":
        return _ruby(text, lambda m: m.group(2))
    if name == "type":
        return f"[[type:{field_name}]]"
    if name == "type-cloze":
        return f"[[type:cloze:{field_name}]]"
    if name == "type-nc":
        return f"[[type:nc:{field_name}]]"
    if name == "hint":
        return _hint(text, field_name)
    if name == "cloze":
        return strip_html_inside_mathjax(reveal_cloze_text(text, ctx.card_ord + 1, question))
    if name == "cloze-only":
        return reveal_cloze_text_only(text, ctx.card_ord + 1, question)
    if name == "":
        return text
    if name.startswith("tts "):
        return f"[anki:tts lang={name[4:]}]{text}[/anki:tts]"
    return None


def _apply_filters(text: str, filters: list[str], field_name: str, ctx: _Context) -> str:
    if filters == ["cloze", "type"]:
        filters = ["type-cloze"]
    elif filters == ["nc", "type"]:
        filters = ["type-nc"]
    elif filters and filters[-1] == "type":
        filters = ["type"]
    for name in filters:
        output = _apply_filter(name, text, field_name, ctx)
        if output is None:
            # Anki hands an unknown filter, and every filter after it, to add-ons;
            # with none installed the text is left as it is.
            return text
        text = output
    return text


def _render_nodes(nodes: list[_Node], ctx: _Context, out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, _Text):
            out.append(node.text)
        elif isinstance(node, _Comment):
            out.append(f"<!--{node.text}-->")
        elif isinstance(node, _Replacement):
            if node.key == "FrontSide":
                out.append(ctx.frontside or "")
            elif not node.key and node.filters:
                continue  # a filter with no field adds its own text; ours add none
            elif node.key in ctx.fields:
                out.append(_apply_filters(ctx.fields[node.key], node.filters, node.key, ctx))
            else:
                shown = "".join(f"{f}:" for f in reversed(node.filters)) + node.key
                raise _no_such_field("{{" + shown + "}}", node.key)
        else:
            if node.key in ctx.nonempty:
                shown = not node.negated
            elif node.key in ctx.fields or _is_cloze_conditional(node.key):
                shown = node.negated
            else:
                prefix = "^" if node.negated else "#"
                raise _no_such_field("{{" + prefix + node.key + "}}", node.key)
            # a hidden branch is still rendered, so its mistakes are reported
            _render_nodes(node.children, ctx, out if shown else [])


def _render(template: str, ctx: _Context, *, front: bool) -> tuple[str, list[_Node]]:
    try:
        nodes = _parse(template)
        out: list[str] = []
        _render_nodes(nodes, ctx, out)
    except TemplateError as error:
        error.front = front
        raise
    return "".join(out), nodes


# Type in the answer (what Anki's desktop reviewer does around the renderer)
# ----------------------------------------------------------------------------

_TYPE_ANSWER = re.compile(r"\[\[type:(.+?)\]\]")


@dataclass
class _TypeAnswer:
    expected: str | None  # None: the field is unknown or the cloze is missing
    font: str
    size: int
    combining: bool
    active: bool  # the question asked for a typed answer


def _type_answer_question(
    html: str,
    *,
    fields: Mapping[str, str],
    note_field_names: set[str],
    card_ord: int,
    fonts: Mapping[str, tuple[str, int]],
) -> tuple[str, _TypeAnswer]:
    state = _TypeAnswer(None, *DEFAULT_FONT, combining=True, active=False)
    match = _TYPE_ANSWER.search(html)
    if not match:
        return html, state
    state.active = True
    name = match.group(1)
    cloze = False
    if name.startswith("cloze:"):
        cloze = True
        name = name.split(":")[1]
    if name.startswith("nc:"):
        state.combining = False
        name = name.split(":")[1]
    if name in note_field_names:
        expected = fields.get(name, "")
        if cloze:
            expected = extract_cloze_for_typing(expected, card_ord + 1) or None
        state.expected = expected
        state.font, state.size = fonts.get(name, DEFAULT_FONT)
    if not state.expected:
        if state.expected is None:
            warning = (
                "Please run Tools>Empty Cards"
                if cloze
                else f"Type answer: unknown field {isolate(name)}"
            )
        else:
            warning = ""
        return _TYPE_ANSWER.sub(lambda _m: warning, html), state
    style = f"font-family: '{state.font}'; font-size: {state.size}px;"
    field_input = (
        '\n<center>\n<input type="text" id="typeans" class="typeans-input" '
        'name="typed_answer" autocomplete="off" autocapitalize="off" spellcheck="false" '
        f'style="{style}">\n</center>\n'
    )
    return _TYPE_ANSWER.sub(lambda _m: field_input, html), state


def _type_answer_answer(html: str, state: _TypeAnswer, typed: str) -> str:
    if not state.expected:
        return _TYPE_ANSWER.sub("", html)
    original = html
    html = html.replace("<hr id=answer>", "")
    had_hr = len(html) != len(original)
    if had_hr and not _TYPE_ANSWER.search(html):
        return original
    comparison = compare_answer(state.expected, typed, combining=state.combining)
    block = (
        f'\n<div class="typeans-compare" style="font-family: \'{state.font}\'; '
        f'font-size: {state.size}px">{comparison}</div>'
    )
    if had_hr:
        # Anki moves the question/answer rule above the comparison, so a back
        # template that shows {{FrontSide}} keeps the rule before the answer.
        block = f"<hr id=answer>{block}"
    return _TYPE_ANSWER.sub(lambda _m: block, html)


# The public renderer
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedCard:
    """A card as Anki's reviewer shows it; HTML is not sanitized.

    Sounds and TTS appear in the HTML as `[anki:play:q:N]` (question) and
    `[anki:play:a:N]` (answer) references into question_av and answer_av. The
    answer's copy of the front ({{FrontSide}}) keeps the question's `q`
    references, as in Anki, so answer_av lists only the back's own media.
    """

    question: str
    answer: str
    question_av: list[AvTag] = field(default_factory=list)
    answer_av: list[AvTag] = field(default_factory=list)
    # The front shows nothing (Anki's "front of this card is blank" or
    # "no cloze found"); the message is in question and answer.
    is_empty: bool = False
    # A template mistake; question and answer are Anki's error message.
    error: str | None = None
    # The front asks for a typed answer.
    wants_typed_answer: bool = False

    @property
    def sounds(self) -> list[str]:
        """Every sound file the card plays, question side first."""
        return [
            tag.filename
            for tag in (*self.question_av, *self.answer_av)
            if isinstance(tag, SoundTag)
        ]

    @property
    def tts(self) -> list[TtsTag]:
        """Every text-to-speech request on the card, question side first."""
        return [tag for tag in (*self.question_av, *self.answer_av) if isinstance(tag, TtsTag)]


def render_card(
    *,
    qfmt: str,
    afmt: str,
    fields: Mapping[str, str],
    card_ord: int,
    is_cloze: bool,
    tags: Sequence[str] = (),
    deck_name: str = "",
    card_name: str = "",
    typed_answer: str | None = None,
    note_type_name: str = "",
    card_flag: int = 0,
    card_id: int = 0,
    field_fonts: Mapping[str, tuple[str, int]] | None = None,
) -> RenderedCard:
    """Render a card's question and answer the way Anki does.

    fields maps the note's field names to their HTML. card_ord is the template
    index, or the cloze number - 1 for cloze note types. typed_answer is what
    the learner typed (None or "" if nothing): the answer side then shows
    Anki's comparison wherever the template has `{{type:Field}}`. field_fonts
    maps field names to (font family, size in px) for the type-answer box, as
    Anki takes them from the note type's field settings.
    """
    field_map: dict[str, str] = dict(fields)
    specials = {
        "Tags": " ".join(tags),
        "Type": note_type_name,
        "Subdeck": deck_name.rsplit("::", 1)[-1],
        "Deck": deck_name,
        "CardFlag": f"flag{card_flag}",
        "Card": card_name,
        "CardID": str(card_id),
        f"c{card_ord + 1}": "1",
    }
    for name, value in specials.items():
        field_map.setdefault(name, value)  # a note field of the same name wins
    nonempty = {name for name, value in field_map.items() if not field_is_empty(value)}
    ctx = _Context(fields=field_map, nonempty=nonempty, card_ord=card_ord, frontside=None)

    try:
        question, question_nodes = _render(qfmt, ctx, front=True)
        empty_message = _empty_front_message(question_nodes, ctx, field_map, is_cloze)
        if empty_message:
            question_text, question_av = extract_av_tags(question + empty_message, "q")
            answer = empty_message
        else:
            question_text, question_av = extract_av_tags(question, "q")
            ctx.frontside = question_text
            answer, _nodes = _render(afmt, ctx, front=False)
    except TemplateError as error:
        message = error.html()
        return RenderedCard(question=message, answer=message, error=error.message)
    answer_text, answer_av = extract_av_tags(answer, "a")

    question_html, type_state = _type_answer_question(
        question_text,
        fields=fields,
        note_field_names=set(fields),
        card_ord=card_ord,
        fonts=field_fonts or {},
    )
    answer_html = _type_answer_answer(answer_text, type_state, typed_answer or "")
    return RenderedCard(
        question=question_html,
        answer=answer_html,
        question_av=question_av,
        answer_av=answer_av,
        is_empty=empty_message is not None,
        wants_typed_answer=type_state.active and bool(type_state.expected),
    )


def _empty_front_message(
    nodes: list[_Node], ctx: _Context, field_map: Mapping[str, str], is_cloze: bool
) -> str | None:
    if is_cloze:
        numbers: set[int] = set()
        for value in field_map.values():
            numbers |= _cloze_numbers(value)
        if ctx.card_ord + 1 in numbers:
            return None
        text = (
            f"No cloze {isolate(ctx.card_ord + 1)} found on card.\n"
            "Please either add a cloze deletion, or use the Empty Cards tool."
        )
        link = _BLANK_CLOZE_LINK
    else:
        if _renders_with_fields(nodes, ctx.nonempty):
            return None
        text = "The front of this card is blank."
        link = _BLANK_LINK
    return f"<div>{text}<br><a href='{link}'>{_MORE_INFO}</a></div>"
