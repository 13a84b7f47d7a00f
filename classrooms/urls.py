from __future__ import annotations

from django.urls import path

from classrooms import views

app_name = "classrooms"
urlpatterns = [
    path("", views.class_list, name="list"),
    path("join/", views.join_form, name="join_form"),
    path("join/<str:code>/", views.join, name="join"),
    path("<int:pk>/", views.class_detail, name="detail"),
    path("<int:pk>/students.csv", views.students_csv, name="students_csv"),
    path("<int:pk>/cards.csv", views.cards_csv, name="cards_csv"),
    path("<int:pk>/settings/", views.class_settings, name="settings"),
    path("<int:pk>/delete/", views.class_delete, name="delete"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("<int:pk>/invite/rotate/", views.invite_rotate, name="invite_rotate"),
    path("<int:pk>/invite/off/", views.invite_off, name="invite_off"),
    path("<int:pk>/teachers/add/", views.teacher_add, name="teacher_add"),
    path("<int:pk>/teachers/<int:user_id>/remove/", views.teacher_remove, name="teacher_remove"),
    path("<int:pk>/students/<int:user_id>/remove/", views.student_remove, name="student_remove"),
    path("<int:pk>/assignments/", views.assignments, name="assignments"),
    path(
        "<int:pk>/assignments/<int:assignment_id>/", views.assignment_edit, name="assignment_edit"
    ),
    path(
        "<int:pk>/assignments/<int:assignment_id>/remove/",
        views.assignment_remove,
        name="assignment_remove",
    ),
    path("<int:pk>/decks/<int:deck_id>/copy/", views.deck_copy, name="deck_copy"),
]
