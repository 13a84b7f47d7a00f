"""Deck options: which preset a deck uses, the preset's settings, Optimize and Help me decide."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.types import AuthedRequest
from flashcards.models import Deck
from reviews.charts import workload_svg
from reviews.forms import DeckPresetForm, NewPresetForm, PresetForm
from reviews.models import OptimizerRun, Preset
from reviews.optimizer import MIN_REVIEWS
from reviews.selectors import get_deck_for_learner, preset_for_deck, review_history_size
from reviews.services import (
    assign_preset,
    create_preset,
    decks_using,
    delete_preset,
    ensure_default_preset,
    update_preset,
)
from reviews.tasks import start_run
from reviews.views.study import forget_plan

TEMPLATE = "reviews/deck_options.html"


def run_context(run: OptimizerRun | None) -> dict[str, Any]:
    """What the #run fragment shows: progress while it runs, the result when done."""
    if run is not None:
        run.fail_if_abandoned()
    context: dict[str, Any] = {"run": run, "chart": ""}
    if run is not None and run.kind == OptimizerRun.SIMULATE and run.result:
        context["chart"] = workload_svg(
            run.result.get("points", []), current=run.preset.desired_retention
        )
    return context


def _context(request: AuthedRequest, deck: Deck, preset: Preset, **extra: Any) -> dict[str, Any]:
    presets = Preset.objects.filter(owner=request.user)
    deck_ids = decks_using(learner=request.user, preset=preset)
    latest = {
        kind: OptimizerRun.objects.filter(owner=request.user, preset=preset, kind=kind)
        .select_related("preset")
        .first()
        for kind in (OptimizerRun.OPTIMIZE, OptimizerRun.SIMULATE)
    }
    context = {
        "deck": deck,
        "preset": preset,
        "presets": presets,
        "deck_count": len(deck_ids),
        "choose_form": DeckPresetForm(initial={"preset": preset}, presets=presets),
        "form": PresetForm(instance=preset),
        "new_form": NewPresetForm(),
        "optimize": run_context(latest[OptimizerRun.OPTIMIZE]),
        "simulate": run_context(latest[OptimizerRun.SIMULATE]),
        "history": review_history_size(learner=request.user, deck_ids=deck_ids),
        "min_reviews": MIN_REVIEWS,
    }
    context.update(extra)
    return context


def _done(request: AuthedRequest, deck: Deck, message: str) -> HttpResponse:
    forget_plan(request)
    messages.success(request, message)
    return redirect("reviews:deck_options", deck_id=deck.pk)


@login_required
@require_http_methods(["GET", "POST"])
def deck_options(request: AuthedRequest, deck_id: int) -> HttpResponse:
    """Show and change the preset `deck` uses (for the signed-in learner).

    One form per action (choose another preset, save this one, make a new one,
    delete, use optimized parameters), told apart by the `action` field.
    """
    deck = get_deck_for_learner(request.user, deck_id)
    ensure_default_preset(learner=request.user)
    preset = preset_for_deck(request.user, deck)
    if request.method == "GET":
        return render(request, TEMPLATE, _context(request, deck, preset))

    action = request.POST.get("action", "save")
    presets = Preset.objects.filter(owner=request.user)
    if action == "choose":
        choose_form = DeckPresetForm(request.POST, presets=presets)
        if choose_form.is_valid():
            chosen = choose_form.cleaned_data["preset"]
            assign_preset(learner=request.user, deck=deck, preset=chosen)
            return _done(request, deck, f"“{deck.full_name}” now uses “{chosen.name}”.")
        context = _context(request, deck, preset, choose_form=choose_form)
        return render(request, TEMPLATE, context, status=422)
    if action == "create":
        new_form = NewPresetForm(request.POST)
        if new_form.is_valid():
            created = create_preset(
                learner=request.user, name=new_form.cleaned_data["name"], based_on=preset
            )
            assign_preset(learner=request.user, deck=deck, preset=created)
            return _done(request, deck, f"Created “{created.name}” for this deck.")
        context = _context(request, deck, preset, new_form=new_form)
        return render(request, TEMPLATE, context, status=422)
    if action == "delete":
        try:
            delete_preset(preset=preset)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("reviews:deck_options", deck_id=deck.pk)
        return _done(request, deck, f"Deleted “{preset.name}”; its decks use the default now.")
    if action == "apply":
        run = get_object_or_404(
            OptimizerRun,
            pk=request.POST.get("run") or 0,
            owner=request.user,
            preset=preset,
            kind=OptimizerRun.OPTIMIZE,
            status=OptimizerRun.DONE,
        )
        if not (run.result or {}).get("enough"):
            raise Http404("That run has no parameters.")
        update_preset(preset=preset, fsrs_parameters=run.result["parameters"])
        return _done(request, deck, f"“{preset.name}” uses the optimized parameters now.")

    form = PresetForm(request.POST, instance=Preset.objects.get(pk=preset.pk))
    if form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            update_preset(preset=Preset.objects.get(pk=preset.pk), **values)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(request, deck, f"Saved “{values['name']}”.")
    return render(request, TEMPLATE, _context(request, deck, preset, form=form), status=422)


@login_required
@require_POST
def start_optimizer(request: AuthedRequest, deck_id: int, kind: str) -> HttpResponse:
    """Start "Optimize" or "Help me decide" for the deck's preset, in the background."""
    deck = get_deck_for_learner(request.user, deck_id)
    ensure_default_preset(learner=request.user)
    preset = preset_for_deck(request.user, deck)
    run = start_run(learner=request.user, preset=preset, kind=kind)
    if request.htmx:
        return render(request, f"{TEMPLATE}#run", {**run_context(run), "deck": deck})
    return redirect("reviews:deck_options", deck_id=deck.pk)


@login_required
@require_GET
def run_status(request: AuthedRequest, run_id: int) -> HttpResponse:
    """One background run's progress (polled by htmx while it runs) or its result."""
    run = get_object_or_404(
        OptimizerRun.objects.select_related("preset"), pk=run_id, owner=request.user
    )
    deck = Deck.objects.filter(pk=request.GET.get("deck") or 0, owner=request.user).first()
    return render(request, f"{TEMPLATE}#run", {**run_context(run), "deck": deck})
