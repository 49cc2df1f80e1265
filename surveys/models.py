"""满意度问卷: questionnaire templates per respondent group, campaigns per round and school, single-use
response codes (stored hashed) and the anonymous responses.

A questionnaire is versioned like the rubric: once a campaign uses it, it is frozen (its items can no
longer change); a new version is a copy (services.questionnaire_clone). No personal data is asked or
stored: a response keeps neither the code nor the address it came from, only its campaign group, the
hour it arrived and the answers.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Group(models.TextChoices):
    STUDENT = "student", _("学生")
    PARENT = "parent", _("家长")
    TEACHER = "teacher", _("教师")
    COMMUNITY = "community", _("社区")


GROUP_ORDER = {g: n for n, g in enumerate(Group.values)}


class Questionnaire(models.Model):
    """问卷模板: one version of a questionnaire for one respondent group."""

    group = models.CharField(_("调查对象"), max_length=10, choices=Group.choices)
    code = models.SlugField(_("模板编号"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    title = models.CharField(_("标题"), max_length=100)
    intro = models.TextField(_("说明"), blank=True)
    rubric_version = models.ForeignKey("rubric.RubricVersion", verbose_name=_("关联的评估细则版本"),
                                       on_delete=models.PROTECT, related_name="+")
    is_default = models.BooleanField(_("系统默认模板（可编辑，非官方文本）"), default=False)
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True,
                                     help_text=_("已被调查活动使用的模板不能再修改；请复制为新版本。"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("问卷模板")
        verbose_name_plural = _("问卷模板")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="questionnaire_code_version_unique")]

    def __str__(self):
        return f"{self.title}（v{self.version}）"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class QuestionnaireLocked(ValidationError):
    pass


class Item(models.Model):
    """A question of a questionnaire, optionally linked to rubric elements (codes of its rubric version)."""

    class Kind(models.TextChoices):
        SATISFACTION = "satisfaction", _("五级量表（非常满意…非常不满意）")
        AGREEMENT = "agreement", _("五级量表（非常认同…非常不认同）")
        YES_NO = "yes_no", _("是/否")
        OPEN = "open", _("开放题（选填）")

    questionnaire = models.ForeignKey(Questionnaire, verbose_name=_("问卷模板"), on_delete=models.CASCADE,
                                      related_name="items")
    order = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("题型"), max_length=12, choices=Kind.choices)
    text = models.CharField(_("题目"), max_length=300)
    element_codes = models.JSONField(_("关联评估要素"), default=list, blank=True)

    class Meta:
        verbose_name = _("问卷题目")
        verbose_name_plural = _("问卷题目")
        ordering = ["questionnaire", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "order"], name="item_order_unique")]

    def __str__(self):
        return f"{self.order}. {self.text[:40]}"

    @property
    def is_scale(self) -> bool:
        return self.kind in (self.Kind.SATISFACTION, self.Kind.AGREEMENT)

    @property
    def is_rated(self) -> bool:
        """Scale and yes/no items have a satisfaction rate; open items only text."""
        return self.kind != self.Kind.OPEN

    @property
    def elements_label(self) -> str:
        return "、".join(self.element_codes)

    def _check_editable(self):
        frozen = Questionnaire.objects.filter(pk=self.questionnaire_id, frozen_at__isnull=False).exists()
        if frozen:
            raise QuestionnaireLocked(_("该问卷模板已被调查活动使用，不能修改；请复制为新版本后再编辑。"))

    def save(self, *args, **kwargs):
        self._check_editable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_editable()
        return super().delete(*args, **kwargs)


# Answer values of the scale items: 5 = 非常满意 / 非常认同 … 1 = 非常不满意 / 非常不认同; yes/no: 1 / 0.
SCALE_LABELS = {
    Item.Kind.SATISFACTION: ((5, _("非常满意")), (4, _("满意")), (3, _("一般")), (2, _("不满意")), (1, _("非常不满意"))),
    Item.Kind.AGREEMENT: ((5, _("非常认同")), (4, _("认同")), (3, _("一般")), (2, _("不认同")), (1, _("非常不认同"))),
    Item.Kind.YES_NO: ((1, _("是")), (0, _("否"))),
}
POSITIVE = {Item.Kind.SATISFACTION: (5, 4), Item.Kind.AGREEMENT: (5, 4), Item.Kind.YES_NO: (1,)}


class Campaign(models.Model):
    """调查活动: one school's survey in one round, open between two moments."""

    round = models.ForeignKey("evaluation.Round", verbose_name=_("评估批次"), on_delete=models.PROTECT,
                              related_name="survey_campaigns")
    school = models.ForeignKey("schools.School", verbose_name=_("学校"), on_delete=models.PROTECT,
                               related_name="survey_campaigns")
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("满意度调查活动")
        verbose_name_plural = _("满意度调查活动")
        ordering = ["round", "school__district__order", "school__code"]
        constraints = [models.UniqueConstraint(fields=["round", "school"], name="one_campaign_per_round_school")]

    def __str__(self):
        return f"{self.round.name} · {self.school.name}"

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("截止时间须晚于开始时间。")})

    def is_open(self, now) -> bool:
        return self.opens_at <= now < self.closes_at


