"""Export jobs: the batch "all score sheets of a round" ZIP built in the background."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    round = models.ForeignKey(
        "evaluation.Round", verbose_name=_("评估批次"), on_delete=models.CASCADE, related_name="export_jobs"
    )
    # An official scoped to a district exports only that district's schools.
    district = models.ForeignKey(
        "schools.District", verbose_name=_("区县"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.CASCADE, related_name="export_jobs"
    )
    # Each school's 督导评估意见书 beside its score sheet in the ZIP.
    include_opinions = models.BooleanField(_("含督导评估意见书"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    failures = models.JSONField(_("失败项"), default=list, blank=True)
    file = models.FileField(_("文件"), upload_to="exports/", max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.round} · {self.get_status_display()} ({self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else (self.done * 100) // self.total

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
