"""整改与复核 services: every transition, every refusal (nothing changed), audit and transitions."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from evaluation.models import Evaluation
from rectification import services
from rectification.models import RectificationItem, RectificationTransition
from tests.rectification.conftest import DEADLINE, create, pdf, report, review, state


def test_the_lead_creates_an_item_on_a_finalized_evaluation(rect):
    item = create(rect, element_codes="c5, C1，C5")
    assert item.status == "pending" and item.element_codes == ["C1", "C5"] and item.created_by == rect.lead
    t = RectificationTransition.objects.get(item=item)
    assert (t.action, t.from_status, t.to_status, t.by) == ("create", "", "pending", rect.lead)
    assert AuditEvent.objects.filter(event="rectification.create", object_id=str(item.pk)).exists()


def test_an_admin_creates_too_and_no_element_is_fine(rect):
    item = create(rect, element_codes="", by=rect.admin, source="opinion")
    assert item.element_codes == [] and item.source == "opinion"


@pytest.mark.parametrize("who", ["alice", "bob", "official", "city_official", "school_user"])
def test_only_the_lead_or_an_admin_creates(rect, who):
    before = state()
    with pytest.raises(PermissionDenied):
        create(rect, by=getattr(rect, who))
    assert state() == before


def test_create_is_refused_on_an_unfinalized_evaluation(rect):
    Evaluation.objects.filter(pk=rect.evaluation.pk).update(status=Evaluation.Status.IN_PROGRESS)
    with pytest.raises(ValidationError, match="尚未定稿"):
        create(rect)
    assert state()["items"] == []


@pytest.mark.parametrize("kw,field", [
    ({"element_codes": "C1, Z99"}, "element_codes"),
    ({"problem": "  "}, "problem"),
    ({"requirement": ""}, "requirement"),
    ({"responsible": ""}, "responsible"),
    ({"responsible": "长" * 101}, "responsible"),
    ({"source": "nonsense"}, "source"),
    ({"deadline": date(2026, 11, 1)}, "deadline"),
])
def test_bad_input_is_refused_at_the_field(rect, kw, field):
    with pytest.raises(ValidationError) as exc:
        create(rect, **kw)
    assert field in exc.value.message_dict
    assert state()["items"] == []


def test_report_then_pass(rect):
    item = create(rect)
    rep = report(rect, item)
    item.refresh_from_db()
    assert item.status == "reported" and rep.evidence.count() == 1
    assert rep.evidence.get().content_type == "application/pdf"
    review(rect, item)
    item.refresh_from_db()
    assert item.status == "passed"
    actions = list(RectificationTransition.objects.filter(item=item).values_list("action", "from_status", "to_status"))
    assert actions == [("create", "", "pending"), ("report", "pending", "reported"), ("review", "reported", "passed")]
    events = set(AuditEvent.objects.filter(object_id=str(item.pk)).values_list("event", flat=True))
    assert {"rectification.create", "rectification.report", "rectification.review"} <= events


def test_a_failed_review_goes_back_to_the_school_which_reports_again(rect):
    item = create(rect)
    report(rect, item)
    review(rect, item, outcome="failed", note="制度未落实到班级。")
    item.refresh_from_db()
    assert item.status == "failed" and not item.is_passed
    report(rect, item, text="已落实到各班级。", files=[])
    item.refresh_from_db()
    assert item.status == "reported"
    t = RectificationTransition.objects.filter(item=item, action="report").last()
    assert t.from_status == "failed" and t.reason
    review(rect, item, by=rect.lead)  # a panel inspector may review too
    item.refresh_from_db()
    assert item.status == "passed"


def test_a_failed_review_needs_a_note(rect):
    item = create(rect)
    report(rect, item)
    before = state()
    with pytest.raises(ValidationError) as exc:
        review(rect, item, outcome="failed", note=" ")
    assert "note" in exc.value.message_dict
    assert state() == before


def test_review_on_an_item_not_reported_is_refused(rect):
    item = create(rect)
    before = state()
    with pytest.raises(ValidationError, match="只有已报告的整改事项才能复核"):
        review(rect, item)
    assert state() == before


def test_report_on_a_passed_item_is_refused(rect):
    item = create(rect)
    report(rect, item)
    review(rect, item)
    before = state()
    with pytest.raises(ValidationError, match="已复核通过"):
        report(rect, item)
    assert state() == before


def test_report_twice_before_review_is_refused(rect):
    item = create(rect)
    report(rect, item)
    before = state()
    with pytest.raises(ValidationError, match="等待复核"):
        report(rect, item)
    assert state() == before


@pytest.mark.parametrize("who", ["other_school_user", "lead", "admin", "official"])
def test_only_the_school_itself_reports(rect, who):
    item = create(rect)
    before = state()
    with pytest.raises(PermissionDenied):
        report(rect, item, by=getattr(rect, who))
    assert state() == before


def test_the_school_reports_only_once_results_are_published(rect):
    item = create(rect)
    type(rect.round).objects.filter(pk=rect.round.pk).update(results_published_to_schools=False)
    before = state()
    with pytest.raises(PermissionDenied):
        report(rect, item)
    assert state() == before


@pytest.mark.parametrize("who,allowed", [("official", True), ("lead", True), ("alice", True), ("admin", True),
                                         ("other_official", False), ("city_official", False), ("bob", False),
                                         ("school_user", False)])
def test_who_reviews(rect, who, allowed):
    item = create(rect)
    report(rect, item)
    if allowed:
        review(rect, item, by=getattr(rect, who))
        item.refresh_from_db()
        assert item.status == "passed"
    else:
        before = state()
        with pytest.raises(PermissionDenied):
            review(rect, item, by=getattr(rect, who))
        assert state() == before


def test_a_stale_version_is_a_conflict(rect):
    item = create(rect)
    report(rect, item)
    before = state()
    with pytest.raises(services.ItemConflict):
        review(rect, item, version=item.version - 1)
    assert state() == before


def test_a_macro_file_is_refused_and_nothing_is_stored(rect, media):
    import io
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
        z.writestr("word/vbaProject.bin", b"\0" * 10)
    polyglot = SimpleUploadedFile("x.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF")
    item = create(rect)
    before = state()
    for bad in (SimpleUploadedFile("宏.docx", out.getvalue()), polyglot):
        with pytest.raises(ValidationError) as exc:
            report(rect, item, files=[pdf(), bad])
        assert "files" in exc.value.message_dict
        assert state() == before
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_overdue_is_deadline_passed_and_not_passed(rect):
    item = create(rect)
    assert not item.is_overdue(DEADLINE) and item.is_overdue(date(2027, 1, 1))
    report(rect, item)
    review(rect, item)
    item.refresh_from_db()
    assert not item.is_overdue(date(2027, 1, 1))


def test_the_demo_cleanup_removes_the_rounds_items(rect):
    item = create(rect)
    report(rect, item)
    review(rect, item)
    services.demo_round_cleanup(rect.round)
    assert not RectificationItem.objects.exists()


def test_a_lead_who_no_longer_holds_the_inspector_role_may_not_create(rect):
    from django.contrib.auth.models import Group

    from accounts import roles
    from accounts.models import User

    rect.lead.groups.remove(Group.objects.get(name=roles.INSPECTOR))
    with pytest.raises(PermissionDenied):
        create(rect, by=User.objects.get(pk=rect.lead.pk))
    assert state()["items"] == []
