"""The append-only audit log (等保 2.0: 安全审计)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .events import detail_items, detail_text, event_label


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # append-only: no bulk rewrite from application code
        raise PermissionError("审计记录只能追加，不能修改。")

    def delete(self):  # bulk delete would bypass AuditEvent.delete(); purge_audit uses _raw_delete
        raise PermissionError("审计记录不能删除（过期记录请用 purge_audit 命令清理）。")


class AuditEvent(models.Model):
    class Outcome(models.TextChoices):
        SUCCESS = "success", _("成功")
        FAILURE = "failure", _("失败")
        DENIED = "denied", _("拒绝")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    # Kept as text too: the record must still say who it was if the account is deleted.
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    event = models.CharField(_("事件"), max_length=50, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=100, blank=True)
    object_repr = models.CharField(_("对象"), max_length=300, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        # Only "view": with no add/change/delete permission, no role (and no admin screen) can be
        # granted the right to alter the log.
        default_permissions = ("view",)

    @property
    def event_label(self) -> str:
        return event_label(self.event)

    @property
    def detail_items(self) -> list[tuple[str, str]]:
        return detail_items(self.detail)

    @property
    def detail_text(self) -> str:
        return detail_text(self.detail)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("审计记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计记录不能删除（过期记录请用 purge_audit 命令清理）。")
