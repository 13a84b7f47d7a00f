"""A class's page (the teacher's dashboard, or a student's own standing) and the
teacher's CSV downloads of its tables."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from classrooms import charts
from classrooms.selectors import (
    CHART_WEEKS,
    assigned_trees,
    card_rows,
    class_dashboard,
    class_students,
    current_invite,
    get_classroom_for_member,
    get_classroom_for_teacher,
    student_rows,
    student_standing,
)
from classrooms.views.common import _invite_url
from config.types import AuthedRequest


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
