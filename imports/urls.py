from __future__ import annotations

from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("file/", views.upload_file, name="upload_file"),
    path("paste/", views.paste, name="paste"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/columns/", views.mapping, name="mapping"),
    path("jobs/<int:pk>/discard/", views.job_discard, name="discard"),
]
