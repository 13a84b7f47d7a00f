from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from config.types import AuthedRequest
from flashcards.access import get_deck_for_user, get_note_for_user, get_note_type_for_user
from flashcards.forms import NoteForm, validate_upload
from flashcards.models import Deck, NoteType
from flashcards.rendering import render_preview
from flashcards.services.decks import default_deck
from flashcards.services.media import content_type_for, store_media
from flashcards.services.notes import add_note, delete_notes, update_note
from flashcards.services.notetypes import ensure_stock_note_types


def _upload_limit() -> int:
    return settings.MAX_MEDIA_UPLOAD_MB * 1024 * 1024


def media_snippet(filename: str) -> str:
    """How a field refers to a file, as Anki's editor writes it."""
    if content_type_for(filename).startswith("image/"):
        return f'<img src="{escape(filename)}">'
    return f"[sound:{filename}]"


def _attach_uploads(user: User, form: NoteForm, values: list[str]) -> list[str]:
    """Files picked next to a field are stored and referenced at the end of that field."""
    for index in range(len(values)):
        upload = form.cleaned_data.get(f"media_{index}")
        if upload:
            media = store_media(
                owner=user, filename=upload.name, data=upload, max_bytes=_upload_limit()
            )
            values[index] = (values[index] + " " + media_snippet(media.filename)).strip()
    return values


def _pick_note_type(request: AuthedRequest, source: dict) -> NoteType:
    types = ensure_stock_note_types(owner=request.user)
    raw = source.get("note_type")
    if raw and str(raw).isdigit():
        return get_note_type_for_user(request.user, int(raw))
    last = request.session.get("last_note_type")
    return (
        next((t for t in types if t.pk == last), None)
        or next((t for t in types if t.stock_kind == "basic"), None)
        or types[0]
    )


def _pick_deck(request: AuthedRequest, source: dict) -> Deck:
    raw = source.get("deck")
    if raw and str(raw).isdigit():
        return get_deck_for_user(request.user, int(raw))
    last = request.session.get("last_deck")
    deck = Deck.objects.filter(owner=request.user, pk=last).first() if last else None
    return deck or default_deck(owner=request.user)


def _editor_context(request: AuthedRequest, form: NoteForm, note_type: NoteType, **extra):
    return {
        "form": form,
        "note_type": note_type,
        "note_types": NoteType.objects.filter(owner=request.user),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def note_add(request: AuthedRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    note_type = _pick_note_type(request, source)
    deck = _pick_deck(request, source)
    if request.method == "GET":
        sticky = request.session.get("sticky_fields", {}).get(str(note_type.pk), {})
        initial = {"deck": deck, **{f"field_{i}": v for i, v in sticky.items()}}
        form = NoteForm(user=request.user, note_type=note_type, initial=initial)
        template = "flashcards/note_add.html#editor" if request.htmx else "flashcards/note_add.html"
        return render(request, template, _editor_context(request, form, note_type))

    form = NoteForm(request.POST, request.FILES, user=request.user, note_type=note_type)
    if form.is_valid():
        try:
            with transaction.atomic():
                values = _attach_uploads(request.user, form, form.field_values())
                note = add_note(
                    owner=request.user,
                    note_type=note_type,
                    deck=form.cleaned_data["deck"],
                    fields=values,
                    tags=form.tag_list(),
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session["last_note_type"] = note_type.pk
            request.session["last_deck"] = form.cleaned_data["deck"].pk
            sticky = {
                str(i): values[i] for i, spec in enumerate(note_type.fields) if spec.get("sticky")
            }
            request.session.setdefault("sticky_fields", {})[str(note_type.pk)] = sticky
            request.session.modified = True
            cards = note.cards.count()
            messages.success(
                request,
                f"Added a {note_type.name} note with {cards} card{'s' if cards != 1 else ''}. ",
            )
            query = f"?note_type={note_type.pk}&deck={form.cleaned_data['deck'].pk}"
            return redirect(reverse("flashcards:note_add") + query)
    template = "flashcards/note_add.html#editor" if request.htmx else "flashcards/note_add.html"
    return render(request, template, _editor_context(request, form, note_type), status=422)


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk)
    note_type = note.note_type
    first_card = note.cards.select_related("deck").order_by("ord").first()
    if request.method == "GET":
        initial = {
            "deck": first_card.deck if first_card else None,
            "tags": " ".join(note.tag_list),
            **{f"field_{i}": value for i, value in enumerate(note.fields)},
        }
        form = NoteForm(user=request.user, note_type=note_type, initial=initial)
        return render(
            request,
            "flashcards/note_edit.html",
            _editor_context(request, form, note_type, note=note),
        )
    form = NoteForm(request.POST, request.FILES, user=request.user, note_type=note_type)
    if form.is_valid():
        try:
            with transaction.atomic():
                values = _attach_uploads(request.user, form, form.field_values())
                update_note(
                    note=note, fields=values, tags=form.tag_list(), deck=form.cleaned_data["deck"]
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Saved the note.")
            back = request.POST.get("back")
            if back and back.startswith("/") and not back.startswith("//"):
                return redirect(back)
            return redirect("flashcards:note_edit", pk=note.pk)
    return render(
        request,
        "flashcards/note_edit.html",
        _editor_context(request, form, note_type, note=note),
        status=422,
    )


@login_required
@require_POST
def note_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    note = get_note_for_user(request.user, pk)
    delete_notes(owner=request.user, note_ids=[note.pk])
    messages.success(request, "Deleted the note and its cards.")
    return redirect("flashcards:browse")


@login_required
@require_POST
def note_preview(request: AuthedRequest) -> HttpResponse:
    """Live preview of every card the note in the editor would make."""
    note_type = _pick_note_type(request, request.POST)
    values = {
        spec["name"]: request.POST.get(f"field_{i}", "") for i, spec in enumerate(note_type.fields)
    }
    deck = Deck.objects.filter(owner=request.user, pk=request.POST.get("deck") or 0).first()
    previews = render_preview(
        note_type=note_type,
        fields=values,
        tags=(request.POST.get("tags") or "").split(),
        deck_name=deck.full_name if deck else "",
        owner_id=request.user.pk,
    )
    # An empty editor shows a hint, not Anki's "front of this card is blank" card.
    previews = [preview for preview in previews if not preview.is_empty]
    return render(
        request, "flashcards/_preview.html", {"previews": previews, "note_type": note_type}
    )


@login_required
@require_POST
def media_upload(request: AuthedRequest) -> HttpResponse:
    """The editor's paste and pick: store one file, answer with the snippet to insert."""
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": "No file was sent."}, status=400)
    try:
        validate_upload(upload)
        media = store_media(
            owner=request.user, filename=upload.name, data=upload, max_bytes=_upload_limit()
        )
    except ValidationError as exc:
        return JsonResponse({"error": exc.messages[0]}, status=400)
    return JsonResponse({"filename": media.filename, "snippet": media_snippet(media.filename)})
