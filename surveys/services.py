"""Every write of 满意度问卷: default questionnaires, copies (new versions), campaigns, code batches and
the public submission.

Writes are keyword-only services under transaction.atomic. A questionnaire used by a campaign is frozen.
A code is spent by one conditional UPDATE (used_at IS NULL → now) inside the transaction that stores the
answers: two posts with the same code, even at the same moment, store one response; the other is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles, scopes
from audit.services import audit_record
from config.text import clean_field_text
from rubric.models import Element

from . import codes as codes_mod
from .defaults import DEFAULTS
from .models import (Answer, Campaign, CampaignGroup, CodeBatch, Group, Item, Questionnaire, Response,
                     ResponseCode)

OPEN_MAX_LENGTH = 500
MAX_CODES_PER_BATCH = 2000
MAX_OPEN_ITEMS = 3


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# ---------------------------------------------------------------- questionnaires


@transaction.atomic
def questionnaire_defaults_install(*, rubric_version) -> list[Questionnaire]:
    """The four default questionnaires (surveys.defaults) against a rubric version; idempotent.

    Element codes the version does not have are dropped (a different rubric may number otherwise).
    """
    known = set(Element.objects.filter(version=rubric_version).values_list("code", flat=True))
    made = []
    for spec in DEFAULTS:
        q = Questionnaire.objects.filter(code=spec["code"], rubric_version=rubric_version).order_by("-version").first()
        if q is not None:
            made.append(q)
            continue
        version = (Questionnaire.objects.filter(code=spec["code"]).order_by("-version")
                   .values_list("version", flat=True).first() or 0) + 1
        q = Questionnaire.objects.create(group=spec["group"], code=spec["code"], version=version, title=spec["title"],
                                         intro=spec["intro"], rubric_version=rubric_version, is_default=True)
        Item.objects.bulk_create([
            Item(questionnaire=q, order=n, kind=kind, text=text, element_codes=[c for c in links if c in known])
            for n, (kind, text, links) in enumerate(spec["items"], start=1)])
        made.append(q)
    return made


@transaction.atomic
def questionnaire_clone(*, questionnaire: Questionnaire, by=None) -> Questionnaire:
    """A new, editable version of a questionnaire (the way to change a frozen one)."""
    latest = Questionnaire.objects.filter(code=questionnaire.code).order_by("-version").first()
    copy = Questionnaire.objects.create(group=questionnaire.group, code=questionnaire.code,
                                        version=latest.version + 1, title=questionnaire.title,
                                        intro=questionnaire.intro, rubric_version=questionnaire.rubric_version,
                                        is_default=questionnaire.is_default)
    Item.objects.bulk_create([Item(questionnaire=copy, order=i.order, kind=i.kind, text=i.text,
                                   element_codes=list(i.element_codes)) for i in questionnaire.items.all()])
    return copy


def questionnaire_check(questionnaire: Questionnaire) -> None:
    """A questionnaire a campaign may use: items, at most MAX_OPEN_ITEMS open ones, codes of its rubric."""
    items = list(questionnaire.items.all())
    if not any(i.is_rated for i in items):
        raise ValidationError(_("问卷“%(q)s”没有量表题或是否题。") % {"q": questionnaire.title})
    if sum(1 for i in items if i.kind == Item.Kind.OPEN) > MAX_OPEN_ITEMS:
        raise ValidationError(_("问卷“%(q)s”的开放题不能超过 %(n)s 道。") % {"q": questionnaire.title,
                                                                         "n": MAX_OPEN_ITEMS})


# ---------------------------------------------------------------- campaigns


def _require_admin(by) -> None:
    if not roles.is_admin(by):
        raise PermissionDenied(_("只有管理员可以创建满意度调查活动。"))


@transaction.atomic
def campaign_create(*, round, school, opens_at: datetime, closes_at: datetime, questionnaires: dict, by,
                    request=None) -> Campaign:
    """One school's campaign in a round, with a questionnaire per chosen group (each one then frozen)."""
    _require_admin(by)
    if not questionnaires:
        raise ValidationError({"groups": _("请至少选择一个调查对象。")})
    campaign = Campaign(round=round, school=school, opens_at=opens_at, closes_at=closes_at, created_by=by)
    campaign.full_clean(validate_constraints=False)
    if Campaign.objects.filter(round=round, school=school).exists():
        raise ValidationError(_("%(school)s 在该批次已有满意度调查活动。") % {"school": school.name})
    for group, q in questionnaires.items():
        if group not in Group.values or q.group != group:
            raise ValidationError({"groups": _("问卷模板与调查对象不一致。")})
        if q.rubric_version_id != round.rubric_version_id:
            raise ValidationError({"groups": _("问卷“%(q)s”关联的评估细则版本与该批次不同。") % {"q": q.title}})
        questionnaire_check(q)
    campaign.save()
    now = timezone.now()
    for group, q in sorted(questionnaires.items(), key=lambda kv: Group.values.index(kv[0])):
        CampaignGroup.objects.create(campaign=campaign, group=group, questionnaire=q)
        Questionnaire.objects.filter(pk=q.pk, frozen_at__isnull=True).update(frozen_at=now)
    audit_record(event="survey.campaign_create", request=request, user=by, obj=campaign, school=school.code,
                 round=round.name, groups=sorted(questionnaires))
    return campaign


