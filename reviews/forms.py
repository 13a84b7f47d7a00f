from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from reviews import scheduling
from reviews.models import Preset, ReviewLog

_STEP = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 60}  # bare numbers are minutes
MAX_STEP_SECONDS = 365 * 86400


def parse_steps(text: str) -> list[int]:
    """Anki's step syntax, "1m 10m 1h 2d", as seconds."""
    steps = []
    for token in text.replace(",", " ").split():
        match = _STEP.match(token.strip().lower())
        if not match:
            raise ValidationError(
                f"“{token}” is not a step: use numbers with s, m, h or d, such as 1m 10m 1d."
            )
        seconds = round(float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
        if not 1 <= seconds <= MAX_STEP_SECONDS:
            raise ValidationError("Steps must be from 1 second to 365 days.")
        steps.append(seconds)
    if len(steps) > 20:
        raise ValidationError("At most 20 steps.")
    return steps


def format_steps(steps: list[int]) -> str:
    parts = []
    for seconds in steps:
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds >= size and seconds % size == 0:
                parts.append(f"{seconds // size}{unit}")
                break
        else:
            parts.append(f"{seconds}s")
    return " ".join(parts)


class StepsField(forms.CharField):
    def prepare_value(self, value: Any) -> Any:
        return format_steps(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[int]:
        return parse_steps(super().to_python(value) or "")


class ParametersField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(f"{number:g}" for number in value)
        return value

    def to_python(self, value: Any) -> list[float]:
        text = (super().to_python(value) or "").replace(",", " ")
        try:
            numbers = [float(part) for part in text.split()]
        except ValueError:
            raise ValidationError("Parameters are numbers separated by commas.") from None
        errors = scheduling.parameter_errors(numbers)
        if errors:
            raise ValidationError(errors)
        return numbers


class PresetForm(forms.ModelForm):
    learning_steps = StepsField(
        required=False, help_text="Such as 1m 10m. Empty: new cards go straight to review."
    )
    relearning_steps = StepsField(required=False, help_text="Such as 10m.")
    fsrs_parameters = ParametersField(
        label="FSRS parameters", help_text="21 numbers (FSRS-6). “Optimize” fills these in."
    )

    class Meta:
        model = Preset
        fields = [
            "name",
            "new_per_day",
            "reviews_per_day",
            "learning_steps",
            "relearning_steps",
            "desired_retention",
            "maximum_interval",
            "new_card_order",
            "bury_new_siblings",
            "bury_review_siblings",
            "leech_threshold",
            "leech_action",
            "fuzz",
            "fsrs_parameters",
        ]
        labels = {
            "new_per_day": "New cards per day",
            "reviews_per_day": "Maximum reviews per day",
            "desired_retention": "Desired retention",
            "maximum_interval": "Maximum interval (days)",
            "bury_new_siblings": "Bury new siblings until the next day",
            "bury_review_siblings": "Bury review siblings until the next day",
            "leech_threshold": "Leech threshold (lapses)",
            "fuzz": "Spread reviews out a little (fuzz)",
        }
        help_texts = {
            "desired_retention": "From 0.70 to 0.99. Higher means more reviews.",
        }
        widgets = {
            "desired_retention": forms.NumberInput(
                attrs={"step": "0.01", "min": "0.7", "max": "0.99"}
            ),
        }


class DeckPresetForm(forms.Form):
    preset = forms.ModelChoiceField(queryset=Preset.objects.none(), empty_label=None)

    def __init__(self, *args: Any, presets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preset"].queryset = presets


class NewPresetForm(forms.Form):
    name = forms.CharField(max_length=100)


class GradeForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=ReviewLog.RATING_CHOICES, coerce=int, error_messages={"required": "Pick a grade."}
    )
    review_id = forms.UUIDField()
    shown_version = forms.CharField(max_length=64)
    shown_at = forms.IntegerField(required=False, min_value=0)


class UndoForm(forms.Form):
    review_id = forms.UUIDField(required=False)


class FlagForm(forms.Form):
    flag = forms.IntegerField(min_value=0, max_value=7)


class AnswerForm(forms.Form):
    typed_answer = forms.CharField(required=False, max_length=5000, strip=False)
    shown_at = forms.IntegerField(required=False, min_value=0)


class CustomStudyForm(forms.Form):
    MODE_CHOICES = [
        ("ahead", "Study ahead: review cards due in the next days"),
        ("forgotten", "Review the cards I forgot today"),
    ]
    mode = forms.ChoiceField(choices=MODE_CHOICES, widget=forms.RadioSelect, initial="ahead")
    days = forms.IntegerField(min_value=1, max_value=365, initial=3, label="Days ahead")
