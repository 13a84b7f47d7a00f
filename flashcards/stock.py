"""Anki's stock note types, as current Anki creates them."""

from __future__ import annotations

from typing import Any

STOCK_CSS = """.card {
    font-family: arial;
    font-size: 20px;
    line-height: 1.5;
    text-align: center;
    color: black;
    background-color: white;
}
"""

CLOZE_CSS = (
    STOCK_CSS
    + """
.cloze {
    font-weight: bold;
    color: blue;
}
.nightMode .cloze {
    color: lightblue;
}
"""
)


def _field(name: str) -> dict[str, Any]:
    return {"name": name, "font": "Arial", "size": 20, "rtl": False, "sticky": False}


def _template(name: str, qfmt: str, afmt: str) -> dict[str, str]:
    return {"name": name, "qfmt": qfmt, "afmt": afmt}


_FORWARD = _template("Card 1", "{{Front}}", "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}")

STOCK_NOTE_TYPES: dict[str, dict[str, Any]] = {
    "basic": {
        "name": "Basic",
        "kind": "standard",
        "fields": [_field("Front"), _field("Back")],
        "templates": [_FORWARD],
        "css": STOCK_CSS,
    },
    "basic_reversed": {
        "name": "Basic (and reversed card)",
        "kind": "standard",
        "fields": [_field("Front"), _field("Back")],
        "templates": [
            _FORWARD,
            _template("Card 2", "{{Back}}", "{{FrontSide}}\n\n<hr id=answer>\n\n{{Front}}"),
        ],
        "css": STOCK_CSS,
    },
    "basic_optional_reversed": {
        "name": "Basic (optional reversed card)",
        "kind": "standard",
        "fields": [_field("Front"), _field("Back"), _field("Add Reverse")],
        "templates": [
            _FORWARD,
            _template(
                "Card 2",
                "{{#Add Reverse}}{{Back}}{{/Add Reverse}}",
                "{{FrontSide}}\n\n<hr id=answer>\n\n{{Front}}",
            ),
        ],
        "css": STOCK_CSS,
    },
    "basic_typing": {
        "name": "Basic (type in the answer)",
        "kind": "standard",
        "fields": [_field("Front"), _field("Back")],
        "templates": [
            _template(
                "Card 1",
                "{{Front}}\n\n{{type:Back}}",
                "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}",
            )
        ],
        "css": STOCK_CSS,
    },
    "cloze": {
        "name": "Cloze",
        "kind": "cloze",
        "fields": [_field("Text"), _field("Back Extra")],
        "templates": [_template("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}")],
        "css": CLOZE_CSS,
    },
}
