"""The list of the user's classes, creating a class, and joining one with a code.

Joining with a replaced, turned-off or used-up code answers 410, an unknown one 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from classrooms.forms import ClassroomForm, JoinForm
from classrooms.models import Membership
from classrooms.selectors import class_list as list_classes
from classrooms.selectors import people
from classrooms.services import InviteError, check_invite, create_classroom, join_classroom
from classrooms.views.common import _posted
from config.types import AuthedRequest

# A code that was real but can't be used any more is "gone"; an unknown one "not found".
_INVITE_STATUS = {InviteError.UNKNOWN: 404, InviteError.REVOKED: 410, InviteError.USED_UP: 410}


@login_required
@require_http_methods(["GET", "POST"])
def class_list(request: AuthedRequest) -> HttpResponse:
    form = ClassroomForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        classroom = create_classroom(teacher=request.user, name=form.cleaned_data["name"])
        messages.success(request, f"Created “{classroom.name}”. Now assign it a deck.")
        return redirect("classrooms:assignments", classroom.pk)
    entries = list_classes(request.user)
    context = {
        "teaching": [entry for entry in entries if entry.role == Membership.TEACHER],
        "studying": [entry for entry in entries if entry.role == Membership.STUDENT],
        "form": form,
        "join_form": JoinForm(),
    }
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "classrooms/class_list.html", context, status=status)


def _join_error(request: AuthedRequest, error: InviteError, form: JoinForm | None = None):  # noqa: ANN202
    context = {"error": error, "form": form or JoinForm()}
    return render(
        request, "classrooms/join.html", context, status=_INVITE_STATUS.get(error.kind, 400)
    )


def _joined(request: AuthedRequest, code: str) -> HttpResponse:
    try:
        membership = join_classroom(user=request.user, code=code)
    except InviteError as error:
        return _join_error(request, error)
    if membership.is_teacher:
        messages.info(request, f"You teach “{membership.classroom.name}”.")
    else:
        messages.success(request, f"You joined “{membership.classroom.name}”.")
    return redirect("classrooms:detail", membership.classroom_id)


@login_required
@require_http_methods(["GET", "POST"])
def join_form(request: AuthedRequest) -> HttpResponse:
    """Type a code: joining straight away, or saying why the code can't be used."""
    form = JoinForm(_posted(request))
    if request.method == "POST":
        if form.is_valid():
            return _joined(request, form.cleaned_data["code"])
        return render(request, "classrooms/join.html", {"form": form}, status=422)
    return render(request, "classrooms/join.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def join(request: AuthedRequest, code: str) -> HttpResponse:
    """The invite link: a page to confirm (GET changes nothing), then joining (POST)."""
    if request.method == "POST":
        return _joined(request, code)
    try:
        invite = check_invite(code)
    except InviteError as error:
        return _join_error(request, error)
    classroom = invite.classroom
    membership = Membership.objects.filter(classroom=classroom, user=request.user).first()
    teachers, _ = people(classroom)
    context = {
        "invite": invite,
        "classroom": classroom,
        "membership": membership,
        "teachers": teachers,
    }
    return render(request, "classrooms/join_confirm.html", context)
