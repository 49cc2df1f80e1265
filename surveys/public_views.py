"""The phone page of 满意度问卷: no login, no session, no personal data.

A code from the slip's QR code (/survey/<code>/) or typed into /survey/ is checked; the questionnaire is
shown; one submission per code is stored (services.response_submit); a thank-you page follows. Every
refusal is a plain Chinese page. Requests are rate-limited per address and per campaign (surveys.ratelimit).
CSRF protection stays on (the csrftoken cookie is not a session); nothing here writes the session.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import ratelimit, services
from .codes import normalize
from .forms import AnswerForm, EnterCodeForm

def _now():
    """The moment the pages act on (a function, so that tests set it instead of reading the clock)."""
    return timezone.now()


REFUSAL_STATUS = {"unknown": 404, "used": 409, "not_open": 403, "closed": 410}


def _message(request, title: str, text: str, status: int):
    return render(request, "surveys/public_message.html", {"title": title, "text": text}, status=status)


def _too_many(request):
    return _message(request, _("请稍后再试"), _("提交过于频繁，请一分钟后再试。"), 429)


def _refused(request, reason: str):
    return _message(request, _("无法填写问卷"), str(services.REFUSALS[reason]), REFUSAL_STATUS[reason])


@login_not_required
@never_cache
@require_GET
def enter(request):
    """Type the code from the slip (a GET form: the code goes to the answer page's address)."""
    if not ratelimit.address_allowed(request):
        return _too_many(request)
    form = EnterCodeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        code = normalize(form.cleaned_data["code"])
        if code:
            return redirect("survey_public:answer", code=code)
        form.add_error("code", str(services.REFUSALS["unknown"]))
    return render(request, "surveys/public_enter.html", {"form": form}, status=400 if form.errors else 200)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, code: str):
    if not ratelimit.address_allowed(request):
        return _too_many(request)
    try:
        now = _now()
        state = services.code_check(code=code, now=now)
    except services.CodeRefused as exc:
        return _refused(request, exc.reason)
    group = state.group
    items = list(group.questionnaire.items.all())
    status = 200
    if request.method == "POST":
        if not ratelimit.campaign_allowed(group.campaign_id):
            return _too_many(request)
        form = AnswerForm(request.POST, items=items)
        status = 400
        if form.is_valid():
            try:
                services.response_submit(code=code, data=form.answers(), now=now)
            except services.CodeRefused as exc:
                return _refused(request, exc.reason)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                return redirect("survey_public:thanks")
    else:
        form = AnswerForm(items=items)
    return render(request, "surveys/public_answer.html", {
        "form": form, "group": group, "campaign": group.campaign, "questionnaire": group.questionnaire,
    }, status=status)


@login_not_required
@require_GET
def thanks(request):
    return render(request, "surveys/public_thanks.html")
