"""Lists for the class pages: the user's classes, a class's people, invite and
assignments, the decks teachers can assign, and the decks shared with a student."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from classrooms.access import classes_of
from classrooms.models import Assignment, Classroom, Invite, Membership
from flashcards.models import Deck
from reviews.selectors import Counts, deck_counts


@dataclass(frozen=True)
class ClassListEntry:
    classroom: Classroom
    role: str
    students: int
    assignments: int


def class_list(user: User) -> list[ClassListEntry]:
    """The user's classes, teaching first. One query."""
    rows = (
        Membership.objects.filter(user=user)
        .select_related("classroom")
        .annotate(
            students=Count(
                "classroom__memberships",
                filter=Q(classroom__memberships__role=Membership.STUDENT),
                distinct=True,
            ),
            assigned=Count("classroom__assignments", distinct=True),
        )
        .order_by("role", "classroom__name", "classroom_id")
    )
    return [ClassListEntry(row.classroom, row.role, row.students, row.assigned) for row in rows]


def current_invite(classroom: Classroom) -> Invite | None:
    return classroom.invites.filter(revoked__isnull=True).first()


def people(classroom: Classroom) -> tuple[list[Membership], list[Membership]]:
    """(teachers, students), each by username. One query."""
    rows = list(
        Membership.objects.filter(classroom=classroom)
        .select_related("user")
        .order_by("user__username")
    )
    return (
        [row for row in rows if row.is_teacher],
        [row for row in rows if not row.is_teacher],
    )


def assignments_of(classroom: Classroom) -> list[Assignment]:
    return list(classroom.assignments.select_related("deck", "deck__owner"))


def class_students(classroom: Classroom) -> list[User]:
    return [
        membership.user
        for membership in Membership.objects.filter(classroom=classroom, role=Membership.STUDENT)
        .select_related("user")
        .order_by("user__username")
    ]


def assignable_decks(teacher: User) -> QuerySet[Deck]:
    return Deck.objects.filter(owner=teacher)


@dataclass
class ClassDeckRow:
    """A deck shared with the user through their classes, for the deck list."""

    deck: Deck
    classes: list[Classroom]
    counts: Counts | None = None


def class_deck_rows(user: User) -> list[ClassDeckRow]:
    """Decks assigned to the user's classes that are not their own, with their counts.

    One query when there are none; seven with deck_counts() otherwise.
    """
    assignments = (
        Assignment.objects.filter(classroom__in=classes_of(user))
        .exclude(deck__owner=user)
        .select_related("deck", "classroom")
        .order_by("deck__full_name", "deck_id", "classroom__name")
    )
    rows: dict[int, ClassDeckRow] = {}
    for assignment in assignments:
        row = rows.setdefault(assignment.deck_id, ClassDeckRow(assignment.deck, []))
        row.classes.append(assignment.classroom)
    counts = deck_counts(learner=user, decks=[row.deck for row in rows.values()])
    for deck_id, row in rows.items():
        row.counts = counts.get(deck_id)
    return list(rows.values())
