"""Model (note type) actions."""

from __future__ import annotations

import re
from typing import Any

from accounts.models import User
from ankiconnect.actions import ActionError, action
from ankiconnect.lookups import epoch_seconds, note_type_or_error
from flashcards.models import NoteType

_STOCK_KINDS = {"basic": 1, "basic_reversed": 2, "basic_optional_reversed": 3, "cloze": 5}


def _model_dict(note_type: NoteType) -> dict[str, Any]:
    """A note type in the shape Anki's models.get() gives it."""
    return {
        "id": note_type.pk,
        "name": note_type.name,
        "type": 1 if note_type.is_cloze else 0,
        "mod": epoch_seconds(note_type.modified),
        "usn": -1,
        "sortf": note_type.sort_field,
        "did": None,
        "tmpls": [
            {
                "name": template.get("name", f"Card {ord_ + 1}"),
                "ord": ord_,
                "qfmt": template.get("qfmt", ""),
                "afmt": template.get("afmt", ""),
                "bqfmt": "",
                "bafmt": "",
                "did": None,
                "bfont": "",
                "bsize": 0,
            }
            for ord_, template in enumerate(note_type.templates)
        ],
        "flds": [
            {
                "name": field["name"],
                "ord": ord_,
                "sticky": bool(field.get("sticky", False)),
                "rtl": bool(field.get("rtl", False)),
                "font": field.get("font", "Arial"),
                "size": field.get("size", 20),
                "description": field.get("description", ""),
                "plainText": False,
                "collapsed": False,
                "excludeFromSearch": False,
            }
            for ord_, field in enumerate(note_type.fields)
        ],
        "css": note_type.css,
        "latexPre": note_type.latex_pre,
        "latexPost": note_type.latex_post,
        "latexsvg": False,
        "req": [],
        "originalStockKind": _STOCK_KINDS.get(note_type.stock_kind, 0),
    }


@action("modelNames")
def model_names(user: User) -> list[str]:
    return list(NoteType.objects.filter(owner=user).values_list("name", flat=True))


@action("modelNamesAndIds")
def model_names_and_ids(user: User) -> dict[str, int]:
    result: dict[str, int] = {}
    for name, pk in NoteType.objects.filter(owner=user).order_by("-pk").values_list("name", "pk"):
        result[name] = pk  # the oldest of same-named types wins, as lookups by name do
    return dict(sorted(result.items()))


@action("modelNameFromId")
def model_name_from_id(user: User, modelId: Any) -> str:
    note_type = NoteType.objects.filter(
        owner=user, pk=modelId if isinstance(modelId, int) else -1
    ).first()
    if note_type is None:
        raise ActionError(f"model was not found: {modelId}")
    return note_type.name


@action("modelFieldNames")
def model_field_names(user: User, modelName: Any) -> list[str]:
    return note_type_or_error(user, modelName).field_names


@action("modelFieldDescriptions")
def model_field_descriptions(user: User, modelName: Any) -> list[str]:
    return [field.get("description", "") for field in note_type_or_error(user, modelName).fields]


@action("findModelsByName")
def find_models_by_name(user: User, modelNames: Any) -> list[dict[str, Any]]:
    if not isinstance(modelNames, list):
        raise ActionError('"modelNames" must be a list of names')
    return [_model_dict(note_type_or_error(user, name)) for name in modelNames]


@action("findModelsById")
def find_models_by_id(user: User, modelIds: Any) -> list[dict[str, Any]]:
    if not isinstance(modelIds, list):
        raise ActionError('"modelIds" must be a list of ids')
    result = []
    for model_id in modelIds:
        note_type = NoteType.objects.filter(
            owner=user, pk=model_id if isinstance(model_id, int) else -1
        ).first()
        if note_type is None:
            raise ActionError(f"model was not found: {model_id}")
        result.append(_model_dict(note_type))
    return result


@action("modelTemplates")
def model_templates(user: User, modelName: Any) -> dict[str, dict[str, str]]:
    note_type = note_type_or_error(user, modelName)
    return {
        template.get("name", ""): {
            "Front": template.get("qfmt", ""),
            "Back": template.get("afmt", ""),
        }
        for template in note_type.templates
    }


@action("modelStyling")
def model_styling(user: User, modelName: Any) -> dict[str, str]:
    return {"css": note_type_or_error(user, modelName).css}


_FIELD_REF = re.compile(r"{{[^#/}]+?}}")


@action("modelFieldsOnTemplates")
def model_fields_on_templates(user: User, modelName: Any) -> dict[str, list[list[str]]]:
    note_type = note_type_or_error(user, modelName)
    result: dict[str, list[list[str]]] = {}
    for template in note_type.templates:
        sides: list[list[str]] = []
        for side in ("qfmt", "afmt"):
            names = []
            for match in _FIELD_REF.findall(template.get(side, "")):
                name = re.sub(r"[{}]", "", match).split(":")[-1]
                if name == "FrontSide" or (side == "afmt" and name in sides[0]):
                    continue
                names.append(name)
            sides.append(names)
        result[template.get("name", "")] = sides
    return result
