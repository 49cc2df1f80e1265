"""After the visit: the 拟认定 list of a round, its 公示, the 异议 received, the 认定 and its certificates.

One RecognitionList per round walks draft (拟定中) → publicity (公示中) → concluded (已认定); every
step is a service in recognition/services.py, recorded as a RecognitionTransition and audited.
Totals on the list are snapshots taken from the one totals selector (reports.selectors) when the
list is built or refreshed, never summed here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RecognitionList(models.Model):
    """拟认定名单 of one round, and its 公示 and 认定."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("拟定中")
        PUBLICITY = "publicity", _("公示中")
        CONCLUDED = "concluded", _("已认定")

    round = models.OneToOneField(
        "evaluation.Round", verbose_name=_("评估批次"), on_delete=models.PROTECT, related_name="recognition_list"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    publicity_starts_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    publicity_ends_on = models.DateField(_("公示结束日期"), null=True, blank=True)
    objection_contact = models.TextField(_("异议受理方式"), blank=True)
    document_no = models.CharField(_("认定文号"), max_length=100, blank=True)
    recognized_on = models.DateField(_("认定日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    published_at = models.DateTimeField(_("发布公示时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    concluded_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("认定操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("拟认定名单")
        verbose_name_plural = _("拟认定名单")
        ordering = ["-round__year", "-round_id"]

    def __str__(self):
        return f"{self.round} · {self.get_status_display()}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def in_publicity(self) -> bool:
        return self.status == self.Status.PUBLICITY

    @property
    def is_concluded(self) -> bool:
        return self.status == self.Status.CONCLUDED

    @property
    def is_published(self) -> bool:
        """公示 has been opened: the list is frozen (in publicity or concluded)."""
        return self.status in (self.Status.PUBLICITY, self.Status.CONCLUDED)

    def publicity_over(self, today: date) -> bool:
        """The 公示 period has ended (its last day is over)."""
        return self.publicity_ends_on is not None and today > self.publicity_ends_on

    def phase_label(self, today: date) -> str:
        """What the list is doing today, for pages: 公示期已结束（待认定） once the period is over."""
        if self.in_publicity and self.publicity_over(today):
            return str(_("公示期已结束（待认定）"))
        return self.get_status_display()


class RecognitionEntry(models.Model):
    """One finalized school on the list: its total (snapshot) and the decision on it."""

    class Decision(models.TextChoices):
        PROPOSED = "proposed", _("拟认定")
        REJECTED = "rejected", _("不予认定")
        DEFERRED = "deferred", _("暂缓")

    list = models.ForeignKey(RecognitionList, verbose_name=_("名单"), on_delete=models.CASCADE, related_name="entries")
    evaluation = models.ForeignKey(
        "evaluation.Evaluation", verbose_name=_("学校评估"), on_delete=models.PROTECT,
        related_name="recognition_entries",
    )
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2)
    default_decision = models.CharField(_("按分数线的意见"), max_length=10, choices=Decision.choices)
    decision = models.CharField(_("拟认定意见"), max_length=10, choices=Decision.choices)
    reason = models.TextField(_("理由"), blank=True)
    withdrawn = models.BooleanField(_("已撤出名单"), default=False, help_text=_("因异议成立撤出拟认定名单。"))
    version = models.PositiveIntegerField(_("版本号"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("名单条目")
        verbose_name_plural = _("名单条目")
        ordering = ["list", "evaluation__school__district__order", "evaluation__school__code"]
        constraints = [models.UniqueConstraint(fields=["list", "evaluation"], name="one_entry_per_evaluation")]

    def __str__(self):
        return f"{self.evaluation} · {self.get_decision_display()}"

    @staticmethod
    def default_for(total: Decimal, pass_mark: Decimal) -> str:
        """The pass-mark rule: a total at or above the pass mark is 拟认定, anything below 不予认定."""
        return RecognitionEntry.Decision.PROPOSED if total >= pass_mark else RecognitionEntry.Decision.REJECTED

    @property
    def departs(self) -> bool:
        """The decision is not what the pass mark gives: a reason is required."""
        return self.decision != self.default_decision

    @property
    def is_proposed(self) -> bool:
        """On the 公示 list: proposed, and not withdrawn by an upheld objection."""
        return self.decision == self.Decision.PROPOSED and not self.withdrawn


class Objection(models.Model):
    """异议 received during 公示 about one school on the list."""

    class Channel(models.TextChoices):
        LETTER = "letter", _("来信")
        PHONE = "phone", _("来电")
        VISIT = "visit", _("来访")
        EMAIL = "email", _("电子邮件")
        OTHER = "other", _("其他")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("成立")
        REJECTED = "rejected", _("不成立")

    class Status(models.TextChoices):
        OPEN = "open", _("处理中")
        CLOSED = "closed", _("已办结")

    list = models.ForeignKey(RecognitionList, verbose_name=_("名单"), on_delete=models.CASCADE, related_name="objections")
    entry = models.ForeignKey(RecognitionEntry, verbose_name=_("所涉学校"), on_delete=models.PROTECT,
                              related_name="objections")
    received_on = models.DateField(_("收到日期"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    content = models.TextField(_("异议内容"))
    # Who raised it and how to reach them: admins only (accounts.scopes.objection_contact_visible).
    contact = models.CharField(_("联系方式"), max_length=200, blank=True)
    handler = models.CharField(_("承办人"), max_length=100, blank=True)
    investigation = models.TextField(_("调查核实情况"), blank=True)
    outcome = models.CharField(_("处理结果"), max_length=10, choices=Outcome.choices, blank=True)
    withdraw = models.BooleanField(_("撤出拟认定名单"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    version = models.PositiveIntegerField(_("版本号"), default=1)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["list", "received_on", "id"]

    def __str__(self):
        return f"{self.entry.evaluation.school.name} · {self.received_on:%Y-%m-%d} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Recognition(models.Model):
    """认定: a school recognized as 新优质学校 by a round's list, with its document number and validity."""

    class Status(models.TextChoices):
        RECOGNIZED = "recognized", _("已认定")

    school = models.ForeignKey("schools.School", verbose_name=_("学校"), on_delete=models.PROTECT,
                               related_name="recognitions")
    round = models.ForeignKey("evaluation.Round", verbose_name=_("评估批次"), on_delete=models.PROTECT,
                              related_name="recognitions")
    list = models.ForeignKey(RecognitionList, verbose_name=_("名单"), on_delete=models.PROTECT,
                             related_name="recognitions")
    entry = models.OneToOneField(RecognitionEntry, verbose_name=_("名单条目"), on_delete=models.PROTECT,
                                 related_name="recognition")
    document_no = models.CharField(_("认定文号"), max_length=100)
    recognized_on = models.DateField(_("认定日期"))
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.RECOGNIZED)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("认定")
        verbose_name_plural = _("认定")
        ordering = ["round", "school__district__order", "school__code"]
        constraints = [models.UniqueConstraint(fields=["school", "round"], name="one_recognition_per_round_school")]

    def __str__(self):
        return f"{self.school.name} · {self.document_no}"

    def is_valid_on(self, day: date) -> bool:
        return self.status == self.Status.RECOGNIZED and self.recognized_on <= day <= self.valid_until


class RecognitionTransition(models.Model):
    """A step of the list (build, decide, publish, objection, conclude …), kept for the record."""

    class Action(models.TextChoices):
        BUILD = "build", _("拟定名单")
        REFRESH = "refresh", _("刷新名单")
        DECIDE = "decide", _("调整拟认定意见")
        PUBLISH = "publish", _("发布公示")
        OBJECTION_RECORD = "obj_record", _("登记异议")
        OBJECTION_UPDATE = "obj_update", _("更新异议处理情况")
        OBJECTION_CLOSE = "obj_close", _("异议办结")
        CONCLUDE = "conclude", _("认定")
        RESULTS = "results", _("向学校公布结果")

    list = models.ForeignKey(RecognitionList, verbose_name=_("名单"), on_delete=models.CASCADE,
                             related_name="transitions")
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("说明"), blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("认定流程记录")
        verbose_name_plural = _("认定流程记录")
        ordering = ["-at", "-id"]
