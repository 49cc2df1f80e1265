"""Thin views of 学校自评申报: access check, parse, one service or selector, render.

Access: a school account works only on its own school (accounts.scopes.school_of); a district
official reviews only schools of their districts (scopes.reviews_district); the city (管理员)
admits; everyone else who may see a self-assessment reads it (scopes.self_assessments_visible_to).
Outsiders of an object get 404, read-only roles 403 on writes.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles, scopes
from evaluation.models import Round

from . import selectors, services
from .forms import NominationForm


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for ms in exc.message_dict.values() for m in ms]
    return list(exc.messages)


# ---------------------------------------------------------------- 区县提名


@require_http_methods(["GET", "POST"])
def nominations(request, round_pk: int):
    """A district official nominates schools of their district for a round that takes nominations;
    admins and officials in scope read the list."""
    round_obj = get_object_or_404(Round, pk=round_pk, self_assessment=True, applicants=Round.Applicants.NOMINATED)
    user = request.user
    reviewer = scopes.review_districts(user)
    if not reviewer and not roles.can_view_results(user):
        raise PermissionDenied
    scopes.require_scope(user)
    if request.method == "POST" and not reviewer:
        raise PermissionDenied(_("只有区县教育局可以提名本区县的学校。"))
    districts = reviewer or [d.pk for d in scopes.results_scope(user).districts()]
    rows = selectors.nomination_rows(round=round_obj, district_ids=districts)
    form = NominationForm(request.POST or None, district_ids=districts,
                          initial={"schools": [s.pk for s, n in rows if n is not None]})
    if request.method == "POST":
        if form.is_valid():
            try:
                added, removed = services.nominations_set(round=round_obj, district_ids=districts,
                                                          schools=form.cleaned_data["schools"], by=user, request=request)
            except ValidationError as exc:
                for m in _messages_of(exc):
                    form.add_error(None, m)
            else:
                messages.success(request, _("提名已保存：新增 %(a)s 所，取消 %(r)s 所。") % {"a": len(added), "r": len(removed)})
                return redirect("selfassessment:nominations", round_pk=round_obj.pk)
    window_open = not (round_obj.apply_closes_on and timezone.localdate() > round_obj.apply_closes_on)
    return render(request, "selfassessment/nominations.html", {
        "round": round_obj, "rows": rows, "form": form, "can_edit": bool(reviewer) and window_open,
        "window_open": window_open,
    }, status=400 if request.method == "POST" else 200)
