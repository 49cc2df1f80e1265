"""Every write of the recognition process: the list, its 公示, objections, 认定, certificates' records.

Each state change is a keyword-only service under transaction.atomic: it locks the list first (then
its entries, then evaluations — one order everywhere, so two steps never deadlock), checks its
preconditions on the rows as stored, writes, records a RecognitionTransition and audits. A step out
of order is refused with a Chinese ValidationError and writes nothing. `today` is injectable
(default: the local date) so tests never depend on the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from audit.services import audit_record
from config.text import clean_field_text, is_invisible_or_control
from evaluation.models import Evaluation, Round
from reports.selectors import round_totals

from . import notices, selectors
from .models import Objection, Recognition, RecognitionEntry, RecognitionList, RecognitionTransition

REASON_MAX_LENGTH = 1000
CONTACT_MAX_LENGTH = 500
OBJECTION_TEXT_MAX_LENGTH = 5000


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


# One rule for a service's text fields (config.text).
_text = clean_field_text


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


def demo_round_cleanup(round) -> None:
    """seed_demo --reset: the demo round's recognition rows go with it (evaluation.hooks)."""
    rlist = RecognitionList.objects.filter(round=round).first()
    if rlist is None:
        return
    Recognition.objects.filter(list=rlist).delete()
    Objection.objects.filter(list=rlist).delete()
    rlist.delete()  # entries and transitions cascade


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


# ---------------------------------------------------------------- 公示


def publicity_default_end(starts_on: date) -> date:
    """The last day of a 公示 of RECOGNITION_PUBLICITY_DAYS calendar days, the first day included
    (7 days from 11月2日: 11月2日至11月8日, as the notice states it)."""
    return starts_on + timedelta(days=settings.RECOGNITION_PUBLICITY_DAYS - 1)


@transaction.atomic
def recognition_publish(*, rlist: RecognitionList, objection_contact: str, starts_on: date | None = None,
                        ends_on: date | None = None, by, today: date | None = None, request=None) -> RecognitionList:
    """发布公示: freeze the draft list and open the 公示 (default from today, RECOGNITION_PUBLICITY_DAYS long).

    Refused unless the list is a draft that still matches the finalized results (selectors.list_check:
    no reopened school, no changed total, no finalized school missing) and proposes at least one
    school; the period may not start in the past nor be shorter than the minimum; where and how to
    send objections is required. From now on the list's schools cannot be reopened (reopen_guard).
    """
    _require_admin(by)
    today = _today(today)
    rlist = _lock_list(rlist.pk)
    if not rlist.is_draft:
        raise ValidationError(_("名单已发布公示，不能重复发布。"))
    contact = _text(objection_contact, field_name="objection_contact", label=_("异议受理方式"),
                    max_length=CONTACT_MAX_LENGTH, required=True)
    starts_on = starts_on or today
    ends_on = ends_on or publicity_default_end(starts_on)
    if starts_on < today:
        raise ValidationError({"starts_on": _("公示开始日期不能早于今天（%(today)s）。") % {"today": today.isoformat()}})
    days = (ends_on - starts_on).days + 1
    if days < settings.RECOGNITION_PUBLICITY_DAYS:
        raise ValidationError({"ends_on": _("公示期不少于 %(n)s 天（含首日）；最早结束日期为 %(end)s。") % {
            "n": settings.RECOGNITION_PUBLICITY_DAYS, "end": publicity_default_end(starts_on).isoformat()}})
    # Lock the schools' evaluations before checking them: a concurrent reopen either finishes first
    # (and the check sees it) or waits and then meets the published list (reopen_guard).
    ev_ids = list(RecognitionEntry.objects.filter(list=rlist).values_list("evaluation_id", flat=True))
    list(Evaluation.objects.select_for_update().filter(pk__in=ev_ids).values_list("pk", flat=True))
    check = selectors.list_check(rlist=rlist)
    if check.needs_refresh:
        raise ValidationError(check.messages())
    if not check.proposed:
        raise ValidationError(_("名单中没有拟认定的学校，无需公示。"))
    rlist.status = RecognitionList.Status.PUBLICITY
    rlist.publicity_starts_on, rlist.publicity_ends_on = starts_on, ends_on
    rlist.objection_contact = contact
    rlist.published_at, rlist.published_by = timezone.now(), by
    rlist.save(update_fields=["status", "publicity_starts_on", "publicity_ends_on", "objection_contact",
                              "published_at", "published_by", "updated_at"])
    _record(rlist, RecognitionTransition.Action.PUBLISH, by, starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat(), proposed=check.proposed)
    audit_record(event="recognition.publish", request=request, user=by, obj=rlist, round=rlist.round.name,
                 date_from=starts_on.isoformat(), date_to=ends_on.isoformat(), count=check.proposed)
    notices.published(rlist=rlist, by=by, entries=RecognitionEntry.objects.filter(
        list=rlist, decision=RecognitionEntry.Decision.PROPOSED, withdrawn=False).select_related("evaluation__school"))
    return rlist


