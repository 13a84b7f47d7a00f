"""Class pages: the list, joining, the teacher's dashboard and settings, a student's standing.

Anyone not in a class gets 404 for every URL of it; its students get 403 for the
teachers' pages. Joining with a replaced, turned-off or used-up code answers 410.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from classrooms import charts
from classrooms.forms import (
    AssignmentForm,
    ClassroomForm,
    CopyForm,
    InviteForm,
    JoinForm,
    TeacherForm,
)
from classrooms.models import Membership
from classrooms.selectors import (
    CHART_WEEKS,
    assignable_decks,
    assigned_trees,
    assignments_of,
    card_rows,
    class_dashboard,
    class_students,
    current_invite,
    get_assignment,
    get_classroom_for_member,
    get_classroom_for_teacher,
    get_student,
    get_teacher,
    people,
    shared_deck_for_member,
    student_rows,
    student_standing,
)
from classrooms.selectors import (
    class_list as list_classes,
)
from classrooms.services import (
    InviteError,
    add_teacher,
    assign_deck,
    check_invite,
    copy_deck_to_collection,
    create_classroom,
    delete_classroom,
    join_classroom,
    leave_classroom,
    remove_assignment,
    remove_student,
    remove_teacher,
    rename_classroom,
    rotate_invite,
    turn_off_invites,
    update_assignment,
)
from config.types import AuthedRequest


def _posted(request: AuthedRequest):  # noqa: ANN202
    """The POST data to bind a form to (even when empty), None for a GET."""
    return request.POST if request.method == "POST" else None


# A code that was real but can't be used any more is "gone"; an unknown one "not found".
_INVITE_STATUS = {InviteError.UNKNOWN: 404, InviteError.REVOKED: 410, InviteError.USED_UP: 410}


# --- The list, creating and joining ------------------------------------------------------


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


# --- A class's page ---------------------------------------------------------------------


@login_required
@require_GET
def class_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    classroom, membership = get_classroom_for_member(request.user, pk)
    if not membership.is_teacher:
        trees, row = student_standing(classroom, request.user)
        context = {"classroom": classroom, "membership": membership, "trees": trees, "row": row}
        return render(request, "classrooms/student.html", context)
    dashboard = class_dashboard(classroom)
    invite = current_invite(classroom)
    context: dict[str, Any] = {
        "classroom": classroom,
        "membership": membership,
        "dashboard": dashboard,
        "invite": invite,
        "invite_url": _invite_url(request, invite.code) if invite else "",
        "chart_weeks": CHART_WEEKS,
        "chart": charts.retention_svg(
            dashboard.retention, desired_retention=dashboard.desired_retention
        ),
    }
    return render(request, "classrooms/dashboard.html", context)


def _invite_url(request: AuthedRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("classrooms:join", args=[code]))


# --- CSV downloads -------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    # A spreadsheet runs text starting with "=" and friends as a formula: keep it text.
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv_response(filename: str, header: list[str], rows: list[list[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return response


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


@login_required
@require_GET
def students_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    classroom, _ = get_classroom_for_teacher(request.user, pk)
    trees = assigned_trees(classroom)
    rows = student_rows(trees=trees, students=class_students(classroom))
    header = [
        "student", "last_active", "reviews_today", "reviews_7_days", "reviews_30_days",
        "true_retention_30_days", "review_state_reviews_30_days", "due", "at_risk",
    ]  # fmt: skip
    for tree in trees:
        name = tree.assignment.deck.full_name
        header += [
            f"{name}: seen",
            f"{name}: cards",
            f"{name}: reviews today",
            f"{name}: daily target",
        ]
    lines = []
    for row in rows:
        last = (
            timezone.localtime(row.last_active).isoformat(timespec="seconds")
            if row.last_active
            else ""
        )
        line: list[object] = [
            row.user.username, last, row.reviews_today, row.reviews_7d, row.reviews_30d,
            _ratio(row.retention), row.retention_reviews, row.due, row.at_risk,
        ]  # fmt: skip
        for progress in row.assignments:
            line += [progress.seen, progress.total, progress.reviews_today, progress.target or ""]
        lines.append(line)
    return _csv_response(f"{slugify(classroom.name) or 'class'}-students.csv", header, lines)


@login_required
@require_GET
def cards_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    classroom, _ = get_classroom_for_teacher(request.user, pk)
    rows = card_rows(trees=assigned_trees(classroom), students=class_students(classroom))
    header = [
        "card_id", "note_id", "deck", "card", "text", "students", "reviews", "lapses",
        "lapse_rate", "mean_predicted_recall",
    ]  # fmt: skip
    lines = [
        [
            row.card_id,
            row.note_id,
            row.deck_name,
            row.ord + 1,
            row.text,
            row.students,
            row.reviews,
            row.lapses,
            _ratio(row.lapse_rate),
            _ratio(row.mean_recall),
        ]  # fmt: skip
        for row in rows
    ]
    return _csv_response(f"{slugify(classroom.name) or 'class'}-cards.csv", header, lines)


# --- Settings: name, invites, people --------------------------------------------------------


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


# --- Assignments ---------------------------------------------------------------------------


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


# --- Copying a shared deck ------------------------------------------------------------------


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
