"""Django admin for accounts: read-only for everyone.

三权分立: accounts, roles, passwords and scopes are changed only on the security admin's own
pages (accounts:user_*), which enforce the role rules and audit every change. Django admin's
forms would bypass both (a system admin could reset the audit admin's password and log in as
them), so here nobody — superusers included — may add, change, delete or set a password.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from . import roles
from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users with their Chinese name, unit, district and role groups — to look at only."""

    list_display = ("username", "name", "role_list", "district", "organization", "is_active", "last_login")
    list_filter = ("groups", "district", "is_active", "is_staff")
    search_fields = ("username", "name", "phone", "organization", "email")
    ordering = ("username",)
    list_select_related = ("district",)
    fieldsets = (
        (None, {"fields": ("username",)}),
        (_("个人信息"), {"fields": ("name", "phone", "email", "organization", "district", "expertise")}),
        (_("角色与范围"), {
            "fields": ("groups", "scope_city_wide", "scope_districts", "is_active", "is_staff", "is_superuser"),
            "description": _("账号、角色、密码与查看范围只能由安全管理员在“用户与角色”页面修改（三权分立）。"),
        }),
        (_("重要日期"), {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("角色"))
    def role_list(self, obj):
        return "、".join(g.name for g in obj.groups.all())

    def has_module_permission(self, request):
        return roles.is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.is_admin(request.user)

    # No add, change, delete, and so no password form (user_change_password checks change).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """The role groups and their permissions, read-only (synced after every migrate)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
