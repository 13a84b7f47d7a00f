from __future__ import annotations

from django.contrib import admin

from exports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "format", "status", "notes_total", "created"]
    list_filter = ["status", "format"]
    raw_id_fields = ["owner", "deck"]
