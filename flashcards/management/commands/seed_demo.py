"""Create the demo account and a demo deck of about 30 notes (safe to run again)."""

from __future__ import annotations

import struct
import zlib

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from flashcards.models import Note
from flashcards.services.decks import create_deck
from flashcards.services.media import store_media
from flashcards.services.notes import add_note
from flashcards.services.notetypes import ensure_stock_note_types

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "deckhand-demo"

SPANISH = [
    ("el perro", "the dog"),
    ("el gato", "the cat"),
    ("la casa", "the house"),
    ("el libro", "the book"),
    ("la manzana", "the apple"),
    ("el agua", "the water"),
    ("la ciudad", "the city"),
    ("el tiempo", "the weather; time"),
    ("la playa", "the beach"),
    ("el tren", "the train"),
]
VERBS = [
    ("hablar", "to speak"),
    ("comer", "to eat"),
    ("vivir", "to live"),
    ("tener", "to have"),
    ("ir", "to go"),
    ("ser", "to be (permanent)"),
    ("estar", "to be (temporary)"),
    ("querer", "to want; to love"),
]
CLOZES = [
    "The capital of France is {{c1::Paris}}.",
    "{{c1::Mitochondria}} are the {{c2::powerhouse}} of the cell.",
    "Water boils at {{c1::100::number}} °C at sea level.",
    "The chemical symbol for gold is {{c1::Au}}.",
    "{{c1::Jupiter}} is the largest planet in the Solar System.",
    "Light from the Sun takes about {{c1::8 minutes}} to reach Earth.",
    "Spaced repetition schedules reviews just before you would {{c1::forget}}.",
    "The {{c1::Pythagorean}} theorem says {{c2::a² + b² = c²}}.",
]
CAPITALS = [("Japan", "Tokyo"), ("Kenya", "Nairobi"), ("Peru", "Lima"), ("Canada", "Ottawa")]


class Command(BaseCommand):
    help = "Create the demo account (demo / deckhand-demo) with a demo deck."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        user, created = User.objects.get_or_create(username=DEMO_USERNAME)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if Note.objects.filter(owner=user).exists():
            self.stdout.write("The demo account already has its deck.")
            return
        types = {nt.stock_kind: nt for nt in ensure_stock_note_types(owner=user)}
        nouns = create_deck(
            owner=user,
            full_name="Demo::Spanish::Nouns",
            description="Everyday Spanish nouns, both directions.",
        )
        verbs = create_deck(owner=user, full_name="Demo::Spanish::Verbs")
        science = create_deck(owner=user, full_name="Demo::Science", description="Cloze deletions.")
        geography = create_deck(owner=user, full_name="Demo::Geography")
        for spanish, english in SPANISH:
            add_note(
                owner=user,
                note_type=types["basic_reversed"],
                deck=nouns,
                fields=[spanish, english],
                tags=["spanish", "noun"],
            )
        for spanish, english in VERBS:
            add_note(
                owner=user,
                note_type=types["basic"],
                deck=verbs,
                fields=[spanish, english],
                tags=["spanish", "verb"],
            )
        for text in CLOZES:
            add_note(owner=user, note_type=types["cloze"], deck=science, fields=[text, ""])
        for country, capital in CAPITALS:
            add_note(
                owner=user,
                note_type=types["basic_typing"],
                deck=geography,
                fields=[f"Capital of {country}?", capital],
                tags=["geography"],
            )
        flag = store_media(owner=user, filename="japan flag.png", data=_flag_png())
        add_note(
            owner=user,
            note_type=types["basic"],
            deck=geography,
            fields=[f'Whose flag is this?<br><img src="{flag.filename}">', "Japan"],
            tags=["geography", "flags"],
        )
        self.stdout.write(self.style.SUCCESS("Created the demo account: demo / deckhand-demo"))


def _flag_png() -> bytes:
    """Japan's flag: a red disc on white, drawn pixel by pixel."""
    width, height = 90, 60
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            inside = (x - 45) ** 2 + (y - 30) ** 2 <= 18**2
            row += bytes((188, 0, 45) if inside else (255, 255, 255))
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
