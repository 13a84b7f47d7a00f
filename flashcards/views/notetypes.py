from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from config.types import AuthedRequest
from flashcards.access import get_note_type_for_user
from flashcards.forms import CssForm, NameForm, NoteTypeCreateForm, TemplateForm
from flashcards.models import Note, NoteType
from flashcards.rendering import render_preview
from flashcards.services import notetypes as service


@login_required
@require_http_methods(["GET", "POST"])
def notetype_list(request: AuthedRequest) -> HttpResponse:
    service.ensure_stock_note_types(owner=request.user)
    form = NoteTypeCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        note_type = service.create_note_type(
            owner=request.user,
            name=form.cleaned_data["name"],
            based_on=form.cleaned_data["based_on"],
        )
        messages.success(request, f"Created “{note_type.name}”.")
        return redirect("flashcards:notetype_detail", pk=note_type.pk)
    note_types = NoteType.objects.filter(owner=request.user).annotate(note_count=Count("notes"))
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "flashcards/notetype_list.html",
        {"note_types": note_types, "form": form},
        status=status,
    )


def _sample_fields(note_type: NoteType) -> dict[str, str]:
    """Preview with the newest note of this type, or with the field names themselves."""
    note = Note.objects.filter(note_type=note_type).order_by("-id").first()
    if note is not None:
        return note.field_map()
    if note_type.is_cloze:
        return {
            name: ("This is a {{c1::sample}} {{c2::cloze}}." if i == 0 else f"({name})")
            for i, name in enumerate(note_type.field_names)
        }
    return {name: f"({name})" for name in note_type.field_names}


def _detail_context(request: AuthedRequest, note_type: NoteType, **forms) -> dict:
    template_forms = [
        forms.pop(f"template_{i}", None) or TemplateForm(initial=template, prefix=f"t{i}")
        for i, template in enumerate(note_type.templates)
    ]
    return {
        "note_type": note_type,
        "note_count": Note.objects.filter(note_type=note_type).count(),
        "rename_form": forms.pop("rename_form", None) or NameForm(initial={"name": note_type.name}),
        "field_form": forms.pop("field_form", None) or NameForm(prefix="field"),
        "css_form": forms.pop("css_form", None) or CssForm(initial={"css": note_type.css}),
        "template_forms": template_forms,
        "previews": render_preview(
            note_type=note_type,
            fields=_sample_fields(note_type),
            tags=[],
            deck_name="",
            owner_id=request.user.pk,
        ),
    }


@login_required
@require_http_methods(["GET"])
def notetype_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    note_type = get_note_type_for_user(request.user, pk)
    return render(request, "flashcards/notetype_detail.html", _detail_context(request, note_type))


def _apply(
    request: AuthedRequest, note_type: NoteType, change: Callable[[], object], done: str, **forms
) -> HttpResponse:
    try:
        change()
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        context = _detail_context(request, note_type, **forms)
        return render(request, "flashcards/notetype_detail.html", context, status=422)
    messages.success(request, done)
    return redirect("flashcards:notetype_detail", pk=note_type.pk)


def _index(request: AuthedRequest, count: int) -> int:
    raw = request.POST.get("index", "")
    if not raw.isdigit() or int(raw) >= count:
        raise ValidationError("No such item.")
    return int(raw)


def _moved(count: int, index: int, direction: str) -> list[int]:
    order = list(range(count))
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < count:
        order[index], order[target] = order[target], order[index]
    return order


@login_required
@require_POST
def notetype_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every change on the note type page posts here with an `op`."""
    note_type = get_note_type_for_user(request.user, pk)
    op = request.POST.get("op", "")
    fields_count, templates_count = len(note_type.fields), len(note_type.templates)
    try:
        if op == "rename":
            form = NameForm(request.POST)
            if not form.is_valid():
                raise ValidationError("A note type needs a name.")
            return _apply(
                request,
                note_type,
                lambda: service.rename_note_type(
                    note_type=note_type, name=form.cleaned_data["name"]
                ),
                "Renamed the note type.",
                rename_form=form,
            )
        if op == "add_field":
            name = request.POST.get("field-name", "")
            return _apply(
                request,
                note_type,
                lambda: service.add_field(note_type=note_type, name=name),
                f"Added the field “{name.strip()}”.",
            )
        if op == "rename_field":
            index = _index(request, fields_count)
            name = request.POST.get("name", "")
            return _apply(
                request,
                note_type,
                lambda: service.rename_field(note_type=note_type, index=index, name=name),
                "Renamed the field.",
            )
        if op == "remove_field":
            index = _index(request, fields_count)
            return _apply(
                request,
                note_type,
                lambda: service.remove_field(note_type=note_type, index=index),
                "Removed the field and its contents.",
            )
        if op == "move_field":
            order = _moved(fields_count, _index(request, fields_count), request.POST.get("dir", ""))
            return _apply(
                request,
                note_type,
                lambda: service.reorder_fields(note_type=note_type, order=order),
                "Moved the field.",
            )
        if op == "sort_field":
            index = _index(request, fields_count)
            return _apply(
                request,
                note_type,
                lambda: service.set_sort_field(note_type=note_type, index=index),
                "The browser now sorts by that field.",
            )
        if op == "add_template":
            return _apply(
                request,
                note_type,
                lambda: service.add_template(note_type=note_type, name=""),
                "Added a card template.",
            )
        if op == "save_template":
            index = _index(request, templates_count)
            form = TemplateForm(request.POST, prefix=f"t{index}")
            if not form.is_valid():
                messages.error(request, "Fill in the template's name and both sides.")
                context = _detail_context(request, note_type, **{f"template_{index}": form})
                return render(request, "flashcards/notetype_detail.html", context, status=422)
            return _apply(
                request,
                note_type,
                lambda: service.update_template(
                    note_type=note_type, index=index, **form.cleaned_data
                ),
                "Saved the card template.",
                **{f"template_{index}": form},
            )
        if op == "remove_template":
            index = _index(request, templates_count)
            return _apply(
                request,
                note_type,
                lambda: service.remove_template(note_type=note_type, index=index),
                "Removed the card template and its cards.",
            )
        if op == "move_template":
            order = _moved(
                templates_count, _index(request, templates_count), request.POST.get("dir", "")
            )
            return _apply(
                request,
                note_type,
                lambda: service.reorder_templates(note_type=note_type, order=order),
                "Moved the card template.",
            )
        if op == "css":
            form = CssForm(request.POST)
            form.is_valid()
            return _apply(
                request,
                note_type,
                lambda: service.update_css(note_type=note_type, css=form.cleaned_data["css"]),
                "Saved the styling.",
                css_form=form,
            )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        context = _detail_context(request, note_type)
        return render(request, "flashcards/notetype_detail.html", context, status=422)
    messages.error(request, "Unknown change.")
    return render(
        request, "flashcards/notetype_detail.html", _detail_context(request, note_type), status=422
    )


@login_required
@require_http_methods(["GET", "POST"])
def notetype_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    note_type = get_note_type_for_user(request.user, pk)
    note_count = Note.objects.filter(note_type=note_type).count()
    if request.method == "POST":
        name = note_type.name
        with transaction.atomic():
            Note.objects.filter(note_type=note_type).delete()
            note_type.delete()
        messages.success(request, f"Deleted “{name}” and its {note_count} notes.")
        return redirect("flashcards:notetype_list")
    return render(
        request,
        "flashcards/notetype_delete.html",
        {"note_type": note_type, "note_count": note_count},
    )
