from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import audit_record

from . import roles, selectors, services
from .forms import UserRolesForm
from .middleware import password_expired
from .models import User


@require_GET
def home(request):
    """Send each role to its daily page; a user with no role sees an explanation."""
    user = request.user
    if roles.is_inspector(user) and not roles.is_admin(user):
        return redirect("evaluation:inspector_home")
    if roles.can_view_results(user):
        # Officials start from the round overview (status, pass mark, progress per district).
        return redirect("reports:overview")
    if roles.is_security_admin(user):
        return redirect("accounts:user_list")
    if roles.is_auditor(user):
        return redirect("audit:event_list")
    return render(request, "accounts/no_role.html")


@login_not_required
@require_GET
def healthz(request):
    """Health for monitoring: database reachable, migrations applied, storage writable."""
    checks = {}
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        checks["database"] = "ok"
        checks["migrations"] = "ok" if not pending else f"{len(pending)} pending"
    except Exception as exc:  # any failure here means "not healthy", whatever it is
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        name = default_storage.save(".healthz/probe", ContentFile(b"ok"))
        default_storage.delete(name)
        checks["storage"] = "ok"
    except Exception as exc:  # unwritable or full disk, missing directory …
        checks["storage"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


@require_http_methods(["GET", "POST"])
def password_change(request):
    """Change one's own password (also where an expired password sends the user)."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            update_session_auth_hash(request, form.user)
            audit_record(event="password.change", request=request, obj=form.user)
            messages.success(request, _("密码已修改。"))
            return redirect("accounts:home")
        audit_record(event="password.change", request=request, obj=request.user, outcome="failure")
    return render(request, "accounts/password_change.html", {
        "form": form, "password_expired": password_expired(request.user),
    })


def csrf_failure(request, reason=""):
    """Chinese 403 page for a missing or wrong CSRF token (the denial is audited by middleware)."""
    return render(request, "403_csrf.html", status=403)


# --- security admin: users and roles -------------------------------------------------------


def _require_security_admin(request) -> None:
    if not roles.is_security_admin(request.user):
        raise PermissionDenied


def _get_managed_user(request, pk: int) -> User:
    _require_security_admin(request)
    return get_object_or_404(User, pk=pk)


@require_GET
def user_list(request):
    """All accounts with their roles; filters by text, role and active flag."""
    _require_security_admin(request)
    # NUL cannot be stored or compared in PostgreSQL text; it is never part of a real search.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    role = request.GET.get("role", "")
    role = role if role in roles.ALL_ROLES else ""
    active = request.GET.get("active", "")
    page = Paginator(selectors.user_list(query=query, role=role, active=active), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {
        "page": page, "q": query, "role": role, "active": active, "all_roles": roles.ALL_ROLES,
    })


@require_http_methods(["GET", "POST"])
def user_edit(request, pk: int):
    """Assign roles and (de)activate one account."""
    target = _get_managed_user(request, pk)
    current = list(target.groups.filter(name__in=roles.ALL_ROLES).values_list("name", flat=True))
    form = UserRolesForm(request.POST or None, initial={"roles": current, "is_active": target.is_active})
    password_form = SetPasswordForm(target)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_assign_roles(
                user=target, role_names=form.cleaned_data["roles"], is_active=form.cleaned_data["is_active"],
                by=request.user, request=request,
            )
        except PermissionDenied:
            form.add_error(None, _("不能修改自己的角色或启用状态。"))
        else:
            messages.success(request, _("已保存 %(user)s 的角色设置。") % {"user": target.display_name})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_edit.html", {"target": target, "form": form, "password_form": password_form})


@require_POST
def user_password_reset(request, pk: int):
    """Give the account a new password (policy enforced) that must be changed at next login."""
    target = _get_managed_user(request, pk)
    password_form = SetPasswordForm(target, request.POST)
    if password_form.is_valid():
        services.user_reset_password(
            user=target, password=password_form.cleaned_data["new_password1"], by=request.user, request=request
        )
        messages.success(request, _("已重置 %(user)s 的密码，下次登录时须修改。") % {"user": target.display_name})
        return redirect("accounts:user_edit", pk=target.pk)
    current = list(target.groups.filter(name__in=roles.ALL_ROLES).values_list("name", flat=True))
    form = UserRolesForm(initial={"roles": current, "is_active": target.is_active})
    return render(
        request, "accounts/user_edit.html", {"target": target, "form": form, "password_form": password_form},
        status=400,
    )
