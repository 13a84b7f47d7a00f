"""Creating a class, co-teachers, removing and leaving, assigning decks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from classrooms.models import Assignment, Classroom, Invite, Membership
from tests import factories

pytestmark = pytest.mark.django_db


def test_creating_a_class_makes_me_its_teacher_with_a_code(owner_client, owner):
    response = owner_client.post(reverse("classrooms:list"), {"name": "  Biology 9  "})
    classroom = Classroom.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("classrooms:assignments", args=[classroom.pk])
    assert classroom.name == "Biology 9"
    assert classroom.memberships.get().user == owner
    assert classroom.memberships.get().role == Membership.TEACHER
    assert Invite.objects.filter(classroom=classroom, revoked__isnull=True).count() == 1


def test_a_class_needs_a_name(owner_client):
    response = owner_client.post(reverse("classrooms:list"), {"name": "   "})
    assert response.status_code == 422
    assert not Classroom.objects.exists()


def test_a_co_teacher_is_added_by_username_and_sees_the_dashboard(classroom, teacher, client_for):
    helper = factories.make_user("Helper")
    client = client_for(teacher)
    response = client.post(
        reverse("classrooms:teacher_add", args=[classroom.pk]), {"username": "helper"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(classroom=classroom, user=helper).role == Membership.TEACHER
    page = client_for(helper).get(reverse("classrooms:detail", args=[classroom.pk]))
    assert "Students" in page.content.decode() and "Hardest cards" in page.content.decode()
    response = client.post(
        reverse("classrooms:teacher_add", args=[classroom.pk]), {"username": "nobody"}
    )
    assert response.status_code == 422
    assert "There is no user called “nobody”" in response.content.decode()


def test_adding_a_student_as_co_teacher_promotes_them(classroom, student, teacher, client_for):
    client_for(teacher).post(
        reverse("classrooms:teacher_add", args=[classroom.pk]), {"username": "student"}
    )
    assert Membership.objects.get(classroom=classroom, user=student).role == Membership.TEACHER


def test_the_creator_stays_while_co_teachers_can_go(classroom, teacher, co_teacher, client_for):
    client = client_for(co_teacher)
    client.post(reverse("classrooms:teacher_remove", args=[classroom.pk, teacher.pk]))
    assert Membership.objects.filter(classroom=classroom, user=teacher).exists()
    client_for(teacher).post(reverse("classrooms:leave", args=[classroom.pk]))
    assert Membership.objects.filter(classroom=classroom, user=teacher).exists()
    response = client.post(reverse("classrooms:leave", args=[classroom.pk]))
    assert response["Location"] == reverse("classrooms:list")
    assert not Membership.objects.filter(classroom=classroom, user=co_teacher).exists()


def test_a_student_leaves_and_loses_the_decks(classroom, deck, student, client_for):
    client = client_for(student)
    assert client.get(reverse("reviews:study", args=[deck.pk])).status_code == 200
    client.post(reverse("classrooms:leave", args=[classroom.pk]))
    assert client.get(reverse("reviews:study", args=[deck.pk])).status_code == 404
    assert client.get(reverse("classrooms:detail", args=[classroom.pk])).status_code == 404


def test_a_teacher_assigns_only_their_own_decks(classroom, teacher, co_teacher, client_for):
    mine = factories.make_deck(teacher, "German")
    theirs = factories.make_deck(co_teacher, "Latin")
    client = client_for(teacher)
    url = reverse("classrooms:assignments", args=[classroom.pk])
    response = client.post(url, {"deck": theirs.pk})
    assert response.status_code == 422
    response = client.post(url, {"deck": mine.pk, "due_date": "2026-06-01", "daily_target": "15"})
    assert response.status_code == 302
    assignment = Assignment.objects.get(classroom=classroom, deck=mine)
    assert str(assignment.due_date) == "2026-06-01" and assignment.daily_target == 15
    assert client.post(url, {"deck": mine.pk}).status_code == 422  # already assigned
    # The co-teacher assigns their own deck to the same class.
    response = client_for(co_teacher).post(url, {"deck": theirs.pk})
    assert response.status_code == 302
    assert classroom.assignments.count() == 3


def test_editing_and_removing_an_assignment(
    classroom, assignment, teacher, student, deck, client_for
):
    client = client_for(teacher)
    url = reverse("classrooms:assignment_edit", args=[classroom.pk, assignment.pk])
    assert client.post(url, {"daily_target": "-3"}).status_code == 422
    assert client.post(url, {"daily_target": "20", "due_date": ""}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.daily_target == 20 and assignment.due_date is None
    client.post(reverse("classrooms:assignment_remove", args=[classroom.pk, assignment.pk]))
    assert not classroom.assignments.exists()
    assert client_for(student).get(reverse("reviews:study", args=[deck.pk])).status_code == 404


def test_deleting_a_class_leaves_the_decks(classroom, deck, teacher, student, client_for):
    client = client_for(teacher)
    assert client.get(reverse("classrooms:delete", args=[classroom.pk])).status_code == 200
    response = client.post(reverse("classrooms:delete", args=[classroom.pk]))
    assert response["Location"] == reverse("classrooms:list")
    assert not Classroom.objects.filter(pk=classroom.pk).exists()
    assert teacher.decks.filter(pk=deck.pk).exists()
    assert client_for(student).get(reverse("reviews:study", args=[deck.pk])).status_code == 404


def test_every_page_renders_for_its_users(
    classroom, assignment, deck, teacher, student, client_for
):
    teacher_client, student_client = client_for(teacher), client_for(student)
    for name, args in [
        ("classrooms:list", []),
        ("classrooms:join_form", []),
        ("classrooms:detail", [classroom.pk]),
        ("classrooms:settings", [classroom.pk]),
        ("classrooms:assignments", [classroom.pk]),
        ("classrooms:assignment_edit", [classroom.pk, assignment.pk]),
        ("classrooms:delete", [classroom.pk]),
    ]:
        assert teacher_client.get(reverse(name, args=args)).status_code == 200, name
    for name, args in [
        ("classrooms:list", []),
        ("classrooms:detail", [classroom.pk]),
        ("classrooms:deck_copy", [classroom.pk, deck.pk]),
        ("flashcards:deck_list", []),
        ("exports:deck", [deck.pk]),
    ]:
        assert student_client.get(reverse(name, args=args)).status_code == 200, name