class CampaignGroup(models.Model):
    """One respondent group of a campaign with its (frozen) questionnaire."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("调查活动"), on_delete=models.CASCADE, related_name="groups")
    group = models.CharField(_("调查对象"), max_length=10, choices=Group.choices)
    questionnaire = models.ForeignKey(Questionnaire, verbose_name=_("问卷模板"), on_delete=models.PROTECT,
                                      related_name="campaign_groups")

    class Meta:
        verbose_name = _("调查对象组")
        verbose_name_plural = _("调查对象组")
        ordering = ["campaign", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "group"], name="one_group_per_campaign")]

    def __str__(self):
        return f"{self.campaign} · {self.get_group_display()}"


def slips_upload_to(instance, filename):
    return f"surveys/slips/{instance.group.campaign_id}/{filename}"


class CodeBatch(models.Model):
    """A batch of response codes and its slips PDF, made in one action.

    The plain codes exist only while the batch is generated: they are printed into the PDF, which is
    stored for the school (and admins) to download and print; the database keeps only their hashes.
    """

    group = models.ForeignKey(CampaignGroup, verbose_name=_("调查对象组"), on_delete=models.CASCADE,
                              related_name="batches")
    count = models.PositiveIntegerField(_("数量"))
    slips = models.FileField(_("答题码条（PDF）"), upload_to=slips_upload_to, max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("生成人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("答题码批次")
        verbose_name_plural = _("答题码批次")
        ordering = ["group", "created_at", "id"]

    def __str__(self):
        return f"{self.group} · {self.count}"


class ResponseCode(models.Model):
    """A single-use code: only its hash (HMAC-SHA256 under SECRET_KEY) is stored."""

    batch = models.ForeignKey(CodeBatch, verbose_name=_("批次"), on_delete=models.CASCADE, related_name="codes")
    group = models.ForeignKey(CampaignGroup, verbose_name=_("调查对象组"), on_delete=models.CASCADE,
                              related_name="codes")
    code_hash = models.CharField(_("答题码摘要"), max_length=64, unique=True)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("答题码")
        verbose_name_plural = _("答题码")
        ordering = ["id"]

    def __str__(self):
        return f"{self.group} · {self.code_hash[:8]}"


class Response(models.Model):
    """One anonymous questionnaire: no code, no address, the arrival time only to the hour."""

    group = models.ForeignKey(CampaignGroup, verbose_name=_("调查对象组"), on_delete=models.PROTECT,
                              related_name="responses")
    submitted_hour = models.DateTimeField(_("提交时间（到小时）"))

    class Meta:
        verbose_name = _("问卷答卷")
        verbose_name_plural = _("问卷答卷")
        ordering = ["group", "id"]


class Answer(models.Model):
    response = models.ForeignKey(Response, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, verbose_name=_("题目"), on_delete=models.PROTECT, related_name="answers")
    value = models.SmallIntegerField(_("选项值"), null=True, blank=True)
    text = models.TextField(_("文字回答"), blank=True)

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
        ordering = ["response", "item__order"]
        constraints = [models.UniqueConstraint(fields=["response", "item"], name="one_answer_per_item")]
