from __future__ import annotations

from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("deck/<int:deck_id>/", views.deck_export, name="deck"),
    path("selection/", views.selection_export, name="selection"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/download/", views.job_download, name="download"),
]
