"""The study screen: one card at a time, graded by button or key.

Every action is a plain form (POST, or GET for "show answer"), so studying works
without JavaScript; with htmx the response is the #study fragment and replaces it
in place. The session's StudyPlan (its decks and presets) is kept in the Django
session between grades, so a grade reads only the card and the next card.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.types import AuthedRequest
from flashcards.models import Card, Deck
from flashcards.rendering import render_card_html
from reviews.forms import AnswerForm, CustomStudyForm, FlagForm, GradeForm, UndoForm
from reviews.models import CardState
from reviews.selectors import (
    PREVIEW_AHEAD,
    Queue,
    StudyPlan,
    answer_buttons,
    get_deck_for_learner,
    get_study_card,
    last_review_today,
    learner_can_study_deck,
    next_in_queue,
    preset_for_deck,
    preview_states,
    study_plan,
    today_summary,
)
from reviews.services import (
    StaleReview,
    bury_card,
    record_review,
    set_flag,
    shown_version,
    start_session,
    suspend_card,
    undo_last_review,
)

PLAN_SESSION_KEY = "reviews.plan"
# A plan kept longer than this is read again, so option changes made on another
# device reach an open study session within this time.
PLAN_MAX_AGE = timedelta(minutes=10)
TEMPLATE = "reviews/study.html"


# --- The plan kept in the session ----------------------------------------------------


def _start(request: AuthedRequest, deck: Deck) -> StudyPlan:
    """A new session on `deck`: its cards get state rows, and its plan is kept."""
    plan = start_session(learner=request.user, deck=deck)
    request.session[PLAN_SESSION_KEY] = plan.to_json()
    return plan


def _refresh(request: AuthedRequest, deck: Deck) -> StudyPlan:
    """Read the plan again (options may have changed) without looking for new cards."""
    plan = study_plan(request.user, deck)
    request.session[PLAN_SESSION_KEY] = plan.to_json()
    return plan


def _plan(request: AuthedRequest, deck: Deck) -> StudyPlan:
    data = request.session.get(PLAN_SESSION_KEY)
    if data and data.get("root_id") == deck.pk:
        plan = StudyPlan.from_json(data)
        built = datetime.fromisoformat(plan.built_at) if plan.built_at else None
        if built and timezone.now() - built < PLAN_MAX_AGE:
            return plan
    return _refresh(request, deck)


def _deck_and_plan(request: AuthedRequest, deck_id: int) -> tuple[Deck, StudyPlan]:
    """The opened deck and its plan; from the session when it holds a fresh plan for it.

    Access is still checked on every request, on the deck the plan remembers.
    """
    data = request.session.get(PLAN_SESSION_KEY)
    if data and data.get("root_id") == deck_id and data.get("root_owner_id"):
        plan = StudyPlan.from_json(data)
        built = datetime.fromisoformat(plan.built_at) if plan.built_at else None
        if built and timezone.now() - built < PLAN_MAX_AGE:
            deck = plan.root_deck()
            if not learner_can_study_deck(request.user, deck):
                raise Http404("No such deck.")
            return deck, plan
    deck = get_deck_for_learner(request.user, deck_id)
    return deck, _refresh(request, deck)


def forget_plan(request: AuthedRequest) -> None:
    """Drop the kept plan (after deck options change) so the next grade reads it again."""
    request.session.pop(PLAN_SESSION_KEY, None)


# --- Rendering ----------------------------------------------------------------------

# Ids no deck or card has, reversed once and then swapped for the real ones.
_DECK_SLOT, _CARD_SLOT = "2000000001", "2000000002"
_CARD_ACTIONS = ("answer", "grade", "suspend", "bury", "flag")
_DECK_ACTIONS = ("study", "undo", "custom_study", "deck_options")


@functools.cache
def _url_patterns(script_prefix: str) -> dict[str, str]:
    """The study screen's links with {deck} and {card} slots, reversed once per prefix.

    Fifteen {% url %} tags cost a third of rendering the card fragment on every grade.
    """
    card_args, deck_args = [_DECK_SLOT, _CARD_SLOT], [_DECK_SLOT]
    reversed_ = {
        **{name: reverse(f"reviews:{name}", args=card_args) for name in _CARD_ACTIONS},
        **{name: reverse(f"reviews:{name}", args=deck_args) for name in _DECK_ACTIONS},
    }
    patterns = {
        name: url.replace(_DECK_SLOT, "{deck}").replace(_CARD_SLOT, "{card}")
        for name, url in reversed_.items()
    }
    patterns["deck_list"] = reverse("flashcards:deck_list")
    return patterns


def study_urls(deck_id: int, card_id: int | None) -> dict[str, str]:
    """The links and form actions of the study screen for this deck and card."""
    patterns = _url_patterns(get_script_prefix())
    return {name: url.format(deck=deck_id, card=card_id or 0) for name, url in patterns.items()}


def _now_ms() -> int:
    return int(timezone.now().timestamp() * 1000)


def _duration_ms(shown_at: int | None) -> int:
    return max(0, _now_ms() - shown_at) if shown_at else 0


def _render(
    request: AuthedRequest,
    *,
    deck: Deck,
    plan: StudyPlan,
    queue: Queue,
    card: Card | None = None,
    state: CardState | None = None,
    side: str = "question",
    typed_answer: str | None = None,
    notice: str = "",
    last_review_id: uuid.UUID | None = None,
    status: int = 200,
    form: GradeForm | None = None,
    shown_at: int | None = None,
) -> HttpResponse:
    """The study screen: `card` (default: the queue's next card) on the given side."""
    if card is None and queue.state is not None:
        card, state = queue.card, queue.state
    context: dict[str, Any] = {
        "deck": deck,
        "urls": study_urls(deck.pk, card.pk if card is not None else None),
        "counts": queue.counts,
        "queue_kind": queue.kind if card is not None and queue.card == card else "",
        "waiting_until": queue.waiting_until,
        "card": card,
        "side": side,
        "notice": notice,
        "notice_is_warning": status == 409,
        "last_review_id": last_review_id,
        "form": form,
    }
    if card is not None:
        flag = state.flag if state else 0
        face = render_card_html(card, typed_answer=typed_answer, flag=flag)
        context["face"] = face
        context["flag"] = flag
        context["has_audio"] = bool(
            face.question_sounds or face.answer_sounds or "tts-play" in face.answer
        )
        # When the question was first shown: the grade's duration counts from there.
        context["shown_at"] = shown_at or _now_ms()
        context["typed_answer"] = typed_answer or ""
        if side == "answer":
            preset = plan.preset_for_deck_id(card.deck_id) or preset_for_deck(
                request.user, card.deck
            )
            context["buttons"] = answer_buttons(
                learner=request.user, card=card, state=state, preset=preset
            )
            context["review_id"] = uuid.uuid4()
            context["shown_version"] = shown_version(state, card)
    elif queue.waiting_until is None:
        context["summary"] = today_summary(learner=request.user, deck_ids=plan.deck_ids)
    template = f"{TEMPLATE}#study" if request.htmx else TEMPLATE
    return render(request, template, context, status=status)


def _last_review_id(request: AuthedRequest, plan: StudyPlan) -> uuid.UUID | None:
    last = last_review_today(learner=request.user, deck_ids=plan.deck_ids)
    return last.review_id if last else None


# --- Views ------------------------------------------------------------------------------


@login_required
@require_GET
def study(request: AuthedRequest, deck_id: int) -> HttpResponse:
    """Open a deck to study: its next card, question side."""
    deck = get_deck_for_learner(request.user, deck_id)
    plan = _start(request, deck)
    queue = next_in_queue(learner=request.user, plan=plan)
    return _render(
        request, deck=deck, plan=plan, queue=queue, last_review_id=_last_review_id(request, plan)
    )


@login_required
@require_GET
def answer(request: AuthedRequest, deck_id: int, card_id: int) -> HttpResponse:
    """The back of a card, with the typed answer compared and the four grade buttons."""
    deck, plan = _deck_and_plan(request, deck_id)
    card, state = get_study_card(request.user, card_id)
    form = AnswerForm(request.GET)
    valid = form.is_valid()
    typed = form.cleaned_data["typed_answer"] if valid else ""
    shown_at = form.cleaned_data["shown_at"] if valid else None
    queue = next_in_queue(learner=request.user, plan=plan)
    return _render(
        request,
        deck=deck,
        plan=plan,
        queue=queue,
        card=card,
        state=state,
        side="answer",
        typed_answer=typed,
        last_review_id=_uuid(request.GET.get("undo")),
        shown_at=shown_at,
    )


@login_required
@require_POST
def grade(request: AuthedRequest, deck_id: int, card_id: int) -> HttpResponse:
    """Record a grade and show the next card. Safe to repeat; 409 for a stale page."""
    deck, plan = _deck_and_plan(request, deck_id)
    card, state = get_study_card(request.user, card_id)
    form = GradeForm(request.POST)
    if not form.is_valid():
        queue = next_in_queue(learner=request.user, plan=plan)
        return _render(
            request,
            deck=deck,
            plan=plan,
            queue=queue,
            card=card,
            state=state,
            side="answer",
            status=422,
            form=form,
        )
    data = form.cleaned_data
    try:
        log = record_review(
            learner=request.user,
            card=card,
            rating=data["rating"],
            review_id=data["review_id"],
            shown_version=data["shown_version"],
            duration_ms=_duration_ms(data["shown_at"]),
            preset=plan.preset_for_deck_id(card.deck_id),
            state=state,
        )
    except StaleReview:
        queue = next_in_queue(learner=request.user, plan=plan)
        return _render(
            request,
            deck=deck,
            plan=plan,
            queue=queue,
            notice="That card changed since it was shown (graded in another tab, or edited), "
            "so the grade was not recorded. Here is the card as it is now.",
            last_review_id=_last_review_id(request, plan),
            status=409,
        )
    queue = next_in_queue(learner=request.user, plan=plan)
    return _render(request, deck=deck, plan=plan, queue=queue, last_review_id=log.review_id)


@login_required
@require_POST
def undo(request: AuthedRequest, deck_id: int) -> HttpResponse:
    """Take back the last grade and show that card again."""
    deck = get_deck_for_learner(request.user, deck_id)
    form = UndoForm(request.POST)
    review_id = form.cleaned_data["review_id"] if form.is_valid() else None
    undone = undo_last_review(learner=request.user, review_id=review_id) if review_id else None
    plan = _plan(request, deck)
    queue = next_in_queue(learner=request.user, plan=plan)
    if undone is None:
        return _render(
            request,
            deck=deck,
            plan=plan,
            queue=queue,
            notice="Nothing to undo.",
            last_review_id=_last_review_id(request, plan),
        )
    card, state = get_study_card(request.user, undone.card_id)
    return _render(
        request,
        deck=deck,
        plan=plan,
        queue=queue,
        card=card,
        state=state,
        notice="Undone.",
        last_review_id=_last_review_id(request, plan),
    )


def _after_card_action(request: AuthedRequest, deck: Deck, notice: str) -> HttpResponse:
    plan = _plan(request, deck)
    queue = next_in_queue(learner=request.user, plan=plan)
    return _render(
        request,
        deck=deck,
        plan=plan,
        queue=queue,
        notice=notice,
        last_review_id=_uuid(request.POST.get("undo")),
    )


@login_required
@require_POST
def suspend(request: AuthedRequest, deck_id: int, card_id: int) -> HttpResponse:
    deck = get_deck_for_learner(request.user, deck_id)
    card, _ = get_study_card(request.user, card_id)
    suspend_card(learner=request.user, card=card)
    return _after_card_action(request, deck, "Card suspended.")


@login_required
@require_POST
def bury(request: AuthedRequest, deck_id: int, card_id: int) -> HttpResponse:
    deck = get_deck_for_learner(request.user, deck_id)
    card, _ = get_study_card(request.user, card_id)
    bury_card(learner=request.user, card=card)
    return _after_card_action(request, deck, "Card buried until tomorrow.")


@login_required
@require_POST
def flag(request: AuthedRequest, deck_id: int, card_id: int) -> HttpResponse:
    """Set or clear the card's flag; with htmx only the flag button is redrawn."""
    deck = get_deck_for_learner(request.user, deck_id)
    card, _ = get_study_card(request.user, card_id)
    form = FlagForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Flags are numbered 0 to 7.", status=422)
    state = set_flag(learner=request.user, card=card, flag=form.cleaned_data["flag"])
    if request.htmx:
        urls = study_urls(deck.pk, card.pk)
        context = {"deck": deck, "card": card, "flag": state.flag, "urls": urls}
        return render(request, f"{TEMPLATE}#flag", context)
    return redirect("reviews:study", deck_id=deck.pk)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


# --- Custom study: previews that change nothing ----------------------------------------


@login_required
@require_GET
def custom_study(request: AuthedRequest, deck_id: int) -> HttpResponse:
    deck = get_deck_for_learner(request.user, deck_id)
    return render(request, "reviews/custom_study.html", {"deck": deck, "form": CustomStudyForm()})


@login_required
@require_http_methods(["GET"])
def preview(request: AuthedRequest, deck_id: int) -> HttpResponse:
    """Custom study in preview mode: cards are shown and answered, nothing is rescheduled.

    The position in the preview is the `after` card id in the URL, so it needs no state.
    """
    deck = get_deck_for_learner(request.user, deck_id)
    form = CustomStudyForm(request.GET)
    if not form.is_valid():
        return render(
            request, "reviews/custom_study.html", {"deck": deck, "form": form}, status=422
        )
    plan = _plan(request, deck)
    mode, days = form.cleaned_data["mode"], form.cleaned_data["days"]
    after = _int(request.GET.get("after"))
    states = preview_states(
        learner=request.user, deck_ids=plan.deck_ids, mode=mode, days=days
    ).filter(card_id__gt=after)
    remaining = list(states[:2])
    current = remaining[0] if remaining else None
    side = "answer" if request.GET.get("side") == "answer" else "question"
    query = f"mode={mode}&days={days}"
    context: dict[str, Any] = {
        "deck": deck,
        "mode": mode,
        "mode_label": "Study ahead" if mode == PREVIEW_AHEAD else "Today's forgotten cards",
        "days": days,
        "state": current,
        "card": current.card if current else None,
        "side": side,
        "more": len(remaining) > 1,
        "after": after,
    }
    if current is not None:
        typed = request.GET.get("typed_answer", "")[:5000]
        context["face"] = render_card_html(current.card, typed_answer=typed, flag=current.flag)
        base = reverse("reviews:preview", args=[deck.pk])
        context["answer_url"] = f"{base}?{query}&after={after}&side=answer"
        context["next_url"] = f"{base}?{query}&after={current.card_id}"
    template = "reviews/preview.html#preview" if request.htmx else "reviews/preview.html"
    return render(request, template, context)


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0
