"""The 整改台账 workbook as a registered table export (reports.background): the inline download and
the background job build it here from the ledger page's own rows (access.ledger_data)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import scopes
from reports import background
from reports.background import TableExport, register

from .access import ledger_data, require_ledger_reader

LEDGER_PARAMS = ("round", "district", "school", "status", "overdue")


def _allowed(user, params) -> None:
    require_ledger_reader(user)


def _count(user, params) -> int:
    """At most this many rows: the items the user may see (the filters only shorten the list)."""
    return scopes.rectification_items_visible_to(user).count()


def _build(user, params, target, progress, *, today) -> int:
    from . import exports, selectors

    _form, rows, _today = ledger_data(user, params, today)
    exports.ledger_xlsx(selectors.status_rows(rows, today=today), selectors.ledger_counts(rows, today=today),
                        title=_("整改台账（%(day)s）") % {"day": today.isoformat()}, target=target)
    progress(len(rows))
    return len(rows)


def _filename(user, params, *, today, now) -> str:
    return _("整改台账") + "-" + today.isoformat() + ".xlsx"


def _validate(params) -> None:
    from .models import RectificationItem

    background.require_digits(params, "round", "district", "school")
    background.require_choice(params, "status", RectificationItem.Status.values)
    background.require_choice(params, "overdue", background.BOOLEAN_VALUES)


def _today():
    from .views import _today as today

    return today()


register(TableExport(
    name="rectification_ledger", label=gettext_lazy("整改台账（Excel）"), params=LEDGER_PARAMS,
    allowed=_allowed, count=_count, build=_build, filename=_filename, validate=_validate,
    today=_today,
    back_url=lambda params: f"{reverse('rectification:ledger')}?{urlencode(params)}",
))
