"""Pages of the two-factor login: enrol an authenticator, verify at login, recovery codes, reset by 安全管理员."""

from base64 import b32encode

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import roles
from accounts.models import User
from accounts.services import SeparatedResetRefused
from audit.services import audit_record

from . import selectors, services
from .forms import CodeForm, VerifyForm
from .signals import ENROLLED_KEY

# The key being enrolled lives in the session until its first code confirms it.
PENDING_KEY = "twofactor_pending_key"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def _locked(request, exc: services.SecondFactorLocked):
    return render(request, "twofactor/locked.html", {"until": exc.until}, status=429)


def _verified(request, device) -> None:
    # A new session id once the second factor is proven, as at the password step.
    request.session.cycle_key()
    otp_login(request, device)
    request.session[ENROLLED_KEY] = True


@require_GET
def manage(request):
    """The account's two-factor status, with enrolment or new recovery codes."""
    user = request.user
    return render(request, "twofactor/manage.html", {
        "enrolled": selectors.is_enrolled(user),
        "required": selectors.second_factor_required(user),
        "codes_left": selectors.recovery_codes_left(user),
    })


@never_cache
@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrolment: scan the QR code (rendered here, no outside service), confirm with a first code."""
    user = request.user
    if selectors.is_enrolled(user):
        return redirect("twofactor:manage" if user.is_verified() else "twofactor:verify")
    device = services.enrolment_key(user=user, pending=request.session.get(PENDING_KEY))
    request.session[PENDING_KEY] = device.key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.enrolment_confirm(
                user=user, key=device.key, code=form.cleaned_data["code"], request=request)
        except services.SecondFactorLocked as exc:
            return _locked(request, exc)
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            request.session.pop(PENDING_KEY, None)
            _verified(request, selectors.totp_device(user))
            return render(request, "twofactor/recovery_codes.html", {"codes": codes, "next": _next_url(request), "new": True})
    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return render(request, "twofactor/setup.html", {
        "form": form,
        "qr": qr.svg_data_uri(scale=5, dark="#000", light="#fff"),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "required": selectors.second_factor_required(user),
        "next": _next_url(request),
    }, status=400 if request.method == "POST" else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """The login's second step: an authenticator code or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not selectors.is_enrolled(user):
        # Reset by the security admin while this session was waiting.
        request.session[ENROLLED_KEY] = False
        return redirect("twofactor:setup" if selectors.second_factor_required(user) else _next_url(request))
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_verify(user=user, code=form.cleaned_data["code"], request=request)
        except services.SecondFactorLocked as exc:
            return _locked(request, exc)
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            _verified(request, device)
            if selectors.recovery_codes_left(user) <= 2:
                messages.warning(request, _("恢复码即将用完，请在“双因素认证”页面生成新的恢复码。"))
            return redirect(_next_url(request))
    return render(request, "twofactor/verify.html", {"form": form, "next": _next_url(request)},
                  status=400 if request.method == "POST" else 200)


@never_cache
@require_POST
def recovery_codes(request):
    """New recovery codes for one's own account (the old ones stop working), shown once."""
    try:
        codes = services.recovery_codes_renew(user=request.user, request=request)
    except ValidationError:
        return redirect("twofactor:setup")
    return render(request, "twofactor/recovery_codes.html", {"codes": codes, "next": "", "new": False})


@require_POST
def reset(request, pk: int):
    """安全管理员: remove another account's authenticator (lost phone); they enrol again at next login."""
    if not roles.is_security_admin(request.user):
        raise PermissionDenied
    target = get_object_or_404(User, pk=pk)
    if target.pk == request.user.pk:
        raise PermissionDenied
    try:
        services.second_factor_reset(user=target, by=request.user, request=request)
    except SeparatedResetRefused as exc:  # an (ex-)administrator: only on the server, with a second person
        audit_record(event="otp.reset", request=request, obj=target, outcome="denied", reason=str(exc)[:200])
        messages.error(request, str(exc))
        return redirect("accounts:user_edit", pk=target.pk)
    messages.success(request, _("已重置 %(user)s 的双因素认证，该用户下次登录时须重新绑定身份验证器。") % {
        "user": target.display_name})
    return redirect("accounts:user_edit", pk=target.pk)
