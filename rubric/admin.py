"""Django admin for rubrics: read-only for published and retired versions.

Admins edit drafts on the product's editor page; here a non-draft version and its items
cannot be changed or deleted (the models refuse it as well).
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Dimension, Element, EvidenceRequirement, Indicator, RubricVersion


def _editable(obj) -> bool:
    if obj is None:
        return True
    version = obj if isinstance(obj, RubricVersion) else obj.version
    return version.is_editable


class DraftOnlyAdmin(SimpleHistoryAdmin):
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _editable(obj)

    def has_add_permission(self, request):
        # New versions come from import or clone, so their trees stay consistent.
        return False


@admin.register(RubricVersion)
class RubricVersionAdmin(DraftOnlyAdmin):
    list_display = ("code", "name", "status", "total", "published_at", "retired_at")
    list_filter = ("status",)
    search_fields = ("code", "name")
    readonly_fields = ("status", "based_on", "created_by", "published_at", "retired_at")


@admin.register(Dimension)
class DimensionAdmin(DraftOnlyAdmin):
    list_display = ("code", "name", "version")
    list_filter = ("version",)
    readonly_fields = ("version", "code", "order")


@admin.register(Indicator)
class IndicatorAdmin(DraftOnlyAdmin):
    list_display = ("code", "text", "version")
    list_filter = ("version",)
    readonly_fields = ("version", "dimension", "code", "order")


@admin.register(Element)
class ElementAdmin(DraftOnlyAdmin):
    list_display = ("code", "points", "step", "version")
    list_filter = ("version",)
    list_select_related = ("version",)
    readonly_fields = ("version", "indicator", "code", "order")


@admin.register(EvidenceRequirement)
class EvidenceRequirementAdmin(DraftOnlyAdmin):
    list_display = ("name", "element", "required", "kinds", "version")
    list_filter = ("version", "required")
    list_select_related = ("version", "element")
    readonly_fields = ("version", "element", "order")
