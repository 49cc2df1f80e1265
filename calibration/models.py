"""校准评估: a case (one school's materials) that inspectors score in the normal workspace, and the
reference scores their scores are compared with.

A case lives in a round of kind 校准 (evaluation.Round.Kind.CALIBRATION) holding one evaluation of
the case's school; `Round.objects` never returns such a round, so no result ever counts it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalibrationCase(models.Model):
    round = models.OneToOneField(
        "evaluation.Round", verbose_name=_("校准批次"), on_delete=models.PROTECT, related_name="calibration_case"
    )
    evaluation = models.OneToOneField(
        "evaluation.Evaluation", verbose_name=_("校准评估"), on_delete=models.PROTECT, related_name="calibration_case"
    )
    source = models.ForeignKey(
        "evaluation.Evaluation", verbose_name=_("案例来源"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("其佐证材料作为案例材料提供给参加校准的督导专家。"),
    )
    anonymized = models.BooleanField(_("匿名案例"), default=False,
                                     help_text=_("匿名时，督导专家看到的是案例名称，而不是学校名称和原文件名。"))
    description = models.TextField(_("案例说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("校准案例")
        verbose_name_plural = _("校准案例")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.round.name

    @property
    def title(self) -> str:
        return self.round.name


class ReferenceScore(models.Model):
    """参考分: the reference panel's score of one element of the case."""

    case = models.ForeignKey(CalibrationCase, verbose_name=_("校准案例"), on_delete=models.CASCADE,
                             related_name="references")
    element = models.ForeignKey("rubric.Element", verbose_name=_("评估要素"), on_delete=models.PROTECT,
                                related_name="+")
    points = models.DecimalField(_("参考分"), max_digits=5, decimal_places=2)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("参考分")
        verbose_name_plural = _("参考分")
        ordering = ["case", "element__order"]
        constraints = [
            models.UniqueConstraint(fields=["case", "element"], name="one_reference_per_element"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="reference_not_negative"),
        ]
