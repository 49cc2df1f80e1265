"""Export jobs built in the background: the batch "all score sheets of a round" ZIP, the
district (or city) workbook, and any registered table export over EXPORT_INLINE_MAX_ROWS rows
(reports.background)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    class Kind(models.TextChoices):
        SCORESHEETS = "scoresheets", _("批量评分表（ZIP）")
        WORKBOOK = "workbook", _("区县汇总工作簿（Excel）")
        TABLE = "table", _("表格导出")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.SCORESHEETS)
    # None for a table export that belongs to no round (the audit log).
    round = models.ForeignKey(
        "evaluation.Round", verbose_name=_("评估批次"), on_delete=models.CASCADE, related_name="export_jobs",
        null=True, blank=True,
    )
    # A TABLE job: the registered export (reports.background) and the validated query it was asked
    # with; the task re-runs that export's own builder with the requester's current permissions.
    export_name = models.CharField(_("导出名称"), max_length=40, blank=True)
    params = models.JSONField(_("导出条件"), default=dict, blank=True)
    label = models.CharField(_("导出说明"), max_length=200, blank=True)
    # An official scoped to a district exports only that district's schools.
    district = models.ForeignKey(
        "schools.District", verbose_name=_("区县"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The requester's results scope when the job was made (accounts.scopes), frozen with the job:
    # None = the whole city; a list = only these districts' schools (empty: none). The task and
    # the ZIP both keep to it, so a two-district official gets exactly their two districts.
    scope_district_ids = models.JSONField(_("导出范围（区县编号）"), null=True, blank=True, default=None)
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
        what = self.label or self.round or self.get_kind_display()
        return f"{what} · {self.get_status_display()} ({self.done}/{self.total})"

    def results_scope(self):
        """The schools this job may contain (accounts.scopes.ResultsScope)."""
        from accounts.scopes import CITY, ResultsScope

        if self.scope_district_ids is not None:
            return ResultsScope(district_ids=frozenset(int(pk) for pk in self.scope_district_ids))
        if self.district_id:  # a job made before the scope was stored
            return ResultsScope(district_ids=frozenset({self.district_id}))
        return CITY

    @property
    def scope_label(self) -> str:
        """The job's scope in words: 全市, or the district names."""
        scope = self.results_scope()
        if scope.city_wide:
            return str(_("全市"))
        return "、".join(d.name for d in scope.districts()) or str(_("（无）"))

    @property
    def is_workbook(self) -> bool:
        return self.kind == self.Kind.WORKBOOK

    @property
    def is_table(self) -> bool:
        return self.kind == self.Kind.TABLE

    @property
    def percent(self) -> int:
        return 100 if not self.total else (self.done * 100) // self.total

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
