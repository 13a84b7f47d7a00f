from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class DeckhandUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Study", {"fields": ("timezone", "day_starts_at_hour")}),
    )
