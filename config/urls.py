from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("study/", include("reviews.urls")),
    path("export/", include("exports.urls")),
    path("import/", include("imports.urls")),
    path("admin/", admin.site.urls),
    path("", include("flashcards.urls")),
]
