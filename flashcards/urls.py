from __future__ import annotations

from django.urls import path

from flashcards.views import browse, decks, media, notes, notetypes

app_name = "flashcards"
urlpatterns = [
    path("", decks.deck_list, name="deck_list"),
    path("decks/<int:pk>/", decks.deck_detail, name="deck_detail"),
    path("decks/<int:pk>/delete/", decks.deck_delete, name="deck_delete"),
    path("notes/add/", notes.note_add, name="note_add"),
    path("notes/preview/", notes.note_preview, name="note_preview"),
    path("notes/<int:pk>/", notes.note_edit, name="note_edit"),
    path("notes/<int:pk>/delete/", notes.note_delete, name="note_delete"),
    path("note-types/", notetypes.notetype_list, name="notetype_list"),
    path("note-types/<int:pk>/", notetypes.notetype_detail, name="notetype_detail"),
    path("note-types/<int:pk>/edit/", notetypes.notetype_edit, name="notetype_edit"),
    path("note-types/<int:pk>/delete/", notetypes.notetype_delete, name="notetype_delete"),
    path("browse/", browse.browse, name="browse"),
    path("browse/bulk/", browse.browse_bulk, name="browse_bulk"),
    path("cards/<int:pk>/preview/", browse.card_preview, name="card_preview"),
    path("media/upload/", notes.media_upload, name="media_upload"),
    path("media/<int:owner_id>/<path:filename>", media.media_file, name="media"),
]
