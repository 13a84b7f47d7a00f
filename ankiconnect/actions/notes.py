"""Note actions: adding with AnkiConnect's duplicate rules, updating, finding, tags.

Every write goes through flashcards.services, so a note added here is the same
as one added in the editor.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from ankiconnect.actions import ActionError, action
from ankiconnect.lookups import (
    a_dict,
    a_str,
    epoch_seconds,
    find_deck,
    int_list,
    note_fields_info,
    note_or_error,
    note_type_or_error,
    notes_by_id,
    tag_list,
)
from flashcards.models import Card, Deck, Note, NoteType
from flashcards.selectors import search_notes
from flashcards.services.decks import descendant_ids
from flashcards.services.notes import (
    add_note,
    card_ords_for,
    change_tags,
    delete_notes,
    update_note,
)
from flashcards.text import media_references, strip_html

EMPTY_NOTE = "cannot create note because it is empty"
DUPLICATE_NOTE = "cannot create note because it is a duplicate"
NO_CARDS = "The field values you have provided would make an empty question on all cards."
# How many same-looking notes a duplicate check compares in full (the first field
# column holds 255 characters; longer fields are compared in Python).
_DUPLICATE_CANDIDATES = 200


@dataclass
class Candidate:
    """A note as an addNote request describes it, checked but not yet saved."""

    note_type: NoteType
    deck: Deck
    values: list[str]
    tags: list[str]
    media: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _field_values(note_type: NoteType, fields: Any, *, ignore_case: bool) -> dict[str, str]:
    """The request's fields keyed by the note type's own names; unknown names are ignored."""
    if not isinstance(fields, dict):
        raise ActionError('note "fields" must be an object of field names and values')
    names = note_type.field_names
    lookup = {name.lower(): name for name in names} if ignore_case else {n: n for n in names}
    result: dict[str, str] = {}
    for name, value in fields.items():
        key = name.lower() if ignore_case else name
        if key not in lookup:
            continue
        if not isinstance(value, str):
            raise ActionError(f"the value of field {name!r} must be a string")
        result[lookup[key]] = value
    return result


def _media_entries(note: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    entries: list[tuple[str, dict[str, Any]]] = []
    for kind in ("audio", "video", "picture"):
        value = note.get(kind)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and item.get("fields"):
                entries.append((kind, item))
            elif item is not None and not isinstance(item, dict):
                raise ActionError(f'note "{kind}" must be an object or a list of objects')
    return entries


def _duplicate_key(value: str) -> str:
    """What two first fields must share to be duplicates: the text, and the files shown."""
    text = strip_html(value)
    media = " ".join(sorted(media_references(value)))
    return f"{text} {media}".strip()


def _is_duplicate(
    user: User,
    candidate: Candidate,
    *,
    deck_ids: list[int] | None,
    all_models: bool,
    exclude_note_id: int | None = None,
) -> bool:
    first = candidate.values[0] if candidate.values else ""
    key = _duplicate_key(first)
    notes = Note.objects.filter(owner=user, first_field=strip_html(first)[:255])
    if not all_models:
        notes = notes.filter(note_type=candidate.note_type)
    if deck_ids is not None:
        notes = notes.filter(pk__in=Card.objects.filter(deck_id__in=deck_ids).values("note_id"))
    if exclude_note_id is not None:
        notes = notes.exclude(pk=exclude_note_id)
    for flds in notes.values_list("flds", flat=True)[:_DUPLICATE_CANDIDATES]:
        if _duplicate_key(flds.split("\x1f", 1)[0]) == key:
            return True
    return False


def _check_options(user: User, candidate: Candidate, options: Any) -> None:
    """AnkiConnect's createNote checks: empty first field, then duplicates in scope."""
    allow_duplicate = False
    scope = None
    scope_deck_name = None
    check_children = False
    check_all_models = False
    if options is not None:
        options = a_dict(options, "options")
        if "allowDuplicate" in options:
            allow_duplicate = options["allowDuplicate"]
            if not isinstance(allow_duplicate, bool):
                raise ActionError('option parameter "allowDuplicate" must be boolean')
        scope = options.get("duplicateScope")
        scope_options = options.get("duplicateScopeOptions") or {}
        if not isinstance(scope_options, dict):
            raise ActionError('option parameter "duplicateScopeOptions" must be an object')
        scope_deck_name = scope_options.get("deckName")
        check_children = scope_options.get("checkChildren", False)
        if not isinstance(check_children, bool):
            raise ActionError(
                'option parameter "duplicateScopeOptions.checkChildren" must be boolean'
            )
        check_all_models = scope_options.get("checkAllModels", False)
        if not isinstance(check_all_models, bool):
            raise ActionError(
                'option parameter "duplicateScopeOptions.checkAllModels" must be boolean'
            )

    if not _duplicate_key(candidate.values[0] if candidate.values else ""):
        raise ActionError(EMPTY_NOTE)
    deck_ids: list[int] | None = None
    if scope == "deck":
        scope_deck = candidate.deck
        if scope_deck_name is not None:
            scope_deck = find_deck(user, scope_deck_name)
            if scope_deck is None:
                return  # a deck that does not exist holds no duplicates
        deck_ids = descendant_ids(scope_deck) if check_children else [scope_deck.pk]
    duplicate = _is_duplicate(user, candidate, deck_ids=deck_ids, all_models=check_all_models)
    if duplicate and not allow_duplicate:
        raise ActionError(DUPLICATE_NOTE)


