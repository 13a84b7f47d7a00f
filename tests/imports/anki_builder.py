"""Packages made by the real Anki library (test-only): what they hold, and the files.

The tests import these with Deckhand and compare against what Anki itself put in.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from anki.collection import Collection, ExportAnkiPackageOptions
from anki.scheduler.v3 import CardAnswer

# Tiny but real: a 1x1 PNG and a few bytes of MP3 frame header.
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
MP3_BYTES = b"\xff\xfb\x90\x64" + bytes(range(256)) * 4

VOCAB_CSS = ".card { font-family: serif; color: #123456; }\n.example { font-style: italic; }\n"


@dataclass
class ExpectedNote:
    guid: str
    note_type: str
    fields: list[str]
    tags: list[str]
    card_count: int
    decks: set[str]


@dataclass
class BuiltCollection:
    folder: Path
    notes: dict[str, ExpectedNote] = field(default_factory=dict)  # by guid
    media: dict[str, bytes] = field(default_factory=dict)
    cards: int = 0
    reviews: int = 0  # revlog rows with a rating (ease 1-4)
    suspended_guids: set[str] = field(default_factory=set)
    reviewed_card_ids: set[int] = field(default_factory=set)
    note_type_ids: dict[str, int] = field(default_factory=dict)
    deck_ids: dict[str, int] = field(default_factory=dict)
    fsrs_states: dict[int, tuple[float, float]] = field(default_factory=dict)  # card id -> s, d
    packages: dict[str, Path] = field(default_factory=dict)


def _add_vocab_type(col: Collection) -> dict:
    models = col.models
    model = models.new("Vocab")
    for name in ("Word", "Meaning", "Example"):
        models.add_field(model, models.new_field(name))
    recognize = models.new_template("Recognize")
    recognize["qfmt"] = "{{Word}}"
    recognize["afmt"] = (
        '{{FrontSide}}<hr id=answer>{{Meaning}}<div class="example">{{Example}}</div>'
    )
    recall = models.new_template("Recall")
    recall["qfmt"] = "{{Meaning}}"
    recall["afmt"] = "{{FrontSide}}<hr id=answer>{{Word}}"
    models.add_template(model, recognize)
    models.add_template(model, recall)
    model["css"] = VOCAB_CSS
    models.add(model)
    return models.by_name("Vocab")


def _answer(col: Collection, card_id: int, rating: int) -> None:
    card = col.get_card(card_id)
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))


def build_collection(folder: Path, *, scheduling: bool, fsrs: bool = True) -> BuiltCollection:
    """A collection with nested decks, Basic notes with an image and a sound, a cloze note,
    a custom two-template note type, tags; with `scheduling`, answered and suspended cards."""
    folder.mkdir(parents=True, exist_ok=True)
    built = BuiltCollection(folder=folder)
    col = Collection(str(folder / "collection.anki2"))
    try:
        col.set_config("fsrs", fsrs)
        spanish = col.decks.id("Languages::Spanish::Verbs")
        french = col.decks.id("Languages::French")
        basic = col.models.by_name("Basic")
        cloze = col.models.by_name("Cloze")
        vocab = _add_vocab_type(col)
        for name, data in (("cat.png", PNG_BYTES), ("hello.mp3", MP3_BYTES)):
            source = folder / name
            source.write_bytes(data)
            stored = col.media.add_file(str(source))
            assert stored == name
            built.media[name] = data

        def add(model: dict, deck_id: int, values: list[str], tags: list[str]) -> int:
            note = col.new_note(model)
            for index, value in enumerate(values):
                note.fields[index] = value
            note.tags = tags
            col.add_note(note, deck_id)
            return note.id

        add(basic, spanish, ['hablar <img src="cat.png">', "to speak [sound:hello.mp3]"], ["verb"])
        add(basic, spanish, ["comer", "to eat"], ["verb", "food"])
        add(basic, french, ["le chat", "the cat & <b>co</b>"], ["noun"])
        add(cloze, french, ["{{c1::Paris}} is the capital of {{c2::France}}", "geo"], ["geo"])
        add(vocab, spanish, ["perro", "dog", "El perro ladra."], ["noun", "animal"])
        add(vocab, french, ["maison", "house", ""], [])

        if scheduling:
            card_ids = col.find_cards("")
            ordered = sorted(card_ids)
            # Answer a few cards a few times; Good then Good makes review cards.
            for card_id in ordered[:4]:
                _answer(col, card_id, CardAnswer.GOOD)
                _answer(col, card_id, CardAnswer.GOOD)
                built.reviewed_card_ids.add(card_id)
            _answer(col, ordered[4], CardAnswer.AGAIN)
            built.reviewed_card_ids.add(ordered[4])
            col.sched.suspend_cards([ordered[5]])
            suspended_note = col.get_card(ordered[5]).note()
            built.suspended_guids.add(suspended_note.guid)
            for card_id in built.reviewed_card_ids:
                memory = col.get_card(card_id).memory_state
                if memory is not None:
                    built.fsrs_states[card_id] = (memory.stability, memory.difficulty)

        for note_id in col.find_notes(""):
            note = col.get_note(note_id)
            cards = note.cards()
            built.notes[note.guid] = ExpectedNote(
                guid=note.guid,
                note_type=note.note_type()["name"],
                fields=list(note.fields),
                tags=list(note.tags),
                card_count=len(cards),
                decks={col.decks.name(card.did) for card in cards},
            )
        built.cards = col.card_count()
        built.reviews = col.db.scalar("select count() from revlog where ease between 1 and 4")
        built.note_type_ids = {m["name"]: m["id"] for m in col.models.all()}
        built.deck_ids = {d["name"]: d["id"] for d in col.decks.all()}

        for legacy in (True, False):
            path = folder / f"{'legacy' if legacy else 'current'}.apkg"
            col.export_anki_package(
                out_path=str(path),
                options=ExportAnkiPackageOptions(
                    with_scheduling=scheduling,
                    with_deck_configs=scheduling,
                    with_media=True,
                    legacy=legacy,
                ),
                limit=None,
            )
            built.packages["legacy" if legacy else "current"] = path
        colpkg = folder / "collection.colpkg"
        col.export_collection_package(str(colpkg), include_media=True, legacy=False)
        built.packages["colpkg"] = colpkg
    finally:
        if col.db:
            col.close()
    return built


def import_with_anki(package: Path, folder: Path) -> Collection:
    """A fresh Anki collection with `package` imported as Anki's own importer does it."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    folder.mkdir(parents=True, exist_ok=True)
    col = Collection(str(folder / "collection.anki2"))
    col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(package),
            options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False),
        )
    )
    return col


def copy_package(built: BuiltCollection, kind: str, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built.packages[kind], target)
    return target


def media_folder(col: Collection) -> str:
    return os.fspath(col.media.dir())
