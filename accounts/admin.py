"""Django admin for accounts, with 三权分立: roles and activation belong to the security admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import roles
from .models import User

# Fields that grant or revoke power: only a superuser may touch them here; the security admin
# uses the product page (accounts:user_list), which records every change in the audit log.
_POWER_FIELDS = ("groups", "user_permissions", "is_superuser", "is_staff", "is_active")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("name", "phone", "organization", "district", "email")}),
        ("权限", {"fields": _POWER_FIELDS}),
        ("时间", {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    list_display = ("username", "name", "organization", "district", "is_active")
    list_filter = ("is_active", "groups", "district")
    search_fields = ("username", "name", "organization")

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined", "password_changed_at"]
        if not request.user.is_superuser:
            readonly += list(_POWER_FIELDS)
        return readonly

    def has_module_permission(self, request):
        return roles.is_admin(request.user)
