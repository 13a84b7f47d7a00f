from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from ankiconnect import views as ankiconnect_views
from config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("study/", include("reviews.urls")),
    path("export/", include("exports.urls")),
    path("import/", include("imports.urls")),
    path("classes/", include("classrooms.urls")),
    path("stats/", include("stats.urls")),
    path("admin/", admin.site.urls),
    # AnkiConnect: the key in the body, or in the URL for tools that take only a URL.
    # JSON POSTs to "/" reach the same view through ankiconnect.middleware.
    path("ankiconnect", ankiconnect_views.endpoint, name="ankiconnect"),
    path("ankiconnect/", ankiconnect_views.endpoint),
    path("ankiconnect/<str:key>", ankiconnect_views.endpoint, name="ankiconnect_key"),
    path("api/v1/", include("api.urls")),
    path("", include("flashcards.urls")),
]
