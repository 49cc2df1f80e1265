"""认定: concluding a list after 公示, certificates, the recognized list (xlsx, PDF), the results switch."""

import io
import shutil
import subprocess
from datetime import date

import openpyxl
import pdfplumber
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from evaluation import services as ev_services
from evaluation.models import Round
from evaluation.selectors import results_published
from recognition import services
from recognition.models import Recognition, RecognitionList, RecognitionTransition
from recognition.pdf import certificates_pdf
from recognition.xlsx import recognized_list_xlsx
from tests import factories as f
from tests.hostile import strings
from tests.recognition.helpers import entry_of, state
from tests.reports.conftest import full, give_scores

AFTER = date(2026, 11, 9)  # the day after a 公示 of 2026-11-02 … 2026-11-08
DOC = "市教发〔2026〕12号"


@pytest.fixture
def pub(rec):
    # A second proposed school (碑林) so that one can be withdrawn and one recognized.
    rec.third = f.evaluation(rec.round, f.school(rec.other_district, name="碑林区第二中学"), lead=rec.bob)
    give_scores(rec.third, full)
    services.recognition_list_build(round=rec.round, by=rec.admin)
    rec.rlist = RecognitionList.objects.get()
    services.recognition_publish(rlist=rec.rlist, objection_contact="督导室 029-00000000", by=rec.admin,
                                 today=rec.today)
    rec.rlist.refresh_from_db()
    return rec


def conclude(w, **kw):
    values = {"rlist": w.rlist, "document_no": DOC, "recognized_on": AFTER, "by": w.admin, "today": AFTER}
    values.update(kw)
    return services.recognition_conclude(**values)


@pytest.fixture
def done(pub):
    conclude(pub)
    pub.rlist.refresh_from_db()
    return pub


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


# ---------------------------------------------------------------- the service


def test_concluding_recognizes_the_proposed_schools_for_three_years(pub):
    made = conclude(pub)
    assert sorted(r.school.name for r in made) == ["碑林区第二中学", "雁塔区第一小学"]
    r = Recognition.objects.get(school=pub.school)
    assert (r.document_no, r.recognized_on, r.valid_until) == (DOC, AFTER, date(2029, 11, 9))
    assert r.round == pub.round and r.entry == entry_of(pub.evaluation) and r.is_valid_on(date(2029, 11, 9))
    assert not r.is_valid_on(date(2029, 11, 10))
    rlist = RecognitionList.objects.get()
    assert rlist.is_concluded and rlist.document_no == DOC and rlist.concluded_by == pub.admin
    assert RecognitionTransition.objects.get(action="conclude").detail["recognized"] == 2
    assert AuditEvent.objects.filter(event="recognition.conclude", user=pub.admin).exists()


def test_a_withdrawn_school_is_not_recognized(pub):
    o = services.objection_record(rlist=pub.rlist, entry=entry_of(pub.third), received_on=date(2026, 11, 3),
                                  channel="email", content="反映问题", by=pub.admin, today=date(2026, 11, 3))
    services.objection_close(objection=o, outcome="upheld", withdraw=True, handler="", investigation="属实",
                             version=1, by=pub.admin)
    made = conclude(pub)
    assert [r.school.name for r in made] == ["雁塔区第一小学"]


def test_valid_years_follow_the_setting_and_a_leap_day(pub, settings):
    settings.RECOGNITION_VALID_YEARS = 5
    assert services.recognition_valid_until(date(2028, 2, 29)) == date(2033, 2, 28)
    conclude(pub)
    assert Recognition.objects.first().valid_until == date(2031, 11, 9)


@pytest.mark.parametrize("kw,message", [
    ({"today": date(2026, 11, 8), "recognized_on": date(2026, 11, 8)}, "2026-11-09 起才能认定"),
    ({"document_no": "  "}, "请填写认定文号"),
    ({"document_no": "文" * 101}, "不能超过 100 字"),
    ({"document_no": "市教发\u202e〔2026〕12号"}, "控制字符"),
    ({"document_no": "市教发\u200b12号"}, "控制字符"),
    ({"recognized_on": None}, "请填写认定日期"),
    ({"recognized_on": date(2026, 11, 8)}, "须在公示期结束（2026-11-08）之后"),
    ({"recognized_on": date(2026, 11, 10)}, "不能晚于今天"),
])
def test_out_of_order_or_bad_conclusions_are_refused_and_change_nothing(pub, kw, message):
    before = state()
    with pytest.raises(ValidationError, match=message):
        conclude(pub, **kw)
    assert state() == before


