"""A member copying a deck assigned to the class into their own collection."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from classrooms.forms import CopyForm
from classrooms.selectors import get_classroom_for_member, shared_deck_for_member
from classrooms.services import copy_deck_to_collection
from classrooms.views.common import _posted
from config.types import AuthedRequest


@login_required
@require_http_methods(["GET", "POST"])
def deck_copy(request: AuthedRequest, pk: int, deck_id: int) -> HttpResponse:
    classroom, membership = get_classroom_for_member(request.user, pk)
    deck = shared_deck_for_member(classroom, deck_id)
    form = CopyForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        report = copy_deck_to_collection(
            user=request.user, deck=deck, with_progress=form.cleaned_data["with_progress"]
        )
        text = f"Copied {report.notes} notes ({report.cards} cards) into “{report.deck.full_name}”."
        if report.skipped_notes:
            text += (
                f" {report.skipped_notes} notes were already in your collection"
                " and were left as they are."
            )
        messages.success(request, text)
        if report.media_conflicts:
            messages.warning(
                request,
                f"{len(report.media_conflicts)} media files have the same name as different files"
                " of yours; your own were kept.",
            )
        return redirect("flashcards:deck_detail", report.deck.pk)
    context = {"classroom": classroom, "membership": membership, "deck": deck, "form": form}
    return render(request, "classrooms/copy.html", context)
