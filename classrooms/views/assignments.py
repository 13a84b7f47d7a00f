"""The decks assigned to a class: assigning one, its due date and daily target, removing it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from classrooms.forms import AssignmentForm
from classrooms.selectors import (
    assignable_decks,
    assignments_of,
    get_assignment,
    get_classroom_for_teacher,
)
from classrooms.services import assign_deck, remove_assignment, update_assignment
from classrooms.views.common import _posted
from config.types import AuthedRequest


def _assignment_form(request: AuthedRequest, classroom, data=None) -> AssignmentForm:  # noqa: ANN001
    assigned = classroom.assignments.values("deck_id")
    decks = assignable_decks(request.user).exclude(pk__in=assigned)
    return AssignmentForm(data, decks=decks)


@login_required
@require_http_methods(["GET", "POST"])
def assignments(request: AuthedRequest, pk: int) -> HttpResponse:
    classroom, membership = get_classroom_for_teacher(request.user, pk)
    form = _assignment_form(request, classroom, _posted(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                assignment = assign_deck(
                    classroom=classroom,
                    deck=form.cleaned_data["deck"],
                    teacher=request.user,
                    due_date=form.cleaned_data["due_date"],
                    daily_target=form.cleaned_data["daily_target"],
                )
            except ValidationError as error:
                form.add_error("deck", error)
            else:
                messages.success(request, f"Assigned “{assignment.deck.full_name}”.")
                return redirect("classrooms:assignments", classroom.pk)
        status = 422
    context = {
        "classroom": classroom,
        "membership": membership,
        "assignments": assignments_of(classroom),
        "form": form,
    }
    return render(request, "classrooms/assignments.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request: AuthedRequest, pk: int, assignment_id: int) -> HttpResponse:
    classroom, membership = get_classroom_for_teacher(request.user, pk)
    assignment = get_assignment(classroom, assignment_id)
    initial = {"due_date": assignment.due_date, "daily_target": assignment.daily_target}
    form = AssignmentForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        update_assignment(
            assignment=assignment,
            due_date=form.cleaned_data["due_date"],
            daily_target=form.cleaned_data["daily_target"],
        )
        messages.success(request, f"Saved “{assignment.deck.full_name}”.")
        return redirect("classrooms:assignments", classroom.pk)
    context = {
        "classroom": classroom,
        "membership": membership,
        "assignment": assignment,
        "form": form,
    }
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "classrooms/assignment_edit.html", context, status=status)


@login_required
@require_POST
def assignment_remove(request: AuthedRequest, pk: int, assignment_id: int) -> HttpResponse:
    classroom, _ = get_classroom_for_teacher(request.user, pk)
    assignment = get_assignment(classroom, assignment_id)
    name = assignment.deck.full_name
    remove_assignment(assignment=assignment)
    messages.success(request, f"“{name}” is no longer assigned. Students keep their progress.")
    return redirect("classrooms:assignments", classroom.pk)
