"""The school's own page: self-scores and 自评说明 with the inspectors' autosave, files per requirement,
the 自评报告, submission rules, read-only after submission, and the offline workbook."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from selfassessment import selectors, services
from selfassessment.models import SelfAssessment, SelfEvidence, SelfScore, Transition
from tests import factories as f
from tests.hostile import strings

from .conftest import PDF, fill, pdf, png, submitted


def url(name, w, *args):
    return reverse(f"selfassessment:{name}", args=[w.sa_round.pk, *args])


def save_json(client, w, data):
    return client.post(url("save", w), data, HTTP_ACCEPT="application/json")


def _state():
    return (sorted(SelfScore.objects.values_list("element__code", "points", "note", "version")),
            sorted(SelfEvidence.objects.values_list("original_name", "requirement_id")),
            sorted(SelfAssessment.objects.values_list("school_id", "status", "report_summary")))


# ---------------------------------------------------------------- the page


def test_the_school_sees_every_element_with_its_requirements_and_the_js(sa, login):
    response = login(sa.school_user).get(url("workspace", sa))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="form-control score-input"') == 5
    assert "学校三年发展规划" in html and "作业公示照片" in html and "（必需；图片）" in html
    assert 'data-storage-key="nqs.self.' in html and "evaluation/scorecard.js" in html and "<script>" not in html
    assert 'data-total="total"' in html and "自评报告" in html
    assert html.count("未上传") >= 3  # the three required files are missing
    assert not SelfAssessment.objects.exists()  # looking is not applying


def test_the_home_page_lists_the_schools_rounds(sa, login):
    html = login(sa.school_user).get(reverse("selfassessment:home")).content.decode()
    assert sa.sa_round.name in html and "未申报" in html
    assert login(sa.school_user).get(reverse("accounts:home"))["Location"] == reverse("selfassessment:home")


@pytest.mark.parametrize("who", ["official", "city_official", "admin", "alice", "auditor", "nobody"])
def test_only_a_school_account_fills_a_self_assessment(sa, login, who):
    client = login(getattr(sa, who))
    assert client.get(url("workspace", sa)).status_code == 403
    assert save_json(client, sa, {"points_C1": "1", "version_C1": "0"}).status_code == 403
    assert not SelfScore.objects.exists()


def test_a_school_that_may_not_apply_gets_404(sa, login):
    sa.sa_round.applicants = "list"
    sa.sa_round.save()
    assert login(sa.school_user).get(url("workspace", sa)).status_code == 404
    assert login(sa.school_user).get(reverse("selfassessment:workspace", args=[sa.round.pk])).status_code == 404


def test_login_and_methods(sa, client, login):
    assert client.get(url("workspace", sa)).status_code == 302
    c = login(sa.school_user)
    assert c.get(url("save", sa)).status_code == 405
    assert c.get(url("submit", sa)).status_code == 405
    assert c.get(url("evidence_upload", sa)).status_code == 405
    assert c.post(url("workspace", sa)).status_code == 405


def test_the_page_runs_a_constant_number_of_queries(sa, login, django_assert_max_num_queries):
    c = login(sa.school_user)
    with django_assert_max_num_queries(16):
        assert c.get(url("workspace", sa)).status_code == 200
    fill(sa)
    for n in range(6):
        services.self_evidence_add(self_assessment=selectors.self_assessment_of(round=sa.sa_round, school=sa.school),
                                   element=sa.elements["C4"], upload=pdf(f"{n}.pdf"), by=sa.school_user)
    with django_assert_max_num_queries(16):
        response = c.get(url("workspace", sa))
    assert response.content.decode().count("bi-paperclip") == 9


# ---------------------------------------------------------------- autosave


def test_autosave_answers_like_the_scorecard_with_the_self_total(sa, login):
    c = login(sa.school_user)
    response = save_json(c, sa, {"points_C1": "1.5", "note_C1": "有规划", "version_C1": "0",
                                 "points_C2": "0.25", "note_C2": "", "version_C2": "0"})
    assert response.status_code == 200
    data = response.json()
    assert data["saved"]["C1"] == {"points": "1.50", "note": "有规划", "version": 1}
    assert data["totals"]["total"] == "1.75" and data["totals"]["A1"] == "1.75" and data["totals"]["scored"] == 2
    row = SelfAssessment.objects.get(school=sa.school, round=sa.sa_round)
    assert row.status == SelfAssessment.Status.DRAFT
    assert AuditEvent.objects.filter(event="self_score.change", object_id=str(row.pk)).exists()
    history = SelfScore.history.filter(element__code="C1")
    assert history.count() == 1 and history.first().history_user == sa.school_user


def test_a_stale_save_is_a_conflict_and_keeps_the_stored_value(sa, login):
    c = login(sa.school_user)
    save_json(c, sa, {"points_C1": "1", "version_C1": "0"})
    save_json(c, sa, {"points_C1": "1.5", "version_C1": "1"})
    response = save_json(c, sa, {"points_C1": "2", "version_C1": "1"})  # another tab, typed on version 1
    assert response.status_code == 409
    assert "1.5" in response.json()["conflicts"]["C1"]["message"]
    assert SelfScore.objects.get(element__code="C1").points == f.d("1.5")


@pytest.mark.parametrize("value,message", [("2.5", "超出标准分"), ("0.3", "不符合评分步长"), ("-1", "不能为负数"),
                                           ("=1+1", "不是有效的得分"), ("1e1", "不是有效的得分")])
def test_bad_self_scores_are_refused_at_the_element_and_nothing_changes(sa, login, value, message):
    before = _state()
    response = save_json(login(sa.school_user), sa, {"points_C1": value, "version_C1": "0"})
    assert response.status_code == 400 and message in response.json()["errors"]["C1"]
    assert _state()[0] == before[0]


def test_hostile_explanations_are_saved_as_text_and_shown_inert(sa, login):
    c = login(sa.school_user)
    notes = [s for s in strings() if "\x00" not in s and len(s) < 2000][:8]
    for n, note in enumerate(notes):
        save_json(c, sa, {"points_C1": "1", "note_C1": note, "version_C1": str(n)})
    html = c.get(url("workspace", sa)).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html


# ---------------------------------------------------------------- files


def _upload(client, w, slot, upload):
    return client.post(url("evidence_upload", w), {"slot": slot, f"file_{slot}": upload})


def test_files_go_to_their_requirement_and_kind_is_checked(sa, login):
    c = login(sa.school_user)
    c1, c5 = sa.requirements["C1"], sa.requirements["C5"]
    response = _upload(c, sa, f"r{c1.pk}", pdf("三年规划.pdf"))
    assert response.status_code == 302 and response["Location"].endswith("#el-C1")
    ev = SelfEvidence.objects.get()
    assert ev.requirement == c1 and ev.element.code == "C1" and ev.download_name == "三年规划.pdf"
    before = _state()
    _upload(c, sa, f"r{c5.pk}", pdf("作业.pdf"))  # C5 accepts images only
    html = c.get(url("workspace", sa)).content.decode()
    assert "“作业公示照片”只接受图片，该文件是文档。" in html
    _upload(c, sa, f"r{c5.pk}", SimpleUploadedFile("x.png", b"<html><script>alert(1)</script></html>"))
    assert "不支持的文件类型" in c.get(url("workspace", sa)).content.decode()
    assert _state() == before
    assert _upload(c, sa, f"r{c5.pk}", png()).status_code == 302
    assert _upload(c, sa, "eC4", pdf("其他.pdf")).status_code == 302
    assert _upload(c, sa, "report", pdf("三年发展规划.pdf")).status_code == 302
    kinds = sorted((e.element.code if e.element else "", e.requirement_id is not None)
                   for e in SelfEvidence.objects.select_related("element"))
    assert kinds == [("", False), ("C1", True), ("C4", False), ("C5", True)]


def test_a_slot_of_another_rubric_or_a_bad_slot_is_404(sa, login, world):
    other = world.version.evidence_requirements.first()
    c = login(sa.school_user)
    assert _upload(c, sa, f"r{other.pk}", pdf()).status_code == 404
    assert _upload(c, sa, "eC99", pdf()).status_code == 404
    assert _upload(c, sa, "../x", pdf()).status_code == 404


def test_who_may_download_and_delete_a_schools_file(sa, login):
    _upload(login(sa.school_user), sa, f"r{sa.requirements['C1'].pk}", pdf("规划.pdf"))
    ev = SelfEvidence.objects.get()
    download = reverse("selfassessment:evidence_download", args=[ev.pk])
    delete = reverse("selfassessment:evidence_delete", args=[ev.pk])
    response = login(sa.school_user).get(download)
    assert response.status_code == 200 and response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == PDF
    for who in ("official", "city_official", "admin"):
        assert login(getattr(sa, who)).get(download).status_code == 200, who
    for who in ("other_school_user", "other_official", "alice", "bob", "nobody", "auditor", "unscoped_official"):
        assert login(getattr(sa, who)).get(download).status_code == 404, who
    for who in ("other_school_user", "other_official", "alice"):
        assert login(getattr(sa, who)).post(delete).status_code == 404, who
    assert login(sa.official).post(delete).status_code == 403  # sees it, may not change it
    assert SelfEvidence.objects.exists()
    assert login(sa.school_user).post(delete).status_code == 302
    assert not SelfEvidence.objects.exists()
    assert AuditEvent.objects.filter(event="self_evidence.delete").exists()


# ---------------------------------------------------------------- the report


def test_the_report_is_saved_with_a_lost_update_guard(sa, login):
    c = login(sa.school_user)
    assert c.post(url("report_save", sa), {"summary": "第一稿", "version": "0"}).status_code == 302
    row = SelfAssessment.objects.get()
    assert (row.report_summary, row.report_version) == ("第一稿", 1)
    response = c.post(url("report_save", sa), {"summary": "另一个标签页的稿子", "version": "0"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "自评报告已被他人修改" in html and "另一个标签页的稿子" in html and "第一稿" in html
    assert SelfAssessment.objects.get().report_summary == "第一稿"


# ---------------------------------------------------------------- submission


def test_submission_is_refused_listing_what_is_missing(sa, login):
    c = login(sa.school_user)
    save_json(c, sa, {"points_C1": "1", "version_C1": "0"})
    before = _state()
    response = c.post(url("submit", sa), follow=True)
    html = response.content.decode()
    assert "还不能提交" in html
    for code in ("C2", "C3", "C4", "C5"):
        assert f'href="#el-{code}"' in html
    assert f'href="#req-{sa.requirements["C1"].pk}"' in html and "C5“作业公示照片”" in html
    assert 'href="#report"' in html
    assert _state() == before and not Transition.objects.exists()


def test_a_complete_self_assessment_is_submitted_and_then_read_only(sa, login):
    fill(sa)
    c = login(sa.school_user)
    response = c.post(url("submit", sa))
    assert response.status_code == 302
    row = SelfAssessment.objects.get()
    assert row.status == SelfAssessment.Status.SUBMITTED and row.submitted_at
    assert Transition.objects.get().action == "submit"
    assert AuditEvent.objects.filter(event="self_assessment.submit").exists()
    before = _state()
    html = c.get(url("workspace", sa)).content.decode()
    assert "自评已提交，等待区县初评" in html and 'id="submit-form"' not in html and "readonly" in html
    assert save_json(c, sa, {"points_C1": "0", "version_C1": "1"}).status_code == 403
    assert c.post(url("report_save", sa), {"summary": "改", "version": "1"}).status_code == 403
    assert _upload(c, sa, "eC4", pdf()).status_code == 403
    assert c.post(url("submit", sa)).status_code == 403
    ev = SelfEvidence.objects.first()
    assert c.post(reverse("selfassessment:evidence_delete", args=[ev.pk])).status_code == 403
    assert _state() == before


def test_the_application_closes_on_its_deadline(sa, login):
    sa.sa_round.apply_closes_on = timezone.localdate() - timedelta(days=1)
    sa.sa_round.apply_opens_on = timezone.localdate() - timedelta(days=20)
    sa.sa_round.save()
    c = login(sa.school_user)
    html = c.get(url("workspace", sa)).content.decode()
    assert "申报已于" in html and "截止" in html
    assert save_json(c, sa, {"points_C1": "1", "version_C1": "0"}).status_code == 403
    assert not SelfAssessment.objects.exists()


# ---------------------------------------------------------------- the offline workbook


def test_the_workbook_round_trips_and_bad_cells_change_nothing(sa, login):
    c = login(sa.school_user)
    save_json(c, sa, {"points_C1": "1", "note_C1": "=HYPERLINK(\"http://x\")", "version_C1": "0"})
    response = c.get(url("xlsx_download", sa))
    assert response.status_code == 200 and "xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    ws = book.active
    assert [ws.cell(row=2, column=n).value for n in (6, 7)] == ["自评分", "自评说明"]
    assert ws.cell(row=3, column=7).value.startswith("'=")
    for r, value in zip(range(3, 8), (2, 1.5, 2.5, 3, 1)):
        ws.cell(row=r, column=6, value=value)
    ws.cell(row=5, column=7, value="年度计划齐全")
    bad = io.BytesIO()
    ws.cell(row=6, column=6, value=3.3)
    book.save(bad)
    bad.seek(0)
    bad.name = "自评表.xlsx"
    before = _state()
    response = c.post(url("xlsx_upload", sa), {"file": bad})
    assert response.status_code == 400 and "F6" in response.content.decode()
    assert _state() == before
    ws.cell(row=6, column=6, value=3)
    good = io.BytesIO()
    book.save(good)
    good.seek(0)
    good.name = "自评表.xlsx"
    assert c.post(url("xlsx_upload", sa), {"file": good}).status_code == 302
    points = dict(SelfScore.objects.values_list("element__code", "points"))
    assert points == {"C1": f.d(2), "C2": f.d("1.5"), "C3": f.d("2.5"), "C4": f.d(3), "C5": f.d(1)}
    assert SelfScore.objects.get(element__code="C1").note == "=HYPERLINK(\"http://x\")"
    assert SelfScore.objects.get(element__code="C3").note == "年度计划齐全"


def test_a_damaged_workbook_is_refused(sa, login):
    upload = SimpleUploadedFile("x.xlsx", b"PK\x03\x04 not a zip")
    response = login(sa.school_user).post(url("xlsx_upload", sa), {"file": upload})
    assert response.status_code == 400 and "无法读取" in response.content.decode()


def test_a_submitted_self_assessment_is_read_only_in_the_workbook_path_too(sa, login):
    submitted(sa)
    response = login(sa.school_user).post(url("xlsx_upload", sa), {"file": SimpleUploadedFile("x.xlsx", b"PK")})
    assert response.status_code == 403
