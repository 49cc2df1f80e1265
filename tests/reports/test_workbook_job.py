"""The district (city) workbook as a background job (issue 17): created with the requester's
scope, built by its task with progress, downloaded with the job's permission check; inline only
up to EXPORT_INLINE_MAX_SCHOOLS schools."""

import io
import zipfile

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from config.spreadsheet import FORMULA_PREFIXES
from reports import xlsx as xlsx_render
from reports.models import ExportJob
from reports.services import workbook_job_build, workbook_job_create
from schools.models import District, School
from tests.hostile import strings

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


def _start(client, capture, data):
    with override_settings(TASKS=IMMEDIATE), capture(execute=True):
        return client.post(reverse("reports:workbook_start"), data)


def _workbook(job) -> openpyxl.Workbook:
    job.refresh_from_db()
    with job.file.open("rb") as fh:
        return openpyxl.load_workbook(io.BytesIO(fh.read()))


def _school_names(wb) -> set[str]:
    summary = wb.worksheets[0]
    return {summary.cell(r, 3).value for r in range(3, summary.max_row + 1)}


def test_the_page_starts_a_job_with_the_district_officials_scope_and_the_task_builds_it(
        login, scored, media, django_capture_on_commit_callbacks):
    response = _start(login(scored.official), django_capture_on_commit_callbacks, {"round": scored.round.pk})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:export_detail", args=[job.pk])
    assert job.kind == ExportJob.Kind.WORKBOOK and job.requested_by == scored.official
    assert job.scope_district_ids == [scored.district.pk] and job.district == scored.district
    assert (job.status, job.done, job.total) == (ExportJob.Status.DONE, 1, 1)
    wb = _workbook(job)
    assert len(wb.worksheets) == 2 and _school_names(wb) == {"雁塔区第一小学"}
    assert AuditEvent.objects.filter(event="export.xlsx.start", user=scored.official).exists()


def test_a_city_officials_job_holds_the_whole_city(login, scored, media, django_capture_on_commit_callbacks):
    _start(login(scored.city_official), django_capture_on_commit_callbacks, {"round": scored.round.pk})
    job = ExportJob.objects.get()
    assert job.scope_district_ids is None and job.district is None
    assert _school_names(_workbook(job)) == {"雁塔区第一小学", "碑林区第一小学"}
    assert job.scope_label == "全市"


def test_one_district_of_the_city_officials_scope(login, scored, media, django_capture_on_commit_callbacks):
    _start(login(scored.city_official), django_capture_on_commit_callbacks,
           {"round": scored.round.pk, "district": scored.other_district.pk})
    job = ExportJob.objects.get()
    assert job.scope_district_ids == [scored.other_district.pk]
    assert _school_names(_workbook(job)) == {"碑林区第一小学"}


@pytest.mark.parametrize("district", ["other", "999999", "1 OR 1=1", "１"])
def test_a_district_outside_the_scope_or_malformed_starts_nothing(login, scored, district):
    value = scored.other_district.pk if district == "other" else district
    response = login(scored.official).post(reverse("reports:workbook_start"), {"round": scored.round.pk,
                                                                                "district": value})
    assert response.status_code in (302, 404)
    assert not ExportJob.objects.exists()


def test_start_is_post_only_needs_login_and_is_403_for_inspectors(client, login, scored):
    url = reverse("reports:workbook_start")
    assert client.post(url, {"round": scored.round.pk}).status_code == 302  # to the login page
    assert not ExportJob.objects.exists()
    assert login(scored.official).get(url).status_code == 405
    assert login(scored.lead).post(url, {"round": scored.round.pk}).status_code == 403
    assert not ExportJob.objects.exists()


def test_the_task_reports_progress_and_keeps_to_the_stored_scope(scored, media):
    job = workbook_job_create(round=scored.round, user=scored.official, scope=_scope(scored.official))
    seen = []
    real = xlsx_render.district_workbook_xlsx

    def spy(**kw):
        progress = kw["progress"]
        return real(**{**kw, "progress": lambda done: (seen.append(done), progress(done))})

    import reports.xlsx

    reports.xlsx.district_workbook_xlsx, saved = spy, real
    try:
        # The official's account now reaches the whole city: the job still holds only 雁塔区.
        scored.official.scope_city_wide = True
        scored.official.save(update_fields=["scope_city_wide"])
        job = workbook_job_build(job_id=job.pk)
    finally:
        reports.xlsx.district_workbook_xlsx = saved
    assert seen == [1] and (job.done, job.total, job.status) == (1, 1, ExportJob.Status.DONE)
    assert _school_names(_workbook(job)) == {"雁塔区第一小学"}


