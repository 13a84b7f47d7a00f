from __future__ import annotations

from django.urls import path

from classrooms.views import assignments, classes, dashboard, members, shared_decks

app_name = "classrooms"
urlpatterns = [
    path("", classes.class_list, name="list"),
    path("join/", classes.join_form, name="join_form"),
    path("join/<str:code>/", classes.join, name="join"),
    path("<int:pk>/", dashboard.class_detail, name="detail"),
    path("<int:pk>/students.csv", dashboard.students_csv, name="students_csv"),
    path("<int:pk>/cards.csv", dashboard.cards_csv, name="cards_csv"),
    path("<int:pk>/settings/", members.class_settings, name="settings"),
    path("<int:pk>/delete/", members.class_delete, name="delete"),
    path("<int:pk>/leave/", members.leave, name="leave"),
    path("<int:pk>/invite/rotate/", members.invite_rotate, name="invite_rotate"),
    path("<int:pk>/invite/off/", members.invite_off, name="invite_off"),
    path("<int:pk>/teachers/add/", members.teacher_add, name="teacher_add"),
    path("<int:pk>/teachers/<int:user_id>/remove/", members.teacher_remove, name="teacher_remove"),
    path("<int:pk>/students/<int:user_id>/remove/", members.student_remove, name="student_remove"),
    path("<int:pk>/assignments/", assignments.assignments, name="assignments"),
    path(
        "<int:pk>/assignments/<int:assignment_id>/",
        assignments.assignment_edit,
        name="assignment_edit",
    ),
    path(
        "<int:pk>/assignments/<int:assignment_id>/remove/",
        assignments.assignment_remove,
        name="assignment_remove",
    ),
    path("<int:pk>/decks/<int:deck_id>/copy/", shared_decks.deck_copy, name="deck_copy"),
]
