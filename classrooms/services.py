"""Writes for classes: creating them, invites, people, assignments, copying a shared deck."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from classrooms.models import Assignment, Classroom, Invite, Membership, normalize_invite_code
from flashcards.models import DECK_SEPARATOR, Card, Deck, Media, Note, NoteType
from flashcards.services.decks import create_deck
from flashcards.text import media_references
from reviews.models import CardState, DeckOptions

_IN_CHUNK = 900

# --- Classes --------------------------------------------------------------------------


@transaction.atomic
def create_classroom(*, teacher: User, name: str) -> Classroom:
    """A class taught by `teacher`, with an invite code ready to hand out."""
    classroom = Classroom.objects.create(name=name.strip(), created_by=teacher)
    Membership.objects.create(classroom=classroom, user=teacher, role=Membership.TEACHER)
    Invite.objects.create(classroom=classroom)
    return classroom


@transaction.atomic
def rename_classroom(*, classroom: Classroom, name: str) -> Classroom:
    classroom.name = name.strip()
    classroom.save(update_fields=["name"])
    return classroom


@transaction.atomic
def delete_classroom(*, classroom: Classroom) -> None:
    """The class goes; decks, and everyone's progress on them, stay with their owners."""
    classroom.delete()


# --- Invites ---------------------------------------------------------------------------


