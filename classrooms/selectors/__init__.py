"""Reads for classes, by what they are for:

- lookups.py: one class, assignment, member or shared deck, 404/403 for anyone else;
- lists.py: the user's classes, a class's people, invite and assignments, assignable
  decks, and the decks shared with a student (for the deck list);
- trees.py: the decks each assignment covers (the deck and its subdecks);
- recall.py: the SQL underneath the dashboard: predicted recall, due cards, and reviews
  counted by each student's study days and weeks;
- dashboard.py: the teacher's dashboard (per student, per card, retention by week) and a
  student's own standing.

Import from here; the modules are how the code is laid out, not part of the interface.
"""

from __future__ import annotations

from classrooms.selectors.dashboard import (
    HARDEST_CARDS_SHOWN,
    AssignmentProgress,
    CardRow,
    Dashboard,
    RetentionPoint,
    StudentRow,
    card_rows,
    class_dashboard,
    retention_by_week,
    student_rows,
    student_standing,
)
from classrooms.selectors.lists import (
    ClassDeckRow,
    ClassListEntry,
    assignable_decks,
    assignments_of,
    class_deck_rows,
    class_list,
    class_students,
    current_invite,
    people,
)
from classrooms.selectors.lookups import (
    get_assignment,
    get_classroom_for_member,
    get_classroom_for_teacher,
    get_student,
    get_teacher,
    shared_deck_for_member,
)
from classrooms.selectors.recall import CHART_WEEKS, RETENTION_DAYS
from classrooms.selectors.trees import AssignedTree, assigned_trees

__all__ = [
    "CHART_WEEKS",
    "HARDEST_CARDS_SHOWN",
    "RETENTION_DAYS",
    "AssignedTree",
    "AssignmentProgress",
    "CardRow",
    "ClassDeckRow",
    "ClassListEntry",
    "Dashboard",
    "RetentionPoint",
    "StudentRow",
    "assignable_decks",
    "assigned_trees",
    "assignments_of",
    "card_rows",
    "class_dashboard",
    "class_deck_rows",
    "class_list",
    "class_students",
    "current_invite",
    "get_assignment",
    "get_classroom_for_member",
    "get_classroom_for_teacher",
    "get_student",
    "get_teacher",
    "people",
    "retention_by_week",
    "shared_deck_for_member",
    "student_rows",
    "student_standing",
]
