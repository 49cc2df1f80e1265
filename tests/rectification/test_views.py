"""Pages of 整改与复核 per role: creating from candidates, the school's report, 复核, the ledger and its xlsx."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from rectification.models import RectificationItem
from tests.rectification.conftest import DEADLINE, create, pdf, report, review


def _create_url(w):
    return reverse("rectification:create", args=[w.evaluation.pk])


def _item_post(item, **kw):
    data = {"element_codes": "C1", "problem": "问题", "requirement": "要求", "deadline": "2026-12-31",
            "responsible": "张校长", "source": "low_score"}
    data.update(kw)
    return data


# ---------------------------------------------------------------- creating


def test_the_create_page_proposes_the_opinion_and_low_score_elements(rect, login):
    page = login(rect.lead).get(_create_url(rect)).content.decode()
    assert "课程评价机制有待完善。" in page
    assert 'data-element="C1"' in page
    assert 'data-element="C2"' not in page  # full points: not below 60%
    # A higher rate lists more (every element at 100% stays out even at 100).
    page = login(rect.lead).get(_create_url(rect), {"rate": "100"}).content.decode()
    assert 'data-element="C1"' in page


def test_a_candidate_prefills_the_form(rect, login):
    page = login(rect.lead).get(_create_url(rect), {"source": "low_score", "elements": "C1"}).content.decode()
    assert 'value="C1"' in page
    page = login(rect.lead).get(_create_url(rect), {"source": "opinion"}).content.decode()
    assert "课程评价机制有待完善。</textarea>" in page


def test_a_bad_rate_falls_back_to_60_with_a_message(rect, login):
    page = login(rect.lead).get(_create_url(rect), {"rate": "abc"}).content.decode()
    assert "请输入 0 到 100 之间的数。" in page and 'data-element="C1"' in page


def test_the_lead_creates_through_the_form(rect, login):
    response = login(rect.lead).post(_create_url(rect), _item_post(None))
    assert response.status_code == 302
    item = RectificationItem.objects.get()
    assert item.element_codes == ["C1"] and item.created_by == rect.lead


def test_form_errors_come_back_at_the_field(rect, login):
    response = login(rect.lead).post(_create_url(rect), _item_post(None, element_codes="C1, Q7", deadline="2026-01-01"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "评估细则中没有这些评估要素：Q7。" in page
    assert not RectificationItem.objects.exists()
    response = login(rect.lead).post(_create_url(rect), _item_post(None, deadline="2020-01-01"))
    assert "整改期限不能早于今天。" in response.content.decode()


def test_an_unfinalized_evaluation_shows_why_and_refuses(world, login):
    page = login(world.lead).get(reverse("rectification:create", args=[world.evaluation.pk]))
    assert page.status_code == 200 and "尚未定稿" in page.content.decode()
    response = login(world.lead).post(reverse("rectification:create", args=[world.evaluation.pk]), _item_post(None))
    assert response.status_code == 400 and not RectificationItem.objects.exists()


@pytest.mark.parametrize("who,status", [("alice", 403), ("official", 403), ("city_official", 403), ("bob", 404),
                                        ("other_official", 404), ("school_user", 404), ("nobody", 404)])
def test_others_may_not_create(rect, login, who, status):
    assert login(getattr(rect, who)).post(_create_url(rect), _item_post(None)).status_code == status
    assert not RectificationItem.objects.exists()


def test_create_method_not_allowed(rect, login):
    assert login(rect.lead).put(_create_url(rect)).status_code == 405


def test_pages_require_login(rect, client):
    item = create(rect)
    for url in (reverse("rectification:ledger"), reverse("rectification:item_detail", args=[item.pk]), _create_url(rect),
                reverse("rectification:school_items")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


# ---------------------------------------------------------------- the school's page and report


def test_the_school_sees_its_items_and_reports_with_a_file(rect, login):
    item = create(rect)
    c = login(rect.school_user)
    page = c.get(reverse("rectification:school_items")).content.decode()
    assert "课程评价机制有待完善。" in page and "报告整改情况" in page
    response = c.post(reverse("rectification:item_report", args=[item.pk]),
                      {f"r{item.pk}-text": "已完善", f"r{item.pk}-version": item.version, f"r{item.pk}-files": [pdf()]})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "reported"
    detail = c.get(reverse("rectification:item_detail", args=[item.pk])).content.decode()
    assert "整改材料.pdf" in detail
    evidence = item.reports.get().evidence.get()
    download = c.get(reverse("rectification:evidence_download", args=[evidence.pk]))
    assert download.status_code == 200 and download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert login(rect.other_school_user).get(reverse("rectification:evidence_download", args=[evidence.pk])).status_code == 404


def test_nothing_for_the_school_before_results_are_published(rect, login):
    create(rect)
    type(rect.round).objects.filter(pk=rect.round.pk).update(results_published_to_schools=False)
    page = login(rect.school_user).get(reverse("rectification:school_items")).content.decode()
    assert "目前没有整改事项。" in page


def test_another_school_sees_nothing_and_gets_404(rect, login):
    item = create(rect)
    c = login(rect.other_school_user)
    assert "课程评价机制" not in c.get(reverse("rectification:school_items")).content.decode()
    assert c.get(reverse("rectification:item_detail", args=[item.pk])).status_code == 404
    assert c.post(reverse("rectification:item_report", args=[item.pk]), {}).status_code == 404


def test_a_macro_file_through_the_form_is_refused_at_the_field(rect, login):
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
        z.writestr("word/vbaProject.bin", b"\0" * 10)
    item = create(rect)
    response = login(rect.school_user).post(reverse("rectification:item_report", args=[item.pk]), {
        f"r{item.pk}-text": "已完善", f"r{item.pk}-version": item.version,
        f"r{item.pk}-files": [SimpleUploadedFile("宏.docx", out.getvalue())]})
    assert response.status_code == 400 and "不支持的文件类型" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "pending"


def test_the_school_may_not_review(rect, login):
    item = create(rect)
    report(rect, item)
    response = login(rect.school_user).post(reverse("rectification:item_review", args=[item.pk]),
                                            {"outcome": "passed", "version": item.version})
    assert response.status_code == 403


# ---------------------------------------------------------------- 复核


def test_the_district_official_returns_then_passes(rect, login):
    item = create(rect)
    report(rect, item)
    item.refresh_from_db()
    c = login(rect.official)
    page = c.get(reverse("rectification:item_detail", args=[item.pk])).content.decode()
    assert 'id="review-form"' in page
    response = c.post(reverse("rectification:item_review", args=[item.pk]), {"outcome": "failed", "note": "",
                                                                             "version": item.version})
    assert response.status_code == 400 and "复核未通过时须填写复核意见。" in response.content.decode()
    response = c.post(reverse("rectification:item_review", args=[item.pk]), {"outcome": "failed", "note": "未落实",
                                                                             "version": item.version})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "failed"
    stale = c.post(reverse("rectification:item_review", args=[item.pk]), {"outcome": "passed", "version": item.version})
    assert stale.status_code == 400  # not reported: refused, the message at the form
    assert "只有已报告的整改事项才能复核" in stale.content.decode()


def test_a_stale_review_is_409(rect, login):
    item = create(rect)
    report(rect, item)
    response = login(rect.official).post(reverse("rectification:item_review", args=[item.pk]),
                                         {"outcome": "passed", "version": 1})
    assert response.status_code == 409


@pytest.mark.parametrize("who,status", [("city_official", 403), ("other_official", 404), ("bob", 404),
                                        ("nobody", 404), ("auditor", 404)])
def test_others_may_not_review(rect, login, who, status):
    item = create(rect)
    report(rect, item)
    item.refresh_from_db()
    response = login(getattr(rect, who)).post(reverse("rectification:item_review", args=[item.pk]),
                                              {"outcome": "passed", "version": item.version})
    assert response.status_code == status
    item.refresh_from_db()
    assert item.status == "reported"


def test_review_and_report_are_post_only(rect, login):
    item = create(rect)
    assert login(rect.official).get(reverse("rectification:item_review", args=[item.pk])).status_code == 405
    assert login(rect.school_user).get(reverse("rectification:item_report", args=[item.pk])).status_code == 405


# ---------------------------------------------------------------- the ledger


def _three(rect):
    a = create(rect)
    b = create(rect, problem="第二项", deadline=date(2026, 11, 10))
    c = create(rect, evaluation=rect.other_evaluation, by=rect.admin, problem="碑林的问题")
    report(rect, a)
    review(rect, a)
    return a, b, c


def test_the_ledger_filters_and_counts(rect, login, page_today):
    a, b, c = _three(rect)
    page_today.value = date(2026, 11, 20)  # b is overdue now
    client = login(rect.admin)
    page = client.get(reverse("rectification:ledger")).content.decode()
    assert "碑林的问题" in page and "第二项" in page and page.count('data-overdue="1"') == 1
    page = client.get(reverse("rectification:ledger"), {"overdue": "on"}).content.decode()
    assert "第二项" in page and "碑林的问题" not in page
    page = client.get(reverse("rectification:ledger"), {"district": rect.other_district.pk}).content.decode()
    assert "碑林的问题" in page and "第二项" not in page
    page = client.get(reverse("rectification:ledger"), {"status": "passed"}).content.decode()
    assert "第二项" not in page and "共 1 项整改事项" in page
    page = client.get(reverse("rectification:ledger"), {"school": rect.school.pk}).content.decode()
    assert "碑林的问题" not in page and "共 2 项整改事项" in page
    page = client.get(reverse("rectification:ledger"), {"status": "bogus"}).content.decode()
    assert "请选择有效的状态。" in page and "共 0 项整改事项" in page


def test_the_ledger_respects_scope(rect, login):
    _three(rect)
    page = login(rect.official).get(reverse("rectification:ledger")).content.decode()
    assert "第二项" in page and "碑林的问题" not in page
    page = login(rect.bob).get(reverse("rectification:ledger")).content.decode()  # lead of the 碑林 panel
    assert "碑林的问题" in page and "第二项" not in page
    assert login(rect.unscoped_official).get(reverse("rectification:ledger")).status_code == 403
    assert login(rect.auditor).get(reverse("rectification:ledger")).status_code == 403
    assert login(rect.school_user).get(reverse("rectification:ledger")).status_code == 302


def test_the_ledger_query_count_is_pinned(rect, login, django_assert_max_num_queries):
    for n in range(5):
        create(rect, problem=f"问题{n}")
    client = login(rect.admin)
    with django_assert_max_num_queries(20):
        client.get(reverse("rectification:ledger"))


def test_the_ledger_xlsx_reads_back(rect, login, page_today):
    _three(rect)
    page_today.value = date(2026, 11, 20)
    response = login(rect.official).get(reverse("rectification:ledger_xlsx"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert len(rows) == 2 and {r[5] for r in rows} == {"课程评价机制有待完善。", "第二项"}
    assert {r[8] for r in rows} == {"是", "否"}
    assert "按区县" in [c.value for c in wb.worksheets[1]["A"]]
    assert DEADLINE.isoformat() in {r[6] for r in rows}
