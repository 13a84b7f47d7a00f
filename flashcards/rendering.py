"""Cards as safe HTML for our pages: the glue around the renderer and sanitizer.

flashcards.templating renders a card as Anki would (untrusted HTML with
`[anki:play:q:0]` sound/TTS references); this module turns the references into
players, sanitizes both sides with the owner's media URLs, and scopes the note
type's CSS (plus any <style> the card carries) to the card container.

Show one side with templates/flashcards/_card.html:
    {% include "flashcards/_card.html" with html=card.answer css=card.css classes=card.classes %}

Media URLs: `media_url(owner_id, filename)` reverses "flashcards:media" with
(owner_id, filename); until that URL exists it builds
`/media/<owner_id>/<percent-encoded filename>`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from flashcards.card_css import DEFAULT_SCOPE, scope_css
from flashcards.sanitize import sanitize_card_html
from flashcards.templating import (
    AvTag,
    RenderedCard,
    SoundTag,
    nonempty_card_ords,
    render_card,
)

if TYPE_CHECKING:
    from accounts.models import User
    from flashcards.models import Card, NoteType

__all__ = ["CardHtml", "PreviewCard", "media_url", "render_card_html", "render_preview"]

SOUND_CLASS = "card-sound"  # the study screen's `r` key replays these
TTS_CLASS = "tts-play"  # static JS speaks data-tts-text with speechSynthesis

_PLAY_REF = re.compile(r"\[anki:play:([qa]):(\d+)\]")
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.S | re.I)


def media_url(owner_id: int, filename: str) -> str:
    """The URL that serves one of a user's media files."""
    try:
        return reverse("flashcards:media", args=[owner_id, filename])
    except NoReverseMatch:
        return f"/media/{owner_id}/{quote(filename, safe='')}"


@dataclass(frozen=True)
class CardHtml:
    """One card ready to show: both sides sanitized, CSS scoped to the container."""

    ord: int
    name: str  # the template's name ("Card 1"), or the cloze's for cloze notes
    question: SafeString
    answer: SafeString
    css: str  # safe inside <style>; already scoped to .card-scope
    classes: str  # for the container: "card card-scope card1"
    question_sounds: list[str] = field(default_factory=list)  # media URLs, in order
    answer_sounds: list[str] = field(default_factory=list)  # the back's own sounds
    wants_typed_answer: bool = False
    is_empty: bool = False
    error: str | None = None


# The editor's preview shows the same thing for a card that isn't saved yet.
PreviewCard = CardHtml


def _player(tag: AvTag, ref: str) -> str:
    if isinstance(tag, SoundTag):
        # The src is the file name; the sanitizer turns it into the media URL.
        return (
            f'<audio class="{SOUND_CLASS}" controls preload="none" data-av="{ref}" '
            f'src="{escape(quote(tag.filename, safe=""))}"></audio>'
        )
    return (
        f'<button type="button" class="{TTS_CLASS}" data-av="{ref}" '
        f'data-tts-text="{escape(tag.text)}" data-tts-lang="{escape(tag.lang)}" '
        f'data-tts-voices="{escape(",".join(tag.voices))}" data-tts-speed="{tag.speed:g}" '
        f'aria-label="Speak" title="Speak">&#128266;</button>'
    )


def _with_players(html: str, rendered: RenderedCard) -> str:
    def replace(match: re.Match[str]) -> str:
        side, index = match.group(1), int(match.group(2))
        tags = rendered.question_av if side == "q" else rendered.answer_av
        if index >= len(tags):
            return match.group(0)
        return _player(tags[index], f"{side}:{index}")

    return _PLAY_REF.sub(replace, html)


def _pull_styles(html: str, styles: list[str]) -> str:
    def take(match: re.Match[str]) -> str:
        if match.group(1) not in styles:
            styles.append(match.group(1))
        return ""

    return _STYLE_BLOCK.sub(take, html)


def _sound_urls(tags: Sequence[AvTag], owner_url) -> list[str]:
    return [owner_url(tag.filename) for tag in tags if isinstance(tag, SoundTag)]


@lru_cache(maxsize=256)
def _scoped_css(css: str, owner_id: int, script_prefix: str) -> str:
    """scope_css for a note type's stylesheet, kept: a note type's CSS rarely changes,
    and parsing it costs more than the rest of rendering a card. The script prefix is
    in the key because the media URLs written into the CSS start with it."""
    return scope_css(css, media_url=partial(media_url, owner_id))


