"""`import_deck FILE --user NAME [--deck NAME]`: import a package or text file for a user."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from imports.errors import ImportError_
from imports.models import ImportJob
from imports.services import import_package, import_text
from imports.services.jobs import MAX_TEXT_BYTES, upload_kind
from imports.text_import import decode_text, spec_for_file


class Command(BaseCommand):
    help = "Import an .apkg/.colpkg package or a CSV/TSV file into a user's collection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .apkg, .colpkg, .csv, .tsv or .txt file")
        parser.add_argument("--user", required=True, help="the username to import for")
        parser.add_argument("--deck", default=None, help="the deck to import into")

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["file"]))
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user called {options['user']!r}.")
        deck = str(options["deck"]) if options["deck"] else None
        with open(path, "rb") as handle:
            head = handle.read(4)
        try:
            if upload_kind(path.name, head) == ImportJob.PACKAGE:
                report = import_package(user=user, path=path, deck_name=deck)
            else:
                if path.stat().st_size > MAX_TEXT_BYTES:
                    raise CommandError("The text file is too large to import.")
                text = decode_text(path.read_bytes())
                spec, _ = spec_for_file(text, deck=deck)
                report = import_text(user=user, text=text, spec=spec)
        except ImportError_ as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Imported {path.name} for {user.username}.")
        for line in report.lines():
            self.stdout.write(line)
