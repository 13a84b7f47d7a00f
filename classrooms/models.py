"""Classes: teachers share decks with students, who study them on their own schedules.

Nothing is copied when a deck is assigned: students study the teacher's Card rows
with their own CardState rows, so a teacher's edit reaches everyone at once and
nobody's progress is reset by it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from flashcards.models import Deck

# Invite codes are read aloud and typed from a board: no 0/O, 1/I/L.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 8


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def normalize_invite_code(text: str) -> str:
    """What someone typed, as stored: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


class Classroom(models.Model):
    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classrooms_created"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    TEACHER = "teacher"
    STUDENT = "student"
    ROLE_CHOICES = [(TEACHER, "Teacher"), (STUDENT, "Student")]

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="class_memberships"
    )
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    joined = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["classroom", "user"], name="membership_unique"),
        ]
        indexes = [models.Index(fields=["user", "classroom"], name="membership_by_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of {self.classroom_id}"

    @property
    def is_teacher(self) -> bool:
        return self.role == self.TEACHER


class Invite(models.Model):
    """An invite code. Rotating or turning invites off revokes the code but keeps the
    row, so someone arriving with an old link is told it was replaced, not "not found"."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="invites")
    code = models.CharField(max_length=32, unique=True, default=new_invite_code)
    # None: as many students as like may join with it.
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["classroom", "revoked"], name="invite_current")]

    def __str__(self) -> str:
        return self.code

    @property
    def is_used_up(self) -> bool:
        return self.max_uses is not None and self.uses >= self.max_uses

    @property
    def uses_left(self) -> int | None:
        return None if self.max_uses is None else max(0, self.max_uses - self.uses)


class Assignment(models.Model):
    """A deck (with its subdecks) set for a class, with an optional due date and daily target."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="assignments")
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    # Reviews a day the teacher asks for (any kind: new cards count too).
    daily_target = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "deck"], name="assignment_unique_deck"),
        ]

    def __str__(self) -> str:
        return f"{self.deck_id} for {self.classroom_id}"
