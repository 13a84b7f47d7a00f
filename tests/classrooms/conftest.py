"""Class fixtures: a class with its creator (the standard owner), a co-teacher and a
student, studying the creator's deck; and another class with its own teacher and student."""

from __future__ import annotations

import pytest
from django.test import Client

from classrooms.models import Assignment
from tests import factories


@pytest.fixture
def teacher(owner):
    return owner


@pytest.fixture
def co_teacher(db):
    return factories.make_user("coteacher")


@pytest.fixture
def student(db):
    return factories.make_user("student")


@pytest.fixture
def other_teacher(other_user):
    return other_user


@pytest.fixture
def other_student(db):
    return factories.make_user("otherstudent")


@pytest.fixture
def deck(teacher):
    return factories.make_deck(teacher, "Spanish")


@pytest.fixture
def cards(teacher, deck):
    return factories.make_cards(teacher, deck, 5)


@pytest.fixture
def classroom(teacher, co_teacher, student, deck, cards):
    return factories.make_classroom(
        teacher, "Spanish 2B", students=[student], co_teachers=[co_teacher], decks=[deck]
    )


@pytest.fixture
def assignment(classroom, deck):
    return Assignment.objects.get(classroom=classroom, deck=deck)


@pytest.fixture
def other_deck(other_teacher):
    deck = factories.make_deck(other_teacher, "French")
    factories.make_cards(other_teacher, deck, 3)
    return deck


@pytest.fixture
def other_classroom(other_teacher, other_student, other_deck):
    return factories.make_classroom(
        other_teacher, "French 1", students=[other_student], decks=[other_deck]
    )


@pytest.fixture
def client_for():
    def login(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return login
