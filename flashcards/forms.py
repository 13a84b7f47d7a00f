from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import User
from flashcards.models import Deck, NoteType
from flashcards.services.decks import split_deck_name
from flashcards.services.media import UPLOADABLE_PREFIXES, content_type_for


class DeckForm(forms.Form):
    full_name = forms.CharField(
        label="Name",
        max_length=1000,
        help_text="Use “::” to nest, e.g. “Spanish::Verbs”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )

    def clean_full_name(self) -> str:
        return "::".join(split_deck_name(self.cleaned_data["full_name"]))


def validate_upload(upload: Any) -> None:
    limit = settings.MAX_MEDIA_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            f"“{upload.name}” is larger than the {settings.MAX_MEDIA_UPLOAD_MB} MB limit."
        )
    if not content_type_for(upload.name).startswith(UPLOADABLE_PREFIXES):
        raise ValidationError(f"“{upload.name}” is not an image, audio or video file.")


class NoteForm(forms.Form):
    """The Add/Edit form: fields are built from the note type."""

    deck = forms.ModelChoiceField(queryset=Deck.objects.none(), empty_label=None)
    tags = forms.CharField(
        required=False,
        max_length=5000,
        help_text="Separate tags with spaces.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, user: User, note_type: NoteType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.note_type = note_type
        self.fields["deck"].queryset = Deck.objects.filter(owner=user)
        for index, spec in enumerate(note_type.fields):
            self.fields[f"field_{index}"] = forms.CharField(
                label=spec["name"],
                required=False,
                strip=False,
                widget=forms.Textarea(
                    attrs={
                        "rows": 3,
                        "class": "note-field",
                        "data-field-index": index,
                        **({"autofocus": True} if index == 0 else {}),
                    }
                ),
            )
            self.fields[f"media_{index}"] = forms.FileField(
                label=f"Attach an image or sound to {spec['name']}",
                required=False,
                validators=[validate_upload],
                widget=forms.ClearableFileInput(attrs={"accept": "image/*,audio/*,video/*"}),
            )

    def field_pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"field_{index}"], self[f"media_{index}"])
            for index in range(len(self.note_type.fields))
        ]

    def field_values(self) -> list[str]:
        return [
            (self.cleaned_data.get(f"field_{index}") or "").replace("\r\n", "\n")
            for index in range(len(self.note_type.fields))
        ]

    def tag_list(self) -> list[str]:
        return (self.cleaned_data.get("tags") or "").split()


class NoteTypeCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    based_on = forms.ModelChoiceField(queryset=NoteType.objects.none(), empty_label=None)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["based_on"].queryset = NoteType.objects.filter(owner=user)


class NameForm(forms.Form):
    name = forms.CharField(max_length=200)


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=200)
    qfmt = forms.CharField(
        label="Front template",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "code", "spellcheck": "false"}),
    )
    afmt = forms.CharField(
        label="Back template",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "code", "spellcheck": "false"}),
    )


class CssForm(forms.Form):
    css = forms.CharField(
        label="Styling",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "code", "spellcheck": "false"}),
    )


class OrderForm(forms.Form):
    order = forms.CharField(help_text="Positions, comma-separated.")

    def clean_order(self) -> list[int]:
        try:
            return [int(part) for part in self.cleaned_data["order"].split(",")]
        except ValueError:
            raise ValidationError("The order must be a list of numbers.") from None


BULK_ACTIONS = [
    ("move", "Move to deck"),
    ("add_tags", "Add tags"),
    ("remove_tags", "Remove tags"),
    ("suspend", "Suspend"),
    ("unsuspend", "Unsuspend"),
    ("delete", "Delete notes"),
]


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=BULK_ACTIONS)
    card_ids = forms.TypedMultipleChoiceField(coerce=int, choices=())
    deck = forms.ModelChoiceField(queryset=Deck.objects.none(), required=False)
    tags = forms.CharField(required=False, max_length=5000)

    def __init__(self, *args: Any, user: User, card_ids: list[int] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["deck"].queryset = Deck.objects.filter(owner=user)
        # Any ids are accepted here; the service only touches the user's own cards.
        self.fields["card_ids"] = forms.TypedMultipleChoiceField(
            coerce=int,
            choices=[(str(pk), str(pk)) for pk in (card_ids or [])],
            error_messages={"required": "Select at least one card."},
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action = data.get("action")
        if action == "move" and not data.get("deck"):
            self.add_error("deck", "Choose the deck to move the cards to.")
        if action in {"add_tags", "remove_tags"} and not (data.get("tags") or "").strip():
            self.add_error("tags", "Enter the tags.")
        return data