def test_no_conclusion_while_an_objection_is_open(pub):
    services.objection_record(rlist=pub.rlist, entry=entry_of(pub.evaluation), received_on=date(2026, 11, 8),
                              channel="phone", content="x", by=pub.admin, today=AFTER)
    before = state()
    with pytest.raises(ValidationError, match="还有 1 件异议尚未办结"):
        conclude(pub)
    assert state() == before


def test_no_conclusion_of_a_draft_list_and_not_twice(rec):
    services.recognition_list_build(round=rec.round, by=rec.admin)
    rlist = RecognitionList.objects.get()
    with pytest.raises(ValidationError, match="名单尚未公示"):
        services.recognition_conclude(rlist=rlist, document_no=DOC, recognized_on=AFTER, by=rec.admin, today=AFTER)


def test_a_concluded_list_stays_concluded(done):
    before = state()
    with pytest.raises(ValidationError, match="已完成认定"):
        conclude(done)
    with pytest.raises(ValidationError, match="只有公示期间"):
        services.objection_record(rlist=done.rlist, entry=entry_of(done.evaluation), received_on=date(2026, 11, 3),
                                  channel="phone", content="x", by=done.admin, today=AFTER)
    with pytest.raises(ValidationError, match="完成认定"):
        ev_services.evaluation_reopen(evaluation=done.evaluation, by=done.admin, reason="更正")
    assert state() == before


def test_only_an_admin_concludes(pub):
    with pytest.raises(PermissionDenied):
        conclude(pub, by=pub.city_official)
    assert not Recognition.objects.exists()


# ---------------------------------------------------------------- certificates and the recognized list


def test_the_certificate_is_a4_landscape_with_the_font_embedded(done, tmp_path):
    items = list(Recognition.objects.select_related("school__district", "round").order_by("school__code"))
    pdf = certificates_pdf(items)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2  # one page per school
    page = reader.pages[0]
    assert round(page.mediabox.width) == 842 and round(page.mediabox.height) == 595
    text = _text(pdf)
    for expected in ("证书", "雁塔区第一小学", "碑林区第二中学", DOC, "2026年11月9日", "2029年11月9日",
                     "新优质学校", "2026年度新优质学校评估"):
        assert expected in text.replace(" ", ""), expected
    if shutil.which("pdffonts"):
        path = tmp_path / "c.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        lines = [line for line in out.splitlines() if "WenQuanYi" in line]
        assert lines and all(" yes " in line for line in lines), out


def test_the_recognized_list_workbook_reads_back(done):
    items = list(Recognition.objects.select_related("school__district", "entry").order_by("school__code"))
    wb = openpyxl.load_workbook(io.BytesIO(recognized_list_xlsx(items, title="已认定名单")))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "已认定名单"
    assert rows[1] == ("序号", "区县", "学校代码", "学校名称", "学段", "总分", "认定文号", "认定日期", "有效期至")
    by_name = {r[3]: r for r in rows[2:]}
    assert by_name["雁塔区第一小学"][5] == 99.5  # a number cell, as the workbook reader gives it
    assert by_name["雁塔区第一小学"][6:] == (DOC, "2026-11-09", "2029-11-09")


@pytest.mark.parametrize("text", strings("spreadsheet_formulas", "markup", "control_and_noncharacters"))
def test_hostile_names_are_inert_in_the_workbook_and_pdfs(done, text):
    clean = text.replace("\x00", "")
    type(done.school).objects.filter(pk=done.school.pk).update(name=clean)
    items = list(Recognition.objects.select_related("school__district", "entry", "round").order_by("school__code"))
    ws = openpyxl.load_workbook(io.BytesIO(recognized_list_xlsx(items, title=clean))).active
    for row in ws.iter_rows(values_only=True):
        for value in row:
            if isinstance(value, str):
                assert not value.startswith(("=", "+", "-", "@", "＝", "\t", "\r", "\n")), value
    assert "证书" in _text(certificates_pdf(items)).replace(" ", "")