def build_candidate(user: User, note: Any) -> Candidate:
    note = a_dict(note, "note")
    note_type = note_type_or_error(user, note.get("modelName"))
    deck = find_deck(user, note.get("deckName"))
    if deck is None:
        raise ActionError(f"deck was not found: {note.get('deckName')}")
    given = _field_values(note_type, note.get("fields", {}), ignore_case=True)
    values = [given.get(name, "") for name in note_type.field_names]
    candidate = Candidate(
        note_type=note_type,
        deck=deck,
        values=values,
        tags=tag_list(note.get("tags")),
        media=_media_entries(note),
    )
    _check_options(user, candidate, note.get("options"))
    return candidate


def attach_media(user: User, note_type: NoteType, values: list[str], entries: list) -> None:
    """Store each audio/video/picture entry and reference it at the end of its fields.

    As AnkiConnect: a file that cannot be stored leaves its error text in the field.
    """
    from ankiconnect.actions.media import store_media_file

    names = note_type.field_names
    for kind, entry in entries:
        try:
            stored = store_media_file(
                user,
                filename=entry.get("filename"),
                data=entry.get("data"),
                path=entry.get("path"),
                url=entry.get("url"),
                skip_hash=entry.get("skipHash"),
                delete_existing=bool(entry.get("deleteExisting")),
            )
        except ActionError as exc:
            snippet = html.escape(str(exc), quote=False)
        else:
            if stored is None:
                continue
            if kind == "picture":
                snippet = f'<img src="{html.escape(stored)}">'
            else:
                snippet = f"[sound:{stored}]"
        for field_name in entry.get("fields") or []:
            if field_name in names:
                values[names.index(field_name)] += snippet


def add_one_note(user: User, note: Any) -> int:
    candidate = build_candidate(user, note)
    attach_media(user, candidate.note_type, candidate.values, candidate.media)
    if not card_ords_for(candidate.note_type, candidate.values):
        raise ActionError(NO_CARDS)
    created = add_note(
        owner=user,
        note_type=candidate.note_type,
        deck=candidate.deck,
        fields=candidate.values,
        tags=candidate.tags,
    )
    return created.pk


@action("addNote")
def add_note_action(user: User, note: Any) -> int:
    return add_one_note(user, note)


@action("addNotes")
def add_notes_action(user: User, notes: Any) -> list[int]:
    """All or nothing: any failure adds none, and the error lists every failure."""
    if not isinstance(notes, list):
        raise ActionError('"notes" must be a list of notes')
    results: list[int] = []
    errors: list[str] = []
    for note in notes:
        try:
            with transaction.atomic():
                results.append(add_one_note(user, note))
        except ActionError as exc:
            errors.append(str(exc))
        except ValidationError as exc:  # a service's refusal
            errors.append(" ".join(exc.messages))
    if errors:
        raise ActionError(str(errors))
    return results


def _can_add(user: User, note: Any) -> dict[str, Any]:
    try:
        build_candidate(user, note)
    except ActionError as exc:
        return {"canAdd": False, "error": str(exc)}
    return {"canAdd": True}


@action("canAddNote")
def can_add_note(user: User, note: Any) -> bool:
    return _can_add(user, note)["canAdd"]


@action("canAddNotes")
def can_add_notes(user: User, notes: Any) -> list[bool]:
    if not isinstance(notes, list):
        raise ActionError('"notes" must be a list of notes')
    return [_can_add(user, note)["canAdd"] for note in notes]


@action("canAddNotesWithErrorDetail")
def can_add_notes_with_error_detail(user: User, notes: Any) -> list[dict[str, Any]]:
    if not isinstance(notes, list):
        raise ActionError('"notes" must be a list of notes')
    return [_can_add(user, note) for note in notes]


def _update_fields(user: User, request_note: dict[str, Any], note: Note) -> list[str]:
    values = list(note.fields)
    names = note.note_type.field_names
    values += [""] * (len(names) - len(values))
    for name, value in _field_values(
        note.note_type, request_note["fields"], ignore_case=False
    ).items():
        values[names.index(name)] = value
    attach_media(user, note.note_type, values, _media_entries(request_note))
    return values


@action("updateNoteFields")
def update_note_fields(user: User, note: Any) -> None:
    request_note = a_dict(note, "note")
    existing = note_or_error(user, request_note.get("id"))
    if "fields" not in request_note:
        raise ActionError('Must provide a "fields" property.')
    update_note(note=existing, fields=_update_fields(user, request_note, existing))
    return None


