from __future__ import annotations

import copy
import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from flashcards.models import FIELD_SEPARATOR, Card, Note, NoteType
from flashcards.services.decks import delete_notes_without_cards
from flashcards.services.notes import card_ords_for, refresh_derived_columns
from flashcards.stock import STOCK_NOTE_TYPES
from flashcards.templating import SPECIAL_FIELDS, field_names_in, template_error

_BAD_FIELD_CHARS = re.compile(r'[:{}"\x1f]')


def ensure_stock_note_types(*, owner: User) -> list[NoteType]:
    """Give a user Anki's five stock note types the first time they need any.

    Only once: a stock type the user deleted stays deleted, as in Anki.
    """
    note_types = list(NoteType.objects.filter(owner=owner))
    if not note_types:
        with transaction.atomic():
            for kind, spec in STOCK_NOTE_TYPES.items():
                NoteType.objects.create(owner=owner, stock_kind=kind, **copy.deepcopy(spec))
        note_types = list(NoteType.objects.filter(owner=owner))
    return note_types


def _validate_field_name(name: str, others: Sequence[str]) -> str:
    name = name.strip()
    if not name:
        raise ValidationError("A field needs a name.")
    if _BAD_FIELD_CHARS.search(name) or name.startswith(("#", "/", "^")):
        raise ValidationError("Field names can't contain : { } \" or start with # / ^.")
    if name.lower() in {other.lower() for other in others}:
        raise ValidationError(f"There is already a field called “{name}”.")
    return name


@transaction.atomic
def create_note_type(*, owner: User, name: str, based_on: NoteType) -> NoteType:
    """A new note type copied from another (Anki's "Add: Clone")."""
    name = name.strip()
    if not name:
        raise ValidationError("A note type needs a name.")
    return NoteType.objects.create(
        owner=owner,
        name=name,
        kind=based_on.kind,
        fields=copy.deepcopy(based_on.fields),
        templates=copy.deepcopy(based_on.templates),
        css=based_on.css,
        sort_field=based_on.sort_field,
    )


@transaction.atomic
def rename_note_type(*, note_type: NoteType, name: str) -> NoteType:
    name = name.strip()
    if not name:
        raise ValidationError("A note type needs a name.")
    note_type.name = name
    note_type.save(update_fields=["name", "modified"])
    return note_type


def _rewrite_notes(note_type: NoteType, reorder: list[int | None]) -> None:
    """Rebuild every note's fields: new field i takes old field reorder[i] (None: empty)."""
    notes = list(Note.objects.filter(note_type=note_type).only("id", "flds", "note_type_id"))
    now = timezone.now()
    for note in notes:
        old = note.flds.split(FIELD_SEPARATOR)
        note.flds = FIELD_SEPARATOR.join(
            old[index] if index is not None and index < len(old) else "" for index in reorder
        )
        note.note_type = note_type
        refresh_derived_columns(note)
        note.modified = now
    Note.objects.bulk_update(
        notes, ["flds", "sort_value", "first_field", "modified"], batch_size=1000
    )


def _rename_in_templates(note_type: NoteType, old: str, new: str) -> None:
    # {{Old}}, {{#Old}}, {{/Old}}, {{^Old}} and {{filter:Old}} all follow the rename.
    pattern = re.compile(r"({{\s*[#/^]?\s*(?:[^}]*:)?)\s*" + re.escape(old) + r"\s*}}")
    for template in note_type.templates:
        for side in ("qfmt", "afmt"):
            template[side] = pattern.sub(lambda m: m.group(1) + new + "}}", template[side])


@transaction.atomic
def add_field(*, note_type: NoteType, name: str) -> NoteType:
    name = _validate_field_name(name, note_type.field_names)
    note_type.fields.append(
        {"name": name, "font": "Arial", "size": 20, "rtl": False, "sticky": False}
    )
    note_type.save()
    _rewrite_notes(note_type, [*range(len(note_type.fields) - 1), None])
    return note_type


@transaction.atomic
def rename_field(*, note_type: NoteType, index: int, name: str) -> NoteType:
    others = [n for i, n in enumerate(note_type.field_names) if i != index]
    name = _validate_field_name(name, others)
    old = note_type.fields[index]["name"]
    note_type.fields[index]["name"] = name
    _rename_in_templates(note_type, old, name)
    note_type.save()
    return note_type


@transaction.atomic
def remove_field(*, note_type: NoteType, index: int) -> NoteType:
    if len(note_type.fields) <= 1:
        raise ValidationError("A note type needs at least one field.")
    keep = [i for i in range(len(note_type.fields)) if i != index]
    del note_type.fields[index]
    if note_type.sort_field >= len(note_type.fields):
        note_type.sort_field = 0
    note_type.save()
    _rewrite_notes(note_type, keep)
    resync_cards(note_type=note_type)
    return note_type


@transaction.atomic
def reorder_fields(*, note_type: NoteType, order: list[int]) -> NoteType:
    """order[i] is the old index of the field that goes to position i."""
    if sorted(order) != list(range(len(note_type.fields))):
        raise ValidationError("That field order doesn't name every field once.")
    sort_name = note_type.fields[note_type.sort_field]["name"]
    note_type.fields = [note_type.fields[i] for i in order]
    note_type.sort_field = note_type.field_names.index(sort_name)
    note_type.save()
    _rewrite_notes(note_type, list(order))
    return note_type


