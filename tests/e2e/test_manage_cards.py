"""A new user signs up, makes a deck, adds a Basic and a Cloze note with a
picture, finds both in the browser and opens the preview."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from flashcards.models import Card, Media, Note
from tests.factories import make_png

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_user_adds_notes_and_finds_them(page, shot, tmp_path):
    picture = tmp_path / "blue square.png"
    picture.write_bytes(make_png(40, 24))

    page.goto("/accounts/signup/")
    shot("signup")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password1]", "a-long-pass-phrase-9")
    page.fill("input[name=password2]", "a-long-pass-phrase-9")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Decks")).to_be_visible()
    shot("deck-list-empty")

    page.fill("input[name=full_name]", "Science::Physics")
    page.click("text=Create deck")
    expect(page.locator(".deck-table")).to_contain_text("Physics")
    shot("deck-list")

    page.click("nav.mainnav >> text=Add")
    page.select_option("select[name=deck]", label="Science::Physics")
    page.fill("textarea[name=field_0]", "Speed of light in vacuum?")
    page.fill("textarea[name=field_1]", "about 300,000 km/s")
    page.set_input_files("input[name=media_1]", str(picture))
    expect(page.locator("#preview")).to_contain_text("Speed of light")
    shot("add-basic")
    page.click("button:text('Add')")
    expect(page.locator(".message-success")).to_contain_text("Added")

    page.select_option("select[name=note_type]", label="Cloze")
    expect(page.locator("label", has_text="Text")).to_be_visible()
    page.select_option("select[name=deck]", label="Science::Physics")
    page.fill("textarea[name=field_0]", "{{c1::Newton}} wrote the {{c2::Principia}}.")
    expect(page.locator("#preview .preview-card")).to_have_count(2)
    shot("add-cloze")
    page.locator("textarea[name=field_0]").press("Control+Enter")
    expect(page.locator(".message-success")).to_contain_text("2 cards")

    assert Note.objects.count() == 2
    assert Card.objects.count() == 3
    assert Media.objects.filter(filename="blue square.png").exists()

    page.click("nav.mainnav >> text=Browse")
    page.fill("input[name=q]", "deck:Science light")
    page.click("button:text('Search')")
    expect(page.locator(".browser-table tbody tr")).to_have_count(1)
    page.fill("input[name=q]", "note:Cloze")
    page.click("button:text('Search')")
    expect(page.locator(".browser-table tbody tr")).to_have_count(2)
    shot("browse")
    page.fill("input[name=q]", '"speed of light" OR Principia')
    page.click("button:text('Search')")
    expect(page.locator(".browser-table tbody tr")).to_have_count(3)

    page.fill("input[name=q]", "light")
    page.click("button:text('Search')")
    expect(page.locator(".browser-table tbody tr")).to_have_count(1)
    page.click(".browser-table >> text=Preview")
    expect(page.locator(".card-scope").first).to_contain_text("Speed of light")
    image = page.locator(".card-scope img").first
    expect(image).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) == 40
    assert re.search(r"/media/\d+/blue%20square\.png", image.get_attribute("src"))
    shot("preview")


def test_the_deck_list_fits_a_phone(page, shot, django_user_model):
    from django.core.management import call_command

    from flashcards.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERNAME

    call_command("seed_demo")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/accounts/login/")
    page.fill("input[name=username]", DEMO_USERNAME)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".deck-table")).to_contain_text("Spanish")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot("deck-list-phone")
