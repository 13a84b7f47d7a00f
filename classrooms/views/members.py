"""The class's settings page: its name, invites and people (adding and removing
teachers, removing students), a member leaving, and deleting the class."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from classrooms.forms import ClassroomForm, InviteForm, TeacherForm
from classrooms.selectors import (
    current_invite,
    get_classroom_for_member,
    get_classroom_for_teacher,
    get_student,
    get_teacher,
    people,
)
from classrooms.services import (
    add_teacher,
    delete_classroom,
    leave_classroom,
    remove_student,
    remove_teacher,
    rename_classroom,
    rotate_invite,
    turn_off_invites,
)
from classrooms.views.common import _invite_url, _posted
from config.types import AuthedRequest


def _settings_context(request: AuthedRequest, classroom, membership, **forms: Any) -> dict:  # noqa: ANN001
    teachers, students = people(classroom)
    invite = current_invite(classroom)
    return {
        "classroom": classroom,
        "membership": membership,
        "teachers": teachers,
        "students": students,
        "invite": invite,
        "invite_url": _invite_url(request, invite.code) if invite else "",
        "form": forms.get("form") or ClassroomForm(initial={"name": classroom.name}),
        "invite_form": forms.get("invite_form") or InviteForm(),
        "teacher_form": forms.get("teacher_form") or TeacherForm(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def class_settings(request: AuthedRequest, pk: int) -> HttpResponse:
    classroom, membership = get_classroom_for_teacher(request.user, pk)
    form = ClassroomForm(_posted(request), initial={"name": classroom.name})
    if request.method == "POST":
        if form.is_valid():
            rename_classroom(classroom=classroom, name=form.cleaned_data["name"])
            messages.success(request, "Saved the class name.")
            return redirect("classrooms:settings", classroom.pk)
        context = _settings_context(request, classroom, membership, form=form)
        return render(request, "classrooms/settings.html", context, status=422)
    return render(
        request, "classrooms/settings.html", _settings_context(request, classroom, membership)
    )


@login_required
@require_POST
def invite_rotate(request: AuthedRequest, pk: int) -> HttpResponse:
    classroom, membership = get_classroom_for_teacher(request.user, pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        context = _settings_context(request, classroom, membership, invite_form=form)
        return render(request, "classrooms/settings.html", context, status=422)
    invite = rotate_invite(classroom=classroom, max_uses=form.cleaned_data["max_uses"])
    messages.success(request, f"New invite code: {invite.code}. The old one no longer works.")
    return redirect("classrooms:settings", classroom.pk)


@login_required
@require_POST
def invite_off(request: AuthedRequest, pk: int) -> HttpResponse:
    classroom, _ = get_classroom_for_teacher(request.user, pk)
    turn_off_invites(classroom=classroom)
    messages.success(request, "Invites are off: nobody new can join until you make a new code.")
    return redirect("classrooms:settings", classroom.pk)


@login_required
@require_POST
def teacher_add(request: AuthedRequest, pk: int) -> HttpResponse:
    classroom, membership = get_classroom_for_teacher(request.user, pk)
    form = TeacherForm(request.POST)
    if not form.is_valid():
        context = _settings_context(request, classroom, membership, teacher_form=form)
        return render(request, "classrooms/settings.html", context, status=422)
    user = form.cleaned_data["username"]
    add_teacher(classroom=classroom, user=user)
    messages.success(request, f"{user.username} now teaches this class.")
    return redirect("classrooms:settings", classroom.pk)


@login_required
@require_POST
def teacher_remove(request: AuthedRequest, pk: int, user_id: int) -> HttpResponse:
    classroom, _ = get_classroom_for_teacher(request.user, pk)
    teacher = get_teacher(classroom, user_id)
    try:
        remove_teacher(classroom=classroom, teacher=teacher.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{teacher.user.username} no longer teaches this class.")
    if teacher.user_id == request.user.pk:
        return redirect("classrooms:list")
    return redirect("classrooms:settings", classroom.pk)


@login_required
@require_POST
def student_remove(request: AuthedRequest, pk: int, user_id: int) -> HttpResponse:
    classroom, _ = get_classroom_for_teacher(request.user, pk)
    student = get_student(classroom, user_id)
    remove_student(classroom=classroom, student=student.user)
    messages.success(request, f"Removed {student.user.username} from the class.")
    return redirect("classrooms:settings", classroom.pk)


@login_required
@require_POST
def leave(request: AuthedRequest, pk: int) -> HttpResponse:
    classroom, _ = get_classroom_for_member(request.user, pk)
    try:
        leave_classroom(classroom=classroom, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("classrooms:detail", classroom.pk)
    messages.success(request, f"You left “{classroom.name}”.")
    return redirect("classrooms:list")


@login_required
@require_http_methods(["GET", "POST"])
def class_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    classroom, membership = get_classroom_for_teacher(request.user, pk)
    if request.user.pk != classroom.created_by_id:
        raise PermissionDenied("Only the teacher who created the class can delete it.")
    if request.method == "POST":
        name = classroom.name
        delete_classroom(classroom=classroom)
        messages.success(request, f"Deleted “{name}”. The decks are still with their owners.")
        return redirect("classrooms:list")
    _, students = people(classroom)
    context = {"classroom": classroom, "membership": membership, "student_count": len(students)}
    return render(request, "classrooms/delete.html", context)
