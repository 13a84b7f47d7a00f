"""python manage.py export_deck --user NAME --deck "A::B" --out FILE [--format apkg|csv|tsv]
[--with-progress]"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from exports.models import ExportJob
from exports.selectors import ExportScope
from exports.services import write_export
from flashcards.models import Deck


class Command(BaseCommand):
    help = "Export a user's deck, with its subdecks, as an Anki package or a CSV/TSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the deck owner's username")
        parser.add_argument("--deck", required=True, help='the deck\'s full name, e.g. "A::B"')
        parser.add_argument("--out", required=True, help="the file to write")
        parser.add_argument(
            "--format",
            choices=[ExportJob.APKG, ExportJob.CSV, ExportJob.TSV],
            default=ExportJob.APKG,
        )
        parser.add_argument(
            "--with-progress",
            action="store_true",
            help="include the user's scheduling and review history (apkg only)",
        )

    def handle(self, *args: object, **options: object) -> None:
        username = str(options["user"])
        deck_name = str(options["deck"])
        fmt = str(options["format"])
        out = Path(str(options["out"]))
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        deck = Deck.objects.filter(owner=user, full_name=deck_name.strip()).first()
        if deck is None:
            raise CommandError(f"{username} has no deck called {deck_name!r}.")
        if options["with_progress"] and fmt != ExportJob.APKG:
            raise CommandError("--with-progress needs --format apkg.")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {str(out.parent)!r} does not exist.")
        partial = out.with_name(out.name + ".part")
        try:
            with open(partial, "wb") as handle:
                built = write_export(
                    scope=ExportScope.for_deck(deck),
                    fmt=fmt,
                    with_progress=bool(options["with_progress"]),
                    out=handle,
                )
            os.replace(partial, out)
        except OSError as error:
            raise CommandError(f"Could not write {str(out)!r}: {error.strerror}") from None
        finally:
            partial.unlink(missing_ok=True)
        for name in built.missing_media:
            self.stderr.write(f"Missing media, left out: {name}")
        self.stdout.write(
            f"Wrote {built.notes} notes, {built.cards} cards and {len(built.media)} media "
            f"files to {out}."
        )
