"""Rounds, evaluations, scorecards and scores.

A round freezes one published rubric version; every score points at an element of
that version, so later rubric versions never change an existing result.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.evidence_files import EvidenceFile


class AssessmentRoundManager(models.Manager):
    """The rounds whose results count: every kind but 校准 (calibration).

    The one place that keeps calibration out of results: `Round.objects` is this manager, so every
    round picker, `round_resolve` (the CLI's --round), ranking, dashboard, analytics, recognition and
    batch export page sees assessment rounds only and a calibration round's id 404s there. Code that
    works on calibration rounds (calibration/, the scoring workspace through its scorecards) uses
    `Round.all_objects`; related lookups (evaluation.round) always reach every kind.
    """

    def get_queryset(self):
        return super().get_queryset().filter(kind=Round.Kind.ASSESSMENT)


class Round(models.Model):
    """评估批次 (or, kind 校准, a calibration exercise's round: never in any result)."""

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", _("评估批次")
        CALIBRATION = "calibration", _("校准评估")

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        OPEN = "open", _("评估中")
        CLOSED = "closed", _("已结束")

    class Consolidation(models.TextChoices):
        MEAN = "mean", _("平均分")
        MEDIAN = "median", _("中位数")

    class Applicants(models.TextChoices):
        # Who may file a self-assessment (学校自评申报) in the round; the city decides.
        STAGES = "stages", _("按学段：所选学段的全部学校")
        LIST = "list", _("指定学校名单")
        NOMINATED = "nominated", _("区县推荐（提名）的学校")

    class SameDistrict(models.TextChoices):
        # 回避: an inspector whose unit is in the school's district is a softer conflict than
        # their own unit (always refused); each round decides how strictly to treat it.
        REFUSE = "refuse", _("拒绝分配")
        WARN = "warn", _("提示，确认后可分配")

    name = models.CharField(_("批次名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.ASSESSMENT, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    rubric_version = models.ForeignKey(
        "rubric.RubricVersion",
        verbose_name=_("评估细则版本"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    consolidation = models.CharField(
        _("合议方式"), max_length=10, choices=Consolidation.choices, default=Consolidation.MEAN
    )
    require_consolidation_notes = models.BooleanField(
        _("合议说明必填"),
        default=True,
        help_text=_("定稿前，分歧项和最终得分不同于合议值的要素都须填写合议说明。"),
    )
    pass_mark = models.DecimalField(
        _("认定分数线"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    panel_min = models.PositiveSmallIntegerField(
        _("专家组最少人数"), default=2, validators=[MinValueValidator(1)], help_text=_("含组长。")
    )
    panel_max = models.PositiveSmallIntegerField(
        _("专家组最多人数"), default=3, validators=[MinValueValidator(1)], help_text=_("含组长。")
    )
    same_district = models.CharField(
        _("同区县专家"),
        max_length=10,
        choices=SameDistrict.choices,
        default=SameDistrict.REFUSE,
        help_text=_("专家工作单位与学校在同一区县时的处理方式；本单位的学校一律回避。"),
    )
    # 学校自评申报 → 区县初评推荐 → 市级受理, before the visit (selfassessment app).
    self_assessment = models.BooleanField(
        _("开放学校自评申报"), default=False,
        help_text=_("开放后，可以申报的学校在申报期内填写自评、上传佐证材料并提交区县初评。"),
    )
    apply_opens_on = models.DateField(_("申报开始"), null=True, blank=True)
    apply_closes_on = models.DateField(_("申报截止"), null=True, blank=True)
    district_review_closes_on = models.DateField(
        _("区县初评截止"), null=True, blank=True, help_text=_("区县退回的申报，学校可修改到此日期。")
    )
    visit_starts_on = models.DateField(_("现场评估开始"), null=True, blank=True)
    visit_ends_on = models.DateField(_("现场评估结束"), null=True, blank=True)
    applicants = models.CharField(
        _("可申报的学校"), max_length=10, choices=Applicants.choices, default=Applicants.STAGES,
    )
    applicant_stages = models.CharField(
        _("可申报的学段"), max_length=50, blank=True, help_text=_("按学段时使用；不选即全部学段。"),
    )
    applicant_schools = models.ManyToManyField(
        "schools.School", verbose_name=_("指定学校名单"), blank=True, related_name="applicant_rounds",
    )
    require_opinion = models.BooleanField(
        _("定稿须有评价意见"),
        default=True,
        help_text=_("定稿前，组长须写完评价意见的总体评价、主要优势与特色、存在问题和改进建议。"),
    )
    # Set by the admin (after 认定, or on its own): schools may then see their own result and opinion.
    results_published_to_schools = models.BooleanField(_("已向学校公布结果"), default=False)
    results_published_at = models.DateTimeField(_("向学校公布结果时间"), null=True, blank=True)
    results_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("公布人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # 校准要求: assigned inspectors must have a completed calibration whose mean absolute deviation
    # from the reference is at most this (None: no requirement). Checked by the calibration app
    # through evaluation.hooks (panel assignment refuses, the assignment page says why).
    calibration_max_mad = models.DecimalField(
        _("校准平均绝对偏差上限"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("填写后，只有完成过校准评估且平均绝对偏差不超过此值的督导专家才能分配到专家组；留空则不要求。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = AssessmentRoundManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("评估批次")
        verbose_name_plural = _("评估批次")
        ordering = ["-year", "-created_at", "-id"]
        default_manager_name = "all_objects"

    def __str__(self):
        return self.name

    @property
    def is_calibration(self) -> bool:
        return self.kind == self.Kind.CALIBRATION

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})
        if self.pass_mark is not None and self.rubric_version_id and self.pass_mark > self.rubric_version.total:
            raise ValidationError({"pass_mark": _("认定分数线不能高于细则总分。")})
        if self.panel_min and self.panel_max and self.panel_max < self.panel_min:
            raise ValidationError({"panel_max": _("专家组最多人数不能少于最少人数。")})
        errors = self.application_date_errors()
        if errors:
            raise ValidationError(errors)

    def application_date_errors(self) -> dict:
        """The 申报 dates in order, each problem at its field: 申报开始 ≤ 申报截止 ≤ 区县初评截止;
        现场评估 not before 申报开始, and ending after it starts."""
        errors = {}
        if self.self_assessment:
            for name in ("apply_opens_on", "apply_closes_on"):
                if getattr(self, name) is None:
                    errors[name] = _("开放学校自评申报时须填写申报开始和截止日期。")
        opens, closes, review = self.apply_opens_on, self.apply_closes_on, self.district_review_closes_on
        if opens and closes and closes < opens:
            errors["apply_closes_on"] = _("申报截止不能早于申报开始。")
        if review and closes and review < closes:
            errors["district_review_closes_on"] = _("区县初评截止不能早于申报截止。")
        if self.visit_starts_on and opens and self.visit_starts_on < opens:
            errors["visit_starts_on"] = _("现场评估不能早于申报开始。")
        if self.visit_starts_on and self.visit_ends_on and self.visit_ends_on < self.visit_starts_on:
            errors["visit_ends_on"] = _("现场评估结束不能早于开始。")
        stages = self.stage_list
        from schools.models import School

        if any(s not in School.Stage.values for s in stages):
            errors["applicant_stages"] = _("学段无效。")
        return errors

    @property
    def stage_list(self) -> list[str]:
        """The stages whose schools may apply (empty: every stage)."""
        return [s for s in (self.applicant_stages or "").split(",") if s]

    def stage_labels(self) -> str:
        from schools.models import School

        return "、".join(str(School.Stage(s).label) for s in self.stage_list if s in School.Stage.values) or str(
            _("全部学段"))


class EvaluationQuerySet(models.QuerySet):
    def assessed(self):
        """Evaluations of assessment rounds: what any result may count (never a calibration case).
        Cross-round queries use it; per-round ones get their round from `Round.objects`."""
        return self.filter(round__kind=Round.Kind.ASSESSMENT)


class Evaluation(models.Model):
    """One school's evaluation in one round."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("评估中")
        FINALIZED = "finalized", _("已定稿")

    round = models.ForeignKey(Round, verbose_name=_("评估批次"), on_delete=models.PROTECT, related_name="evaluations")
    school = models.ForeignKey(
        "schools.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="evaluations"
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    finalized_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("定稿人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("学校评估")
        verbose_name_plural = _("学校评估")
        ordering = ["round", "school__code"]
        constraints = [models.UniqueConstraint(fields=["round", "school"], name="one_evaluation_per_round_school")]

    def __str__(self):
        return f"{self.round} · {self.school.name}"

    @property
    def is_finalized(self) -> bool:
        return self.status == self.Status.FINALIZED

    @property
    def is_calibration(self) -> bool:
        """A calibration case (校准): scored in the workspace, never in any result."""
        return self.round.is_calibration

    def lock_reason(self) -> str | None:
        """Why nothing about this evaluation may change any more — final scores, 合议说明,
        scorecards — (None while it is open): finalized, or its round closed."""
        if self.is_finalized:
            return str(_("该学校的评估已定稿，不能再修改。"))
        if self.round.status == Round.Status.CLOSED:
            return str(_("该评估批次已结束，不能再修改。"))
        return None

    def opinion_lock_reason(self) -> str | None:
        """Why nobody may change the panel's opinion (评价意见) any more; None while it is open."""
        if self.lock_reason() is None:  # the evaluation's own rule, worded for the opinion
            return None
        if self.is_finalized:
            return str(_("该学校的评估已定稿，评价意见不能再修改；需要更正时由管理员重新开启。"))
        return str(_("该评估批次已结束，评价意见不能再修改。"))

    def is_lead(self, user) -> bool:
        """The panel's lead (组长), while they still hold the inspector role."""
        from accounts import roles

        return (
            user is not None and user.pk is not None and roles.is_inspector(user)
            and self.scorecards.filter(inspector=user, is_lead=True).exists()
        )

    def opinion_editable_by(self, user) -> bool:
        """The one rule "may this user change the panel's opinion": the lead, while it is open."""
        return self.opinion_lock_reason() is None and self.is_lead(user)


class Scorecard(models.Model):
    """评分表: one inspector's scores for one evaluation; membership of the panel."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("评分中")
        SUBMITTED = "submitted", _("已提交")

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("学校评估"), on_delete=models.CASCADE, related_name="scorecards"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("督导专家"), on_delete=models.PROTECT, related_name="scorecards"
    )
    is_lead = models.BooleanField(_("组长"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        ordering = ["evaluation", "-is_lead", "inspector__username"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "inspector"], name="one_scorecard_per_inspector"),
            models.UniqueConstraint(
                fields=["evaluation"], condition=models.Q(is_lead=True), name="one_lead_per_evaluation"
            ),
        ]

    def __str__(self):
        return f"{self.evaluation} · {self.inspector}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    def lock_reason(self) -> str | None:
        """Why nobody may change this scorecard any more (None while it is open for its owner)."""
        if self.is_submitted:
            return str(_("评分表已提交，不能再修改。"))
        return self.evaluation.lock_reason()

    def is_owned_by(self, user) -> bool:
        """The scorecard's inspector, while they still hold the inspector role."""
        from accounts import roles

        return user is not None and self.inspector_id == user.pk and roles.is_inspector(user)

    def is_editable_by(self, user) -> bool:
        """The one rule "may this user change this scorecard": its owner, while it is open."""
        return self.is_owned_by(user) and self.lock_reason() is None


class Score(models.Model):
    """得分: an inspector's score for one element. `version` guards against lost updates."""

    scorecard = models.ForeignKey(Scorecard, verbose_name=_("评分表"), on_delete=models.CASCADE, related_name="scores")
    element = models.ForeignKey(
        "rubric.Element", verbose_name=_("评估要素"), on_delete=models.PROTECT, related_name="scores"
    )
    points = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    version = models.PositiveIntegerField(_("版本号"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # django-simple-history keeps a full row per change, so "old → new" of any score
    # (and who made it) is answerable without hand-written audit tables.
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("得分")
        verbose_name_plural = _("得分")
        ordering = ["scorecard", "element__order"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "element"], name="one_score_per_element"),
            models.CheckConstraint(condition=models.Q(points__gte=0) | models.Q(points__isnull=True), name="score_not_negative"),
        ]

    def __str__(self):
        return f"{self.element.code}: {self.points}"


class FinalScore(models.Model):
    """The lead's consolidated score for one element of an evaluation."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("学校评估"), on_delete=models.CASCADE, related_name="final_scores"
    )
    element = models.ForeignKey(
        "rubric.Element", verbose_name=_("评估要素"), on_delete=models.PROTECT, related_name="final_scores"
    )
    points = models.DecimalField(_("最终得分"), max_digits=5, decimal_places=2)
    note = models.TextField(_("合议说明"), blank=True)
    # The lead kept the consolidated value (合议值) and only wrote a note: `points` follows that
    # value (kept equal to it whenever a scorecard is submitted or returned, and at finalize),
    # so a mean off the scoring step (0.75 with step 0.5) can carry a note without being "set".
    follows_default = models.BooleanField(_("取合议值"), default=False)
    version = models.PositiveIntegerField(_("版本号"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("最终得分")
        verbose_name_plural = _("最终得分")
        ordering = ["evaluation", "element__order"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "element"], name="one_final_score_per_element"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="final_score_not_negative"),
        ]


def evidence_upload_to(instance, filename):
    # The stored name is generated by the service; never the user's file name.
    return f"evidence/{instance.scorecard.evaluation_id}/{filename}"


class Evidence(EvidenceFile):
    """佐证材料 attached by an inspector to one element."""

    scorecard = models.ForeignKey(
        Scorecard, verbose_name=_("评分表"), on_delete=models.CASCADE, related_name="evidence"
    )
    element = models.ForeignKey(
        "rubric.Element", verbose_name=_("评估要素"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to=evidence_upload_to, max_length=300)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["element__order", "uploaded_at", "id"]



OPINION_MAX_LENGTH = 5000


class InspectorObservation(models.Model):
    """One inspector's own observations (观察意见) on one dimension (A) of the school.

    Kept on the inspector's scorecard: editable exactly while the scorecard is
    (Scorecard.is_editable_by), read by the lead when composing the panel's opinion.
    """

    scorecard = models.ForeignKey(
        Scorecard, verbose_name=_("评分表"), on_delete=models.CASCADE, related_name="observations"
    )
    dimension = models.ForeignKey(
        "rubric.Dimension", verbose_name=_("一级指标"), on_delete=models.PROTECT, related_name="observations"
    )
    text = models.TextField(_("观察意见"), blank=True)
    version = models.PositiveIntegerField(_("版本号"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("专家观察意见")
        verbose_name_plural = _("专家观察意见")
        ordering = ["scorecard", "dimension__order"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "dimension"], name="one_observation_per_dimension"),
        ]

    def __str__(self):
        return f"{self.scorecard} · {self.dimension.code}"


class PanelOpinion(models.Model):
    """评价意见: the panel's written opinion of the school, composed by the lead.

    The four parts are each required before finalizing (when the round asks for an opinion).
    The optional per-dimension entries are a JSON object {"A1": "…"} rather than a table of
    their own: the opinion is one document, edited and versioned as a whole, so one history
    row per save records its full state; the codes cannot drift because a round's rubric
    version is frozen once published, and the service checks every key against it.
    """

    PARTS = (
        ("overall", _("总体评价")),
        ("strengths", _("主要优势与特色")),
        ("problems", _("存在问题")),
        ("suggestions", _("改进建议")),
    )

    evaluation = models.OneToOneField(
        Evaluation, verbose_name=_("学校评估"), on_delete=models.CASCADE, related_name="opinion"
    )
    overall = models.TextField(_("总体评价"), blank=True)
    strengths = models.TextField(_("主要优势与特色"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    suggestions = models.TextField(_("改进建议"), blank=True)
    dimension_notes = models.JSONField(_("分项意见"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("版本号"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("评价意见")
        verbose_name_plural = _("评价意见")

    def __str__(self):
        return f"{self.evaluation} · {_('评价意见')}"

    @classmethod
    def missing_parts_of(cls, opinion) -> list[str]:
        """The Chinese names of the required parts still blank (all four when there is no opinion)."""
        return [str(label) for name, label in cls.PARTS if not (getattr(opinion, name, "") or "").strip()]

    @property
    def is_complete(self) -> bool:
        return not self.missing_parts_of(self)


class Transition(models.Model):
    """A workflow step (submit, finalize, reopen …), kept for the record."""

    class Action(models.TextChoices):
        ASSIGN = "assign", _("分配专家组")
        SUBMIT = "submit", _("提交评分表")
        FINALIZE = "finalize", _("定稿")
        REOPEN = "reopen", _("重新开启")
        IMPORT = "import", _("导入评分表")
        RETURN = "return", _("退回评分表")

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("学校评估"), on_delete=models.CASCADE, related_name="transitions"
    )
    scorecard = models.ForeignKey(
        Scorecard, verbose_name=_("评分表"), null=True, blank=True, on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        verbose_name = _("流程记录")
        verbose_name_plural = _("流程记录")
        ordering = ["-at", "-id"]
