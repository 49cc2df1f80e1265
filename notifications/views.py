"""Thin views: a user's own notifications only (another user's is a 404)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import EMAIL_SETTINGS_HELP, EmailSettingsForm

PAGE_SIZE = 30


@require_http_methods(["GET"])
def notification_list(request):
    page = Paginator(selectors.notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
def notification_open(request, pk: int):
    """Mark read, then go to what it is about (only ever a path inside this site)."""
    notification = get_object_or_404(selectors.notifications_of(request.user), pk=pk)
    services.notification_read(notification=notification, by=request.user)
    target = notification.url
    if target and target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("notifications:list")


@require_POST
def notifications_read_all(request):
    count = services.notifications_read_all(by=request.user)
    messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": count})
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
def email_settings(request):
    form = EmailSettingsForm(request.POST or None, initial_choices=selectors.email_settings_of(request.user))
    if request.method == "POST" and form.is_valid():
        services.email_settings_save(by=request.user, choices=form.choices())
        messages.success(request, _("通知邮件设置已保存。"))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form, "help": EMAIL_SETTINGS_HELP,
                                                           "has_email": bool(request.user.email)})
