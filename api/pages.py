"""The API 令牌 pages: a person's own tokens (create, revoke) and the security admin's list of everyone's."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_GET, require_POST

from . import selectors, services
from .forms import TokenCreateForm
from .models import ApiToken


def _now():
    return timezone.now()


def _get_revocable(request, pk: int) -> ApiToken:
    """The caller's own token, or anyone's for the security admin; others 404."""
    qs = ApiToken.objects.select_related("user")
    if not services.may_manage_all(request.user):
        qs = qs.filter(user=request.user)
    return get_object_or_404(qs, pk=pk)


@require_http_methods(["GET", "POST"])
def token_list(request):
    """My tokens and the form for a new one; the new key is shown once, on the answer to the POST."""
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.token_create(user=request.user, request=request, now=_now(), **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            response = render(request, "api/token_created.html", {"created": created})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "api/token_list.html", {
        "form": form, "tokens": selectors.tokens_of(user=request.user), "now": _now(),
        "can_manage_all": services.may_manage_all(request.user),
    }, status=400 if request.method == "POST" else 200)


@require_POST
def token_revoke(request, pk: int):
    token = _get_revocable(request, pk)
    services.token_revoke(token=token, by=request.user, now=_now(), request=request)
    messages.success(request, _("已撤销令牌：%(name)s") % {"name": str(token)})
    if token.user_id != request.user.pk:
        return redirect("api_tokens:all")
    return redirect("api_tokens:list")


@require_GET
def token_all(request):
    """Everyone's tokens: the security admin (account and credential management, 三权分立)."""
    if not services.may_manage_all(request.user):
        raise PermissionDenied(_("只有安全管理员可以查看所有人的令牌。"))
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.all_tokens(query=query), 50).get_page(request.GET.get("page"))
    return render(request, "api/token_all.html", {"page": page, "q": query, "now": _now()})
