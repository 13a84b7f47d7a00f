from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from flashcards.models import NoteType
from flashcards.services.decks import split_deck_name
from imports.text_import import IGNORE, SEPARATOR_NAMES, TAGS

TERM_SEPARATORS = [("tab", "Tab"), ("comma", "Comma"), ("custom", "Custom")]
ROW_SEPARATORS = [("newline", "New line"), ("semicolon", "Semicolon"), ("custom", "Custom")]
FILE_SEPARATORS = [
    ("tab", "Tab"),
    ("comma", "Comma"),
    ("semicolon", "Semicolon"),
    ("pipe", "Pipe |"),
    ("colon", "Colon :"),
    ("space", "Space"),
]
_SEPARATOR_KEYS = {value: key for key, value in SEPARATOR_NAMES.items()}


def clean_deck_name(value: str) -> str:
    return "::".join(split_deck_name(value))


class FileImportForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="An Anki package (.apkg, .colpkg) or a text file (.csv, .tsv, .txt).",
        widget=forms.ClearableFileInput(attrs={"accept": ".apkg,.colpkg,.csv,.tsv,.txt"}),
    )
    deck_name = forms.CharField(
        label="Import into deck",
        required=False,
        max_length=1000,
        help_text="Optional. A package's decks go inside this deck; a text file's notes go in it.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_IMPORT_UPLOAD_MB * 1024 * 1024:
            raise ValidationError(
                f"That file is larger than the {settings.MAX_IMPORT_UPLOAD_MB} MB import limit."
            )
        return upload

    def clean_deck_name(self) -> str:
        value = self.cleaned_data["deck_name"].strip()
        return clean_deck_name(value) if value else ""


class PasteForm(forms.Form):
    text = forms.CharField(
        label="Text",
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text="One card per row, e.g. Quizlet's export.",
    )
    term_separator = forms.ChoiceField(
        label="Between term and definition",
        choices=TERM_SEPARATORS,
        initial="tab",
        widget=forms.RadioSelect,
    )
    term_custom = forms.CharField(label="Custom term separator", required=False, max_length=20)
    row_separator = forms.ChoiceField(
        label="Between rows",
        choices=ROW_SEPARATORS,
        initial="newline",
        widget=forms.RadioSelect,
    )
    row_custom = forms.CharField(label="Custom row separator", required=False, max_length=20)
    note_type = forms.ModelChoiceField(queryset=NoteType.objects.none(), label="Note type")
    deck = forms.CharField(label="Deck", max_length=1000, initial="Default")

    def __init__(self, *args: Any, owner: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = NoteType.objects.filter(owner=owner).exclude(kind=NoteType.CLOZE)
        self.fields["note_type"].queryset = queryset
        basic = queryset.filter(stock_kind="basic").first() or queryset.first()
        if basic is not None:
            self.fields["note_type"].initial = basic.pk

    def clean_deck(self) -> str:
        return clean_deck_name(self.cleaned_data["deck"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        term = {"tab": "\t", "comma": ","}.get(data.get("term_separator", ""), "")
        if data.get("term_separator") == "custom":
            term = data.get("term_custom", "")
            if not term:
                self.add_error("term_custom", "Type the separator between term and definition.")
        row = {"newline": "\n", "semicolon": ";"}.get(data.get("row_separator", ""), "")
        if data.get("row_separator") == "custom":
            row = (data.get("row_custom") or "").replace("\\n", "\n")
            if not row:
                self.add_error("row_custom", "Type the separator between rows.")
        if term and row and term == row:
            raise ValidationError("The two separators must differ.")
        data["term"], data["row"] = term, row
        return data


class MappingForm(forms.Form):
    """A text file without Anki headers: how to read it, and which column is which field."""

    separator = forms.ChoiceField(label="Separator", choices=FILE_SEPARATORS)
    note_type = forms.ModelChoiceField(queryset=NoteType.objects.none(), label="Note type")
    deck = forms.CharField(label="Deck", max_length=1000)
    html = forms.BooleanField(label="Fields contain HTML", required=False)
    first_row_is_header = forms.BooleanField(
        label="The first row holds column names", required=False
    )

    def __init__(
        self, *args: Any, owner: Any, note_type: NoteType | None, width: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note_type"].queryset = NoteType.objects.filter(owner=owner)
        self.width = width
        names = note_type.field_names if note_type else []
        choices = [(IGNORE, "(ignore)"), (TAGS, "Tags"), *[(name, name) for name in names]]
        for index in range(width):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=f"Column {index + 1}", choices=choices, required=False
            )

    @staticmethod
    def separator_key(separator: str) -> str:
        return _SEPARATOR_KEYS.get(separator, "tab")

    def clean_deck(self) -> str:
        return clean_deck_name(self.cleaned_data["deck"])

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{index}"] for index in range(self.width)]

    def columns(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{index}") or IGNORE for index in range(self.width)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        note_type = data.get("note_type")
        if note_type is not None and self.width:
            mapped = [data.get(f"column_{index}") for index in range(self.width)]
            if not any(name in note_type.field_names for name in mapped):
                raise ValidationError("Map at least one column to a field.")
            chosen = [name for name in mapped if name and name != TAGS]
            if len(chosen) != len(set(chosen)):
                raise ValidationError("Each field can take only one column.")
        return data
