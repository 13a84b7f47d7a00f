from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from classrooms.selectors import class_deck_rows
from config.types import AuthedRequest
from flashcards.access import decks_of, get_deck_for_user
from flashcards.forms import DeckForm
from flashcards.models import Card
from flashcards.services.decks import (
    create_deck,
    default_deck,
    delete_deck,
    deletion_summary,
    descendant_ids,
    rename_deck,
)
from flashcards.services.notetypes import ensure_stock_note_types
from reviews.selectors import deck_counts


def _deck_rows(request: AuthedRequest) -> list[dict]:
    decks = list(decks_of(request.user))
    counts = deck_counts(learner=request.user, decks=decks)
    return [{"deck": deck, "counts": counts.get(deck.pk)} for deck in decks]


@login_required
@require_http_methods(["GET", "POST"])
def deck_list(request: AuthedRequest) -> HttpResponse:
    ensure_stock_note_types(owner=request.user)
    if not decks_of(request.user).exists():
        default_deck(owner=request.user)
    form = DeckForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                deck = create_deck(
                    owner=request.user,
                    full_name=form.cleaned_data["full_name"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as exc:
                form.add_error("full_name", exc)
            else:
                messages.success(request, f"Created “{deck.full_name}”.")
                return redirect("flashcards:deck_list")
        status = 422
    context = {
        "rows": _deck_rows(request),
        "class_rows": class_deck_rows(request.user),
        "form": form,
    }
    return render(request, "flashcards/deck_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def deck_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    deck = get_deck_for_user(request.user, pk)
    form = DeckForm(
        request.POST or None,
        initial={"full_name": deck.full_name, "description": deck.description},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rename_deck(
                    deck=deck,
                    full_name=form.cleaned_data["full_name"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as exc:
                form.add_error("full_name", exc)
            else:
                messages.success(request, f"Saved “{deck.full_name}”.")
                return redirect("flashcards:deck_detail", pk=deck.pk)
        status = 422
    counts = deck_counts(learner=request.user, decks=[deck]).get(deck.pk)
    children = decks_of(request.user).filter(full_name__startswith=deck.full_name + "::")
    context = {
        "deck": deck,
        "form": form,
        "counts": counts,
        "children": children,
        "card_total": Card.objects.filter(deck_id__in=descendant_ids(deck)).count(),
    }
    return render(request, "flashcards/deck_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def deck_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    deck = get_deck_for_user(request.user, pk)
    if request.method == "POST":
        name = deck.full_name
        summary = delete_deck(deck=deck)
        messages.success(
            request, f"Deleted “{name}” with {summary.cards} cards and {summary.subdecks} subdecks."
        )
        return redirect("flashcards:deck_list")
    return render(
        request,
        "flashcards/deck_delete.html",
        {"deck": deck, "summary": deletion_summary(deck)},
    )