@action("updateNote")
def update_note_action(user: User, note: Any) -> None:
    request_note = a_dict(note, "note")
    existing = note_or_error(user, request_note.get("id"))
    if "fields" not in request_note and "tags" not in request_note:
        raise ActionError('Must provide a "fields" or "tags" property.')
    values = existing.fields
    if "fields" in request_note:
        values = _update_fields(user, request_note, existing)
    tags = tag_list(request_note["tags"]) if "tags" in request_note else None
    update_note(note=existing, fields=values, tags=tags)
    return None


@action("updateNoteTags")
def update_note_tags(user: User, note: Any, tags: Any) -> None:
    existing = note_or_error(user, note)
    new_tags = tag_list(tags)
    change_tags(owner=user, note_ids=[existing.pk], remove=existing.tag_list, add=new_tags)
    return None


@action("getNoteTags")
def get_note_tags(user: User, note: Any) -> list[str]:
    return note_or_error(user, note).tag_list


@action("deleteNotes")
def delete_notes_action(user: User, notes: Any) -> None:
    delete_notes(owner=user, note_ids=int_list(notes, "notes"))
    return None


def _find_note_ids(user: User, query: str) -> list[int]:
    return list(search_notes(user=user, query=query).order_by("pk").values_list("pk", flat=True))


@action("findNotes")
def find_notes(user: User, query: Any = None) -> list[int]:
    if query is None:
        return []
    return _find_note_ids(user, a_str(query, "query"))


def note_info(note: Note, card_ids: list[int], profile: str) -> dict[str, Any]:
    return {
        "noteId": note.pk,
        "profile": profile,
        "tags": note.tag_list,
        "fields": note_fields_info(note),
        "modelName": note.note_type.name,
        "mod": epoch_seconds(note.modified),
        "cards": card_ids,
    }


@action("notesInfo")
def notes_info(user: User, notes: Any = None, query: Any = None) -> list[dict[str, Any]]:
    """One entry per requested id, in order; {} for an id that is not the user's note."""
    if notes is None and query is None:
        raise ActionError('Must provide either "notes" or a "query"')
    ids = _find_note_ids(user, a_str(query, "query")) if query is not None else None
    if ids is None:
        ids = int_list(notes, "notes")
    found = notes_by_id(user, ids)
    cards: dict[int, list[int]] = {}
    for card_id, note_id in (
        Card.objects.filter(note_id__in=list(found)).order_by("ord").values_list("pk", "note_id")
    ):
        cards.setdefault(note_id, []).append(card_id)
    return [
        note_info(found[nid], cards.get(nid, []), user.username) if nid in found else {}
        for nid in ids
    ]


@action("notesModTime")
def notes_mod_time(user: User, notes: Any) -> list[dict[str, Any]]:
    ids = int_list(notes, "notes")
    found = notes_by_id(user, ids)
    return [
        {"noteId": nid, "mod": epoch_seconds(found[nid].modified)} if nid in found else {}
        for nid in ids
    ]


@action("addTags")
def add_tags(user: User, notes: Any, tags: Any) -> None:
    change_tags(owner=user, note_ids=int_list(notes, "notes"), add=tag_list(tags))
    return None


@action("removeTags")
def remove_tags(user: User, notes: Any, tags: Any) -> None:
    change_tags(owner=user, note_ids=int_list(notes, "notes"), remove=tag_list(tags))
    return None


@action("getTags")
def get_tags(user: User) -> list[str]:
    seen: dict[str, str] = {}
    for tags in Note.objects.filter(owner=user).values_list("tags", flat=True).distinct():
        for tag in tags.split():
            seen.setdefault(tag.lower(), tag)
    return sorted(seen.values(), key=str.lower)


@action("clearUnusedTags")
def clear_unused_tags(user: User) -> None:
    """Nothing to clear: Deckhand keeps tags on notes only, so an unused tag is gone."""
    return None


@action("replaceTags")
def replace_tags(user: User, notes: Any, tag_to_replace: Any, replace_with_tag: Any) -> None:
    old = a_str(tag_to_replace, "tag_to_replace")
    new = a_str(replace_with_tag, "replace_with_tag")
    ids = [
        note.pk
        for note in notes_by_id(user, int_list(notes, "notes")).values()
        if old.lower() in {tag.lower() for tag in note.tag_list}
    ]
    change_tags(owner=user, note_ids=ids, remove=[old], add=[new])
    return None


@action("replaceTagsInAllNotes")
def replace_tags_in_all_notes(user: User, tag_to_replace: Any, replace_with_tag: Any) -> None:
    ids = list(Note.objects.filter(owner=user).values_list("pk", flat=True))
    return replace_tags(user, ids, tag_to_replace, replace_with_tag)
