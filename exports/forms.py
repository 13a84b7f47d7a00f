from __future__ import annotations

import re

from django import forms

from exports.models import ExportJob
from exports.selectors import MAX_SELECTION


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        choices=ExportJob.FORMAT_CHOICES,
        initial=ExportJob.APKG,
        widget=forms.RadioSelect,
        label="Format",
    )
    with_progress = forms.BooleanField(
        required=False,
        label="Include my progress",
        help_text=(
            "Your schedule (due dates, intervals, memory state) and review history, so "
            "Anki continues where you left off. Anki packages only."
        ),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("format") != ExportJob.APKG:
            data["with_progress"] = False
        return data


_ID_SEPARATORS = re.compile(r"[\s,]+")


def parse_card_ids(values: list[str]) -> list[int]:
    """Card ids from repeated `card_ids` fields, each possibly a comma/space-separated list."""
    ids: list[int] = []
    for value in values:
        for part in _ID_SEPARATORS.split(value.strip()):
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError("The selection contains something that is not a card.")
            ids.append(int(part))
            if len(ids) > MAX_SELECTION:
                raise forms.ValidationError(
                    f"Select at most {MAX_SELECTION:,} cards, or export the whole deck."
                )
    return ids