# ---------------------------------------------------------------- 异议


class ObjectionConflict(Exception):
    """A stale objection form; `current` is the objection as it is now."""

    def __init__(self, current: Objection):
        self.current = current
        super().__init__(_("该异议已被他人修改。"))


def _objection_texts(*, handler, investigation) -> dict:
    return {
        "handler": _text(handler, field_name="handler", label=_("承办人"), max_length=100),
        "investigation": _text(investigation, field_name="investigation", label=_("调查核实情况"),
                               max_length=OBJECTION_TEXT_MAX_LENGTH),
    }


@transaction.atomic
def objection_record(*, rlist: RecognitionList, entry: RecognitionEntry, received_on: date, channel: str,
                     content: str, contact: str = "", handler: str = "", by, today: date | None = None,
                     request=None) -> Objection:
    """登记异议 about one school proposed on a list in 公示.

    Only while the list is in 公示, and only objections received within the 公示 period (one received in
    time may be recorded after the period has ended, until 认定) and not in the future. The objector's
    contact is optional and shown to admins only; it is kept out of the audit detail.
    """
    _require_admin(by)
    today = _today(today)
    rlist = _lock_list(rlist.pk)
    if not rlist.in_publicity:
        raise ValidationError(_("只有公示期间的名单才能登记异议（当前：%(status)s）。") % {
            "status": rlist.get_status_display()})
    entry = RecognitionEntry.objects.select_related("evaluation__school").filter(pk=getattr(entry, "pk", None),
                                                                               list=rlist).first()
    if entry is None or entry.decision != RecognitionEntry.Decision.PROPOSED:
        raise ValidationError({"entry": _("请选择公示名单中的学校。")})
    if received_on is None:
        raise ValidationError({"received_on": _("请填写收到日期。")})
    if not rlist.publicity_starts_on <= received_on <= rlist.publicity_ends_on:
        raise ValidationError({"received_on": _("收到日期须在公示期内（%(start)s 至 %(end)s）；公示期外收到的异议不予登记。") % {
            "start": rlist.publicity_starts_on.isoformat(), "end": rlist.publicity_ends_on.isoformat()}})
    if received_on > today:
        raise ValidationError({"received_on": _("收到日期不能晚于今天。")})
    if channel not in Objection.Channel.values:
        raise ValidationError({"channel": _("请选择渠道。")})
    content = _text(content, field_name="content", label=_("异议内容"), max_length=OBJECTION_TEXT_MAX_LENGTH,
                    required=True)
    contact = _text(contact, field_name="contact", label=_("联系方式"), max_length=200)
    texts = _objection_texts(handler=handler, investigation="")
    objection = Objection(list=rlist, entry=entry, received_on=received_on, channel=channel, content=content,
                          contact=contact, handler=texts["handler"], created_by=by)
    objection.full_clean()
    objection.save()
    _record(rlist, RecognitionTransition.Action.OBJECTION_RECORD, by, school=entry.evaluation.school.code,
            objection=objection.pk, received_on=received_on.isoformat(), channel=channel)
    audit_record(event="recognition.objection_record", request=request, user=by, obj=objection,
                 school=entry.evaluation.school.code, received_on=received_on.isoformat(),
                 channel=objection.get_channel_display())
    return objection