class InviteError(Exception):
    """Why an invite code can't be used; the message is meant for the person joining."""

    UNKNOWN, REVOKED, USED_UP = "unknown", "revoked", "used_up"

    def __init__(self, kind: str, message: str, invite: Invite | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.invite = invite


@transaction.atomic
def rotate_invite(*, classroom: Classroom, max_uses: int | None = None) -> Invite:
    """A new invite code; the old one stops working (and says it was replaced)."""
    Invite.objects.filter(classroom=classroom, revoked__isnull=True).update(revoked=timezone.now())
    return Invite.objects.create(classroom=classroom, max_uses=max_uses)


@transaction.atomic
def turn_off_invites(*, classroom: Classroom) -> int:
    """Nobody new can join until a teacher makes a new code."""
    return Invite.objects.filter(classroom=classroom, revoked__isnull=True).update(
        revoked=timezone.now()
    )


def check_invite(code: str) -> Invite:
    """The invite for this code if it can still be used; InviteError saying why not."""
    invite = (
        Invite.objects.select_related("classroom").filter(code=normalize_invite_code(code)).first()
    )
    if invite is None:
        raise InviteError(
            InviteError.UNKNOWN,
            "There is no class with this invite code. Check the code, or ask your teacher for it.",
        )
    if invite.revoked is not None:
        raise InviteError(
            InviteError.REVOKED,
            "This invite code has been replaced or turned off by a teacher of the class. "
            "Ask them for the new one.",
            invite,
        )
    if invite.is_used_up:
        raise InviteError(
            InviteError.USED_UP,
            f"This invite code has been used up: it was for {invite.max_uses} "
            f"student{'s' if invite.max_uses != 1 else ''}, and they have all joined. "
            "Ask a teacher of the class for a new one.",
            invite,
        )
    return invite


@transaction.atomic
def join_classroom(*, user: User, code: str) -> Membership:
    """Join the class of an invite code as a student.

    Someone already in the class keeps their place (and uses nothing up). Raises
    InviteError for an unknown, replaced, turned-off or used-up code.
    """
    invite = check_invite(code)
    existing = Membership.objects.filter(classroom_id=invite.classroom_id, user=user).first()
    if existing is not None:
        return existing
    # Count the use only if it is still there to count (two joins racing for the last one).
    claimed = Invite.objects.filter(pk=invite.pk, revoked__isnull=True)
    if invite.max_uses is not None:
        claimed = claimed.filter(uses__lt=invite.max_uses)
    if not claimed.update(uses=F("uses") + 1):
        check_invite(code)  # says why
        raise InviteError(InviteError.USED_UP, "This invite code has just been used up.", invite)
    try:
        with transaction.atomic():
            return Membership.objects.create(
                classroom_id=invite.classroom_id, user=user, role=Membership.STUDENT
            )
    except IntegrityError:  # joined twice at once
        return Membership.objects.get(classroom_id=invite.classroom_id, user=user)


# --- People ------------------------------------------------------------------------------


@transaction.atomic
def remove_student(*, classroom: Classroom, student: User) -> None:
    """The student loses the class's decks; their progress is kept should they come back."""
    Membership.objects.filter(classroom=classroom, user=student, role=Membership.STUDENT).delete()


@transaction.atomic
def add_teacher(*, classroom: Classroom, user: User) -> Membership:
    """Make `user` a co-teacher (a student of the class becomes a teacher)."""
    membership, created = Membership.objects.get_or_create(
        classroom=classroom, user=user, defaults={"role": Membership.TEACHER}
    )
    if not created and not membership.is_teacher:
        membership.role = Membership.TEACHER
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_teacher(*, classroom: Classroom, teacher: User) -> None:
    if teacher.pk == classroom.created_by_id:
        raise ValidationError("The teacher who created the class can't be removed from it.")
    Membership.objects.filter(classroom=classroom, user=teacher, role=Membership.TEACHER).delete()


@transaction.atomic
def leave_classroom(*, classroom: Classroom, user: User) -> None:
    if user.pk == classroom.created_by_id:
        raise ValidationError(
            "You created this class, so you can't leave it; delete the class instead."
        )
    Membership.objects.filter(classroom=classroom, user=user).delete()


# --- Assignments ---------------------------------------------------------------------------


@transaction.atomic
def assign_deck(
    *,
    classroom: Classroom,
    deck: Deck,
    teacher: User,
    due_date: date | None = None,
    daily_target: int | None = None,
) -> Assignment:
    """Set one of the teacher's own decks (with its subdecks) for the class."""
    if deck.owner_id != teacher.pk:
        raise ValidationError("You can only assign your own decks.")
    if Assignment.objects.filter(classroom=classroom, deck=deck).exists():
        raise ValidationError(f"“{deck.full_name}” is already assigned to this class.")
    return Assignment.objects.create(
        classroom=classroom,
        deck=deck,
        assigned_by=teacher,
        due_date=due_date,
        daily_target=daily_target,
    )


@transaction.atomic
def update_assignment(
    *, assignment: Assignment, due_date: date | None, daily_target: int | None
) -> Assignment:
    assignment.due_date = due_date
    assignment.daily_target = daily_target
    assignment.save(update_fields=["due_date", "daily_target"])
    return assignment


@transaction.atomic
def remove_assignment(*, assignment: Assignment) -> None:
    """Students stop seeing the deck; their progress is kept should it come back."""
    assignment.delete()


# --- Copying a shared deck ------------------------------------------------------------------


@dataclass
class CopyReport:
    deck: Deck
    notes: int = 0
    cards: int = 0
    # Notes the user already had (same GUID): left as they are, as Anki's import does.
    skipped_notes: int = 0
    media: int = 0
    # Media names the user already uses for other bytes: their own file is kept.
    media_conflicts: list[str] = field(default_factory=list)
    progress: int = 0  # cards whose scheduling came along


def _free_deck_name(user: User, wanted: str) -> str:
    taken = set(
        Deck.objects.filter(owner=user, full_name__startswith=wanted).values_list(
            "full_name", flat=True
        )
    )
    if wanted not in taken:
        return wanted
    number = 1
    while True:
        name = f"{wanted} (copy)" if number == 1 else f"{wanted} (copy {number})"
        if name not in taken:
            return name
        number += 1


def _chunks(items: list, size: int = _IN_CHUNK):  # noqa: ANN202
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _same_shape(mine: NoteType, theirs: NoteType) -> bool:
    return (
        mine.kind == theirs.kind
        and mine.field_names == theirs.field_names
        and len(mine.templates) == len(theirs.templates)
    )


@transaction.atomic
def copy_deck_to_collection(*, user: User, deck: Deck, with_progress: bool = True) -> CopyReport:
    """Copy a deck shared with `user` (and its subdecks) into their own collection.

    Notes keep their GUIDs, as when Anki imports a shared deck: a note the user already
    has is left alone. Note types are reused when the user has the same one (same Anki
    id and shape), copied otherwise. Media rows point at the same stored bytes. With
    `with_progress`, the user's scheduling of the shared cards moves onto the copies,
    so they carry on where they were. The shared deck itself is not touched.
    """
    root_name = _free_deck_name(user, deck.name)
    prefix = deck.full_name + DECK_SEPARATOR
    sources = [deck] + sorted(
        (
            other
            for other in Deck.objects.filter(owner_id=deck.owner_id, full_name__startswith=prefix)
            if other.full_name.startswith(prefix)
        ),
        key=lambda other: other.full_name,
    )
    deck_map: dict[int, Deck] = {}
    for source in sources:
        name = root_name + source.full_name[len(deck.full_name) :]
        deck_map[source.pk] = create_deck(
            owner=user, full_name=name, description=source.description
        )
    report = CopyReport(deck=deck_map[deck.pk])

    cards = list(
        Card.objects.filter(deck_id__in=list(deck_map)).values_list(
            "pk", "note_id", "deck_id", "ord", "anki_id"
        )
    )
    notes = {
        note.pk: note
        for chunk in _chunks(sorted({row[1] for row in cards}))
        for note in Note.objects.filter(pk__in=chunk)
    }
    owned = set()
    for chunk in _chunks(sorted({note.guid for note in notes.values()})):
        owned.update(Note.objects.filter(owner=user, guid__in=chunk).values_list("guid", flat=True))
    report.skipped_notes = sum(1 for note in notes.values() if note.guid in owned)

    type_map = _copy_note_types(
        user, NoteType.objects.filter(pk__in={note.note_type_id for note in notes.values()})
    )
    fresh = [note for note in sorted(notes.values(), key=lambda n: n.pk) if note.guid not in owned]
    copies = Note.objects.bulk_create(
        [
            Note(
                owner=user,
                note_type=type_map[note.note_type_id],
                guid=note.guid,
                flds=note.flds,
                tags=note.tags,
                sort_value=note.sort_value,
                first_field=note.first_field,
                anki_id=note.anki_id,
            )
            for note in fresh
        ],
        batch_size=500,
    )
    note_map = {note.pk: copy.pk for note, copy in zip(fresh, copies, strict=True)}
    card_copies = Card.objects.bulk_create(
        [
            Card(note_id=note_map[note_id], deck=deck_map[deck_id], ord=ord_, anki_id=anki_id)
            for _, note_id, deck_id, ord_, anki_id in cards
            if note_id in note_map
        ],
        batch_size=500,
    )
    old_card_ids = [pk for pk, note_id, *_ in cards if note_id in note_map]
    card_map = dict(zip(old_card_ids, card_copies, strict=True))
    report.notes, report.cards = len(copies), len(card_copies)

    report.media, report.media_conflicts = _copy_media(
        user, deck.owner_id, [note.flds for note in fresh], type_map.values()
    )
    if with_progress:
        report.progress = _copy_progress(user, card_map, deck_map)
    return report


def _copy_note_types(user: User, theirs) -> dict[int, NoteType]:  # noqa: ANN001
    theirs = list(theirs)
    mine = {
        note_type.anki_id: note_type
        for note_type in NoteType.objects.filter(
            owner=user, anki_id__in=[note_type.anki_id for note_type in theirs]
        )
    }
    result = {}
    for note_type in theirs:
        existing = mine.get(note_type.anki_id)
        if existing is not None and _same_shape(existing, note_type):
            result[note_type.pk] = existing
            continue
        copy = NoteType(
            owner=user,
            name=note_type.name,
            kind=note_type.kind,
            fields=note_type.fields,
            templates=note_type.templates,
            css=note_type.css,
            sort_field=note_type.sort_field,
            latex_pre=note_type.latex_pre,
            latex_post=note_type.latex_post,
            stock_kind=note_type.stock_kind,
        )
        if existing is None:  # keep the id Anki knows it by, unless it is taken
            copy.anki_id = note_type.anki_id
        copy.save()
        result[note_type.pk] = copy
    return result


def _copy_media(user: User, owner_id: int, texts: list[str], note_types) -> tuple[int, list[str]]:  # noqa: ANN001
    names: set[str] = set()
    for text in texts:
        names.update(media_references(text))
    for note_type in note_types:
        names.update(media_references(note_type.css))
        for template in note_type.templates:
            for side in ("qfmt", "afmt"):
                names.update(media_references(str(template.get(side, ""))))
    if not names:
        return 0, []
    ordered = sorted(names)
    theirs = [
        media
        for chunk in _chunks(ordered)
        for media in Media.objects.filter(owner_id=owner_id, filename__in=chunk)
    ]
    mine = {
        filename: sha
        for chunk in _chunks(ordered)
        for filename, sha in Media.objects.filter(owner=user, filename__in=chunk).values_list(
            "filename", "sha256"
        )
    }
    conflicts = sorted(
        m.filename for m in theirs if m.filename in mine and mine[m.filename] != m.sha256
    )
    Media.objects.bulk_create(
        [
            Media(
                owner=user,
                filename=media.filename,
                sha256=media.sha256,
                size=media.size,
                content_type=media.content_type,
            )
            for media in theirs
            if media.filename not in mine
        ]
    )
    return sum(1 for media in theirs if media.filename not in mine), conflicts


def _copy_progress(user: User, card_map: dict[int, Card], deck_map: dict[int, Deck]) -> int:
    states = [
        state
        for chunk in _chunks(sorted(card_map))
        for state in CardState.objects.filter(learner=user, card_id__in=chunk)
    ]
    for state in states:
        card = card_map[state.card_id]
        if state.position == state.card_id:  # "in order added" keys new cards on the card id
            state.position = card.pk
        state.pk = None
        state.card_id, state.deck_id = card.pk, card.deck_id
        state.version = 0
    CardState.objects.bulk_create(states, batch_size=500)
    DeckOptions.objects.bulk_create(
        [
            DeckOptions(learner=user, deck=deck_map[options.deck_id], preset_id=options.preset_id)
            for options in DeckOptions.objects.filter(learner=user, deck_id__in=list(deck_map))
        ],
        ignore_conflicts=True,
    )
    return len(states)
