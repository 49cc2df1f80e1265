"""评估细则: a versioned tree of dimensions (A) → indicators (B) → elements (C).

Only elements carry points. A's and B's points are always derived as sums of their
elements (see rubric.selectors), so they can never disagree with the elements.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .schema import format_points


class RubricLocked(ValidationError):
    """A write to a published or retired version: those versions never change."""


def _locked(version_code: str) -> RubricLocked:
    return RubricLocked(
        _("细则版本 %(code)s 已发布或已停用，不能修改；请先“新建版本（复制）”再编辑草稿。") % {"code": version_code}
    )


class VersionLockedMixin:
    """Refuse changes and deletes of rows that belong to a non-draft version.

    This sits on the model (not only in services) so Django admin, shell sessions and any
    future code path cannot alter a version that rounds are frozen to. Creating rows is
    left alone: fixtures and tests build published rubrics row by row, and no service or
    admin screen adds items to a non-draft version.
    """

    def _check_version_editable(self):
        stored = RubricVersion.objects.filter(pk=self.version_id).values_list("status", "code").first()
        if stored is not None and stored[0] != RubricVersion.Status.DRAFT:
            raise _locked(stored[1])

    def save(self, *args, **kwargs):
        if self.pk is not None:
            self._check_version_editable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_version_editable()
        return super().delete(*args, **kwargs)


class RubricVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    code = models.CharField(
        _("版本代码"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("版本代码只能包含小写字母、数字和连字符。"))],
    )
    name = models.CharField(_("名称"), max_length=200)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, default=Decimal("100"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self", verbose_name=_("来源版本"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("评估细则版本")
        verbose_name_plural = _("评估细则版本")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    # Only the status and its timestamps may change once a version left the draft state.
    FROZEN_FIELDS = ("code", "name", "total", "based_on_id")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = RubricVersion.objects.filter(pk=self.pk).values(
                "status", *self.FROZEN_FIELDS
            ).first()
            if stored is not None and stored["status"] != self.Status.DRAFT:
                changed = [f for f in self.FROZEN_FIELDS if stored[f] != getattr(self, f)]
                if changed or self.status == self.Status.DRAFT:
                    raise _locked(stored["code"])
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk is not None and RubricVersion.objects.filter(pk=self.pk).exclude(
            status=self.Status.DRAFT
        ).exists():
            raise _locked(self.code)
        return super().delete(*args, **kwargs)


class Dimension(VersionLockedMixin, models.Model):
    """一级指标 A."""

    version = models.ForeignKey(
        RubricVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="dimensions"
    )
    code = models.CharField(_("编号"), max_length=10)
    name = models.CharField(_("名称"), max_length=200)
    methods = models.TextField(_("评估方法"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一级指标")
        verbose_name_plural = _("一级指标")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="dimension_code_unique_in_version")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Indicator(VersionLockedMixin, models.Model):
    """二级指标 B."""

    version = models.ForeignKey(
        RubricVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="indicators"
    )
    dimension = models.ForeignKey(
        Dimension, verbose_name=_("一级指标"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("编号"), max_length=10)
    text = models.TextField(_("内容"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("二级指标")
        verbose_name_plural = _("二级指标")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="indicator_code_unique_in_version")
        ]

    def __str__(self):
        return f"{self.code} {self.text[:30]}"


class Element(VersionLockedMixin, models.Model):
    """评估要素 C: the unit that is scored."""

    version = models.ForeignKey(
        RubricVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="elements"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("二级指标"), on_delete=models.CASCADE, related_name="elements"
    )
    code = models.CharField(_("编号"), max_length=10)
    text = models.TextField(_("内容"))
    points = models.DecimalField(
        _("标准分"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    step = models.DecimalField(
        _("评分步长"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评估要素")
        verbose_name_plural = _("评估要素")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="element_code_unique_in_version"),
            models.CheckConstraint(condition=models.Q(points__gt=0), name="element_points_positive"),
            models.CheckConstraint(condition=models.Q(step__gt=0), name="element_step_positive"),
        ]

    def __str__(self):
        from django.utils.translation import gettext

        return gettext("%(code)s（%(points)s分）") % {"code": self.code, "points": format_points(self.points)}

    def clean(self):
        if self.points is not None and self.step and self.points % self.step != 0:
            raise ValidationError(
                {"step": _("%(code)s：评分步长 %(step)s 不能整除标准分 %(points)s。")
                 % {"code": self.code, "step": format_points(self.step), "points": format_points(self.points)}}
            )

    def allowed_scores(self) -> list[Decimal]:
        """Every valid score from 0 to the standard points, in steps."""
        count = int(self.points / self.step)
        return [(self.step * i).quantize(Decimal("0.01")) for i in range(count + 1)]


class EvidenceRequirement(VersionLockedMixin, models.Model):
    """佐证要求: one item of evidence a school files against an element (frozen with the version).

    `kinds` lists the accepted kinds of file (rubric.schema.EVIDENCE_KINDS: document, image,
    spreadsheet) as a comma-separated string; what a file is comes from its content
    (config.uploads.evidence_kind), never from its name.
    """

    version = models.ForeignKey(
        RubricVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="evidence_requirements"
    )
    element = models.ForeignKey(
        Element, verbose_name=_("评估要素"), on_delete=models.CASCADE, related_name="requirements"
    )
    name = models.CharField(_("材料名称"), max_length=100)
    required = models.BooleanField(_("必需"), default=True)
    kinds = models.CharField(_("接受的类型"), max_length=50, default="document,image")
    note = models.CharField(_("说明"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("佐证要求")
        verbose_name_plural = _("佐证要求")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["element", "name"], name="requirement_name_unique_in_element"),
        ]

    def __str__(self):
        return self.name

    @property
    def kind_list(self) -> list[str]:
        return [k for k in self.kinds.split(",") if k]

    @property
    def kind_labels(self) -> str:
        from .schema import kind_labels

        return kind_labels(self.kind_list)

    def accepts(self, kind: str | None) -> bool:
        return kind in self.kind_list

    def clean(self):
        from .schema import requirement_problems

        problems = requirement_problems(name=self.name, kinds=self.kind_list, note=self.note)
        if problems:
            raise ValidationError(problems)
        if self.element_id and self.version_id and self.element.version_id != self.version_id:
            raise ValidationError({"element": _("评估要素不属于该细则版本。")})
