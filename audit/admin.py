"""Read-only admin view of the audit log: nobody may add, change or delete records."""

from django.contrib import admin

from accounts import roles

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "ip", "event", "object_repr", "outcome")
    list_filter = ("outcome", "event")
    search_fields = ("username", "event", "object_repr")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_module_permission(self, request):
        return roles.is_auditor(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.is_auditor(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
