"""Every class URL for everyone: the class's creator, a co-teacher, a student, a student
of another class, a teacher of another class, and an anonymous visitor.

Each case gets fresh rows, so a delete or a removal in one case can't hide another.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from classrooms.models import Classroom, Membership
from tests import factories

pytestmark = pytest.mark.django_db

CREATOR, TEACHER, MEMBER = "creator", "teacher", "member"
ROLES = ["creator", "co_teacher", "student", "other_student", "other_teacher", "anonymous"]


def class_urls(classroom, deck, assignment, student, co_teacher, spare_deck):
    c, a = classroom.pk, assignment.pk
    return [
        ("get", "classrooms:detail", [c], {}, MEMBER),
        ("get", "classrooms:students_csv", [c], {}, TEACHER),
        ("get", "classrooms:cards_csv", [c], {}, TEACHER),
        ("get", "classrooms:settings", [c], {}, TEACHER),
        ("post", "classrooms:settings", [c], {"name": "Renamed"}, TEACHER),
        ("post", "classrooms:invite_rotate", [c], {"max_uses": ""}, TEACHER),
        ("post", "classrooms:invite_off", [c], {}, TEACHER),
        ("post", "classrooms:teacher_add", [c], {"username": "newcomer"}, TEACHER),
        ("post", "classrooms:teacher_remove", [c, co_teacher.pk], {}, TEACHER),
        ("post", "classrooms:student_remove", [c, student.pk], {}, TEACHER),
        ("get", "classrooms:assignments", [c], {}, TEACHER),
        ("post", "classrooms:assignments", [c], {"deck": spare_deck.pk}, TEACHER),
        ("get", "classrooms:assignment_edit", [c, a], {}, TEACHER),
        ("post", "classrooms:assignment_edit", [c, a], {"daily_target": 10}, TEACHER),
        ("post", "classrooms:assignment_remove", [c, a], {}, TEACHER),
        ("get", "classrooms:deck_copy", [c, deck.pk], {}, MEMBER),
        ("post", "classrooms:deck_copy", [c, deck.pk], {"with_progress": "on"}, MEMBER),
        ("post", "classrooms:leave", [c], {}, MEMBER),
        ("get", "classrooms:delete", [c], {}, CREATOR),
        ("post", "classrooms:delete", [c], {}, CREATOR),
    ]


def _cases():
    # Built from names only, so the ids read well: "classrooms:detail-get-student".
    fake = type("Row", (), {"pk": 1})()
    for method, name, _, _, need in class_urls(fake, fake, fake, fake, fake, fake):
        for role in ROLES:
            yield pytest.param(method, name, role, need, id=f"{name}-{method}-{role}")


def _expected(role: str, need: str) -> set[int]:
    allowed = {200, 302, 422}
    if role == "anonymous":
        return {302}  # to the login page, checked below
    if role in ("other_student", "other_teacher"):
        return {404}
    if role == "creator":
        return allowed
    if role == "co_teacher":
        return {403} if need == CREATOR else allowed
    return allowed if need == MEMBER else {403}  # the class's student


@pytest.mark.parametrize(("method", "name", "role", "need"), list(_cases()))
def test_every_class_url_answers_each_role_as_it_should(
    method, name, role, need, classroom, deck, assignment, student, co_teacher, teacher,
    other_classroom, other_student, other_teacher, client_for,
):  # fmt: skip
    factories.make_user("newcomer")
    spare = factories.make_deck(teacher, "Spare")
    users = {
        "creator": teacher,
        "co_teacher": co_teacher,
        "student": student,
        "other_student": other_student,
        "other_teacher": other_teacher,
        "anonymous": None,
    }
    urls = {
        (row_method, row_name): (args, data)
        for row_method, row_name, args, data, _ in class_urls(
            classroom, deck, assignment, student, co_teacher, spare
        )
    }
    args, data = urls[(method, name)]
    url = reverse(name, args=args)
    response = getattr(client_for(users[role]), method)(url, data)
    assert response.status_code in _expected(role, need), response.status_code
    if role == "anonymous":
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


@pytest.mark.parametrize("role", ["other_student", "other_teacher", "anonymous"])
def test_outsiders_change_nothing(
    role, classroom, deck, assignment, student, co_teacher, teacher, other_classroom,
    other_student, other_teacher, client_for,
):  # fmt: skip
    factories.make_user("newcomer")
    spare = factories.make_deck(teacher, "Spare")
    user = {"other_student": other_student, "other_teacher": other_teacher}.get(role)
    client = client_for(user)
    for method, name, args, data, _ in class_urls(
        classroom, deck, assignment, student, co_teacher, spare
    ):
        if method == "post":
            client.post(reverse(name, args=args), data)
    classroom.refresh_from_db()
    assert classroom.name == "Spanish 2B"
    assert set(classroom.memberships.values_list("user__username", flat=True)) == {
        "owner", "coteacher", "student",
    }  # fmt: skip
    assert list(classroom.assignments.values_list("deck_id", "daily_target")) == [(deck.pk, None)]
    assert classroom.invites.filter(revoked__isnull=True).count() == 1
    assert not (user and user.decks.filter(full_name="Spanish").exists())


def test_a_student_changes_nothing_on_the_teachers_pages(
    classroom, deck, assignment, student, co_teacher, teacher, client_for
):
    factories.make_user("newcomer")
    spare = factories.make_deck(teacher, "Spare")
    client = client_for(student)
    for method, name, args, data, need in class_urls(
        classroom, deck, assignment, student, co_teacher, spare
    ):
        if method == "post" and need != MEMBER:
            assert client.post(reverse(name, args=args), data).status_code == 403
    assert Classroom.objects.filter(pk=classroom.pk, name="Spanish 2B").exists()
    assert classroom.memberships.count() == 3
    assert classroom.assignments.get().daily_target is None


def test_a_teacher_cannot_reach_another_class_through_their_own(
    classroom, other_classroom, other_student, teacher, client_for
):
    client = client_for(teacher)
    url = reverse("classrooms:student_remove", args=[classroom.pk, other_student.pk])
    assert client.post(url).status_code == 404
    other_assignment = other_classroom.assignments.get()
    url = reverse("classrooms:assignment_remove", args=[classroom.pk, other_assignment.pk])
    assert client.post(url).status_code == 404
    url = reverse("classrooms:deck_copy", args=[classroom.pk, other_assignment.deck_id])
    assert client.get(url).status_code == 404
    assert Membership.objects.filter(classroom=other_classroom, user=other_student).exists()
    assert other_classroom.assignments.exists()


@pytest.mark.parametrize("name", ["classrooms:list", "classrooms:join_form"])
def test_the_class_list_and_join_pages_need_a_login(name, anon_client, owner_client):
    assert owner_client.get(reverse(name)).status_code == 200
    response = anon_client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_an_invite_link_sends_a_visitor_to_log_in_and_back(anon_client, classroom):
    code = classroom.invites.get().code
    url = reverse("classrooms:join", args=[code])
    response = anon_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert code in response["Location"]
    assert anon_client.post(url).status_code == 302
    assert classroom.memberships.count() == 3


def test_the_class_list_shows_only_my_classes(classroom, other_classroom, student, client_for):
    page = client_for(student).get(reverse("classrooms:list")).content.decode()
    assert "Spanish 2B" in page
    assert "French 1" not in page
