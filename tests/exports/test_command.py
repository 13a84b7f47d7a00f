"""python manage.py export_deck"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tests.exports.conftest import import_apkg
from tests.exports.content import build_content


def test_it_writes_a_package_anki_imports(owner, tmp_path, anki_col, capsys):
    build_content(owner)
    out = tmp_path / "french.apkg"

    call_command(
        "export_deck", "--user", "owner", "--deck", "Langues::Français", "--out", str(out),
        "--with-progress",
    )  # fmt: skip

    import_apkg(anki_col, out, with_scheduling=True)
    assert anki_col.note_count() == 8
    assert "Wrote 8 notes, 12 cards and 3 media files" in capsys.readouterr().out
    assert not (tmp_path / "french.apkg.part").exists()


def test_it_writes_csv(owner, tmp_path):
    build_content(owner)
    out = tmp_path / "french.csv"

    call_command("export_deck", "--user=owner", "--deck=Langues", "--out", str(out), "--format=csv")

    assert out.read_text(encoding="utf-8").startswith("#separator:comma\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user=nobody", "--deck=Langues"], "No user called 'nobody'."),
        (["--user=owner", "--deck=Nope"], "owner has no deck called 'Nope'."),
        (["--user=other", "--deck=Langues"], "other has no deck called 'Langues'."),
        (["--user=owner", "--deck=Langues", "--format=csv", "--with-progress"], "--with-progress"),
    ],
)
def test_bad_input_is_a_one_line_error(owner, other_user, tmp_path, args, message):
    build_content(owner)
    with pytest.raises(CommandError) as error:
        call_command("export_deck", *args, "--out", str(tmp_path / "x.apkg"))
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "x.apkg").exists()


def test_a_missing_folder_is_an_error(owner, tmp_path):
    build_content(owner)
    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "export_deck", "--user=owner", "--deck=Langues", "--out", str(tmp_path / "no" / "x")
        )
