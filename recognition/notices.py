"""Who is told about 公示 and 认定 (notifications.notify): the schools on the list."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import scopes
from notifications.models import Kind
from notifications.services import notify


def published(*, rlist, entries, by) -> None:
    """公示 began: each proposed school's accounts."""
    for entry in entries:
        school = entry.evaluation.school
        notify(users=scopes.school_accounts(school.pk), kind=Kind.RECOGNITION, actor=by,
               title=_("本校列入%(round)s拟认定名单，正在公示") % {"round": rlist.round.name},
               body=_("公示期：%(start)s 至 %(end)s") % {"start": rlist.publicity_starts_on.isoformat(),
                                                     "end": rlist.publicity_ends_on.isoformat()},
               url=reverse("reports:my_results"))


def concluded(*, rlist, recognitions, by) -> None:
    for rec in recognitions:
        notify(users=scopes.school_accounts(rec.school_id), kind=Kind.RECOGNITION, actor=by,
               title=_("本校被认定为新优质学校（%(round)s）") % {"round": rlist.round.name},
               body=_("文号：%(no)s；有效期至 %(until)s") % {"no": rec.document_no, "until": rec.valid_until.isoformat()},
               url=reverse("reports:my_results"))
