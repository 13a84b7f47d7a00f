"""A teacher creates a class and assigns a deck; a student joins by the invite link and
studies with the keyboard; the teacher sees the student's progress."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from classrooms.models import Classroom, Membership
from reviews.models import ReviewLog
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-9"
WORDS = [("hablar", "to speak"), ("comer", "to eat"), ("vivir", "to live"), ("ser", "to be")]


def log_in(page, username: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def log_out(page) -> None:
    page.click("nav.usernav >> text=Log out")
    expect(page.locator("input[name=username]")).to_be_visible()


def test_a_class_from_creation_to_the_teacher_seeing_progress(page, shot):
    teacher = factories.make_user("ms_garcia", password=PASSWORD)
    factories.make_user("sam", password=PASSWORD)
    deck = factories.make_deck(teacher, "Spanish::Verbs")
    basic = factories.make_note_type_basic(teacher)
    for front, back in WORDS:
        factories.make_note(teacher, basic, deck, (front, back))

    # The teacher creates the class and assigns the deck.
    page.goto("/accounts/login/")
    log_in(page, "ms_garcia")
    page.click("nav.mainnav >> text=Classes")
    expect(page.get_by_role("heading", name="Classes")).to_be_visible()
    shot("teacher-classes-empty")
    page.fill("input[name=name]", "Spanish 2B")
    page.click("text=Create class")
    expect(page.get_by_role("heading", name="Spanish 2B")).to_be_visible()
    page.select_option("select[name=deck]", label="Spanish::Verbs")
    page.fill("input[name=daily_target]", "3")
    shot("teacher-assign")
    page.click("button:text('Assign')")
    expect(page.locator(".message-success")).to_contain_text("Assigned")
    shot("teacher-assigned")

    page.click(".class-tabs >> text=Dashboard")
    invite_link = page.locator(".invite-link").input_value()
    assert re.search(r"/classes/join/[A-Z0-9]{8}/$", invite_link)
    expect(page.locator("#students")).to_contain_text("No students yet")
    shot("teacher-dashboard-empty")
    log_out(page)

    # The student follows the link, logs in, and joins.
    page.goto(invite_link)
    expect(page.locator("input[name=username]")).to_be_visible()
    log_in(page, "sam")
    expect(page.get_by_role("heading", name="Join “Spanish 2B”")).to_be_visible()
    expect(page.locator("main")).to_contain_text("ms_garcia")
    shot("student-join")
    page.click("button:text('Join the class')")
    expect(page.locator(".message-success")).to_contain_text("You joined “Spanish 2B”")
    expect(page.locator("main")).to_contain_text("0 / 4 seen")
    shot("student-class")
    assert Membership.objects.filter(user__username="sam", role="student").exists()

    # The deck list shows the class's deck with the student's own counts; study by keys.
    page.click("nav.mainnav >> text=Decks")
    class_decks = page.locator("#class-decks")
    expect(class_decks).to_contain_text("Spanish::Verbs")
    expect(class_decks.locator(".count-new")).to_have_text("4")
    shot("student-decks")
    class_decks.locator("text=Study").click()
    study = page.locator("#study")
    expect(study).to_have_attribute("data-side", "question")
    shot("student-study-question")
    for grade in ("3", "3", "1"):
        page.keyboard.press("Space")
        expect(study).to_have_attribute("data-side", "answer")
        expect(study.locator(".grade-good")).to_be_visible()
        if grade == "1":
            shot("student-study-answer")
        page.keyboard.press(grade)
        expect(study.locator(".show-answer")).to_be_visible()
    assert ReviewLog.objects.filter(learner__username="sam").count() == 3
    shot("student-studied")

    classroom = Classroom.objects.get()
    page.goto(f"/classes/{classroom.pk}/")
    expect(page.locator("main")).to_contain_text("3 / 4 seen")
    expect(page.locator("main")).to_contain_text("Today: 3 of 3 reviews ✓ target reached")
    shot("student-standing")
    log_out(page)

    # The teacher sees the student's progress.
    log_in(page, "ms_garcia")
    page.goto(f"/classes/{classroom.pk}/")
    row = page.locator("#students tbody tr", has_text="sam")
    expect(row).to_contain_text("3 / 4")
    expect(row).to_contain_text("3 / 3 today ✓")
    expect(row.locator("td").nth(2)).to_have_text("3")  # reviews today
    expect(page.locator("#cards tbody tr")).to_have_count(3)
    shot("teacher-dashboard")
    page.click(".class-tabs >> text=Students & settings")
    expect(page.locator("#students")).to_contain_text("sam")
    shot("teacher-settings")


def test_a_replaced_invite_link_says_so(page, shot):
    teacher = factories.make_user("ms_garcia", password=PASSWORD)
    factories.make_user("sam", password=PASSWORD)
    classroom = factories.make_classroom(teacher, "Spanish 2B")
    old = classroom.invites.get().code

    page.goto("/accounts/login/")
    log_in(page, "ms_garcia")
    page.goto(f"/classes/{classroom.pk}/settings/")
    page.click("button:text('Replace with a new code')")
    expect(page.locator(".message-success")).to_contain_text("New invite code")
    shot("teacher-new-code")
    log_out(page)

    log_in(page, "sam")
    response = page.goto(f"/classes/join/{old}/")
    assert response.status == 410
    expect(page.locator(".invite-problem")).to_contain_text("This invite code no longer works")
    shot("student-old-code")


def test_the_dashboard_of_a_class_with_weeks_of_reviews(page, shot):
    import random
    from datetime import timedelta

    from django.utils import timezone

    from reviews.models import CardState

    rng = random.Random(3)
    teacher = factories.make_user("ms_garcia", password=PASSWORD)
    deck = factories.make_deck(teacher, "Spanish")
    cards = factories.make_cards(teacher, deck, 30)
    students = [factories.make_user(name) for name in ("ana", "ben", "chloe", "dev", "eli")]
    classroom = factories.make_classroom(teacher, "Spanish 2B", students=students, decks=[deck])
    classroom.assignments.update(daily_target=20)
    now = timezone.now()
    for index, student in enumerate(students):
        skill = 0.95 - index * 0.06
        for card in cards[: 30 - index * 4]:
            last = now - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 20))
            stability = rng.uniform(2, 40)
            factories.make_card_state(
                student, card, state=CardState.REVIEW, stability=stability, difficulty=5.0,
                last_review=last, due=last + timedelta(days=stability), reps=rng.randint(2, 9),
                lapses=int(rng.random() > skill) + int(card.pk % 7 == 0),
            )  # fmt: skip
            for week in range(12):
                when = now - timedelta(days=7 * week + rng.randint(0, 6), hours=rng.randint(0, 23))
                rating = 1 if rng.random() > skill - week * 0.01 else rng.choice([2, 3, 3, 4])
                ReviewLog.objects.create(
                    learner=student, card=card, deck=deck, reviewed_at=when, rating=rating,
                    kind=ReviewLog.KIND_REVIEW,
                )  # fmt: skip

    page.goto("/accounts/login/")
    log_in(page, "ms_garcia")
    page.goto(f"/classes/{classroom.pk}/")
    expect(page.locator("#students tbody tr")).to_have_count(5)
    expect(page.locator("#retention svg.chart")).to_be_visible()
    expect(page.locator("#retention svg .dot")).to_have_count(12)
    expect(page.locator("#cards tbody tr")).to_have_count(25)
    shot("teacher-dashboard-with-history")