def _field_fonts(note_type: NoteType) -> dict[str, tuple[str, int]]:
    fonts = {}
    for spec in note_type.fields:
        try:
            fonts[spec["name"]] = (str(spec.get("font") or "Arial"), int(spec.get("size") or 20))
        except (TypeError, ValueError):
            continue
    return fonts


def _to_html(
    rendered: RenderedCard, *, note_type: NoteType, owner_id: int, ord_: int, name: str
) -> CardHtml:
    owner_url = partial(media_url, owner_id)
    styles: list[str] = []
    sides = []
    for side_html in (rendered.question, rendered.answer):
        html = _pull_styles(_with_players(side_html, rendered), styles)
        if rendered.error:
            html = f'<div class="render-error">{html}</div>'
        sides.append(mark_safe(sanitize_card_html(html, media_url=owner_url)))
    css = _scoped_css("\n".join([note_type.css, *styles]), owner_id, get_script_prefix())
    return CardHtml(
        ord=ord_,
        name=name,
        question=sides[0],
        answer=sides[1],
        css=css,
        classes=f"card {DEFAULT_SCOPE.lstrip('.')} card{ord_ + 1}",
        question_sounds=_sound_urls(rendered.question_av, owner_url),
        answer_sounds=_sound_urls(rendered.answer_av, owner_url),
        wants_typed_answer=rendered.wants_typed_answer,
        is_empty=rendered.is_empty,
        error=rendered.error,
    )


def _template_for(note_type: NoteType, ord_: int) -> dict:
    templates = note_type.templates or [{"name": "Card 1", "qfmt": "", "afmt": ""}]
    if note_type.is_cloze:
        return templates[0]
    return templates[ord_] if ord_ < len(templates) else {"name": "", "qfmt": "", "afmt": ""}


def _render(
    *,
    note_type: NoteType,
    fields: Mapping[str, str],
    ord_: int,
    tags: Sequence[str],
    deck_name: str,
    owner_id: int,
    typed_answer: str | None = None,
    flag: int = 0,
    card_id: int = 0,
) -> CardHtml:
    template = _template_for(note_type, ord_)
    name = template.get("name", "")
    rendered = render_card(
        qfmt=template.get("qfmt", ""),
        afmt=template.get("afmt", ""),
        fields=fields,
        card_ord=ord_,
        is_cloze=note_type.is_cloze,
        tags=list(tags),
        deck_name=deck_name,
        card_name=name,
        typed_answer=typed_answer,
        note_type_name=note_type.name,
        card_flag=flag,
        card_id=card_id,
        field_fonts=_field_fonts(note_type),
    )
    return _to_html(rendered, note_type=note_type, owner_id=owner_id, ord_=ord_, name=name)


def render_card_html(
    card: Card,
    *,
    learner: User | None = None,
    typed_answer: str | None = None,
    flag: int | None = None,
    reveal: bool = True,
) -> CardHtml:
    """A saved card's question and answer, safe to show.

    typed_answer is what the learner typed into the type-answer box; the
    answer side compares it. The card's flag (for {{CardFlag}}) is the
    learner's, passed as flag or looked up for learner. Both sides are always
    rendered; reveal is accepted for callers that say which side they show.
    """
    note = card.note
    note_type = note.note_type
    if flag is None:
        flag = 0
        if learner is not None:
            from reviews.models import CardState

            flag = (
                CardState.objects.filter(learner=learner, card=card)
                .values_list("flag", flat=True)
                .first()
                or 0
            )
    return _render(
        note_type=note_type,
        fields=note.field_map(),
        ord_=card.ord,
        tags=note.tag_list,
        deck_name=card.deck.full_name,
        owner_id=note.owner_id,
        typed_answer=typed_answer,
        flag=flag,
        card_id=card.anki_id,
    )


def render_preview(
    *,
    note_type: NoteType,
    fields: Mapping[str, str],
    tags: Sequence[str] = (),
    deck_name: str = "",
    owner_id: int | None = None,
) -> list[PreviewCard]:
    """Every card a note with these fields would make, rendered for the editor's preview."""
    owner = note_type.owner_id if owner_id is None else owner_id
    values = {name: fields.get(name, "") for name in note_type.field_names}
    ords = nonempty_card_ords(
        templates=note_type.templates, fields=values, is_cloze=note_type.is_cloze, tags=tags
    )
    return [
        _render(
            note_type=note_type,
            fields=values,
            ord_=ord_,
            tags=tags,
            deck_name=deck_name,
            owner_id=owner,
        )
        for ord_ in ords
    ]
