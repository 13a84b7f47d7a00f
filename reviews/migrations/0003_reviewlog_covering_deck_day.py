"""The (learner, deck, reviewed_at) index carries kind and rating too.

The class dashboard counts each student's reviews, review-kind reviews and passes in a
deck over 12 weeks; with kind and rating in the index it reads no table rows (about four
times faster on SQLite). It replaces the old index rather than adding one beside it:
every ReviewLog index costs a little on each grade and import, and the old index's
users (the daily limits) read the same leading columns.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_study_queue_and_optimizer"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="reviewlog",
            name="reviewlog_deck_day",
        ),
        migrations.AddIndex(
            model_name="reviewlog",
            index=models.Index(
                fields=["learner", "deck", "reviewed_at", "kind", "rating"],
                name="reviewlog_deck_day_kind",
            ),
        ),
    ]
