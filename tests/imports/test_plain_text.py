"""The importer's quick plain text of a field is exactly flashcards.text.strip_html's."""

from __future__ import annotations

import pytest

from flashcards.text import strip_html
from imports.services.package_notes import _derived_columns, _format_tags, _plain

SPACES = [chr(code) for code in range(0x3001) if chr(code).isspace()]
FIELDS = [
    "",
    "plain words",
    "  padded\tand\nbroken  ",
    "<b>bold</b> then #12",
    "<div>a<br/>b</div>",
    "<DIV>upper</DIV><BR>break<Br />mixed",
    "<Div>x</Div><br >y",
    "x &amp; y&nbsp;z &lt;b&gt;",
    "<!-- a comment --> kept",
    "<style>p { color: red }</style>visible<script>alert(1)</script>",
    "<SCRIPT>x</SCRIPT>y <Style>q</Style>",
    "<span style='color: red'>é</span>",
    "[sound:hello.mp3] hello [Sound:not.mp3]",
    '[brackets] and <img src="cat.png">',
    "<b>a</b>\u2028b\x1cc\x85d\xa0e",
    *(f"<i>a</i>{space}b{space}" for space in SPACES),
    *(f"a{space}b" for space in SPACES),
]


@pytest.mark.parametrize("field", FIELDS)
def test_the_quick_plain_text_is_strip_htmls(field):
    assert _plain(field) == strip_html(field)


def test_derived_columns_are_the_sort_and_first_fields_and_the_tags():
    flds = "<b>front</b>\x1fthe back\x1fmore"

    assert _derived_columns(flds, " b A a ", 0) == ("front", "front", " b A ")
    assert _derived_columns(flds, " b A a ", 1) == ("the back", "front", " b A ")
    assert _derived_columns(flds, "", 5) == ("more", "front", "")
    assert _format_tags(" b A a ") == " b A "
