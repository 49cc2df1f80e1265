from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.utils.encoding import escape_uri_path
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import audit_record, client_ip

from . import importing, roles, scopes, selectors, services
from .forms import AccountForm, LoginForm, SchoolAccountsForm, UserImportForm
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
    if roles.is_school(user):
        return redirect("selfassessment:home")
    return render(request, "accounts/no_role.html")


class LoginView(auth_views.LoginView):
    """Django's login page, refusing an address that is spraying passwords over many accounts."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def post(self, request, *args, **kwargs):
        if selectors.address_is_throttled(ip=client_ip(request)):
            audit_record(event="auth.throttled", request=request, outcome="denied",
                         username=str(request.POST.get("username", ""))[:150])
            return render(request, "accounts/throttled.html", {
                "limit": settings.LOGIN_ADDRESS_USERNAME_LIMIT,
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            }, status=429)
        return super().post(request, *args, **kwargs)


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
            form.user._password_event_recorded = True  # recorded below as password.change
            form.save()
            update_session_auth_hash(request, form.user)
            audit_record(event="password.change", request=request, obj=form.user)
            messages.success(request, _("密码已修改。"))
            return redirect("accounts:home")
        audit_record(event="password.change", request=request, obj=request.user, outcome="failure")
    return render(request, "accounts/password_change.html", {
        "form": form, "password_expired": password_expired(request.user),
        "reset_notice": selectors.password_reset_notice(user=request.user),
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


def _one_time_page(request, *, accounts, title, status=200):
    """The one-time passwords, shown once: never cached, never stored in clear anywhere."""
    response = render(request, "accounts/one_time_passwords.html", {"accounts": accounts, "title": title},
                      status=status)
    response["Cache-Control"] = "no-store"
    return response


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


def _service_errors(form, exc: ValidationError) -> None:
    field = "roles" if getattr(exc, "code", "") in {"role_conflict", "unknown_role"} else None
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, exc.messages)


@require_http_methods(["GET", "POST"])
def user_create(request):
    """A new account; its one-time password is shown once on the next page."""
    _require_security_admin(request)
    form = AccountForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.user_create(data=form.account_data(), by=request.user, request=request)
        except PermissionDenied as exc:  # an administrator role: only on the server, with a second person
            form.add_error("roles", str(exc))
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            return _one_time_page(request, accounts=[(user, password)], title=_("账号已创建"))
    return render(request, "accounts/user_form.html", {"form": form, "target": None},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def user_edit(request, pk: int):
    """Profile, roles, scope and activation of one account."""
    target = _get_managed_user(request, pk)
    form = AccountForm(request.POST or None, instance=target, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(user=target, data=form.account_data(), by=request.user, request=request)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or services.SELF_CHANGE_MESSAGE)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(user)s 的设置。") % {"user": target.display_name})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {
        "form": form, "target": target, "scope_label": scopes.scope_label(target),
        "reset_refused": services.reset_refusal_message(target) if roles.needs_second_person(target) else "",
        "twofactor_reset_refused": (services.reset_refusal_message(target, command="twofactor_reset")
                                    if roles.needs_second_person(target) else ""),
    }, status=400 if request.method == "POST" else 200)


@require_POST
def user_password_reset(request, pk: int):
    """A one-time password that must be changed at next login; refused for (recent) administrators."""
    target = _get_managed_user(request, pk)
    try:
        password = services.user_reset_password(user=target, by=request.user, request=request)
    except PermissionDenied as exc:
        audit_record(event="user.password_reset", request=request, obj=target, outcome="denied",
                     reason=str(exc)[:200])
        messages.error(request, str(exc))
        return redirect("accounts:user_edit", pk=target.pk)
    return _one_time_page(request, accounts=[(target, password)], title=_("密码已重置"))


@require_http_methods(["GET", "POST"])
def user_import(request):
    """Bulk import of an expert pool (xlsx/csv): all rows or none; new accounts' passwords shown once."""
    _require_security_admin(request)
    form = UserImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            result = importing.users_import(file=form.cleaned_data["file"], by=request.user, request=request)
        except importing.UserImportError as exc:
            errors = exc.errors
            audit_record(event="user.import", request=request, outcome="failure", errors=len(errors))
        else:
            messages.success(request, _("已导入：新建 %(c)s 个账号，更新 %(u)s 个。") % {
                "c": len(result.created), "u": len(result.updated)})
            if result.created:
                return _one_time_page(request, accounts=result.created, title=_("导入完成：新账号的一次性密码"))
            return redirect("accounts:user_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/user_import.html", {"form": form, "errors": errors}, status=status)


@require_GET
def user_import_template(request):
    """The workbook to fill in for an import (headers, an example row, the district names)."""
    _require_security_admin(request)
    response = HttpResponse(importing.template_xlsx(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + escape_uri_path("专家库导入模板.xlsx")
    return response


@require_http_methods(["GET", "POST"])
def school_accounts(request):
    """为学校批量生成填报账号: one 学校（填报） account per school without one; passwords shown once."""
    _require_security_admin(request)
    from schools.models import District

    district = None
    district_id = request.GET.get("district", "")
    if district_id.isdigit():
        district = District.objects.filter(pk=int(district_id)).first()
    query = request.GET.get("q", "").replace("\x00", "").strip()[:50]
    form = SchoolAccountsForm(request.POST or None, initial={"district": district})
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            created, skipped = services.school_accounts_create(
                schools=form.cleaned_data["targets"], by=request.user, request=request)
        except services.SchoolAccountsRefused as exc:
            errors = exc.messages
        else:
            if skipped:
                messages.info(request, _("%(n)s 所学校已有填报账号，未重复建立。") % {"n": len(skipped)})
            if created:
                return _one_time_page(request, accounts=created, title=_("学校填报账号已生成"))
            messages.info(request, _("所选学校都已有填报账号，没有新建账号。"))
            return redirect(request.get_full_path())
    elif request.method == "POST":
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    schools = selectors.schools_with_accounts(district=district, query=query)
    page = Paginator(schools, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/school_accounts.html", {
        "page": page, "form": form, "district": district, "q": query, "errors": errors,
        "districts": District.objects.order_by("order", "code"),
    }, status=400 if request.method == "POST" else 200)
