"""Which shared decks a user may study: the one rule for classes.

reviews.selectors.learner_can_study_deck (studying, exporting), flashcards.selectors
(search) and flashcards.access (media) all ask here, so a deck assigned to a class
is visible to its members in every one of them, and to nobody else. A deck is
assigned with its subdecks. Members may study and copy shared decks; editing stays
with the owner (flashcards.access's getters).

This module reads only models, so the reviews and flashcards apps can import it.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat, Length, Substr

from accounts.models import User
from classrooms.models import Assignment, Classroom, Membership
from flashcards.models import DECK_SEPARATOR, Deck


def classes_of(user: User) -> QuerySet[Classroom]:
    """Classes `user` teaches or is a student of."""
    if not user.is_authenticated:
        return Classroom.objects.none()
    return Classroom.objects.filter(memberships__user=user)


def _assignments_of(user: User) -> QuerySet[Assignment]:
    # From the user's few memberships to their classes' assignments, both by index:
    # never a walk over every assignment on the server.
    classes = Membership.objects.filter(user=user).values("classroom_id")
    return Assignment.objects.filter(classroom_id__in=classes)


def deck_and_ancestor_names(full_name: str) -> list[str]:
    """ "A::B::C" -> ["A", "A::B", "A::B::C"]: the decks an assignment of which covers it."""
    parts = full_name.split(DECK_SEPARATOR)
    return [DECK_SEPARATOR.join(parts[: depth + 1]) for depth in range(len(parts))]


def may_study_class_deck(user: User, deck: Deck) -> bool:
    """Whether `deck` (someone else's) is assigned, itself or a deck above it, to a class
    `user` belongs to. Reads deck.owner_id and deck.full_name only. One query."""
    if not user.is_authenticated:
        return False
    return (
        _assignments_of(user)
        .filter(
            deck__owner_id=deck.owner_id,
            deck__full_name__in=deck_and_ancestor_names(deck.full_name),
        )
        .exists()
    )


def class_decks(user: User) -> QuerySet[Deck]:
    """Every deck shared with `user` through a class: assigned decks and their subdecks.

    Lazy (a subquery), so callers can put it inside their own single query.
    """
    if not user.is_authenticated:
        return Deck.objects.none()
    assigned = _assignments_of(user)
    # Subdecks by exact, case-sensitive prefix: "A::" + the rest (LIKE would fold case).
    below = (
        assigned.filter(deck__owner_id=OuterRef("owner_id"))
        .annotate(prefix=Concat(F("deck__full_name"), Value(DECK_SEPARATOR)))
        .filter(prefix=Substr(OuterRef("full_name"), 1, Length(F("prefix"))))
    )
    return Deck.objects.filter(
        Q(pk__in=assigned.values("deck_id"))
        | (
            Q(owner_id__in=assigned.values("deck__owner_id"), full_name__contains=DECK_SEPARATOR)
            & Q(Exists(below))
        )
    )


def class_decks_q(user: User) -> Q:
    """Q for Deck: the decks class_decks() returns."""
    return Q(pk__in=class_decks(user).values("pk"))


def can_view_class_media(user: User, owner_id: int) -> bool:
    """Whether `user` studies a deck of `owner_id` through a class (their cards show that
    owner's pictures and sounds). One query."""
    if not user.is_authenticated:
        return False
    return _assignments_of(user).filter(deck__owner_id=owner_id).exists()
