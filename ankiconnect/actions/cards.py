"""Card actions: finding, describing, suspending.

Scheduling is per learner in Deckhand (reviews.CardState); these actions read
and change the requesting user's own scheduling of their cards.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import User
from ankiconnect.actions import ActionError, action
from ankiconnect.lookups import (
    a_str,
    an_int,
    cards_by_id,
    epoch_seconds,
    int_list,
    note_fields_info,
)
from exports.progress import CardProgress, ProgressClock, anki_card_row
from flashcards.models import Card
from flashcards.selectors import search_cards
from flashcards.templating import render_card
from reviews.models import CardState


@action("findCards")
def find_cards(user: User, query: Any = None) -> list[int]:
    if query is None:
        return []
    cards = search_cards(user=user, query=a_str(query, "query"))
    return list(cards.order_by("pk").values_list("pk", flat=True))


@action("cardsToNotes")
def cards_to_notes(user: User, cards: Any) -> list[int]:
    ids = int_list(cards, "cards")
    notes = Card.objects.filter(note__owner=user, pk__in=ids).values_list("note_id", flat=True)
    return sorted(set(notes))


def _states(user: User, card_ids: list[int]) -> dict[int, CardState]:
    return {
        state.card_id: state
        for state in CardState.objects.filter(learner=user, card_id__in=card_ids)
    }


def render_question_answer(card: Card, *, with_style: bool = True) -> tuple[str, str]:
    """The card's question and answer HTML as Anki's card.question()/answer() give them
    (with the note type's CSS in a <style> first), not sanitized: the caller's own card."""
    note_type = card.note.note_type
    templates = note_type.templates
    template = templates[0 if note_type.is_cloze else min(card.ord, len(templates) - 1)]
    rendered = render_card(
        qfmt=template.get("qfmt", ""),
        afmt=template.get("afmt", ""),
        fields=card.note.field_map(),
        card_ord=card.ord,
        is_cloze=note_type.is_cloze,
        tags=card.note.tag_list,
        deck_name=card.deck.full_name,
        card_name=template.get("name", ""),
        note_type_name=note_type.name,
        card_id=card.pk,
    )
    style = f"<style>{note_type.css}</style>" if with_style else ""
    return style + rendered.question, style + rendered.answer


def _schedule(user: User, card: Card, state: CardState | None) -> dict[str, int]:
    """Anki's scheduling columns for this user's state of the card (exports.progress)."""
    if state is None or state.state == CardState.NEW:
        queue = 0
        if state is not None and state.suspended:
            queue = -1
        elif state is not None and state.buried_until and state.buried_until > user.study_day():
            queue = -3
        return {
            "type": 0, "queue": queue, "due": card.pk, "interval": 0, "factor": 0,
            "reps": state.reps if state else 0, "lapses": state.lapses if state else 0,
            "left": 0, "flags": state.flag if state else 0,
        }  # fmt: skip
    now = timezone.now()
    clock = ProgressClock(zone=user.zone, day_start_hour=user.day_starts_at_hour, now=now)
    progress = CardProgress(
        card_id=card.pk,
        state=state.state,
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
        reps=state.reps,
        lapses=state.lapses,
        suspended=state.suspended,
        buried=bool(state.buried_until and state.buried_until > user.study_day()),
        flag=state.flag,
    )
    # Due days are counted from the day the account was made, Anki's collection creation.
    ctype, queue, due, ivl, factor, reps, lapses, left, flags, _data = anki_card_row(
        progress, clock, user.study_day(user.date_joined)
    )
    return {
        "type": ctype, "queue": queue, "due": due, "interval": ivl, "factor": factor,
        "reps": reps, "lapses": lapses, "left": left, "flags": flags,
    }  # fmt: skip


@action("cardsInfo")
def cards_info(user: User, cards: Any) -> list[dict[str, Any]]:
    """One entry per requested id, in order; {} for an id that is not the user's card."""
    ids = int_list(cards, "cards")
    found = cards_by_id(user, ids)
    states = _states(user, list(found))
    result: list[dict[str, Any]] = []
    for card_id in ids:
        card = found.get(card_id)
        if card is None:
            result.append({})
            continue
        question, answer = render_question_answer(card)
        schedule = _schedule(user, card, states.get(card_id))
        result.append(
            {
                "cardId": card.pk,
                "fields": note_fields_info(card.note),
                "fieldOrder": card.ord,
                "question": question,
                "answer": answer,
                "modelName": card.note.note_type.name,
                "ord": card.ord,
                "deckName": card.deck.full_name,
                "css": card.note.note_type.css,
                "factor": schedule["factor"],
                "interval": schedule["interval"],
                "note": card.note_id,
                "type": schedule["type"],
                "queue": schedule["queue"],
                "due": schedule["due"],
                "reps": schedule["reps"],
                "lapses": schedule["lapses"],
                "left": schedule["left"],
                "mod": epoch_seconds(card.modified),
                "flags": schedule["flags"],
            }
        )
    return result


@action("cardsModTime")
def cards_mod_time(user: User, cards: Any) -> list[dict[str, Any]]:
    ids = int_list(cards, "cards")
    found = cards_by_id(user, ids)
    return [
        {"cardId": cid, "mod": epoch_seconds(found[cid].modified)} if cid in found else {}
        for cid in ids
    ]


def _own_card_ids(user: User, ids: list[int]) -> set[int]:
    own = set(Card.objects.filter(note__owner=user, pk__in=ids).values_list("pk", flat=True))
    for card_id in ids:
        if card_id not in own:
            raise ActionError(f"Card was not found: {card_id}")
    return own


def _suspended_ids(user: User, ids: list[int] | set[int]) -> set[int]:
    return set(
        CardState.objects.filter(learner=user, card_id__in=list(ids), suspended=True).values_list(
            "card_id", flat=True
        )
    )


def _set_suspended(user: User, card_ids: list[int], suspended: bool) -> bool:
    from reviews.services import set_suspended

    own = _own_card_ids(user, card_ids)
    already = _suspended_ids(user, own)
    to_change = own - already if suspended else already
    if not to_change:
        return False
    set_suspended(learner=user, card_ids=sorted(to_change), suspended=suspended)
    return True


@action("suspend")
def suspend(user: User, cards: Any) -> bool:
    """True if at least one card was not suspended before."""
    return _set_suspended(user, int_list(cards, "cards"), True)


@action("unsuspend")
def unsuspend(user: User, cards: Any) -> bool:
    """True if at least one card was suspended before."""
    return _set_suspended(user, int_list(cards, "cards"), False)


@action("suspended")
def suspended(user: User, card: Any) -> bool:
    card_id = an_int(card, "card")
    _own_card_ids(user, [card_id])
    return card_id in _suspended_ids(user, [card_id])


@action("areSuspended")
def are_suspended(user: User, cards: Any) -> list[bool | None]:
    ids = int_list(cards, "cards")
    own = set(Card.objects.filter(note__owner=user, pk__in=ids).values_list("pk", flat=True))
    held = _suspended_ids(user, own)
    return [(card_id in held) if card_id in own else None for card_id in ids]


@action("areDue")
def are_due(user: User, cards: Any) -> list[bool | None]:
    """New cards are due; (re)learning cards once their time has come (as AnkiConnect,
    which waits out learning steps over 20 minutes); review cards on their day."""
    ids = int_list(cards, "cards")
    own = set(Card.objects.filter(note__owner=user, pk__in=ids).values_list("pk", flat=True))
    states = _states(user, list(own))
    now = timezone.now()
    day_ends = user.next_day_starts()
    result: list[bool | None] = []
    for card_id in ids:
        if card_id not in own:
            result.append(None)
            continue
        state = states.get(card_id)
        if state is None or state.state == CardState.NEW or state.due is None:
            result.append(True)
        elif state.state in (CardState.LEARNING, CardState.RELEARNING):
            result.append(state.due <= now)
        else:
            result.append(state.due < day_ends)
    return result


@action("getIntervals")
def get_intervals(user: User, cards: Any, complete: Any = False) -> list[Any]:
    """The latest interval in days of each card (0 for new), from this user's reviews."""
    from reviews.models import ReviewLog

    ids = int_list(cards, "cards")
    own = set(Card.objects.filter(note__owner=user, pk__in=ids).values_list("pk", flat=True))
    history: dict[int, list[int]] = {}
    for card_id, interval in (
        ReviewLog.objects.filter(learner=user, card_id__in=list(own))
        .order_by("reviewed_at")
        .values_list("card_id", "interval_days")
    ):
        history.setdefault(card_id, []).append(interval)
    if complete:
        return [history.get(card_id, []) for card_id in ids]
    return [history.get(card_id, [0])[-1] for card_id in ids]
