from django.contrib import admin

from .models import Item, Questionnaire


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0
    fields = ("order", "kind", "text", "element_codes")

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ("title", "group", "code", "version", "is_default", "frozen_at")
    list_filter = ("group", "is_default")
    readonly_fields = ("frozen_at",)
    inlines = [ItemInline]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or not obj.is_frozen)
