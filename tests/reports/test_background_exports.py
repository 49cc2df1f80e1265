"""Every table export over EXPORT_INLINE_MAX_ROWS rows runs as a background job (issue 17, item 4):
one registry (reports.background), one start URL, one task; inline and job build with the same
function, the requester's permission and scope are asked again when the job runs and at download."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import roles
from audit.models import AuditEvent
from audit.services import audit_record
from reports import background
from reports.models import ExportJob
from reports.services import TABLE_DENIED, table_job_build
from schools.models import School
from tests.background_exports import (
    START,
    background_equals_inline,
    body,
    cells,
    confirm_form,
    job_file,
    saved_name,
    sheets,
    start,
)
from tests.hostile import strings

REGISTERED = {"ranking", "audit_log", "rectification_ledger", "recognized_list", "renewal", "analytics_agreement",
              "analytics_leniency", "analytics_cv", "analytics_elements", "survey_answers", "survey_results"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


def _ranking(w):
    return reverse("reports:ranking_xlsx"), {"round": w.round.pk}


def test_every_listed_export_is_registered():
    assert {e.name for e in background.registered()} == REGISTERED
    assert all(str(e.label) for e in background.registered())


# ---------------------------------------------------------------- inline vs background, per export


# (export, who asks, url name, query) for the exports the scored world has data for; the others
# (整改台账, 认定名单, 满意度) are compared in their apps' tests with their own data.
CASES = [
    ("ranking", "city_official", "reports:ranking_xlsx", lambda w: {"round": w.round.pk}),
    ("ranking_filtered", "city_official", "reports:ranking_xlsx",
     lambda w: {"round": w.round.pk, "sort": "-total", "district": w.other_district.pk}),
    ("audit_log", "auditor", "audit:event_export", lambda w: {}),
    ("audit_log_filtered", "auditor", "audit:event_export", lambda w: {"outcome": "failure"}),
    ("analytics_agreement", "city_official", "analytics:agreement_xlsx", lambda w: {"round": w.round.pk}),
    ("analytics_leniency", "admin", "analytics:leniency_xlsx", lambda w: {"round": w.round.pk}),
    ("analytics_cv", "official", "analytics:cv_xlsx", lambda w: {"round": w.round.pk}),
    ("analytics_elements", "city_official", "analytics:elements_xlsx",
     lambda w: {"round": w.round.pk, "stage": School.Stage.PRIMARY}),
    ("renewal", "admin", "recognition:renewal_xlsx", lambda w: {"days": "30"}),
    ("rectification_ledger", "official", "rectification:ledger_xlsx", lambda w: {}),
]


@pytest.mark.parametrize("name,who,url,query", CASES, ids=[c[0] for c in CASES])
def test_over_the_threshold_a_job_builds_the_same_workbook_as_the_inline_download(
        name, who, url, query, scored, login, settings, django_capture_on_commit_callbacks):
    audit_record(event="auth.login_failed", username="mallory", outcome="failure")
    client = login(getattr(scored, who))
    job, _content = background_equals_inline(client, django_capture_on_commit_callbacks, settings, reverse(url),
                                             query(scored))
    assert job.requested_by == getattr(scored, who) and job.kind == ExportJob.Kind.TABLE
    assert job.export_name == name.removesuffix("_filtered") and job.label
    assert AuditEvent.objects.filter(event="export.xlsx.start", detail__kind=job.export_name).exists()
    page = client.get(reverse("reports:export_detail", args=[job.pk])).content.decode()
    assert job.label in page and reverse("reports:export_download", args=[job.pk]) in page


def test_at_the_threshold_the_download_is_inline_and_one_row_more_asks_first(scored, login, settings):
    url, query = _ranking(scored)
    client = login(scored.city_official)
    settings.EXPORT_INLINE_MAX_ROWS = 2  # two schools in the round
    inline = client.get(url, query)
    assert inline.status_code == 200 and inline["Content-Type"].startswith("application/vnd.openxmlformats")
    settings.EXPORT_INLINE_MAX_ROWS = 1
    confirm = client.get(url, query)
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "这份导出共 2 行，超过 1 行，将在后台生成" in text
    assert 'name="csrfmiddlewaretoken"' in text and f'action="{START}"' in text
    assert not ExportJob.objects.exists()  # a GET never starts anything


def test_the_confirmation_page_keeps_the_resolved_round_and_the_filters(scored, login, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    form = confirm_form(login(scored.city_official).get(reverse("reports:ranking_xlsx"),
                                                        {"round": scored.round.name, "stage": "primary", "page": "3"}))
    assert form == {"export": "ranking", "query": f"round={scored.round.pk}&stage=primary"}


def test_a_district_officials_job_holds_only_their_district(scored, login, settings, django_capture_on_commit_callbacks):
    job, content = background_equals_inline(login(scored.official), django_capture_on_commit_callbacks, settings,
                                             *_ranking(scored))
    names = {row[2] for rows in sheets(content).values() for row in rows[2:] if row and row[2]}
    assert "雁塔区第一小学" in names and "碑林区第一小学" not in names
    assert job.scope_district_ids == [scored.district.pk]


def test_the_job_reports_progress_and_its_total(scored, login, settings, django_capture_on_commit_callbacks):
    for n in range(120):
        audit_record(event="score.change", username=f"u{n}")
    job, _content = background_equals_inline(login(scored.auditor), django_capture_on_commit_callbacks, settings,
                                             reverse("audit:event_export"))
    assert job.total == job.done >= 120 and job.percent == 100


# ---------------------------------------------------------------- who may follow and download a job


def _ranking_job(w, login, settings, capture, who="official"):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client = login(getattr(w, who))
    _response, job = start(client, capture, confirm_form(client.get(*_ranking(w))))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    return job


def _job_urls(job):
    return [reverse(f"reports:{n}", args=[job.pk]) for n in ("export_detail", "export_status", "export_download")]


@pytest.mark.parametrize("who", ["other_official", "city_official", "admin", "auditor", "lead", "nobody"])
def test_only_the_requester_follows_a_table_job(who, scored, login, settings, django_capture_on_commit_callbacks):
    job = _ranking_job(scored, login, settings, django_capture_on_commit_callbacks)
    for url in _job_urls(job):
        assert login(getattr(scored, who)).get(url).status_code == 404, (who, url)
    for url in _job_urls(job):
        assert login(scored.official).get(url).status_code == 200, url


def test_a_requester_who_lost_the_role_can_no_longer_download(scored, login, settings,
                                                              django_capture_on_commit_callbacks):
    job = _ranking_job(scored, login, settings, django_capture_on_commit_callbacks)
    scored.official.groups.clear()
    for url in _job_urls(job):
        assert login(scored.official).get(url).status_code == 404, url


def test_a_requester_whose_scope_shrank_can_no_longer_download(scored, login, settings,
                                                               django_capture_on_commit_callbacks):
    job = _ranking_job(scored, login, settings, django_capture_on_commit_callbacks, who="city_official")
    assert job.scope_district_ids is None
    scored.city_official.scope_city_wide = False
    scored.city_official.save(update_fields=["scope_city_wide"])
    scored.city_official.scope_districts.add(scored.district)
    assert login(scored.city_official).get(_job_urls(job)[2]).status_code == 404


def test_a_job_whose_requester_lost_the_role_before_it_ran_fails_with_the_reason(
        scored, login, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client = login(scored.official)
    form = confirm_form(client.get(*_ranking(scored)))
    with django_capture_on_commit_callbacks(execute=False):
        client.post(START, form)
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.QUEUED
    scored.official.groups.clear()
    job = table_job_build(job_id=job.pk)
    assert job.status == ExportJob.Status.FAILED and not job.file
    assert job.failures[0]["error"] == str(TABLE_DENIED)


def test_a_job_that_breaks_fails_with_a_chinese_reason_instead_of_running_forever(
        scored, login, settings, django_capture_on_commit_callbacks, monkeypatch):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client = login(scored.city_official)
    form = confirm_form(client.get(*_ranking(scored)))

    def boom(**kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr("reports.xlsx.ranking_xlsx", boom)
    _response, job = start(client, django_capture_on_commit_callbacks, form)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.finished_at
    assert job.failures[0]["error"].startswith("表格生成失败：RuntimeError: 磁盘已满")
    page = client.get(reverse("reports:export_detail", args=[job.pk])).content.decode()
    assert "表格生成失败" in page and "export-download" not in page
    assert client.get(_job_urls(job)[2]).status_code == 404


@pytest.mark.parametrize("who", ["admin", "security_admin", "city_official"])
def test_the_audit_log_export_is_the_auditors_alone(who, scored, login, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    auditor = login(scored.auditor)
    _response, job = start(auditor, django_capture_on_commit_callbacks,
                           confirm_form(auditor.get(reverse("audit:event_export"))))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.round is None and str(job)
    other = login(getattr(scored, who))
    for url in _job_urls(job):
        assert other.get(url).status_code == 404, url  # 三权分立: not even the system administrator
    with django_capture_on_commit_callbacks(execute=True):
        assert other.post(START, {"export": "audit_log", "query": ""}).status_code == 403
    assert ExportJob.objects.count() == 1


# ---------------------------------------------------------------- hostile input to the start URL


@pytest.mark.parametrize("data,status", [
    ({"export": "no_such_export", "query": ""}, 404),
    ({"export": "../../etc/passwd", "query": ""}, 404),
    ({"export": "<script>alert(1)</script>", "query": ""}, 404),
    ({"export": "ranking", "query": "round=1&school_id=1"}, 400),  # a key the export does not read
    ({"export": "ranking", "query": "round=1&round=2"}, 400),
    ({"export": "ranking", "query": "round=1 OR 1=1"}, 400),
    ({"export": "ranking", "query": "round=../../etc/passwd"}, 400),
    ({"export": "ranking", "query": "round={round}&district=1;DROP TABLE reports_exportjob"}, 400),
    ({"export": "ranking", "query": "round={round}&stage=<script>alert(1)</script>"}, 400),
    ({"export": "ranking", "query": "round={round}&sort=total);--"}, 400),
    ({"export": "ranking", "query": "round={round}&district=%EF%BC%91"}, 400),  # a full-width digit
    ({"export": "ranking", "query": "round={round}&stage=primary%00"}, 400),
    ({"export": "ranking", "query": "round=999999"}, 404),
    ({"export": "audit_log", "query": "date_from=../../etc"}, 400),
    ({"export": "analytics_elements", "query": "round={round}&district=../雁塔区"}, 400),
    ({"export": "renewal", "query": "days=-1"}, 400),
    ({"export": "survey_answers", "query": "campaign=../1"}, 400),
    ({"export": "recognized_list", "query": "round=1e3"}, 400),
    ({"export": "ranking", "query": "round={round}&" + "x" * 3000}, 400),
])
def test_hostile_start_requests_create_nothing(data, status, scored, login, django_capture_on_commit_callbacks):
    who = scored.auditor if data["export"] == "audit_log" else scored.admin
    data = {**data, "query": data["query"].replace("{round}", str(scored.round.pk))}
    response, job = start(login(who), django_capture_on_commit_callbacks, data)
    assert response.status_code == status
    assert job is None and not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(event="export.xlsx.start").exists()


def test_the_start_url_takes_only_post(scored, login):
    assert login(scored.admin).get(START).status_code == 405


def test_an_official_cannot_start_the_leniency_workbook(scored, login, django_capture_on_commit_callbacks):
    response, job = start(login(scored.city_official), django_capture_on_commit_callbacks,
                          {"export": "analytics_leniency", "query": f"round={scored.round.pk}"})
    assert response.status_code == 403 and job is None


# ---------------------------------------------------------------- hostile row content


def test_hostile_text_survives_into_the_jobs_workbook_as_text(scored, login, settings,
                                                              django_capture_on_commit_callbacks):
    hostile = strings()
    for s in hostile:
        audit_record(event="auth.login_failed", username=s[:150], outcome="failure", object_repr=s[:300])
    job, content = background_equals_inline(login(scored.auditor), django_capture_on_commit_callbacks, settings,
                                             reverse("audit:event_export"))
    all_cells = cells(content)
    assert not any(c.data_type == "f" for c in all_cells)
    values = [c.value for c in all_cells if isinstance(c.value, str)]
    assert not any(v.startswith(("=", "+", "-", "@", "＝", "＋", "－", "＠")) for v in values)
    assert any(v.startswith("'=") for v in values)  # a formula-looking name kept, as text


def test_hostile_school_names_reach_the_ranking_jobs_workbook_as_text(scored, login, settings,
                                                                      django_capture_on_commit_callbacks):
    School.objects.filter(pk=scored.school.pk).update(name='=HYPERLINK("http://evil.example/","点我")')
    School.objects.filter(pk=scored.other_school.pk).update(name=strings()[0][:200] or "@SUM(1)")
    job, content = background_equals_inline(login(scored.city_official), django_capture_on_commit_callbacks, settings,
                                            *_ranking(scored))
    by_value = {c.value: c for c in cells(content) if isinstance(c.value, str)}
    cell = by_value["'=HYPERLINK(\"http://evil.example/\",\"点我\")"]
    assert cell.data_type == "s"


def test_a_round_with_a_hostile_name_gives_a_safe_file_name(scored, login, settings,
                                                            django_capture_on_commit_callbacks):
    scored.round.name = "../../etc/passwd\r\n<script>"
    scored.round.save(update_fields=["name"])
    job = _ranking_job(scored, login, settings, django_capture_on_commit_callbacks, who="city_official")
    response = login(scored.city_official).get(_job_urls(job)[2])
    name = saved_name(response)
    assert name.endswith("-排名.xlsx") and not any(ch in name for ch in "/\\\r\n<>")
    assert body(response) == job_file(job)


def test_the_ranking_page_still_downloads_inline_under_the_threshold(scored, login):
    response = login(scored.city_official).get(*_ranking(scored))
    assert response.status_code == 200 and not ExportJob.objects.exists()
    assert roles.is_official(scored.city_official)


@pytest.mark.parametrize("who,status", [("admin", 200), ("official", 200), ("city_official", 200), ("lead", 403),
                                        ("auditor", 403), ("security_admin", 403), ("unscoped_official", 403),
                                        ("school_user", 403), ("nobody", 403)])
def test_the_confirmation_page_answers_only_those_who_may_export(who, status, scored, login, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    response = login(getattr(scored, who)).get(*_ranking(scored))
    assert response.status_code == status
    assert ("将在后台生成" in response.content.decode()) == (status == 200)


def test_the_jobs_page_links_back_to_the_filtered_page(scored, login, settings, django_capture_on_commit_callbacks):
    job = _ranking_job(scored, login, settings, django_capture_on_commit_callbacks)
    page = login(scored.official).get(_job_urls(job)[0]).content.decode()
    assert f'href="{reverse("reports:ranking")}?round={scored.round.pk}"' in page


@pytest.mark.parametrize("query", ["stage=%01", "stage=primary&stage=junior", "district=" + "9" * 300,
                                   "sort=total%0d%0aX:1", "page=../../x"])
def test_odd_queries_on_the_inline_url_are_dropped_as_the_page_drops_them(query, scored, login, settings):
    url = f"{reverse('reports:ranking_xlsx')}?round={scored.round.pk}&{query}"
    assert login(scored.city_official).get(url).status_code == 200
    settings.EXPORT_INLINE_MAX_ROWS = -1
    form = confirm_form(login(scored.city_official).get(url))
    assert not any(ch in form["query"] for ch in "\x01\r\n") and "page=" not in form["query"]
    assert "9" * 300 not in form["query"]


def test_a_nul_in_the_query_is_refused_before_any_export(scored, login, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    response = login(scored.city_official).get(f"{reverse('reports:ranking_xlsx')}?round={scored.round.pk}&stage=%00")
    assert response.status_code == 400 and not ExportJob.objects.exists()


@pytest.mark.parametrize("name,who,query", [("ranking", "city_official", lambda w: {"round": str(w.round.pk)}),
                                            ("audit_log", "auditor", lambda w: {})])
def test_the_streaming_builders_report_each_row(name, who, query, scored):
    import io
    from datetime import date

    audit_record(event="score.change", username="u1")
    calls = []
    user = getattr(scored, who)
    rows = background.get_export(name).build(user, query(scored), io.BytesIO(), calls.append, today=date(2026, 11, 2))
    assert rows >= 1 and calls == list(range(1, rows + 1))
