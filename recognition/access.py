"""Who may see the recognition work, and the lists and windows they see: the pages, the PDFs, the
workbooks (inline and in the background) and the API ask here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts import scopes
from accounts.roles import can_view_results
from evaluation.models import Round

from . import selectors
from .forms import RenewalForm
from .models import RecognitionList


def require_viewer(user) -> None:
    """403 for roles without results (inspectors, the security and audit admins, an official without a scope)."""
    if not can_view_results(user):
        raise PermissionDenied(_("只有教育局和管理员可以查看认定工作。"))
    scopes.require_scope(user)


def round_for(user, round_pk) -> Round:
    require_viewer(user)
    return get_object_or_404(Round.objects.select_related("rubric_version"), pk=round_pk)


def published_list(user, round_pk) -> RecognitionList:
    """The round's list once its 公示 is published (404 before: there is no notice yet)."""
    round_obj = round_for(user, round_pk)
    rlist = selectors.recognition_list_of(round=round_obj)
    if rlist is None or not rlist.is_published:
        raise Http404
    return rlist


def concluded_list(user, round_pk) -> RecognitionList:
    """The round's list once concluded (404 before)."""
    rlist = published_list(user, round_pk)
    if not rlist.is_concluded:
        raise Http404
    return rlist


def recognized(user, round_pk):
    """The concluded list, its recognized schools in the user's scope and the title (the xlsx, its
    background job in recognition.table_exports, and the PDF)."""
    rlist = concluded_list(user, round_pk)
    items = list(selectors.recognitions_of(rlist=rlist, scope=scopes.recognition_scope(user)))
    title = _("%(round)s 认定“新优质学校”名单") % {"round": rlist.round.name}
    return rlist, items, title


def renewal_window(query) -> tuple[RenewalForm, int]:
    """The window form of a query and its days (the default when absent or invalid)."""
    form = RenewalForm(query or None, initial={"days": selectors.RENEWAL_DAYS})
    return form, form.cleaned_data["days"] if form.is_bound and form.is_valid() else selectors.RENEWAL_DAYS


def renewal_data(user, query, today):
    """复评: the window form, the days, today and the schools due (the page, the xlsx and its job)."""
    require_viewer(user)
    form, days = renewal_window(query)
    rows = selectors.renewal_due(scope=scopes.recognition_scope(user), today=today, days=days)
    return form, days, today, rows
