"""Every write of the recognition process: the list, its 公示, objections, 认定, certificates' records.

Each state change is a keyword-only service under transaction.atomic: it locks the list first (then
its entries, then evaluations — one order everywhere, so two steps never deadlock), checks its
preconditions on the rows as stored, writes, records a RecognitionTransition and audits. A step out
of order is refused with a Chinese ValidationError and writes nothing. `today` is injectable
(default: the local date) so tests never depend on the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from audit.services import audit_record
from config.text import strip_noncharacters
from evaluation.models import Evaluation, Round
from reports.selectors import round_totals

from .models import RecognitionEntry, RecognitionList, RecognitionTransition

REASON_MAX_LENGTH = 1000


class EntryConflict(Exception):
    """A stale decision form; `current` is the entry as it is now."""

    def __init__(self, current: RecognitionEntry):
        self.current = current
        super().__init__(_("该校的拟认定意见已被他人修改。"))


def _require_admin(by) -> None:
    if not roles.is_admin(by):
        raise PermissionDenied(_("只有管理员可以办理认定。"))


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _text(value, *, field_name: str, label: str, max_length: int, required: bool = False) -> str:
    """User text as stored: controls and non-characters dropped, trimmed, length checked."""
    text = strip_noncharacters(str(value or "")).strip()
    if required and not text:
        raise ValidationError({field_name: _("请填写%(label)s。") % {"label": label}})
    if len(text) > max_length:
        raise ValidationError({field_name: _("%(label)s不能超过 %(n)s 字。") % {"label": label, "n": max_length}})
    return text


def _lock_list(pk: int) -> RecognitionList:
    # select_related would lock the round row too on PostgreSQL: lock the list alone, read the round after.
    rlist = RecognitionList.objects.select_for_update().get(pk=pk)
    rlist.round = Round.objects.get(pk=rlist.round_id)
    return rlist


def _record(rlist: RecognitionList, action: str, by, *, reason: str = "", **detail) -> RecognitionTransition:
    return RecognitionTransition.objects.create(list=rlist, action=action, by=by, reason=reason, detail=detail)


# ---------------------------------------------------------------- the reopen guard (evaluation.hooks)


def reopen_guard(evaluation) -> str | None:
    """A school on a list in 公示 or concluded is frozen: its evaluation may not be reopened."""
    entry = (
        RecognitionEntry.objects.filter(evaluation_id=evaluation.pk, list__status__in=[
            RecognitionList.Status.PUBLICITY, RecognitionList.Status.CONCLUDED])
        .select_related("list__round").first()
    )
    if entry is None:
        return None
    return _("该校在“%(round)s”的拟认定名单上，名单已%(status)s，评估结果已冻结，不能重新开启。") % {
        "round": entry.list.round.name,
        "status": _("发布公示") if entry.list.in_publicity else _("完成认定"),
    }


# ---------------------------------------------------------------- 拟认定: build, refresh, decide


@dataclass
class BuildResult:
    list: RecognitionList
    created: bool
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@transaction.atomic
def recognition_list_build(*, round: Round, by, request=None) -> BuildResult:
    """Build the round's 拟认定 list, or refresh a draft one, from its finalized evaluations.

    Every finalized school gets an entry with its total (a snapshot from reports.selectors.round_totals,
    the one totals selector) and a decision defaulting from the pass mark (RecognitionEntry.default_for).
    Refreshing adds newly finalized schools, drops reopened ones, takes new totals and follows a changed
    pass mark; a decision the admin changed (with its reason) is kept. Refused once the list is published.
    """
    _require_admin(by)
    round = Round.objects.select_for_update().get(pk=round.pk)
    if round.pass_mark is None:
        raise ValidationError(_("本批次还没有设定认定分数线，无法按分数线拟定名单；请先在评估批次设置中填写认定分数线。"))
    rlist = RecognitionList.objects.select_for_update().filter(round=round).first()
    if rlist is not None and not rlist.is_draft:
        raise ValidationError(_("名单已发布公示，不能再修改。"))
    rows = {r.evaluation_id: r for r in round_totals(round=round)}  # finalized evaluations only
    if rlist is None and not rows:
        raise ValidationError(_("本批次还没有已定稿的学校，无法拟定名单。"))
    created = rlist is None
    if created:
        rlist = RecognitionList.objects.create(round=round, created_by=by)
    result = BuildResult(list=rlist, created=created)
    existing = {e.evaluation_id: e for e in RecognitionEntry.objects.select_for_update(of=("self",)).filter(list=rlist)
                .select_related("evaluation__school")}
    new_entries, changed_entries = [], []
    for ev_id, row in rows.items():
        default = RecognitionEntry.default_for(row.total, round.pass_mark)
        entry = existing.get(ev_id)
        if entry is None:
            new_entries.append(RecognitionEntry(list=rlist, evaluation_id=ev_id, total=row.total,
                                                default_decision=default, decision=default, updated_by=by))
            result.added.append(row.school.code)
            continue
        # A decision that followed the pass mark keeps following it; one the admin set (with a reason) stays.
        decision = default if entry.decision == entry.default_decision else entry.decision
        if (entry.total, entry.default_decision, entry.decision) != (row.total, default, decision):
            entry.total, entry.default_decision, entry.decision = row.total, default, decision
            entry.version += 1
            entry.updated_by = by
            changed_entries.append(entry)
            result.changed.append(row.school.code)
    gone = [e for ev_id, e in existing.items() if ev_id not in rows]
    result.removed = [e.evaluation.school.code for e in gone]
    RecognitionEntry.objects.filter(pk__in=[e.pk for e in gone]).delete()
    RecognitionEntry.objects.bulk_create(new_entries)
    RecognitionEntry.objects.bulk_update(changed_entries, ["total", "default_decision", "decision", "version",
                                                           "updated_by"])
    RecognitionList.objects.filter(pk=rlist.pk).update(updated_at=timezone.now())
    action = RecognitionTransition.Action.BUILD if created else RecognitionTransition.Action.REFRESH
    _record(rlist, action, by, added=sorted(result.added), removed=sorted(result.removed),
            changed=sorted(result.changed), pass_mark=str(round.pass_mark))
    audit_record(event="recognition.build" if created else "recognition.refresh", request=request, user=by,
                 obj=rlist, round=round.name, added=len(result.added), removed=len(result.removed),
                 changed=len(result.changed))
    return result


@transaction.atomic
def recognition_entry_decide(*, entry: RecognitionEntry, decision: str, reason: str, version, by,
                             request=None) -> RecognitionEntry:
    """Set the decision on one school of a draft list (拟认定 / 不予认定 / 暂缓).

    A decision other than the pass mark's needs a reason. Refused once the list is published, or when
    the school's evaluation is no longer finalized (reopened: refresh the list once it is finalized
    again). A stale `version` raises EntryConflict and changes nothing.
    """
    _require_admin(by)
    rlist = _lock_list(entry.list_id)
    entry = RecognitionEntry.objects.select_for_update(of=("self",)).select_related("evaluation__school").get(pk=entry.pk)
    if not rlist.is_draft:
        raise ValidationError(_("名单已发布公示，拟认定意见不能再修改。"))
    evaluation = Evaluation.objects.select_for_update().get(pk=entry.evaluation_id)
    if not evaluation.is_finalized:
        raise ValidationError(
            _("%(school)s 的评估尚未定稿（已重新开启），不能作出拟认定意见；重新定稿后请刷新名单。")
            % {"school": entry.evaluation.school.name}
        )
    if decision not in RecognitionEntry.Decision.values:
        raise ValidationError({"decision": _("请选择拟认定意见。")})
    reason = _text(reason, field_name="reason", label=_("理由"), max_length=REASON_MAX_LENGTH)
    if decision != entry.default_decision and not reason:
        raise ValidationError({"reason": _("拟认定意见与按认定分数线得出的意见（%(default)s）不同，须填写理由。") % {
            "default": RecognitionEntry.Decision(entry.default_decision).label}})
    if decision == entry.decision and reason == entry.reason:
        return entry  # a replay: nothing to record
    try:
        seen = int(version)
    except (TypeError, ValueError):
        seen = -1
    if seen != entry.version:
        raise EntryConflict(entry)
    before = entry.decision
    entry.decision, entry.reason = decision, reason
    entry.version += 1
    entry.updated_by = by
    entry.save(update_fields=["decision", "reason", "version", "updated_by", "updated_at"])
    _record(rlist, RecognitionTransition.Action.DECIDE, by, reason=reason, school=entry.evaluation.school.code,
            before=before, after=decision)
    audit_record(event="recognition.decide", request=request, user=by, obj=rlist, school=entry.evaluation.school.code,
                 decision_before=str(RecognitionEntry.Decision(before).label),
                 decision_after=str(RecognitionEntry.Decision(decision).label), reason=reason)
    return entry
