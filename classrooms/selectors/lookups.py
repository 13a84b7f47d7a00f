"""One class, assignment, member or shared deck, checked against the user asking.

Anyone not in a class gets 404 for it; its students get 403 for the teachers' things.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import User
from classrooms.models import Assignment, Classroom, Membership
from flashcards.models import Deck


def get_classroom_for_member(user: User, pk: int) -> tuple[Classroom, Membership]:
    """The class and the user's place in it; 404 for anyone not in it."""
    membership = (
        Membership.objects.select_related("classroom").filter(classroom_id=pk, user=user).first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404("No such class.")
    return membership.classroom, membership


def get_classroom_for_teacher(user: User, pk: int) -> tuple[Classroom, Membership]:
    """As get_classroom_for_member, and 403 for the class's students."""
    classroom, membership = get_classroom_for_member(user, pk)
    if not membership.is_teacher:
        raise PermissionDenied("Only the teachers of this class can do that.")
    return classroom, membership


def get_assignment(classroom: Classroom, pk: int) -> Assignment:
    assignment = (
        Assignment.objects.select_related("deck").filter(classroom=classroom, pk=pk).first()
    )
    if assignment is None:
        raise Http404("No such assignment.")
    return assignment


def get_student(classroom: Classroom, user_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user")
        .filter(classroom=classroom, user_id=user_id, role=Membership.STUDENT)
        .first()
    )
    if membership is None:
        raise Http404("No such student in this class.")
    return membership


def get_teacher(classroom: Classroom, user_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user")
        .filter(classroom=classroom, user_id=user_id, role=Membership.TEACHER)
        .first()
    )
    if membership is None:
        raise Http404("No such teacher in this class.")
    return membership


def shared_deck_for_member(classroom: Classroom, deck_id: int) -> Deck:
    """A deck assigned to this class (not a subdeck); 404 otherwise."""
    assignment = (
        Assignment.objects.select_related("deck", "deck__owner")
        .filter(classroom=classroom, deck_id=deck_id)
        .first()
    )
    if assignment is None:
        raise Http404("This deck is not assigned to this class.")
    return assignment.deck
