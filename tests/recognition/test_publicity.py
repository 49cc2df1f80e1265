"""公示: publishing the list, what freezes with it, the notice PDF and the optional public page."""

import io
import shutil
import subprocess
from datetime import date, timedelta

import pdfplumber
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from evaluation import services as ev_services
from evaluation.models import Evaluation, FinalScore
from recognition import services
from recognition.models import Objection, RecognitionEntry, RecognitionList, RecognitionTransition
from recognition.pdf import notice_pdf
from recognition.selectors import publicity_notice
from tests import factories as f
from tests.hostile import strings
from tests.recognition.helpers import entry_of, state
from tests.reports.conftest import full, give_scores

CONTACT = "西安市教育局督导室，电话 029-00000000，邮箱 dd@example.invalid"


@pytest.fixture
def draft(rec):
    services.recognition_list_build(round=rec.round, by=rec.admin)
    rec.rlist = RecognitionList.objects.get()
    return rec


def publish(w, **kw):
    kw.setdefault("objection_contact", CONTACT)
    kw.setdefault("today", w.today)
    kw.setdefault("by", w.admin)
    return services.recognition_publish(rlist=w.rlist, **kw)


@pytest.fixture
def published(draft):
    publish(draft)
    draft.rlist.refresh_from_db()
    return draft


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


# ---------------------------------------------------------------- publishing


def test_publishing_opens_a_seven_day_publicity_from_today(draft):
    rlist = publish(draft)
    assert rlist.status == RecognitionList.Status.PUBLICITY
    assert rlist.publicity_starts_on == draft.today
    assert rlist.publicity_ends_on == draft.today + timedelta(days=6)  # 7 calendar days, the first included
    assert rlist.objection_contact == CONTACT and rlist.published_by == draft.admin
    t = RecognitionTransition.objects.get(action="publish")
    assert t.detail == {"starts_on": "2026-11-02", "ends_on": "2026-11-08", "proposed": 1}
    assert AuditEvent.objects.filter(event="recognition.publish", user=draft.admin).exists()


def test_a_longer_publicity_and_a_later_start_are_allowed(draft):
    rlist = publish(draft, starts_on=date(2026, 11, 5), ends_on=date(2026, 11, 20))
    assert (rlist.publicity_starts_on, rlist.publicity_ends_on) == (date(2026, 11, 5), date(2026, 11, 20))


@pytest.mark.parametrize("kw,message", [
    ({"starts_on": date(2026, 11, 1)}, "不能早于今天"),
    ({"starts_on": date(2026, 11, 2), "ends_on": date(2026, 11, 7)}, "不少于 7 天"),
    ({"objection_contact": "   "}, "请填写异议受理方式"),
    ({"objection_contact": "x" * 501}, "不能超过 500 字"),
])
def test_bad_publicity_input_is_refused_and_changes_nothing(draft, kw, message):
    before = state()
    with pytest.raises(ValidationError, match=message):
        publish(draft, **kw)
    assert state() == before


def test_a_list_that_no_longer_matches_the_results_cannot_be_published(draft):
    before = state()
    FinalScore.objects.filter(evaluation=draft.evaluation, element__code="C3").update(points=0)
    with pytest.raises(ValidationError, match="总分在拟定名单后有变化"):
        publish(draft)
    Evaluation.objects.filter(pk=draft.evaluation.pk).update(status=Evaluation.Status.IN_PROGRESS)
    with pytest.raises(ValidationError, match="已重新开启"):
        publish(draft)
    assert state() == before


def test_a_newly_finalized_school_must_be_added_first(draft):
    give_scores(f.evaluation(draft.round, f.school(draft.district, name="雁塔区第四小学"), lead=draft.lead), full)
    with pytest.raises(ValidationError, match="已定稿但不在名单中，请刷新名单：雁塔区第四小学"):
        publish(draft)


def test_a_list_without_a_proposed_school_is_not_published(draft):
    services.recognition_entry_decide(entry=entry_of(draft.evaluation), decision=RecognitionEntry.Decision.DEFERRED,
                                      reason="材料待核", version=1, by=draft.admin)
    with pytest.raises(ValidationError, match="没有拟认定的学校"):
        publish(draft)