def _lock_open_objection(objection: Objection) -> tuple[RecognitionList, Objection]:
    rlist = _lock_list(objection.list_id)
    objection = Objection.objects.select_for_update(of=("self",)).select_related("entry__evaluation__school").get(
        pk=objection.pk)
    if rlist.is_concluded:
        raise ValidationError(_("认定已完成，异议不能再修改。"))
    if not objection.is_open:
        raise ValidationError(_("该异议已办结，不能再修改。"))
    return rlist, objection


def _check_version(objection: Objection, version) -> None:
    try:
        seen = int(version)
    except (TypeError, ValueError):
        seen = -1
    if seen != objection.version:
        raise ObjectionConflict(objection)


@transaction.atomic
def objection_update(*, objection: Objection, handler: str, investigation: str, version, by,
                     request=None) -> Objection:
    """Record who handles an open objection and what the investigation found (before its outcome)."""
    _require_admin(by)
    rlist, objection = _lock_open_objection(objection)
    texts = _objection_texts(handler=handler, investigation=investigation)
    if all(getattr(objection, k) == v for k, v in texts.items()):
        return objection
    _check_version(objection, version)
    for k, v in texts.items():
        setattr(objection, k, v)
    objection.version += 1
    objection.save(update_fields=["handler", "investigation", "version", "updated_at"])
    _record(rlist, RecognitionTransition.Action.OBJECTION_UPDATE, by, school=objection.entry.evaluation.school.code,
            objection=objection.pk)
    audit_record(event="recognition.objection_update", request=request, user=by, obj=objection,
                 school=objection.entry.evaluation.school.code)
    return objection


@transaction.atomic
def objection_close(*, objection: Objection, outcome: str, withdraw: bool, handler: str, investigation: str,
                    version, by, request=None) -> Objection:
    """办结: an outcome (成立 / 不成立) is required; an upheld objection may withdraw the school from the
    list (the entry is marked withdrawn and will not be recognized). Only before 认定."""
    _require_admin(by)
    rlist, objection = _lock_open_objection(objection)
    if outcome not in Objection.Outcome.values:
        raise ValidationError({"outcome": _("办结前须选择处理结果（成立或不成立）。")})
    if withdraw and outcome != Objection.Outcome.UPHELD:
        raise ValidationError({"withdraw": _("只有异议成立时才能将学校撤出名单。")})
    texts = _objection_texts(handler=handler, investigation=investigation)
    if not texts["investigation"]:
        raise ValidationError({"investigation": _("办结前须填写调查核实情况。")})
    _check_version(objection, version)
    for k, v in texts.items():
        setattr(objection, k, v)
    objection.outcome, objection.withdraw = outcome, bool(withdraw)
    objection.status = Objection.Status.CLOSED
    objection.closed_at, objection.closed_by = timezone.now(), by
    objection.version += 1
    objection.save(update_fields=["handler", "investigation", "outcome", "withdraw", "status", "closed_at",
                                  "closed_by", "version", "updated_at"])
    if objection.withdraw:
        entry = RecognitionEntry.objects.select_for_update().get(pk=objection.entry_id)
        entry.withdrawn = True
        entry.version += 1
        entry.updated_by = by
        entry.save(update_fields=["withdrawn", "version", "updated_by", "updated_at"])
    school = objection.entry.evaluation.school.code
    _record(rlist, RecognitionTransition.Action.OBJECTION_CLOSE, by, reason=objection.investigation, school=school,
            objection=objection.pk, outcome=outcome, withdraw=objection.withdraw)
    audit_record(event="recognition.objection_close", request=request, user=by, obj=objection, school=school,
                 outcome=objection.get_outcome_display(), withdraw=objection.withdraw)
    return objection


