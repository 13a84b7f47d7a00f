from __future__ import annotations

app_name = "flashcards"
urlpatterns: list = []
