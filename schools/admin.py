from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import District, School


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "order", "school_count")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    ordering = ("order", "code")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_schools=Count("schools"))

    @admin.display(description=_("学校数"), ordering="n_schools")
    def school_count(self, obj):
        return obj.n_schools


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district", "stage", "location", "principal", "updated_at")
    list_filter = ("district", "stage", "location")
    search_fields = ("code", "name", "address", "principal")
    list_select_related = ("district",)
    readonly_fields = ("created_at", "updated_at")
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("code", "name", "district", "stage", "location")}),
        (_("其他信息"), {"fields": ("address", "principal", "created_at", "updated_at")}),
    )
