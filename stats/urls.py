from __future__ import annotations

from django.urls import path

from stats import views

app_name = "stats"
urlpatterns = [
    path("", views.collection_stats, name="collection"),
    path("export/<slug:dataset>.<slug:fmt>", views.collection_export, name="export"),
    path("decks/<int:deck_id>/", views.deck_stats, name="deck"),
    path("cards/<int:card_id>/", views.card_preview, name="card_preview"),
    path("spreadsheets/<int:job_id>/", views.spreadsheet, name="spreadsheet"),
    path(
        "spreadsheets/<int:job_id>/download/",
        views.spreadsheet_download,
        name="spreadsheet_download",
    ),
    path(
        "decks/<int:deck_id>/export/<slug:dataset>.<slug:fmt>",
        views.deck_export,
        name="deck_export",
    ),
]
