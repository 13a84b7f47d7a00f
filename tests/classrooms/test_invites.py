"""Joining a class: links and typed codes; replaced, turned-off and used-up codes say so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from classrooms.models import Invite, Membership
from classrooms.services import (
    InviteError,
    join_classroom,
    rotate_invite,
    turn_off_invites,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db):
    return factories.make_user("newcomer")


def code_of(classroom) -> str:
    return classroom.invites.get(revoked__isnull=True).code


def test_the_link_asks_before_joining_and_joins_on_post(classroom, newcomer, client_for):
    client = client_for(newcomer)
    url = reverse("classrooms:join", args=[code_of(classroom)])
    page = client.get(url)
    assert page.status_code == 200
    assert "Join “Spanish 2B”" in page.content.decode()
    assert "owner" in page.content.decode()  # taught by
    assert not Membership.objects.filter(user=newcomer).exists()

    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("classrooms:detail", args=[classroom.pk])
    membership = Membership.objects.get(user=newcomer)
    assert membership.role == Membership.STUDENT
    assert classroom.invites.get().uses == 1


def test_a_typed_code_joins_whatever_its_case_and_spacing(classroom, newcomer, client_for):
    code = code_of(classroom)
    typed = f" {code[:4].lower()}-{code[4:]} "
    response = client_for(newcomer).post(reverse("classrooms:join_form"), {"code": typed})
    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, classroom=classroom).exists()


def test_an_unknown_code_says_so(newcomer, client_for):
    response = client_for(newcomer).post(reverse("classrooms:join_form"), {"code": "NOPE2345"})
    assert response.status_code == 404
    assert "There is no class with this invite code" in response.content.decode()
    response = client_for(newcomer).get(reverse("classrooms:join", args=["NOPE2345"]))
    assert response.status_code == 404


def test_a_replaced_code_says_it_was_replaced(classroom, newcomer, client_for):
    old = code_of(classroom)
    new = rotate_invite(classroom=classroom)
    assert new.code != old
    client = client_for(newcomer)
    for response in (
        client.get(reverse("classrooms:join", args=[old])),
        client.post(reverse("classrooms:join", args=[old])),
        client.post(reverse("classrooms:join_form"), {"code": old}),
    ):
        assert response.status_code == 410
        text = response.content.decode()
        assert "This invite code no longer works" in text
        assert "replaced or turned off" in text
    assert not Membership.objects.filter(user=newcomer).exists()
    assert client.post(reverse("classrooms:join", args=[new.code])).status_code == 302


def test_a_turned_off_code_says_so_and_old_students_stay(classroom, student, newcomer, client_for):
    code = code_of(classroom)
    turn_off_invites(classroom=classroom)
    response = client_for(newcomer).post(reverse("classrooms:join", args=[code]))
    assert response.status_code == 410
    assert "replaced or turned off" in response.content.decode()
    assert Membership.objects.filter(user=student, classroom=classroom).exists()
    assert not Invite.objects.filter(classroom=classroom, revoked__isnull=True).exists()


def test_a_used_up_code_says_so(classroom, newcomer, client_for):
    invite = rotate_invite(classroom=classroom, max_uses=1)
    first = factories.make_user("first")
    assert client_for(first).post(reverse("classrooms:join", args=[invite.code])).status_code == 302
    response = client_for(newcomer).post(reverse("classrooms:join", args=[invite.code]))
    assert response.status_code == 410
    text = response.content.decode()
    assert "This invite code is used up" in text
    assert "it was for 1 student" in text
    assert (
        client_for(newcomer).get(reverse("classrooms:join", args=[invite.code])).status_code == 410
    )
    invite.refresh_from_db()
    assert invite.uses == 1


def test_joining_twice_uses_nothing_up(classroom, student):
    invite = rotate_invite(classroom=classroom, max_uses=1)
    membership = join_classroom(user=student, code=invite.code)
    assert membership.role == Membership.STUDENT
    invite.refresh_from_db()
    assert invite.uses == 0


def test_a_teacher_following_their_own_link_stays_a_teacher(classroom, teacher, client_for):
    response = client_for(teacher).post(reverse("classrooms:join", args=[code_of(classroom)]))
    assert response.status_code == 302
    assert Membership.objects.get(user=teacher, classroom=classroom).role == Membership.TEACHER


def test_one_student_can_be_in_several_classes(classroom, other_classroom, newcomer):
    join_classroom(user=newcomer, code=code_of(classroom))
    join_classroom(user=newcomer, code=code_of(other_classroom))
    assert Membership.objects.filter(user=newcomer).count() == 2


def test_a_removed_student_needs_a_working_code_to_come_back(
    classroom, student, teacher, client_for
):
    client_for(teacher).post(reverse("classrooms:student_remove", args=[classroom.pk, student.pk]))
    assert not Membership.objects.filter(user=student, classroom=classroom).exists()
    old = code_of(classroom)
    rotate_invite(classroom=classroom)
    with pytest.raises(InviteError) as error:
        join_classroom(user=student, code=old)
    assert error.value.kind == InviteError.REVOKED


def test_the_settings_page_shows_the_code_and_its_uses(classroom, teacher, client_for):
    invite = rotate_invite(classroom=classroom, max_uses=30)
    page = client_for(teacher).get(reverse("classrooms:settings", args=[classroom.pk]))
    text = page.content.decode()
    assert invite.code in text
    assert reverse("classrooms:join", args=[invite.code]) in text
    assert "Used 0 of 30 times" in text


def test_rotating_from_the_settings_page_replaces_the_code(classroom, teacher, client_for):
    old = code_of(classroom)
    client = client_for(teacher)
    response = client.post(reverse("classrooms:invite_rotate", args=[classroom.pk]), {})
    assert response.status_code == 302
    assert code_of(classroom) != old
    response = client.post(
        reverse("classrooms:invite_rotate", args=[classroom.pk]), {"max_uses": "0"}
    )
    assert response.status_code == 422
