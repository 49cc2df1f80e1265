"""In-app notifications and each user's email choice per kind.

A notification is written in the same transaction as the step it reports (so it exists exactly when
the step happened); its email is sent afterwards by a background task (notifications.tasks), never
inside the request. The unread count shown on every page is kept on the user row
(`User.unread_notifications`), maintained only by notifications.services, so the bell costs no query.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PANEL_ASSIGNED = "panel_assigned", _("分配到专家组")
    PANEL_REMOVED = "panel_removed", _("移出专家组")
    SCORECARD_RETURNED = "scorecard_returned", _("评分表被退回")
    PANEL_SUBMITTED = "panel_submitted", _("专家组全部提交（组长）")
    EVALUATION_FINALIZED = "evaluation_finalized", _("评估定稿")
    EVALUATION_REOPENED = "evaluation_reopened", _("评估重新开启")
    SELF_ASSESSMENT = "self_assessment", _("自评申报进展")
    RECOGNITION = "recognition", _("公示与认定")
    RECTIFICATION = "rectification", _("整改与复核")


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name=_("接收人"))
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"]), models.Index(fields=["user", "-created_at"])]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailSetting(models.Model):
    """A user's choice for one kind; no row means the default (email on)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_setting_once")]
