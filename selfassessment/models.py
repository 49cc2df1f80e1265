"""学校自评申报 before the visit: nominations, a school's self-assessment per round, its self-scores
and evidence, and every step of the chain (申报 → 区县初评推荐 → 市级受理).

Data flows one way: rubric → round → self-assessment → (admission creates) evaluation. The
statuses change only through selfassessment.services, each step recorded as a Transition.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.evidence_files import EvidenceFile


class SchoolNomination(models.Model):
    """区县推荐（提名）: a district marks one of its schools as invited to apply in a round."""

    round = models.ForeignKey("evaluation.Round", verbose_name=_("评估批次"), on_delete=models.CASCADE,
                              related_name="nominations")
    school = models.ForeignKey("schools.School", verbose_name=_("学校"), on_delete=models.PROTECT,
                               related_name="nominations")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提名人"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("提名时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("区县提名")
        verbose_name_plural = _("区县提名")
        ordering = ["round", "school__code"]
        constraints = [models.UniqueConstraint(fields=["round", "school"], name="one_nomination_per_round_school")]

    def __str__(self):
        return f"{self.round} · {self.school.name}"


class SelfAssessment(models.Model):
    """学校自评: one school's self-assessment in one round, and where it stands in the chain."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未申报")
        DRAFT = "draft", _("填报中")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("已退回")
        RECOMMENDED = "recommended", _("已推荐")
        ADMITTED = "admitted", _("已受理")
        DECLINED = "declined", _("未受理")

    # The school may change it; everything else is read-only to the school (403 on writes).
    OPEN_TO_SCHOOL = (Status.NOT_STARTED, Status.DRAFT, Status.RETURNED)
    # What a panel reads (the side-status rule): the district stood behind it (and the city, once
    # admitted). accounts.scopes applies it to inspectors; selectors.self_side to the panel's pages.
    SIDE_STATUSES = (Status.RECOMMENDED, Status.ADMITTED)

    round = models.ForeignKey("evaluation.Round", verbose_name=_("评估批次"), on_delete=models.PROTECT,
                              related_name="self_assessments")
    school = models.ForeignKey("schools.School", verbose_name=_("学校"), on_delete=models.PROTECT,
                               related_name="self_assessments")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    report_summary = models.TextField(_("自评报告"), blank=True)
    report_version = models.PositiveIntegerField(_("自评报告版本号"), default=0)
    district_opinion = models.TextField(_("初评意见"), blank=True)
    decision_reason = models.TextField(_("不予受理原因"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    recommended_at = models.DateTimeField(_("推荐时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("受理决定时间"), null=True, blank=True)
    evaluation = models.OneToOneField("evaluation.Evaluation", verbose_name=_("学校评估"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="self_assessment")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("学校自评")
        verbose_name_plural = _("学校自评")
        ordering = ["round", "school__code"]
        constraints = [models.UniqueConstraint(fields=["round", "school"], name="one_self_assessment_per_round_school")]

    def __str__(self):
        return f"{self.round} · {self.school.name}"

    @property
    def open_to_school(self) -> bool:
        return self.status in self.OPEN_TO_SCHOOL

    def lock_reason(self, *, today) -> str | None:
        """Why the school may not change it now (None while it may): the one "is this editable" rule."""
        from .selectors import application_refusal

        if self.status == self.Status.SUBMITTED:
            return str(_("自评已提交，等待区县初评，不能再修改。"))
        if self.status == self.Status.RECOMMENDED:
            return str(_("区县已推荐，自评已锁定，不能再修改。"))
        if self.status in (self.Status.ADMITTED, self.Status.DECLINED):
            return str(_("市级已作出受理决定，自评不能再修改。"))
        if self.round.status == self.round.Status.CLOSED:
            return str(_("该评估批次已结束。"))
        if self.status == self.Status.RETURNED:
            closes = self.round.district_review_closes_on
            if closes and today > closes:
                return str(_("区县初评已于 %(d)s 截止，退回的申报不能再修改。") % {"d": closes.isoformat()})
            return None
        return application_refusal(round=self.round, school=self.school, today=today)


class SelfScore(models.Model):
    """自评分: the school's own score for one element, with its 自评说明. `version` guards lost updates."""

    self_assessment = models.ForeignKey(SelfAssessment, verbose_name=_("学校自评"), on_delete=models.CASCADE,
                                        related_name="scores")
    element = models.ForeignKey("rubric.Element", verbose_name=_("评估要素"), on_delete=models.PROTECT,
                                related_name="self_scores")
    points = models.DecimalField(_("自评分"), max_digits=5, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("自评说明"), blank=True)
    version = models.PositiveIntegerField(_("版本号"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("自评分")
        verbose_name_plural = _("自评分")
        ordering = ["self_assessment", "element__order"]
        constraints = [
            models.UniqueConstraint(fields=["self_assessment", "element"], name="one_self_score_per_element"),
            models.CheckConstraint(condition=models.Q(points__gte=0) | models.Q(points__isnull=True),
                                   name="self_score_not_negative"),
        ]

    def __str__(self):
        return f"{self.element.code}: {self.points}"


def self_evidence_upload_to(instance, filename):
    # The stored name is generated by the service; never the user's file name.
    return f"self_evidence/{instance.self_assessment_id}/{filename}"


class SelfEvidence(EvidenceFile):
    """A file the school filed: against an element's requirement, or (element empty) for its 自评报告."""

    self_assessment = models.ForeignKey(SelfAssessment, verbose_name=_("学校自评"), on_delete=models.CASCADE,
                                        related_name="evidence")
    element = models.ForeignKey("rubric.Element", verbose_name=_("评估要素"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="self_evidence")
    requirement = models.ForeignKey("rubric.EvidenceRequirement", verbose_name=_("佐证要求"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="self_evidence")
    file = models.FileField(_("文件"), upload_to=self_evidence_upload_to, max_length=300)

    class Meta:
        verbose_name = _("自评佐证材料")
        verbose_name_plural = _("自评佐证材料")
        ordering = ["uploaded_at", "id"]


    @property
    def is_report_attachment(self) -> bool:
        return self.element_id is None


class Transition(models.Model):
    """One step of the chain (提交、退回、推荐、退回区县、受理、不予受理、导入), kept for the record."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("提交")
        RETURN = "return", _("区县退回")
        RECOMMEND = "recommend", _("区县推荐")
        SEND_BACK = "send_back", _("市级退回区县")
        ADMIT = "admit", _("市级受理")
        DECLINE = "decline", _("不予受理")
        IMPORT = "import", _("导入自评表")

    self_assessment = models.ForeignKey(SelfAssessment, verbose_name=_("学校自评"), on_delete=models.CASCADE,
                                        related_name="transitions")
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("原因或意见"), blank=True)
    # 退回 with reasons at elements: {"C5": "请补充……"}; the school sees each at its element.
    element_reasons = models.JSONField(_("各要素的退回原因"), default=dict, blank=True)

    class Meta:
        verbose_name = _("申报流程记录")
        verbose_name_plural = _("申报流程记录")
        ordering = ["-at", "-id"]
