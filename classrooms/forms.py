from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User
from classrooms.models import INVITE_LENGTH, normalize_invite_code
from flashcards.models import Deck


class ClassroomForm(forms.Form):
    name = forms.CharField(
        label="Class name",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "e.g. Spanish 2B"}),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("Give the class a name.")
        return name


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Invite code",
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text=f"The {INVITE_LENGTH}-character code your teacher gave you.",
    )

    def clean_code(self) -> str:
        code = normalize_invite_code(self.cleaned_data["code"])
        if not code:
            raise ValidationError("Type the invite code.")
        return code


class InviteForm(forms.Form):
    max_uses = forms.IntegerField(
        label="Students who may join with it",
        required=False,
        min_value=1,
        max_value=10_000,
        widget=forms.NumberInput(attrs={"placeholder": "No limit"}),
    )


class TeacherForm(forms.Form):
    username = forms.CharField(label="Username of the co-teacher", max_length=150)

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise ValidationError(f"There is no user called “{username}”.")
        return user


class AssignmentForm(forms.Form):
    deck = forms.ModelChoiceField(
        queryset=Deck.objects.none(),
        empty_label=None,
        help_text="One of your decks; its subdecks come with it.",
    )
    due_date = forms.DateField(
        label="Due date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional: when every card should have been seen.",
    )
    daily_target = forms.IntegerField(
        label="Daily target",
        required=False,
        min_value=1,
        max_value=9999,
        help_text="Optional: reviews a day you ask of each student.",
    )

    def __init__(self, *args: Any, decks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if decks is None:
            del self.fields["deck"]
        else:
            self.fields["deck"].queryset = decks


class CopyForm(forms.Form):
    with_progress = forms.BooleanField(
        label="Bring my progress along",
        required=False,
        initial=True,
        help_text="Your reviews of these cards carry on in the copy.",
    )
