from __future__ import annotations

from django.contrib import admin

from imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["source_name", "owner", "kind", "status", "created", "finished"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["owner"]