def test_only_an_admin_publishes(draft):
    with pytest.raises(PermissionDenied):
        publish(draft, by=draft.city_official)
    assert RecognitionList.objects.get().is_draft


def test_a_published_list_is_frozen(published):
    before = state()
    with pytest.raises(ValidationError, match="不能重复发布"):
        publish(published)
    with pytest.raises(ValidationError, match="已发布公示"):
        services.recognition_list_build(round=published.round, by=published.admin)
    with pytest.raises(ValidationError, match="已发布公示"):
        services.recognition_entry_decide(entry=entry_of(published.evaluation), decision="deferred", reason="x",
                                          version=1, by=published.admin)
    assert state() == before


def test_a_school_on_a_published_list_cannot_be_reopened(published, login):
    with pytest.raises(ValidationError, match="名单已发布公示，评估结果已冻结"):
        ev_services.evaluation_reopen(evaluation=published.evaluation, by=published.admin, reason="更正")
    assert Evaluation.objects.get(pk=published.evaluation.pk).is_finalized
    response = login(published.admin).post(reverse("evaluation:evaluation_reopen", args=[published.evaluation.pk]),
                                           {"reason": "更正"}, follow=True)
    assert "评估结果已冻结" in response.content.decode()
    assert Evaluation.objects.get(pk=published.evaluation.pk).is_finalized


def test_a_school_on_a_draft_list_can_be_reopened_and_the_list_asks_for_a_refresh(draft):
    ev_services.evaluation_reopen(evaluation=draft.evaluation, by=draft.admin, reason="更正")
    assert not Evaluation.objects.get(pk=draft.evaluation.pk).is_finalized
    with pytest.raises(ValidationError, match="已重新开启"):
        publish(draft)


# ---------------------------------------------------------------- the notice


def test_the_notice_lists_the_proposed_schools_by_district_and_nothing_else(published):
    give_scores(f.evaluation(published.round, f.school(published.other_district, name="碑林区第二中学"),
                             lead=published.bob), full)
    notice = publicity_notice(rlist=published.rlist)
    assert [(d.name, [s.name for s in d.schools]) for d in notice.districts] == [("雁塔区", ["雁塔区第一小学"])]
    text = _text(notice_pdf(notice))
    for expected in ("关于2026年度新优质学校评估拟认定“新优质学校”名单的公示", "共 1 所", "雁塔区第一小学", "雁塔区",
                     "2026年11月2日至2026年11月8日", "029-00000000", "序号", "学校名称"):
        assert expected in text, expected
    assert "碑林区第一小学" not in text  # 不予认定: not on the public notice
    assert "99.50" not in text and "50.00" not in text  # no totals


def test_the_notice_pdf_is_a4_with_the_font_embedded(published, tmp_path):
    pdf = notice_pdf(publicity_notice(rlist=published.rlist))
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert round(page.mediabox.width) == 595 and round(page.mediabox.height) == 842
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts (poppler-utils) missing")
    path = tmp_path / "n.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    lines = [line for line in out.splitlines() if "WenQuanYi" in line]
    assert lines and all(" yes " in line for line in lines), out


def test_a_withdrawn_school_is_marked_on_the_notice(published):
    RecognitionEntry.objects.filter(evaluation=published.evaluation).update(withdrawn=True)
    notice = publicity_notice(rlist=published.rlist)
    assert notice.count == 0
    assert "已撤出名单" in _text(notice_pdf(notice))


@pytest.mark.parametrize("text", [s for s in strings() if all(ord(c) <= 0xFFFF for c in s)])
def test_hostile_names_and_contacts_print_literally(published, text):
    clean = text.replace("\x00", "")
    RecognitionList.objects.filter(pk=published.rlist.pk).update(objection_contact=clean)
    type(published.school).objects.filter(pk=published.school.pk).update(name=clean[:100] or "x")
    published.rlist.refresh_from_db()
    out = _text(notice_pdf(publicity_notice(rlist=published.rlist)))
    assert "拟认定“新优质学校”名单" in out
    probe = "".join(c for c in clean if c.isprintable() and c not in "\ufeff\u200b\u202e\t").strip()[:10]
    if probe:
        assert probe.replace(" ", "") in out.replace(" ", "").replace("\n", "")