def test_downloads_by_role_and_scope(done, login):
    yanta = Recognition.objects.get(school=done.school)
    beilin = Recognition.objects.get(school__name="碑林区第二中学")
    cert = reverse("recognition:certificate_pdf", args=[yanta.pk])
    for who, status in {"admin": 200, "official": 200, "city_official": 200, "other_official": 404, "lead": 403,
                        "nobody": 403, "security_admin": 403, "auditor": 403, "unscoped_official": 403}.items():
        assert login(getattr(done, who)).get(cert).status_code == status, who
    assert login(done.official).get(reverse("recognition:certificate_pdf", args=[beilin.pk])).status_code == 404
    for name in ("recognized_xlsx", "recognized_pdf", "certificates_pdf"):
        url = reverse(f"recognition:{name}", args=[done.round.pk])
        assert login(done.lead).get(url).status_code == 403
        response = login(done.official).get(url)
        assert response.status_code == 200, name
        assert login(done.admin).post(url).status_code == 405
    ws = openpyxl.load_workbook(io.BytesIO(login(done.official).get(
        reverse("recognition:recognized_xlsx", args=[done.round.pk])).content)).active
    names = [r[3] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert names == ["雁塔区第一小学"]  # the official's district only
    assert AuditEvent.objects.filter(event="export.xlsx", detail__kind="recognized_list").exists()
    assert AuditEvent.objects.filter(event="export.pdf", detail__kind="certificate").exists()


def test_no_exports_before_the_conclusion(pub, login):
    for name in ("recognized_xlsx", "recognized_pdf", "certificates_pdf"):
        assert login(pub.admin).get(reverse(f"recognition:{name}", args=[pub.round.pk])).status_code == 404


def test_the_list_page_after_the_conclusion(done, login):
    page = login(done.admin).get(reverse("recognition:list_detail", args=[done.round.pk])).content.decode()
    assert DOC in page and "有效期至 2029-11-09" in page and "已认定名单 Excel" in page and "完成认定" not in page
    assert reverse("recognition:certificate_pdf", args=[Recognition.objects.get(school=done.school).pk]) in page


# ---------------------------------------------------------------- the conclude page


def test_the_conclude_page_errors_at_the_field(pub, login, page_today):
    c = login(pub.admin)
    url = reverse("recognition:conclude", args=[pub.round.pk])
    page_today.value = date(2026, 11, 8)
    response = c.post(url, {"document_no": DOC, "recognized_on": "2026-11-08"})
    assert response.status_code == 400 and "2026-11-09 起才能认定" in response.content.decode()
    page_today.value = AFTER
    before = state()
    response = c.post(url, {"document_no": "", "recognized_on": "昨天"})
    assert response.status_code == 400
    assert "请填写认定文号" in response.content.decode() and "请输入有效的日期" in response.content.decode()
    response = c.post(url, {"document_no": "x" * 1_000_000, "recognized_on": "2026-11-09"})
    assert response.status_code == 400 and "认定文号不能超过 100 字" in response.content.decode()
    assert state() == before
    response = c.post(url, {"document_no": DOC, "recognized_on": "2026-11-09"})
    assert response.status_code == 302
    assert Recognition.objects.count() == 2


def test_conclude_page_access(pub, login, page_today):
    page_today.value = AFTER
    url = reverse("recognition:conclude", args=[pub.round.pk])
    for who, status in {"admin": 200, "official": 403, "city_official": 403, "lead": 403, "auditor": 403}.items():
        assert login(getattr(pub, who)).get(url).status_code == status, who
    assert login(pub.city_official).post(url, {"document_no": DOC, "recognized_on": "2026-11-09"}).status_code == 403
    assert not Recognition.objects.exists()


# ---------------------------------------------------------------- results published to schools


def test_the_results_switch(rec, login):
    url = reverse("recognition:results_publish", args=[rec.round.pk])
    assert not results_published(round=rec.round)
    assert login(rec.official).post(url, {"published": "1"}).status_code == 403
    assert login(rec.admin).get(url).status_code == 405
    response = login(rec.admin).post(url, {"published": "1"}, follow=True)
    assert "已向学校公布本批次结果" in response.content.decode()
    r = Round.objects.get(pk=rec.round.pk)
    assert results_published(round=r) and r.results_published_by == rec.admin and r.results_published_at
    assert AuditEvent.objects.filter(event="round.results_publish", user=rec.admin).exists()
    login(rec.admin).post(url, {"published": "0"})
    r = Round.objects.get(pk=rec.round.pk)
    assert not results_published(round=r) and r.results_published_at is None
    assert AuditEvent.objects.filter(event="round.results_withdraw").exists()


def test_the_switch_is_noted_on_the_list(done, login):
    login(done.admin).post(reverse("recognition:results_publish", args=[done.round.pk]), {"published": "1"})
    assert RecognitionTransition.objects.filter(action="results", detail__published=True).exists()


def test_only_an_admin_flips_the_switch(rec):
    with pytest.raises(PermissionDenied):
        ev_services.round_results_publish(round=rec.round, published=True, by=rec.city_official)
    assert not Round.objects.get(pk=rec.round.pk).results_published_to_schools


@pytest.mark.django_db(transaction=True)
def test_the_switch_locks_the_round_in_its_own_transaction(world):
    """Called outside any transaction (a command, a script), the service opens its own: on PostgreSQL
    select_for_update outside one is an error, so this fails there without @transaction.atomic."""
    ev_services.round_results_publish(round=world.round, published=True, by=world.admin)
    assert results_published(round=Round.objects.get(pk=world.round.pk))
