"""Who may read the 整改台账 and what they read: the ledger page and its workbook (inline and in the
background) ask here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts import roles, scopes
from evaluation.models import Round

from . import selectors
from .forms import LedgerFilterForm


def require_ledger_reader(user) -> None:
    """403 unless the user reads the ledger: results roles (with a scope) and inspectors."""
    if not (roles.can_view_results(user) or roles.is_inspector(user)):
        raise PermissionDenied(_("只有教育局、督导专家和管理员可以查看整改台账。"))
    if not roles.is_inspector(user):
        scopes.require_scope(user)


def ledger_data(user, query, today):
    """The ledger's filter form and rows for `user` (the page, the inline xlsx and its background
    job: rectification.table_exports)."""
    require_ledger_reader(user)
    visible = scopes.rectification_items_visible_to(user)
    rounds = Round.objects.filter(pk__in=visible.values("evaluation__round_id")).order_by("-year", "-id")
    from schools.models import District

    districts = District.objects.filter(pk__in=visible.values("evaluation__school__district_id")).order_by("order",
                                                                                                       "code")
    form = LedgerFilterForm(query or None, rounds=rounds, districts=districts)
    rows = selectors.ledger(user, filters=form.filters() if form.is_bound else selectors.LedgerFilters(),
                            today=today)
    return form, rows, today
