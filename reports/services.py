"""Writes of the reports app: only its own export jobs (reports never writes scores)."""

from __future__ import annotations

import io
import logging
import tempfile
import zipfile

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.uploads import safe_file_name
from evaluation.models import Evaluation

from .models import ExportJob

log = logging.getLogger(__name__)

CHUNK_SIZE = 5  # score sheets per task: small enough that several workers share a round


def _part_name(job_id: int, school_code: str, kind: str = "") -> str:
    suffix = f"-{kind}" if kind else ""
    return f"exports/parts/{job_id}/{school_code}{suffix}.pdf"


# Extra documents a job may add per school: (kind in part names, Chinese suffix in ZIP entry names).
OPINION_PART = ("opinion", "督导评估意见书")


def _scope_district_ids(scope, district) -> list[int] | None:
    """What the job stores as its scope: None for the whole city, else the district ids."""
    ids = None if scope is None or scope.city_wide else set(scope.district_ids)
    if district is not None:
        ids = {district.pk} if ids is None else ids & {district.pk}
    return None if ids is None else sorted(ids)


@transaction.atomic
def export_job_create(*, round, user, scope=None, district=None, include_opinions: bool = False) -> ExportJob:
    """Create a batch export of all finalized score sheets of a round within the requester's
    scope (accounts.scopes; or one district) and enqueue its tasks once the job row is committed.
    `include_opinions` adds each school's 督导评估意见书."""
    from .tasks import export_scoresheets

    evaluations = Evaluation.objects.filter(round=round, status=Evaluation.Status.FINALIZED)
    if scope is not None:
        evaluations = evaluations.filter(scope.school_q())
        district = scope.single_district() or district
    if district is not None:
        evaluations = evaluations.filter(school__district=district)
    ids = list(evaluations.order_by("school__code").values_list("id", flat=True))
    job = ExportJob(round=round, district=district, requested_by=user, total=len(ids),
                    scope_district_ids=_scope_district_ids(scope, district), include_opinions=include_opinions)
    job.full_clean()
    job.save()
    if not ids:
        export_job_finish(job_id=job.pk)
        return job
    chunks = [ids[i:i + CHUNK_SIZE] for i in range(0, len(ids), CHUNK_SIZE)]

    def enqueue():
        for chunk in chunks:
            export_scoresheets.enqueue(job.pk, chunk)

    transaction.on_commit(enqueue)
    return job


def export_job_progress(*, job_id: int, school_code: str, pdf: bytes | None, failure: dict | None,
                        opinion_pdf: bytes | None = None) -> None:
    """Store one school's rendered sheet (and its 意见书), or record why it failed, and advance the counter."""
    for kind, content in (("", pdf), (OPINION_PART[0], opinion_pdf)):
        if content is None:
            continue
        name = _part_name(job_id, school_code, kind)
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(content))
    with transaction.atomic():
        if failure is not None:
            job = ExportJob.objects.select_for_update().get(pk=job_id)
            job.failures = [*job.failures, failure]
            job.done = F("done") + 1
            job.status = ExportJob.Status.RUNNING
            job.save(update_fields=["failures", "done", "status"])
        else:
            ExportJob.objects.filter(pk=job_id).update(done=F("done") + 1, status=ExportJob.Status.RUNNING)


