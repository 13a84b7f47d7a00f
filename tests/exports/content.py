"""A deck with every kind of note, built with the real content services."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from flashcards.models import Deck, Note, NoteType
from flashcards.services.decks import create_deck
from flashcards.services.media import store_media
from flashcards.services.notes import add_note, move_cards
from flashcards.services.notetypes import (
    add_field,
    add_template,
    create_note_type,
    ensure_stock_note_types,
    update_css,
    update_template,
)
from tests.factories import make_png

IMAGE_NAME = "café & crème (1).png"
SOUND_NAME = "my sound (2).mp3"
FONT_NAME = "_handwriting.woff2"
UNUSED_NAME = "not used anywhere.png"
IMAGE_BYTES = make_png(6, 4, (200, 40, 90))
SOUND_BYTES = b"ID3\x03\x00fake mp3 bytes \xff\xfb" * 40
FONT_BYTES = b"wOF2 fake font " * 30


@dataclass
class Content:
    root: Deck
    sub: Deck
    note_types: dict[str, NoteType]
    notes: dict[str, Note]


def build_content(owner: User) -> Content:
    types = {nt.stock_kind: nt for nt in ensure_stock_note_types(owner=owner)}
    root = create_deck(
        owner=owner, full_name="Langues::Français", description="Mots <b>utiles</b> & phrases"
    )
    sub = create_deck(owner=owner, full_name="Langues::Français::Verbes (irréguliers)")

    custom = create_note_type(owner=owner, name="Vocab ✓ custom", based_on=types["basic"])
    custom = add_field(note_type=custom, name="Example")
    custom = update_template(
        note_type=custom,
        index=0,
        name="Recognise",
        qfmt='<div class="word">{{Front}}</div>',
        afmt="{{FrontSide}}<hr id=answer>{{Back}}<br>{{Example}}",
    )
    custom = add_template(note_type=custom, name="Produce")
    custom = update_template(
        note_type=custom,
        index=1,
        name="Produce",
        qfmt="{{#Example}}{{Back}}{{/Example}}",
        afmt="{{FrontSide}}<hr id=answer>{{Front}}",
    )
    custom = update_css(
        note_type=custom,
        css='@font-face { font-family: hand; src: url("' + FONT_NAME + '"); }\n'
        ".word { font-family: hand; color: #333; }",
    )
    types["custom"] = custom

    image = store_media(owner=owner, filename=IMAGE_NAME, data=IMAGE_BYTES)
    store_media(owner=owner, filename=SOUND_NAME, data=SOUND_BYTES)
    store_media(owner=owner, filename=FONT_NAME, data=FONT_BYTES)
    store_media(owner=owner, filename=UNUSED_NAME, data=make_png(2, 2))
    assert image.filename == IMAGE_NAME

    notes = {
        "basic": add_note(
            owner=owner,
            note_type=types["basic"],
            deck=root,
            fields=[
                'Ça va ? <b>très</b> bien &amp; toi <img src="café &amp; crème (1).png">',
                f"日本語 😀 — naïve «quote» [sound:{SOUND_NAME}]",
            ],
            tags=["français", "unicode::ü", "html"],
        ),
        "reversed": add_note(
            owner=owner,
            note_type=types["basic_reversed"],
            deck=root,
            fields=["le chat", "the cat"],
            tags=["animals"],
        ),
        "optional_on": add_note(
            owner=owner,
            note_type=types["basic_optional_reversed"],
            deck=root,
            fields=["le chien", "the dog", "y"],
        ),
        "optional_off": add_note(
            owner=owner,
            note_type=types["basic_optional_reversed"],
            deck=root,
            fields=["l'oiseau", "the bird", ""],
        ),
        "typing": add_note(
            owner=owner,
            note_type=types["basic_typing"],
            deck=sub,
            fields=["aller (je)", "vais"],
        ),
        "cloze": add_note(
            owner=owner,
            note_type=types["cloze"],
            deck=sub,
            fields=["{{c1::Paris}} est la capitale de la {{c3::France}}", "<i>extra</i>"],
            tags=["géographie"],
        ),
        "custom": add_note(
            owner=owner,
            note_type=custom,
            deck=root,
            fields=["la pomme", "the apple", "Une pomme par jour."],
        ),
        "custom_one_card": add_note(
            owner=owner,
            note_type=custom,
            deck=root,
            fields=["la poire", "the pear", ""],
        ),
    }
    # The reverse card of one note lives in the subdeck: cards keep their own decks.
    reverse = notes["reversed"].cards.get(ord=1)
    move_cards(owner=owner, card_ids=[reverse.pk], deck=sub)
    return Content(root=root, sub=sub, note_types=types, notes=notes)


def expected_notes(owner: User) -> dict[str, dict]:
    """What Anki should hold after importing an export of everything `owner` has."""
    result = {}
    for note in Note.objects.filter(owner=owner).select_related("note_type"):
        result[note.guid] = {
            "type_id": note.note_type.anki_id,
            "fields": note.field_map(),
            "tags": sorted(note.tag_list),
            "cards": sorted((card.ord, card.deck.full_name) for card in note.cards.all()),
        }
    return result