@transaction.atomic
def set_sort_field(*, note_type: NoteType, index: int) -> NoteType:
    if not 0 <= index < len(note_type.fields):
        raise ValidationError("No such field.")
    note_type.sort_field = index
    note_type.save()
    _rewrite_notes(note_type, list(range(len(note_type.fields))))
    return note_type


@transaction.atomic
def add_template(*, note_type: NoteType, name: str) -> NoteType:
    if note_type.is_cloze:
        raise ValidationError("A cloze note type has exactly one template.")
    name = name.strip() or f"Card {len(note_type.templates) + 1}"
    first_field = note_type.field_names[0]
    note_type.templates.append(
        {
            "name": name,
            "qfmt": "{{" + first_field + "}}",
            "afmt": "{{FrontSide}}\n\n<hr id=answer>\n\n",
        }
    )
    note_type.save()
    resync_cards(note_type=note_type)
    return note_type


@transaction.atomic
def update_template(
    *, note_type: NoteType, index: int, name: str, qfmt: str, afmt: str
) -> NoteType:
    if not qfmt.strip():
        raise ValidationError("The front template can't be empty.")
    known = {*note_type.field_names, *SPECIAL_FIELDS}
    for side, text in (("front", qfmt), ("back", afmt)):
        problem = template_error(text)
        if problem:
            raise ValidationError(f"The {side} template has a problem: {problem}")
        unknown = sorted(field_names_in(text) - known)
        if unknown:
            raise ValidationError(f"The {side} template uses an unknown field: {unknown[0]}.")
    note_type.templates[index] = {
        **note_type.templates[index],
        "name": name.strip() or note_type.templates[index]["name"],
        "qfmt": qfmt,
        "afmt": afmt,
    }
    note_type.save()
    resync_cards(note_type=note_type)
    return note_type


@transaction.atomic
def remove_template(*, note_type: NoteType, index: int) -> NoteType:
    if len(note_type.templates) <= 1:
        raise ValidationError("A note type needs at least one card template.")
    Card.objects.filter(note__note_type=note_type, ord=index).delete()
    # Cards of later templates move down one ordinal, as in Anki.
    for ord_ in range(index + 1, len(note_type.templates)):
        Card.objects.filter(note__note_type=note_type, ord=ord_).update(ord=ord_ - 1)
    del note_type.templates[index]
    note_type.save()
    resync_cards(note_type=note_type)
    return note_type


@transaction.atomic
def reorder_templates(*, note_type: NoteType, order: list[int]) -> NoteType:
    """order[i] is the old index of the template that goes to position i."""
    count = len(note_type.templates)
    if sorted(order) != list(range(count)):
        raise ValidationError("That template order doesn't name every template once.")
    cards = Card.objects.filter(note__note_type=note_type)
    # Two passes through ordinals no template uses, so the unique (note, ord) holds.
    for new_ord, old_ord in enumerate(order):
        cards.filter(ord=old_ord).update(ord=1000 + new_ord)
    for new_ord in range(count):
        cards.filter(ord=1000 + new_ord).update(ord=new_ord)
    note_type.templates = [note_type.templates[i] for i in order]
    note_type.save()
    return note_type


@transaction.atomic
def update_css(*, note_type: NoteType, css: str) -> NoteType:
    note_type.css = css
    note_type.save(update_fields=["css", "modified"])
    return note_type


def resync_cards(*, note_type: NoteType) -> None:
    """After a template or field change: make the cards that are now due, drop empty ones.

    A note that would be left with no card keeps its first one, as Anki's
    "Empty Cards" never removes a note's last card.
    """
    notes = Note.objects.filter(note_type=note_type).only("id", "flds", "tags")
    existing: dict[int, dict[int, int]] = {}
    home_deck: dict[int, int] = {}
    for note_id, ord_, card_id, deck_id in (
        Card.objects.filter(note__note_type=note_type)
        .order_by("note_id", "ord")
        .values_list("note_id", "ord", "id", "deck_id")
    ):
        existing.setdefault(note_id, {})[ord_] = card_id
        home_deck.setdefault(note_id, deck_id)
    to_create: list[Card] = []
    to_delete: list[int] = []
    for note in notes.iterator(chunk_size=2000):
        wanted = set(card_ords_for(note_type, note.flds.split(FIELD_SEPARATOR), note.tag_list))
        have = existing.get(note.pk, {})
        for ord_ in wanted - set(have):
            to_create.append(Card(note_id=note.pk, deck_id=home_deck[note.pk], ord=ord_))
        extra = [card_id for ord_, card_id in have.items() if ord_ not in wanted]
        if len(extra) == len(have) and not wanted - set(have):
            extra = extra[1:]
        to_delete.extend(extra)
    Card.objects.bulk_create(to_create, batch_size=1000)
    for start in range(0, len(to_delete), 1000):
        Card.objects.filter(pk__in=to_delete[start : start + 1000]).delete()
    delete_notes_without_cards(owner_id=note_type.owner_id)