def export_job_finish(*, job_id: int) -> bool:
    """When every sheet is processed, zip the stored parts; exactly one caller wins."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished or job.done < job.total:
            return False
        failed = {f["school_code"] for f in job.failures}
        codes = list(
            Evaluation.objects.filter(round=job.round, status=Evaluation.Status.FINALIZED)
            .filter(job.results_scope().school_q())
            .order_by("school__code").values_list("school__code", "school__name")
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for code, name in codes:
                part = _part_name(job.pk, code)
                if code in failed or not default_storage.exists(part):
                    continue
                with default_storage.open(part, "rb") as fh:
                    # A school name is user text: it must not become a path inside the archive (zip-slip).
                    archive.writestr(safe_file_name(f"{code}-{name}", ext=".pdf"), fh.read())
                opinion = _part_name(job.pk, code, OPINION_PART[0])
                if job.include_opinions and default_storage.exists(opinion):
                    with default_storage.open(opinion, "rb") as fh:
                        archive.writestr(safe_file_name(f"{code}-{name}-{OPINION_PART[1]}", ext=".pdf"), fh.read())
            if job.failures:
                lines = [f"{f['school_code']}\t{f['school_name']}\t{f['error']}" for f in job.failures]
                archive.writestr("失败清单.txt", "\n".join(lines) + "\n")
        job.file.save(f"round{job.round_id}-job{job.pk}.zip", ContentFile(buffer.getvalue()), save=False)
        job.status = ExportJob.Status.DONE if len(failed) < job.total or job.total == 0 else ExportJob.Status.FAILED
        job.finished_at = timezone.now()
        job.save(update_fields=["file", "status", "finished_at"])
    for code, _name in codes:
        for kind in ("", OPINION_PART[0]):
            part = _part_name(job.pk, code, kind)
            if default_storage.exists(part):
                default_storage.delete(part)
    return True


# --------------------------------------------------------------------------- the district (city) workbook as a job


@transaction.atomic
def workbook_job_create(*, round, user, scope, district=None) -> ExportJob:
    """A background job building the district workbook (summary plus one score sheet per school) of
    the requester's scope (accounts.scopes), or of one district inside it; the scope is frozen with
    the job and the task keeps to it. The task is enqueued once the job row is committed."""
    from .selectors import district_workbook_count
    from .tasks import export_workbook

    if district is None:
        district = scope.single_district()
    job = ExportJob(kind=ExportJob.Kind.WORKBOOK, round=round, district=district, requested_by=user,
                    total=district_workbook_count(round=round, scope=scope, district=district),
                    scope_district_ids=_scope_district_ids(scope, district))
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: export_workbook.enqueue(job.pk))
    return job


def workbook_job_build(*, job_id: int, now=None) -> ExportJob:
    """Build the job's workbook into its file (XlsxWriter, written to a temporary file, never held
    in memory), advancing `done` as school sheets are written; on an error the job is FAILED with
    the reason. Runs in a worker (reports.tasks.export_workbook)."""
    from . import xlsx
    from .selectors import district_workbook_data

    job = ExportJob.objects.select_related("round__rubric_version", "district").get(pk=job_id)
    if job.is_finished or job.kind != ExportJob.Kind.WORKBOOK:
        return job
    ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.RUNNING, done=0)
    try:
        data = district_workbook_data(round=job.round, scope=job.results_scope(), district=job.district)
        total = len(data.rows)
        ExportJob.objects.filter(pk=job_id).update(total=total)
        step = max(1, total // 50)  # about fifty progress writes, whatever the size

        def progress(done: int) -> None:
            if done % step == 0 or done == total:
                ExportJob.objects.filter(pk=job_id).update(done=done)

        with tempfile.TemporaryFile() as fh:
            xlsx.district_workbook_xlsx(rows=data.rows, tree=data.tree, round_obj=data.round, title=data.title,
                                        inspectors=data.inspectors, target=fh, progress=progress)
            fh.seek(0)
            job.file.save(f"round{job.round_id}-job{job.pk}.xlsx", File(fh), save=False)
    except Exception as exc:  # the job says why instead of staying "running" forever
        log.exception("workbook export failed for job %s", job_id)
        job.refresh_from_db(fields=["done", "total"])
        job.status = ExportJob.Status.FAILED
        job.failures = [{"school_code": "", "school_name": "", "error": f"{type(exc).__name__}: {exc}"[:300]}]
        job.finished_at = now or timezone.now()
        job.save(update_fields=["status", "failures", "finished_at"])
        return job
    job.total = job.done = total
    job.status = ExportJob.Status.DONE
    job.finished_at = now or timezone.now()
    job.save(update_fields=["file", "total", "done", "status", "finished_at"])
    return job


# --------------------------------------------------------------------------- a registered table export as a job

# The reason a TABLE job gives when its requester may no longer have the export.
TABLE_DENIED = gettext_lazy("申请人已无权导出这份表格（角色或查看范围已变化），未生成文件。")


@transaction.atomic
def table_job_create(*, export, user, params: dict) -> ExportJob:
    """A background job building one registered table export (reports.background) for `user` with
    the validated `params`; the caller has checked `export.allowed`. The task is enqueued once the
    job row is committed."""
    from .tasks import export_table

    round_obj = export.round(user, params) if export.round else None
    from accounts.scopes import results_scope

    job = ExportJob(kind=ExportJob.Kind.TABLE, round=round_obj, requested_by=user, export_name=export.name,
                    params=dict(params), label=str(export.label)[:200], total=export.count(user, params),
                    scope_district_ids=_scope_district_ids(results_scope(user), None))
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: export_table.enqueue(job.pk))
    return job


def table_job_build(*, job_id: int) -> ExportJob:
    """Build a TABLE job's file with its export's own builder, as the requester now stands: the
    permission and scope are asked again here, so a user who lost them gets a failed job, not a
    file. Written to a temporary file; about fifty progress writes; on any error the job is FAILED
    with a Chinese reason, never left running. Runs in a worker (reports.tasks.export_table)."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from accounts.scopes import results_scope

    from . import background

    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.is_finished or job.kind != ExportJob.Kind.TABLE:
        return job
    ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.RUNNING, done=0)
    try:
        export = background.get_export(job.export_name)
        user = job.requested_by
        export.allowed(user, job.params)
        # The results scope the file is built with (as the requester now stands); the download
        # checks it against the requester's scope then (reports.views._require_job_scope).
        job.scope_district_ids = _scope_district_ids(results_scope(user), None)
        total = export.count(user, job.params)
        ExportJob.objects.filter(pk=job_id).update(total=total, scope_district_ids=job.scope_district_ids)
        step = max(1, total // 50)

        def progress(done: int) -> None:
            if done % step == 0:
                ExportJob.objects.filter(pk=job_id).update(done=min(done, total))

        with tempfile.TemporaryFile() as fh:
            rows = export.build(user, job.params, fh, progress, today=background.job_today(job, export))
            fh.seek(0)
            job.file.save(f"table-{job.export_name}-job{job.pk}.xlsx", File(fh), save=False)
    except (PermissionDenied, Http404) as exc:
        log.info("table export job %s refused at run time: %r", job_id, exc)
        return _table_job_fail(job, str(TABLE_DENIED))
    except Exception as exc:  # the job says why instead of staying "running" forever
        log.exception("table export failed for job %s", job_id)
        return _table_job_fail(job, _("表格生成失败：%(error)s") % {"error": f"{type(exc).__name__}: {exc}"[:280]})
    job.total = job.done = rows
    job.status = ExportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "total", "done", "status", "finished_at"])
    return job


def _table_job_fail(job: ExportJob, reason: str) -> ExportJob:
    job.refresh_from_db(fields=["done", "total"])
    job.status = ExportJob.Status.FAILED
    job.failures = [{"school_code": "", "school_name": "", "error": reason}]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "failures", "finished_at"])
    return job
