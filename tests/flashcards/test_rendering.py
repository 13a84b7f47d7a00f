"""Cards as our pages show them: sanitized, with the owner's media and scoped CSS."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from flashcards import rendering
from flashcards.models import Card
from flashcards.rendering import media_url, render_card_html, render_preview
from tests.factories import (
    make_card_state,
    make_deck,
    make_note,
    make_note_type,
    make_note_type_cloze,
    make_user,
)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str, tag: str) -> list[dict[str, str]]:
    parser = _Elements()
    parser.feed(html)
    return [attrs for name, attrs in parser.found if name == tag]


def make_card(
    owner, *, qfmt, afmt="{{FrontSide}}<hr id=answer>{{Back}}", css="", fields, deck=None, tags=()
):
    note_type = make_note_type(
        owner,
        "basic",
        name=f"Custom {qfmt[:20]}",
        templates=[{"name": "Card 1", "qfmt": qfmt, "afmt": afmt}],
        css=css,
    )
    deck = deck or make_deck(owner, "Default")
    note = make_note(owner, note_type, deck, fields, tags=tags)
    return Card.objects.select_related("note__note_type", "deck").get(note=note)


@pytest.mark.django_db
def test_it_serves_pictures_and_sounds_from_the_owners_media(owner):
    card = make_card(
        owner,
        qfmt="{{Front}}",
        fields=['<img src="cat one.jpg"> [sound:hello there.mp3]', "back"],
    )
    rendered = render_card_html(card)

    picture_url = reverse("flashcards:media", args=[owner.pk, "cat one.jpg"])
    sound_url = reverse("flashcards:media", args=[owner.pk, "hello there.mp3"])
    assert elements(rendered.question, "img") == [{"src": picture_url}]
    [audio] = elements(rendered.question, "audio")
    assert audio["src"] == sound_url
    assert audio["class"] == "card-sound"
    assert "controls" in audio and audio["preload"] == "none"
    assert rendered.question_sounds == [sound_url]
    assert rendered.answer_sounds == []  # the front's sound on the back isn't the back's own
    assert len(elements(rendered.answer, "audio")) == 1


@pytest.mark.django_db
def test_it_removes_script_from_fields(owner):
    card = make_card(
        owner,
        qfmt="{{Front}}",
        fields=['<script>alert(1)</script><img src=x onerror="alert(1)"><b>safe</b>', "back"],
    )
    rendered = render_card_html(card)
    assert "<script" not in rendered.question
    assert elements(rendered.question, "img") == [
        {"src": reverse("flashcards:media", args=[owner.pk, "x"])}
    ]
    assert "<b>safe</b>" in rendered.question


@pytest.mark.django_db
def test_it_asks_for_and_compares_a_typed_answer(owner):
    card = make_card(
        owner,
        qfmt="{{Front}} {{type:Back}}",
        afmt="{{Front}}<hr id=answer>{{type:Back}}",
        fields=["capital of France", "Paris"],
    )
    rendered = render_card_html(card, typed_answer="Pari")

    assert rendered.wants_typed_answer
    [field] = elements(rendered.question, "input")
    assert field["name"] == "typed_answer" and field["id"] == "typeans"
    assert elements(rendered.answer, "input") == []
    classes = [attrs.get("class") for attrs in elements(rendered.answer, "span")]
    assert "typeGood" in classes and "typeMissed" in classes


@pytest.mark.django_db
def test_it_shows_the_learners_flag_and_the_deck(owner):
    deck = make_deck(owner, "Languages::Spanish")
    card = make_card(
        owner,
        qfmt="{{Front}}|{{CardFlag}}|{{Deck}}|{{Subdeck}}|{{Tags}}",
        fields=["f", "b"],
        deck=deck,
        tags=["verbs"],
    )
    learner = make_user("student")
    make_card_state(learner, card, flag=3)

    assert (
        "f|flag3|Languages::Spanish|Spanish|verbs"
        in render_card_html(card, learner=learner).question
    )
    assert "|flag0|" in render_card_html(card).question


@pytest.mark.django_db
def test_it_scopes_the_note_types_css_and_the_cards_own_styles(owner):
    card = make_card(
        owner,
        qfmt="<style>.x { color: blue }</style><span class=x>{{Front}}</span>",
        css=".card { color: red; background: url(http://evil.example/bg.png) } img { width: 1px }",
        fields=["f", "b"],
    )
    rendered = render_card_html(card)
    assert rendered.css == (
        ".card-scope { color: red }\n.card-scope img { width: 1px }\n.card-scope .x { color: blue }"
    )
    assert "<style" not in rendered.question
    assert rendered.classes == "card card-scope card1"


@pytest.mark.django_db
def test_it_turns_text_to_speech_into_a_speak_button(owner):
    card = make_card(
        owner, qfmt="{{Front}}{{tts fr_FR speed=0.8:Front}}", fields=["<b>Bonjour</b>", "b"]
    )
    [button] = elements(render_card_html(card).question, "button")
    assert button == {
        "class": "tts-play",
        "data-av": "q:0",
        "data-tts-text": "Bonjour",
        "data-tts-lang": "fr_FR",
        "data-tts-voices": "",
        "data-tts-speed": "0.8",
        "aria-label": "Speak",
        "title": "Speak",
        "type": "button",
    }


@pytest.mark.django_db
def test_it_shows_template_mistakes_as_anki_words_them(owner):
    card = make_card(owner, qfmt="{{#Front}}unclosed", fields=["f", "b"])
    rendered = render_card_html(card)
    assert rendered.error == "Missing '\u2068{{/Front}}\u2069'"
    [box] = elements(rendered.question, "div")
    assert box == {"class": "render-error"}


@pytest.mark.django_db
def test_the_preview_shows_every_card_the_note_would_make(owner):
    note_type = make_note_type(owner, "basic_reversed")
    both = render_preview(note_type=note_type, fields={"Front": "f", "Back": "b"})
    front_only = render_preview(note_type=note_type, fields={"Front": "f"})

    assert [(p.ord, p.name) for p in both] == [(0, "Card 1"), (1, "Card 2")]
    assert [p.ord for p in front_only] == [0]
    assert "b" in both[1].question


@pytest.mark.django_db
def test_the_preview_shows_one_card_per_cloze(owner):
    note_type = make_note_type_cloze(owner)
    previews = render_preview(
        note_type=note_type, fields={"Text": "{{c1::Rome}} in {{c3::Italy}}"}, tags=["geo"]
    )
    assert [p.ord for p in previews] == [0, 2]
    assert 'data-ordinal="3"' in previews[1].question


@pytest.mark.django_db
def test_the_card_partial_shows_one_side_in_its_scoped_box(owner):
    card = make_card(owner, qfmt="{{Front}}", css=".card { color: red }", fields=["f", "b"])
    rendered = render_card_html(card)
    html = render_to_string(
        "flashcards/_card.html",
        {"html": rendered.answer, "css": rendered.css, "classes": rendered.classes},
    )
    assert "<style>.card-scope { color: red }</style>" in html
    [box] = [d for d in elements(html, "div") if "card-scope" in d.get("class", "")]
    assert box["class"] == "card card-scope card1"
    assert "hx-disable" in box
    assert '<hr id="answer">b' in html


def test_media_urls_fall_back_to_a_plain_path(monkeypatch):
    def no_route(*args, **kwargs):
        raise NoReverseMatch("no media view yet")

    monkeypatch.setattr(rendering, "reverse", no_route)
    assert media_url(5, "a b/c.mp3") == "/media/5/a%20b%2Fc.mp3"
