from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User
from accounts.timezones import timezone_choices

HOUR_CHOICES = [(hour, f"{hour:02d}:00") for hour in range(24)]


def _timezone_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Time zone",
        choices=timezone_choices,
        initial="UTC",
        help_text="Due dates and the study day follow this zone.",
    )


class SignUpForm(UserCreationForm):
    timezone = _timezone_field()

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = False
        self.fields["email"].help_text = "Optional. Only used if you need to recover your account."
        if not self.is_bound:
            # static/js/timezone-default.js swaps in the browser's zone; UTC without JS.
            self.fields["timezone"].widget.attrs["data-browser-timezone"] = ""


class AccountSettingsForm(forms.Form):
    timezone = _timezone_field()
    day_starts_at_hour = forms.TypedChoiceField(
        label="Next day starts at",
        choices=HOUR_CHOICES,
        coerce=int,
        initial=4,
        help_text="Reviews done before this hour count toward the previous day (Anki uses 04:00).",
    )
    email = forms.EmailField(label="Email", required=False)