def test_a_failing_build_marks_the_job_failed_with_the_reason(scored, media, monkeypatch, login):
    def broken(**kw):
        raise OSError("磁盘已满")

    monkeypatch.setattr(xlsx_render, "district_workbook_xlsx", broken)
    job = workbook_job_create(round=scored.round, user=scored.official, scope=_scope(scored.official))
    job = workbook_job_build(job_id=job.pk)
    assert job.status == ExportJob.Status.FAILED and "磁盘已满" in job.failures[0]["error"]
    status = login(scored.official).get(reverse("reports:export_status", args=[job.pk])).content.decode()
    assert "工作簿生成失败" in status and "磁盘已满" in status and "export-download" not in status


def _scope(user):
    from accounts import scopes

    return scopes.results_scope(user)


def _done_job(scored, user):
    job = workbook_job_create(round=scored.round, user=user, scope=_scope(user))
    return workbook_job_build(job_id=job.pk)


def test_the_requester_and_an_admin_download_it_other_officials_do_not(scored, media, login):
    job = _done_job(scored, scored.official)
    url = reverse("reports:export_download", args=[job.pk])
    response = login(scored.official).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ".xlsx" in response["Content-Disposition"]
    zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # a real workbook
    assert AuditEvent.objects.filter(event="export.xlsx", user=scored.official).exists()
    assert login(scored.admin).get(url).status_code == 200
    for other in (scored.other_official, scored.city_official):
        assert login(other).get(url).status_code == 404
    assert login(scored.lead).get(url).status_code == 403
    status = login(scored.official).get(reverse("reports:export_status", args=[job.pk])).content.decode()
    assert "下载 Excel 工作簿" in status and "1 / 1" in status


def test_a_requester_whose_scope_shrank_no_longer_downloads_it(scored, media, login):
    job = _done_job(scored, scored.city_official)
    url = reverse("reports:export_download", args=[job.pk])
    assert login(scored.city_official).get(url).status_code == 200
    scored.city_official.scope_city_wide = False
    scored.city_official.save(update_fields=["scope_city_wide"])
    scored.city_official.scope_districts.set([scored.district])
    assert login(scored.city_official).get(url).status_code == 404
    assert login(scored.admin).get(url).status_code == 200


def test_up_to_the_threshold_the_workbook_still_streams_inline(scored, login, settings):
    settings.EXPORT_INLINE_MAX_SCHOOLS = 1
    response = login(scored.official).get(reverse("reports:district_xlsx"), {"round": scored.round.pk})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert not ExportJob.objects.exists()


def test_above_the_threshold_the_inline_download_sends_to_the_background_job(scored, login, settings):
    settings.EXPORT_INLINE_MAX_SCHOOLS = 1
    client = login(scored.city_official)
    response = client.get(reverse("reports:district_xlsx"), {"round": scored.round.pk})
    assert response.status_code == 302 and response["Location"].startswith(reverse("reports:ranking"))
    page = client.get(response["Location"]).content.decode()
    assert "后台生成" in page
    assert 'action="%s"' % reverse("reports:workbook_start") in page
    assert not AuditEvent.objects.filter(event="export.xlsx").exists()


def test_hostile_names_stay_text_in_the_jobs_workbook(scored, media):
    hostile = strings("spreadsheet_formulas", "markup", "control_and_noncharacters", "names")
    for i, text in enumerate(hostile):
        text = text.replace("\x00", "")  # PostgreSQL refuses NUL in text (the forms drop it before saving)
        School.objects.filter(pk=scored.school.pk).update(name=text[:100] or "x")
        District.objects.filter(pk=scored.district.pk).update(name=(text[:45] or "x") + str(i))
        scored.official.refresh_from_db()
        job = _done_job(scored, scored.official)
        assert job.status == ExportJob.Status.DONE, job.failures
        wb = _workbook(job)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "s":
                        assert not cell.value.startswith(FORMULA_PREFIXES), cell.value[:40]
                    if cell.data_type == "f":
                        assert cell.value.startswith("=SUM("), cell.value
        ExportJob.objects.all().delete()
