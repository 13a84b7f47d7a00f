"""Studying: the next card, grading it (idempotent by review id), undoing a grade.

The same reviews.services and reviews.selectors the study page uses, so a card
graded here is graded for the web UI too.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from api.main import user_of, with_errors
from api.schemas import MAX_ID, Error, GradeIn, GradeOut, StudyNext, UndoIn, UndoOut

router = Router(tags=["study"])


class NextQuery(Schema):
    deck_id: int = Field(..., ge=1, le=MAX_ID, description="Study this deck and its subdecks.")


def _rendered(card: Any) -> dict[str, Any]:
    from ankiconnect.actions.cards import render_question_answer

    question, answer = render_question_answer(card, with_style=False)
    return {
        "id": card.pk,
        "note_id": card.note_id,
        "deck": card.deck.full_name,
        "question": question,
        "answer": answer,
        "css": card.note.note_type.css,
    }


@router.get("/study/next", response=with_errors({200: StudyNext}))
def next_card(request: HttpRequest, query: Query[NextQuery]) -> dict[str, Any]:
    """The next card due in the deck (learning, then reviews, then new, within the
    day's limits), and what is left today."""
    from reviews.models import Preset
    from reviews.selectors import get_deck_for_learner, next_in_queue, study_plan
    from reviews.services import ensure_card_states, shown_version

    user = user_of(request)
    deck = get_deck_for_learner(user, query.deck_id)
    plan = study_plan(user, deck)
    random_ids = [
        d.id for d in plan.decks if plan.preset(d.preset_id).new_card_order == Preset.ORDER_RANDOM
    ]
    ensure_card_states(learner=user, deck_ids=plan.deck_ids, random_deck_ids=random_ids)
    queue = next_in_queue(learner=user, plan=plan)
    counts = {
        "new": queue.counts.new,
        "learning": queue.counts.learning,
        "review": queue.counts.review,
    }
    if queue.card is None:
        return {"card": None, "kind": "", "counts": counts, "shown_version": ""}
    return {
        "card": _rendered(queue.card),
        "kind": queue.kind,
        "counts": counts,
        "shown_version": shown_version(queue.state, queue.card),
    }


@router.post("/study/reviews", response=with_errors({200: GradeOut, 409: Error}))
def grade(request: HttpRequest, payload: GradeIn) -> Any:
    """Grade a card. Safe to repeat: the same review_id records one review and answers
    with it again. 409 when the card was graded or edited since it was fetched."""
    from reviews.selectors import get_card_for_learner
    from reviews.services import StaleReview, record_review

    user = user_of(request)
    card = get_card_for_learner(user, payload.card_id)
    try:
        log = record_review(
            learner=user,
            card=card,
            rating=payload.rating,
            review_id=payload.review_id,
            shown_version=payload.shown_version,
            duration_ms=payload.duration_ms,
        )
    except StaleReview:
        return Status(
            409, {"detail": "The card changed since it was shown: fetch the next card again."}
        )
    return {
        "review_id": log.review_id,
        "card_id": log.card_id,
        "rating": log.rating,
        "reviewed_at": log.reviewed_at,
        "interval_days": log.interval_days,
    }


@router.post("/study/undo", response=with_errors({200: UndoOut}))
def undo(request: HttpRequest, payload: UndoIn) -> dict[str, Any]:
    """Take back a review (the latest, or the one named) and restore the card exactly."""
    from reviews.services import undo_last_review

    log = undo_last_review(learner=user_of(request), review_id=payload.review_id)
    if log is None:
        return {"undone": False, "review_id": None, "card_id": None}
    return {"undone": True, "review_id": log.review_id, "card_id": log.card_id}