def test_notice_download_access(published, login):
    url = reverse("recognition:notice_pdf", args=[published.round.pk])
    for who, status in {"admin": 200, "official": 200, "other_official": 200, "city_official": 200, "lead": 403,
                        "nobody": 403, "security_admin": 403, "auditor": 403, "unscoped_official": 403}.items():
        assert login(getattr(published, who)).get(url).status_code == status, who
    assert login(published.admin).post(url).status_code == 405
    assert AuditEvent.objects.filter(event="export.pdf", detail__kind="notice").exists()


def test_no_notice_before_publishing(draft, login):
    assert login(draft.admin).get(reverse("recognition:notice_pdf", args=[draft.round.pk])).status_code == 404


# ---------------------------------------------------------------- the publish page


def test_the_publish_page_defaults_and_errors_at_the_field(draft, login):
    c = login(draft.admin)
    url = reverse("recognition:publish", args=[draft.round.pk])
    page = c.get(url).content.decode()
    assert "拟认定学校：1 所" in page and 'name="objection_contact"' in page
    before = state()
    response = c.post(url, {"starts_on": "2020-01-01", "ends_on": "", "objection_contact": CONTACT})
    assert response.status_code == 400 and "不能早于今天" in response.content.decode()
    response = c.post(url, {"starts_on": "明天", "objection_contact": ""})
    assert response.status_code == 400
    assert "请输入有效的日期" in response.content.decode() and "请填写异议受理方式" in response.content.decode()
    response = c.post(url, {"objection_contact": "x" * 1_000_000})
    assert response.status_code == 400 and "不能超过 500 字" in response.content.decode()
    assert state() == before
    response = c.post(url, {"objection_contact": CONTACT})
    assert response.status_code == 302
    assert RecognitionList.objects.get().in_publicity
    assert c.get(url).status_code == 302  # published: back to the list


def test_publish_page_access(draft, login):
    url = reverse("recognition:publish", args=[draft.round.pk])
    for who, status in {"admin": 200, "official": 403, "city_official": 403, "lead": 403, "nobody": 403,
                        "auditor": 403, "security_admin": 403}.items():
        assert login(getattr(draft, who)).get(url).status_code == status, who
    assert login(draft.city_official).post(url, {"objection_contact": CONTACT}).status_code == 403
    assert login(draft.admin).delete(url).status_code == 405
    assert RecognitionList.objects.get().is_draft


# ---------------------------------------------------------------- the public page


def test_the_public_page_is_off_by_default(published, client, login):
    for url in (reverse("public:notice_index"), reverse("public:notice", args=[published.round.pk])):
        assert client.get(url).status_code == 404
        assert login(published.admin).get(url).status_code == 404


@override_settings(PUBLIC_NOTICE_ENABLED=True)
def test_the_public_page_shows_only_the_notice_without_login(published, client):
    Objection.objects.create(list=published.rlist, entry=entry_of(published.evaluation), received_on=published.today,
                             channel="phone", content="异议内容不应公开", contact="13800000000", created_by=published.admin)
    index = client.get(reverse("public:notice_index"))
    assert index.status_code == 200 and "2026年度新优质学校评估" in index.content.decode()
    response = client.get(reverse("public:notice", args=[published.round.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "雁塔区第一小学" in page and "029-00000000" in page
    for secret in ("碑林区第一小学", "99.50", "50.00", "13800000000", "异议内容不应公开", "不予认定"):
        assert secret not in page, secret
    assert 'action="/logout/"' not in page and "排名结果" not in page  # no navigation into the product


@override_settings(PUBLIC_NOTICE_ENABLED=True)
def test_a_draft_list_has_no_public_page(draft, client):
    assert client.get(reverse("public:notice", args=[draft.round.pk])).status_code == 404
    assert "雁塔区第一小学" not in client.get(reverse("public:notice_index")).content.decode()
    assert client.post(reverse("public:notice_index")).status_code == 405


@override_settings(PUBLIC_NOTICE_ENABLED=True)
@pytest.mark.parametrize("text", strings("markup"))
def test_the_public_page_escapes_hostile_text(published, client, text):
    RecognitionList.objects.filter(pk=published.rlist.pk).update(objection_contact=text)
    type(published.school).objects.filter(pk=published.school.pk).update(name=text[:100])
    page = client.get(reverse("public:notice", args=[published.round.pk])).content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<svg onload" not in page
