from __future__ import annotations

from django.apps import AppConfig


class AnkiConnectConfig(AppConfig):
    name = "ankiconnect"
    verbose_name = "AnkiConnect endpoint"