# ---------------------------------------------------------------- 认定


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def recognition_valid_until(recognized_on: date) -> date:
    """The last day a recognition is valid: RECOGNITION_VALID_YEARS after its date."""
    return add_years(recognized_on, settings.RECOGNITION_VALID_YEARS)


@transaction.atomic
def recognition_conclude(*, rlist: RecognitionList, document_no: str, recognized_on: date | None, by,
                         today: date | None = None, request=None) -> list[Recognition]:
    """认定: after the 公示 has ended and every objection is closed, the admin concludes the list with the
    document number (文号) and its date; every school still proposed (not withdrawn) is recognized, valid
    RECOGNITION_VALID_YEARS years. Returns the recognitions made."""
    _require_admin(by)
    today = _today(today)
    rlist = _lock_list(rlist.pk)
    if rlist.is_draft:
        raise ValidationError(_("名单尚未公示，不能认定。"))
    if rlist.is_concluded:
        raise ValidationError(_("该名单已完成认定。"))
    if not rlist.publicity_over(today):
        raise ValidationError(_("公示期至 %(end)s 结束，%(next)s 起才能认定。") % {
            "end": rlist.publicity_ends_on.isoformat(),
            "next": (rlist.publicity_ends_on + timedelta(days=1)).isoformat()})
    open_count = Objection.objects.filter(list=rlist, status=Objection.Status.OPEN).count()
    if open_count:
        raise ValidationError(_("还有 %(n)s 件异议尚未办结，全部办结后才能认定。") % {"n": open_count})
    document_no = _text(document_no, field_name="document_no", label=_("认定文号"), max_length=100, required=True)
    if any(is_invisible_or_control(c) for c in document_no):
        raise ValidationError({"document_no": _("认定文号不能包含换行、制表符等控制字符或不可见字符。")})
    if recognized_on is None:
        raise ValidationError({"recognized_on": _("请填写认定日期。")})
    if recognized_on <= rlist.publicity_ends_on:
        raise ValidationError({"recognized_on": _("认定日期须在公示期结束（%(end)s）之后。") % {
            "end": rlist.publicity_ends_on.isoformat()}})
    if recognized_on > today:
        raise ValidationError({"recognized_on": _("认定日期不能晚于今天。")})
    entries = list(RecognitionEntry.objects.select_for_update(of=("self",)).filter(
        list=rlist, decision=RecognitionEntry.Decision.PROPOSED, withdrawn=False).select_related("evaluation"))
    valid_until = recognition_valid_until(recognized_on)
    made = Recognition.objects.bulk_create([
        Recognition(school_id=e.evaluation.school_id, round_id=rlist.round_id, list=rlist, entry=e,
                    document_no=document_no, recognized_on=recognized_on, valid_until=valid_until, created_by=by)
        for e in entries
    ])
    rlist.status = RecognitionList.Status.CONCLUDED
    rlist.document_no, rlist.recognized_on = document_no, recognized_on
    rlist.concluded_at, rlist.concluded_by = timezone.now(), by
    rlist.save(update_fields=["status", "document_no", "recognized_on", "concluded_at", "concluded_by", "updated_at"])
    _record(rlist, RecognitionTransition.Action.CONCLUDE, by, document_no=document_no,
            recognized_on=recognized_on.isoformat(), valid_until=valid_until.isoformat(), recognized=len(made))
    audit_record(event="recognition.conclude", request=request, user=by, obj=rlist, round=rlist.round.name,
                 document_no=document_no, date_from=recognized_on.isoformat(), date_to=valid_until.isoformat(),
                 count=len(made))
    notices.concluded(rlist=rlist, recognitions=made, by=by)
    return made


def record_results_published(*, round: Round, published: bool, by) -> None:
    """Note the results switch on the round's list, when there is one (the switch itself is evaluation's)."""
    rlist = RecognitionList.objects.filter(round=round).first()
    if rlist is not None:
        _record(rlist, RecognitionTransition.Action.RESULTS, by,
                reason=_("向学校公布结果") if published else _("撤回向学校公布的结果"), published=bool(published))
