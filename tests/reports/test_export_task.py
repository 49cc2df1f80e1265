"""The batch export of a round's score sheets as a ZIP, through django-tasks."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from reports import tasks
from reports.models import ExportJob
from reports.services import export_job_create
from tests import factories as f
from tests.reports.conftest import give_scores, half


def _names(job):
    job.refresh_from_db()
    with job.file.open("rb") as fh:
        return sorted(zipfile.ZipFile(io.BytesIO(fh.read())).namelist())


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


def test_task_called_directly_builds_the_zip(scored, media):
    job = ExportJob.objects.create(round=scored.round, requested_by=scored.admin, total=2)
    rendered = tasks.export_scoresheets.call(job.pk, [scored.evaluation.pk, scored.other_evaluation.pk])
    assert rendered == 2
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.done == 2 and job.failures == []
    assert _names(job) == sorted([f"{scored.school.code}-雁塔区第一小学.pdf", f"{scored.other_school.code}-碑林区第一小学.pdf"])


def test_a_failing_school_is_reported_and_the_rest_exported(scored, media, monkeypatch):
    real = tasks.scoresheet_pdf

    def flaky(totals, **kw):
        if totals.school.pk == scored.other_school.pk:
            raise ValueError("字体缺失")
        return real(totals, **kw)

    monkeypatch.setattr(tasks, "scoresheet_pdf", flaky)
    job = ExportJob.objects.create(round=scored.round, requested_by=scored.admin, total=2)
    tasks.export_scoresheets.call(job.pk, [scored.evaluation.pk, scored.other_evaluation.pk])
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert [x["school_code"] for x in job.failures] == [scored.other_school.code]
    assert "字体缺失" in job.failures[0]["error"]
    assert _names(job) == sorted([f"{scored.school.code}-雁塔区第一小学.pdf", "失败清单.txt"])


def test_district_official_exports_only_own_district(scored, media, django_capture_on_commit_callbacks):
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):
            job = export_job_create(round=scored.round, user=scored.official, district=scored.district)
    assert job.total == 1
    assert _names(job) == [f"{scored.school.code}-雁塔区第一小学.pdf"]


def test_export_runs_through_the_database_backend_and_db_worker(scored, media, django_capture_on_commit_callbacks,
                                                                 monkeypatch):
    """Enqueued in the database, processed by `manage.py db_worker --batch`."""
    from django_tasks_db.management.commands import db_worker

    # The worker closes "old" connections between tasks; inside the test's transaction that
    # would close the test's own connection on PostgreSQL.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    for _ in range(6):  # two chunks
        give_scores(f.evaluation(scored.round, f.school(scored.district), lead=scored.lead), half)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):
            job = export_job_create(round=scored.round, user=scored.admin)
        from django_tasks_db.models import DBTaskResult

        assert DBTaskResult.objects.filter(status="READY").count() == 2
        job.refresh_from_db()
        assert job.status == ExportJob.Status.QUEUED
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert len(_names(job)) == 8
    job.refresh_from_db()
    assert (job.done, job.total, job.status) == (8, 8, ExportJob.Status.DONE)


def test_round_without_finalized_evaluations_finishes_empty(world, media):
    job = export_job_create(round=world.round, user=world.admin)
    job.refresh_from_db()
    assert job.total == 0 and job.status == ExportJob.Status.DONE


def test_start_view_then_progress_then_download(login, scored, media, django_capture_on_commit_callbacks):
    client = login(scored.official)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("reports:export_start"), {"round": scored.round.pk})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:export_detail", args=[job.pk])
    status = client.get(reverse("reports:export_status", args=[job.pk])).content.decode()
    assert "下载 ZIP" in status and "1 / 1" in status
    download = client.get(reverse("reports:export_download", args=[job.pk]))
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == [f"{scored.school.code}-雁塔区第一小学.pdf"]
    assert AuditEvent.objects.filter(event="export.zip", user=scored.official).exists()


def test_unfinished_job_page_polls_for_progress(login, scored):
    job = ExportJob.objects.create(round=scored.round, requested_by=scored.official, total=4, done=1)
    html = login(scored.official).get(reverse("reports:export_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html and 'data-width="25"' in html


def test_zip_entry_names_never_carry_paths_or_control_characters(scored, media, monkeypatch):
    """A school name is user text; in the archive it is a flat, printable name (zip-slip, issue 12)."""
    from tests.hostile import strings

    monkeypatch.setattr(tasks, "scoresheet_pdf", lambda totals, **kw: b"%PDF-1.4\n%%EOF\n")  # only the names matter here

    hostile = strings("path_traversal", "control_and_noncharacters", "markup")
    names = []
    for text in hostile:
        # The import refuses such names now; a row from before that rule must still export safely.
        type(scored.school).objects.filter(pk=scored.school.pk).update(name=text.replace("\0", ""))
        job = ExportJob.objects.create(round=scored.round, requested_by=scored.admin, total=2)
        tasks.export_scoresheets.call(job.pk, [scored.evaluation.pk, scored.other_evaluation.pk])
        names += _names(job)
    assert f"{scored.school.code}-a_._._._x_zipslip.pdf" in names
    for name in names:
        assert "/" not in name and "\\" not in name and ".." not in name, name
        assert not any(ord(c) < 32 or c in "\u202e\ufeff\u200b\ufffe\uffff" for c in name), name
        assert name.endswith((".pdf", ".txt"))


# --- the requester's scope is the job's scope ------------------------------------------------


def test_a_two_district_officials_zip_holds_exactly_their_schools(login, scored, media,
                                                                  django_capture_on_commit_callbacks):
    chang = f.district("610116", "长安区")
    third = f.evaluation(scored.round, f.school(chang, name="长安区第一小学"), lead=scored.bob)
    give_scores(third, half)
    official = scored.other_official
    official.scope_districts.add(scored.district)  # 碑林区 + 雁塔区, not 长安区
    client = login(official)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("reports:export_start"), {"round": scored.round.pk})
    job = ExportJob.objects.get(requested_by=official)
    assert sorted(job.scope_district_ids) == sorted([scored.district.pk, scored.other_district.pk])
    assert job.total == 2
    assert _names(job) == sorted([f"{scored.school.code}-雁塔区第一小学.pdf", f"{scored.other_school.code}-碑林区第一小学.pdf"])
    page = client.get(reverse("reports:export_detail", args=[job.pk])).content.decode()
    assert "导出范围" in page and "碑林区、雁塔区" in page  # in the city's order


def test_the_task_and_the_zip_keep_to_the_jobs_scope_whatever_they_are_given(scored, media):
    """A chunk naming a school outside the job's scope (and a part file left for it) never reaches the ZIP."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    job = ExportJob.objects.create(round=scored.round, requested_by=scored.official, total=2,
                                   scope_district_ids=[scored.district.pk])
    default_storage.save(f"exports/parts/{job.pk}/{scored.other_school.code}.pdf", ContentFile(b"%PDF-1.4 stray"))
    rendered = tasks.export_scoresheets.call(job.pk, [scored.evaluation.pk, scored.other_evaluation.pk])
    assert rendered == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.done == 2
    assert _names(job) == [f"{scored.school.code}-雁塔区第一小学.pdf"]


def test_jobs_from_before_keep_their_district_and_the_whole_round_otherwise(scored):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("reports.migrations.0002_exportjob_scope_district_ids")
    district_job = ExportJob.objects.create(round=scored.round, requested_by=scored.official, district=scored.district)
    round_job = ExportJob.objects.create(round=scored.round, requested_by=scored.admin)
    migration.scope_from_district(apps, None)
    district_job.refresh_from_db()
    round_job.refresh_from_db()
    assert district_job.scope_district_ids == [scored.district.pk] and district_job.scope_label == "雁塔区"
    assert round_job.scope_district_ids is None and round_job.scope_label == "全市"
