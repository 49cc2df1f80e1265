"""Django admin for accounts, with 三权分立: roles and activation belong to the security admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from . import roles
from .models import User

# Fields that grant or revoke power: only a superuser may touch them here; the security admin
# uses the product page (accounts:user_list), which records every change in the audit log.
_POWER_FIELDS = ("groups", "user_permissions", "is_superuser", "is_staff", "is_active")


class UserCreateForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "name", "district")


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users with their Chinese name, district (officials) and role groups."""

    form = UserEditForm
    add_form = UserCreateForm
    list_display = ("username", "name", "role_list", "district", "organization", "is_active", "last_login")
    list_filter = ("groups", "district", "is_active", "is_staff")
    search_fields = ("username", "name", "phone", "organization", "email")
    ordering = ("username",)
    list_select_related = ("district",)
    filter_horizontal = ("groups", "user_permissions")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("name", "phone", "email", "organization")}),
        (_("角色与范围"), {
            "fields": ("groups", "district", "is_active", "is_staff", "is_superuser"),
            "description": _("角色即用户组：管理员、督导专家、教育局。教育局用户设置所属区县后只能查看本区县，不设置则查看全市。"),
        }),
        (_("单独权限"), {"classes": ("collapse",), "fields": ("user_permissions",)}),
        (_("重要日期"), {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "name", "district", "usable_password", "password1", "password2")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("角色"))
    def role_list(self, obj):
        return "、".join(g.name for g in obj.groups.all())

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined", "password_changed_at"]
        if not request.user.is_superuser:
            readonly += list(_POWER_FIELDS)
        return readonly

    def has_module_permission(self, request):
        return roles.is_admin(request.user)
