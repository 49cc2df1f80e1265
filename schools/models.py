from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.text import validate_plain_name


class District(models.Model):
    """A district, county or development zone of Xi'an that runs schools."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("区")
        COUNTY = "county", _("县")
        ZONE = "zone", _("开发区")

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("区县")
        verbose_name_plural = _("区县")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class School(models.Model):
    class Stage(models.TextChoices):
        PRIMARY = "primary", _("小学")
        JUNIOR = "junior", _("初中")
        NINE_YEAR = "nine_year", _("九年一贯制")

    class Location(models.TextChoices):
        URBAN = "urban", _("城区")
        TOWN = "town", _("镇区")
        RURAL = "rural", _("乡村")

    code = models.CharField(_("学校代码"), max_length=30, unique=True)
    name = models.CharField(_("学校名称"), max_length=100)
    district = models.ForeignKey(
        District, verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="schools"
    )
    stage = models.CharField(_("学段"), max_length=10, choices=Stage.choices)
    location = models.CharField(_("城乡类别"), max_length=10, choices=Location.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    principal = models.CharField(_("校长"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["district__order", "code"]
        indexes = [models.Index(fields=["district", "stage", "location"])]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def clean(self):
        # The name becomes part of file names (score sheets, the batch ZIP): no paths, nothing invisible.
        try:
            validate_plain_name(self.name)
        except ValidationError as exc:
            raise ValidationError({"name": exc.messages}) from exc
