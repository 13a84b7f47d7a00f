"""`python manage.py api_key USERNAME`: print the user's API key (--rotate for a new one).

The key is what AnkiConnect clients send as "key" (or in the URL, /ankiconnect/KEY)
and what /api/v1 takes as `Authorization: Bearer KEY`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import rotate_api_key


class Command(BaseCommand):
    help = "Print a user's API key for AnkiConnect clients and the JSON API."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Replace the key first (the old one stops working).",
        )

    def handle(self, *args: Any, username: str, rotate: bool, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called {username!r}.")
        key = rotate_api_key(user=user) if rotate else user.api_key
        self.stdout.write(key)