def campaign_schools(round):
    """The schools a round evaluates (its admitted schools): those with an evaluation in it."""
    from schools.models import School

    return School.objects.filter(evaluations__round=round).select_related("district").order_by("district__order",
                                                                                                "code")


@transaction.atomic
def campaigns_create_for_round(*, round, opens_at, closes_at, questionnaires: dict, by, request=None,
                               ) -> list[Campaign]:
    """The same campaign for every school of the round that has none yet."""
    _require_admin(by)
    have = set(Campaign.objects.filter(round=round).values_list("school_id", flat=True))
    return [campaign_create(round=round, school=s, opens_at=opens_at, closes_at=closes_at,
                            questionnaires=questionnaires, by=by, request=request)
            for s in campaign_schools(round) if s.pk not in have]


def may_print_slips(user, campaign: Campaign) -> bool:
    """Slips are made by admins and by the campaign school's own account."""
    school = scopes.school_of(user)
    return roles.is_admin(user) or (school is not None and school.pk == campaign.school_id)


@transaction.atomic
def codes_generate(*, group: CampaignGroup, count: int, base_url: str, by, request=None,
                   now: datetime | None = None, slips: bool = True) -> CodeBatch:
    """A batch of `count` new codes and its slips PDF, in one action: the plain codes go into the PDF only.

    `slips=False` (seed_demo only, whose codes are answered at once) skips the PDF."""
    from .pdf import slips_pdf

    group = CampaignGroup.objects.select_related("campaign__school", "campaign__round", "questionnaire").get(
        pk=group.pk)
    if not may_print_slips(by, group.campaign):
        raise PermissionDenied(_("只有管理员或本校账号可以生成答题码。"))
    if not isinstance(count, int) or not 1 <= count <= MAX_CODES_PER_BATCH:
        raise ValidationError({"count": _("数量须在 1 到 %(n)s 之间。") % {"n": MAX_CODES_PER_BATCH}})
    now = _now(now)
    if now >= group.campaign.closes_at:
        raise ValidationError(_("调查已截止，不能再生成答题码。"))
    plain = []
    seen = set()
    while len(plain) < count:
        code = codes_mod.new_code()
        if code not in seen:
            seen.add(code)
            plain.append(code)
    batch = CodeBatch.objects.create(group=group, count=count, created_by=by, created_at=now)
    try:
        ResponseCode.objects.bulk_create([ResponseCode(batch=batch, group=group, code_hash=codes_mod.code_hash(c))
                                          for c in plain])
    except IntegrityError:  # a collision with an earlier batch's code (31**12 codes: practically never)
        raise ValidationError(_("生成答题码时发生冲突，请重试。"))
    # The file is written last: nothing before it can fail after it, and the transaction holds the rows.
    if slips:
        batch.slips.save(f"slips-{batch.pk}.pdf",
                         ContentFile(slips_pdf(group=group, codes=plain, base_url=base_url)), save=True)
    batch.plain_codes = plain  # in memory only (seed_demo and tests answer with them); never stored
    audit_record(event="survey.codes_generate", request=request, user=by, obj=batch,
                 school=group.campaign.school.code, group=group.group, count=count)
    return batch


