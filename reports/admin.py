from django.contrib import admin

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "label", "round", "district", "requested_by", "status", "done", "total", "created_at",
                    "finished_at")
    list_filter = ("status", "kind", "round")
    readonly_fields = ("kind", "export_name", "params", "label", "round", "district", "requested_by", "status", "total",
                       "done", "failures", "file", "created_at", "finished_at")
