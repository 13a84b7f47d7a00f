from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import LoginFailure, User


@admin.register(User)
class DeckhandUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Study", {"fields": ("timezone", "day_starts_at_hour")}),
    )


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Read-only; deleting an account's rows lifts its login lock early."""

    list_display = ("username", "address", "failed_at")
    list_filter = ("failed_at",)
    search_fields = ("username", "address")
    ordering = ("-failed_at",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