def demo_round_cleanup(round) -> None:
    """seed_demo --reset: the demo round's survey rows go with it (evaluation.hooks)."""
    for batch in CodeBatch.objects.filter(group__campaign__round=round).exclude(slips=""):
        batch.slips.delete(save=False)
    Answer.objects.filter(response__group__campaign__round=round).delete()
    Response.objects.filter(group__campaign__round=round).delete()
    Campaign.objects.filter(round=round).delete()


# ---------------------------------------------------------------- answering


class CodeRefused(Exception):
    """A code that cannot be answered with: `reason` is one of the keys of REFUSALS."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


REFUSALS = {
    "unknown": gettext_lazy("答题码不正确，请核对答题码条上的字符后重新输入。"),
    "used": gettext_lazy("该答题码已经使用过，每个答题码只能提交一次。感谢您的参与！"),
    "not_open": gettext_lazy("该问卷调查尚未开始，请在开始时间后再填写。"),
    "closed": gettext_lazy("该问卷调查已经结束，不再接受填写。感谢您的关注！"),
}


@dataclass(frozen=True)
class CodeState:
    code: ResponseCode
    group: CampaignGroup


def code_check(*, code: str, now: datetime | None = None) -> CodeState:
    """The campaign group of a plain code that may still answer now; CodeRefused otherwise."""
    normalized = codes_mod.normalize(code)
    if not normalized:
        raise CodeRefused("unknown")
    found = (ResponseCode.objects.select_related("group__campaign__school", "group__questionnaire")
             .filter(code_hash=codes_mod.code_hash(normalized)).first())
    if found is None:
        raise CodeRefused("unknown")
    if found.used_at is not None:
        raise CodeRefused("used")
    now = _now(now)
    campaign = found.group.campaign
    if now < campaign.opens_at:
        raise CodeRefused("not_open")
    if now >= campaign.closes_at:
        raise CodeRefused("closed")
    return CodeState(code=found, group=found.group)


def answers_clean(*, items, data: dict) -> dict[int, tuple[int | None, str]]:
    """The submitted answers, one per item: scale items 1–5, yes/no 0/1 (all required), open text optional.

    `data` maps an item id to the raw value. Refused with a Chinese ValidationError keyed by "item_<id>".
    """
    from .models import SCALE_LABELS

    errors = {}
    cleaned = {}
    for item in items:
        key = f"item_{item.pk}"
        raw = data.get(item.pk)
        if item.kind == Item.Kind.OPEN:
            try:
                cleaned[item.pk] = (None, clean_field_text(raw, field_name=key, label=_("该题回答"),
                                                           max_length=OPEN_MAX_LENGTH))
            except ValidationError as exc:
                errors.update(exc.message_dict)
            continue
        allowed = {v for v, _label in SCALE_LABELS[item.kind]}
        try:
            value = int(str(raw).strip()) if raw not in (None, "") else None
        except (TypeError, ValueError):
            value = None
        if value not in allowed:
            errors[key] = [_("请选择一项。")]
        else:
            cleaned[item.pk] = (value, "")
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def response_submit(*, code: str, data: dict, now: datetime | None = None) -> Response:
    """Store one questionnaire for a code and spend the code, or refuse (CodeRefused / ValidationError).

    Nothing about the person is kept: not the code (only its spent flag), not the address; the time to the hour.
    """
    now = _now(now)
    state = code_check(code=code, now=now)
    items = list(state.group.questionnaire.items.all())
    cleaned = answers_clean(items=items, data=data)
    # The one guard against replays, concurrent ones included: only one UPDATE finds used_at still NULL.
    spent = ResponseCode.objects.filter(pk=state.code.pk, used_at__isnull=True).update(used_at=now)
    if spent != 1:
        raise CodeRefused("used")
    response = Response.objects.create(group=state.group,
                                       submitted_hour=now.replace(minute=0, second=0, microsecond=0))
    Answer.objects.bulk_create([Answer(response=response, item_id=item_id, value=value, text=text)
                                for item_id, (value, text) in cleaned.items() if value is not None or text])
    return response
