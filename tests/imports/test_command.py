"""`manage.py import_deck FILE --user USERNAME [--deck NAME]`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from flashcards.models import Deck, Note
from tests.imports.anki_builder import PNG_BYTES


def _run(*args: str) -> str:
    out = StringIO()
    call_command("import_deck", *args, stdout=out)
    return out.getvalue()


def test_it_imports_a_package_and_prints_the_report(owner, scheduled):
    output = _run(str(scheduled.packages["legacy"]), "--user", "owner")

    assert f"Notes added: {len(scheduled.notes)}" in output
    assert f"Cards added: {scheduled.cards}" in output
    assert f"Reviews: {scheduled.reviews}" in output
    assert "Media files: 2" in output
    assert Note.objects.filter(owner=owner).count() == len(scheduled.notes)


def test_it_imports_into_the_named_deck(owner, scheduled):
    _run(str(scheduled.packages["current"]), "--user", "owner", "--deck", "From Anki")

    assert Deck.objects.filter(owner=owner, full_name="From Anki::Languages::French").exists()


def test_it_imports_a_text_file(owner, tmp_path):
    path = tmp_path / "words.tsv"
    path.write_text("uno\tone\ndos\ttwo\n")

    output = _run(str(path), "--user", "owner", "--deck", "Numbers")

    assert "Notes added: 2" in output
    assert Deck.objects.get(owner=owner, full_name="Numbers").cards.count() == 2


def test_it_fails_with_a_one_line_reason(owner, tmp_path):
    path = tmp_path / "fake.apkg"
    path.write_bytes(PNG_BYTES)

    with pytest.raises(CommandError) as caught:
        _run(str(path), "--user", "owner")

    assert "not an Anki package" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert Note.objects.count() == 0


def test_it_names_an_unknown_user_or_a_missing_file(owner, scheduled, tmp_path):
    with pytest.raises(CommandError, match="No user called 'nobody'"):
        _run(str(scheduled.packages["legacy"]), "--user", "nobody")
    with pytest.raises(CommandError, match="No such file"):
        _run(str(tmp_path / "missing.apkg"), "--user", "owner")
