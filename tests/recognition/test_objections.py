"""异议: recording during 公示, handling, closing with an outcome, withdrawing a school; who sees what."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from recognition import services
from recognition.models import Objection, RecognitionList, RecognitionTransition
from tests.hostile import strings
from tests.recognition.helpers import entry_of, state

CONTACT = "市教育局督导室 029-00000000"


@pytest.fixture
def pub(rec):
    services.recognition_list_build(round=rec.round, by=rec.admin)
    rec.rlist = RecognitionList.objects.get()
    services.recognition_publish(rlist=rec.rlist, objection_contact=CONTACT, by=rec.admin, today=rec.today)
    rec.rlist.refresh_from_db()
    rec.entry = entry_of(rec.evaluation)
    return rec


def record(w, **kw):
    values = {"rlist": w.rlist, "entry": w.entry, "received_on": date(2026, 11, 3), "channel": "letter",
              "content": "该校食堂卫生存在问题", "contact": "王先生 13800000000", "handler": "", "by": w.admin,
              "today": date(2026, 11, 4)}
    values.update(kw)
    return services.objection_record(**values)


def close(objection, **kw):
    objection.refresh_from_db()
    values = {"objection": objection, "outcome": "rejected", "withdraw": False, "handler": "张科长",
              "investigation": "经现场核查，情况不属实。", "version": objection.version}
    values.update(kw)
    values.setdefault("by", None)
    return services.objection_close(**values)


# ---------------------------------------------------------------- recording


def test_an_objection_is_recorded_during_publicity(pub):
    o = record(pub)
    assert o.is_open and o.entry == pub.entry and o.contact == "王先生 13800000000" and o.created_by == pub.admin
    t = RecognitionTransition.objects.get(action="obj_record")
    assert t.detail["school"] == pub.school.code
    audit = AuditEvent.objects.get(event="recognition.objection_record")
    assert "13800000000" not in str(audit.detail)  # the objector's contact stays out of the audit log


def test_one_received_in_time_may_be_recorded_after_the_period(pub):
    o = record(pub, received_on=date(2026, 11, 8), today=date(2026, 11, 12))
    assert o.received_on == date(2026, 11, 8)


@pytest.mark.parametrize("kw,field,message", [
    ({"received_on": date(2026, 11, 1)}, "received_on", "须在公示期内"),
    ({"received_on": date(2026, 11, 9), "today": date(2026, 11, 10)}, "received_on", "须在公示期内"),
    ({"received_on": date(2026, 11, 5), "today": date(2026, 11, 4)}, "received_on", "不能晚于今天"),
    ({"received_on": None}, "received_on", "请填写收到日期"),
    ({"channel": "fax"}, "channel", "请选择渠道"),
    ({"content": "  "}, "content", "请填写异议内容"),
    ({"content": "x" * 5001}, "content", "5000"),
    ({"contact": "x" * 201}, "contact", "200"),
    ({"handler": "x" * 101}, "handler", "100"),
])
def test_bad_objections_are_refused_at_their_field_and_change_nothing(pub, kw, field, message):
    before = state()
    with pytest.raises(ValidationError) as exc:
        record(pub, **kw)
    assert message in " ".join(exc.value.message_dict[field])
    assert state() == before


def test_only_schools_proposed_on_this_list(pub):
    rejected = entry_of(pub.other_evaluation)
    with pytest.raises(ValidationError, match="请选择公示名单中的学校"):
        record(pub, entry=rejected)


def test_no_objection_on_a_draft_list(rec):
    services.recognition_list_build(round=rec.round, by=rec.admin)
    rlist = RecognitionList.objects.get()
    before = state()
    with pytest.raises(ValidationError, match="只有公示期间的名单才能登记异议"):
        services.objection_record(rlist=rlist, entry=entry_of(rec.evaluation), received_on=date(2026, 11, 3),
                                  channel="letter", content="x", by=rec.admin, today=date(2026, 11, 4))
    assert state() == before


def test_only_an_admin_records(pub):
    with pytest.raises(PermissionDenied):
        record(pub, by=pub.city_official)
    assert not Objection.objects.exists()


# ---------------------------------------------------------------- handling and closing


def test_an_objection_cannot_be_closed_without_an_outcome(pub):
    o = record(pub)
    before = state()
    with pytest.raises(ValidationError) as exc:
        close(o, outcome="", by=pub.admin)
    assert "处理结果" in str(exc.value.message_dict["outcome"])
    with pytest.raises(ValidationError, match="调查核实情况"):
        close(o, investigation="  ", by=pub.admin)
    with pytest.raises(ValidationError, match="只有异议成立时才能将学校撤出名单"):
        close(o, outcome="rejected", withdraw=True, by=pub.admin)
    assert state() == before


def test_handling_is_saved_with_versions_then_closed(pub):
    o = record(pub)
    o = services.objection_update(objection=o, handler="张科长", investigation="已联系学校核实", version=1, by=pub.admin)
    assert o.version == 2 and o.handler == "张科长"
    before = state()
    with pytest.raises(services.ObjectionConflict):
        services.objection_update(objection=o, handler="李科长", investigation="旧页面", version=1, by=pub.admin)
    assert state() == before
    o = close(o, by=pub.admin)
    assert not o.is_open and o.outcome == "rejected" and o.closed_by == pub.admin
    assert not entry_of(pub.evaluation).withdrawn
    with pytest.raises(ValidationError, match="已办结"):
        close(o, by=pub.admin)
    assert RecognitionTransition.objects.filter(action="obj_close").count() == 1
    assert AuditEvent.objects.filter(event="recognition.objection_close").count() == 1


def test_an_upheld_objection_may_withdraw_the_school(pub):
    o = record(pub)
    close(o, outcome="upheld", withdraw=True, investigation="经核查属实", by=pub.admin)
    entry = entry_of(pub.evaluation)
    assert entry.withdrawn and not entry.is_proposed
    t = RecognitionTransition.objects.get(action="obj_close")
    assert t.detail["withdraw"] is True and t.reason == "经核查属实"


def test_an_upheld_objection_need_not_withdraw(pub):
    close(record(pub), outcome="upheld", withdraw=False, investigation="属实，但不影响认定", by=pub.admin)
    assert not entry_of(pub.evaluation).withdrawn


# ---------------------------------------------------------------- pages


def test_objection_pages_by_role_and_contacts_for_admins_only(pub, login):
    o = record(pub)
    urls = [reverse("recognition:objections", args=[pub.round.pk]), reverse("recognition:objection_detail", args=[o.pk])]
    for url in urls:
        for who, status in {"admin": 200, "official": 200, "city_official": 200, "lead": 403, "alice": 403,
                            "nobody": 403, "security_admin": 403, "auditor": 403, "unscoped_official": 403}.items():
            assert login(getattr(pub, who)).get(url).status_code == status, (who, url)
        assert "13800000000" in login(pub.admin).get(url).content.decode()
        official_page = login(pub.official).get(url).content.decode()
        assert "13800000000" not in official_page and "食堂卫生" in official_page
    assert login(pub.other_official).get(urls[1]).status_code == 404  # a school outside their district
    assert "食堂卫生" not in login(pub.other_official).get(urls[0]).content.decode()


def test_record_handle_and_close_through_the_pages(pub, login):
    c = login(pub.admin)
    new = reverse("recognition:objection_create", args=[pub.round.pk])
    assert c.get(new).status_code == 200
    before = state()
    response = c.post(new, {"entry": pub.entry.pk, "received_on": "2026-10-01", "channel": "phone", "content": "x"})
    assert response.status_code == 400 and "须在公示期内" in response.content.decode()
    response = c.post(new, {"entry": "", "received_on": "不是日期", "channel": "", "content": ""})
    page = response.content.decode()
    assert response.status_code == 400
    for message in ("请选择公示名单中的学校", "请输入有效的日期", "请选择渠道", "请填写异议内容"):
        assert message in page, message
    assert state() == before
    response = c.post(new, {"entry": pub.entry.pk, "received_on": "2026-11-02", "channel": "visit",
                            "content": "反映办学行为不规范", "contact": "匿名"})
    o = Objection.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("recognition:objection_detail", args=[o.pk])
    detail = reverse("recognition:objection_detail", args=[o.pk])
    response = c.post(detail, {"handler": "张科长", "investigation": "", "outcome": "", "version": "1", "action": "close"})
    assert response.status_code == 400 and "办结前须选择处理结果" in response.content.decode()
    assert Objection.objects.get().is_open
    response = c.post(detail, {"handler": "张科长", "investigation": "已核实", "outcome": "", "version": "1",
                               "action": "save"})
    assert response.status_code == 302 and Objection.objects.get().investigation == "已核实"
    response = c.post(detail, {"handler": "张科长", "investigation": "旧页面", "version": "1", "action": "save"})
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    response = c.post(detail, {"handler": "张科长", "investigation": "经核实属实", "outcome": "upheld",
                               "withdraw": "on", "version": "2", "action": "close"})
    assert response.status_code == 302
    assert entry_of(pub.evaluation).withdrawn and not Objection.objects.get().is_open
    page = c.get(detail).content.decode()
    assert "该校已撤出拟认定名单" in page and 'name="action"' not in page
    listing = c.get(reverse("recognition:list_detail", args=[pub.round.pk])).content.decode()
    assert "已撤出名单" in listing


def test_objection_writes_refuse_officials_and_wrong_methods(pub, login):
    o = record(pub)
    detail = reverse("recognition:objection_detail", args=[o.pk])
    new = reverse("recognition:objection_create", args=[pub.round.pk])
    before = state()
    data = {"handler": "x", "investigation": "x", "outcome": "upheld", "withdraw": "on", "version": "1",
            "action": "close"}
    assert login(pub.official).post(detail, data).status_code == 403
    assert login(pub.other_official).post(detail, data).status_code == 404
    assert login(pub.city_official).post(new, {"entry": pub.entry.pk}).status_code == 403
    assert login(pub.admin).put(detail).status_code == 405
    assert state() == before


@pytest.mark.parametrize("text", [s for s in strings() if "\x00" not in s])
def test_hostile_objection_text_is_inert(pub, login, text):
    o = record(pub, content=text.strip() or "x", contact=text[:200], handler=text[:100])
    for url in (reverse("recognition:objections", args=[pub.round.pk]),
                reverse("recognition:objection_detail", args=[o.pk])):
        page = login(pub.admin).get(url).content.decode()
        assert "<script>alert(1)" not in page and "<img src=x" not in page and "<svg onload" not in page


def test_an_overlong_content_is_refused_at_the_field(pub, login):
    before = state()
    response = login(pub.admin).post(reverse("recognition:objection_create", args=[pub.round.pk]), {
        "entry": pub.entry.pk, "received_on": "2026-11-02", "channel": "visit", "content": "x" * 1_000_000})
    assert response.status_code == 400 and "异议内容不能超过 5000 字" in response.content.decode()
    assert state() == before
