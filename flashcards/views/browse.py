from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from config.types import AuthedRequest
from flashcards.access import decks_of, get_card_for_user
from flashcards.forms import BulkForm
from flashcards.models import Card
from flashcards.rendering import render_card_html
from flashcards.search import SearchError
from flashcards.selectors import search_cards
from flashcards.services.notes import change_tags, delete_notes, move_cards
from reviews.models import CardState
from reviews.services import set_suspended

PAGE_SIZE = 50
SORTS = {
    "sort": ("note__sort_value", "Sort field"),
    "-sort": ("-note__sort_value", "Sort field (Z–A)"),
    "created": ("id", "Created (oldest)"),
    "-created": ("-id", "Created (newest)"),
    "modified": ("-note__modified", "Modified (newest)"),
    "deck": ("deck__full_name", "Deck"),
    "due": ("learner_due", "Due"),
}


@login_required
@require_GET
def browse(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "-created")
    if sort not in SORTS:
        sort = "-created"
    error = None
    try:
        cards = search_cards(user=request.user, query=query)
    except SearchError as exc:
        error = str(exc)
        cards = Card.objects.none()
    states = CardState.objects.filter(learner=request.user, card=OuterRef("pk"))
    ordering = SORTS[sort][0]
    if sort == "due":
        cards = cards.annotate(learner_due=Subquery(states.values("due")[:1]))
    # Page through ids only, then load the page's 50 rows with their joins:
    # sorting whole annotated rows cost SQLite most of a second at 100,000 cards.
    paginator = Paginator(cards.order_by(ordering, "id").values_list("id", flat=True), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    rows = {
        card.pk: card
        for card in Card.objects.filter(pk__in=ids)
        .select_related("note", "note__note_type", "deck")
        .annotate(
            learner_due=Subquery(states.values("due")[:1]),
            learner_suspended=Subquery(states.values("suspended")[:1]),
        )
    }
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    base_query = urlencode({"q": query, "sort": sort})
    context = {
        "query": query,
        "sort": sort,
        "sorts": [(key, label) for key, (_, label) in SORTS.items()],
        "page": page,
        "error": error,
        "base_query": base_query,
        "decks": decks_of(request.user),
        "bulk_form": BulkForm(user=request.user),
    }
    template = "flashcards/browse.html#results" if request.htmx else "flashcards/browse.html"
    return render(request, template, context, status=422 if error else 200)


@login_required
@require_POST
def browse_bulk(request: AuthedRequest) -> HttpResponse:
    """Act on the cards ticked in the browser."""
    form = BulkForm(request.POST, user=request.user, card_ids=request.POST.getlist("card_ids"))
    back = request.POST.get("back") or ""
    if not back.startswith("/") or back.startswith("//"):
        back = "/browse/"
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect(back)
    data = form.cleaned_data
    user = request.user
    card_ids = data["card_ids"]
    note_ids = set(
        Card.objects.filter(note__owner=user, pk__in=card_ids).values_list("note_id", flat=True)
    )
    action = data["action"]
    if action == "move":
        count = move_cards(owner=user, card_ids=card_ids, deck=data["deck"])
        messages.success(request, f"Moved {count} cards to “{data['deck'].full_name}”.")
    elif action == "add_tags":
        count = change_tags(owner=user, note_ids=note_ids, add=[data["tags"]])
        messages.success(request, f"Tagged {count} notes.")
    elif action == "remove_tags":
        count = change_tags(owner=user, note_ids=note_ids, remove=[data["tags"]])
        messages.success(request, f"Removed tags from {count} notes.")
    elif action in {"suspend", "unsuspend"}:
        count = set_suspended(learner=user, card_ids=card_ids, suspended=action == "suspend")
        messages.success(request, f"{action.capitalize()}ed {count} cards.")
    elif action == "delete":
        count = delete_notes(owner=user, note_ids=note_ids)
        messages.success(request, f"Deleted {len(note_ids)} notes and their cards.")
    return redirect(back)


@login_required
@require_GET
def card_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    card = get_card_for_user(request.user, pk)
    rendered = render_card_html(card, reveal=True)
    return render(request, "flashcards/card_preview.html", {"card": card, "rendered": rendered})
