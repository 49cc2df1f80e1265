"""Every rubric change is in the history with who and when; the history page shows old → new."""

from decimal import Decimal

from django.urls import reverse

from audit.models import AuditEvent
from rubric.models import Element
from rubric.selectors import rubric_history
from rubric.services import element_update, indicator_update, rubric_publish


def test_services_record_the_user_on_history_rows(draft, world):
    element_update(element=draft.elements.get(code="C19"), points=Decimal("2"), by=world.admin)
    record = Element.history.filter(version_id=draft.id, code="C19").latest("history_date")
    assert record.history_user == world.admin and record.points == Decimal("2")
    assert record.prev_record.points == Decimal("1")


def test_clone_records_the_creator_on_every_item(draft, world):
    assert Element.history.filter(version_id=draft.id, history_type="+").count() == 84
    assert not Element.history.filter(version_id=draft.id).exclude(history_user=world.admin).exists()


def test_history_lists_changes_with_old_and_new_values_newest_first(draft, world):
    element_update(element=draft.elements.get(code="C19"), points=Decimal("2"), by=world.admin)
    indicator_update(indicator=draft.indicators.get(code="B1"), text="新的 B1", by=world.lead)
    entries = rubric_history(version=draft)
    assert entries[0].item == "二级指标 B1" and entries[0].user == world.lead
    assert entries[1].item == "评估要素 C19"
    assert ("标准分", "1", "2") in entries[1].fields
    assert entries[-1].kind == "+"  # the version's creation closes the list


def test_publishing_shows_as_a_status_change(draft, world):
    element_update(element=draft.elements.get(code="C19"), points=Decimal("2"), by=world.admin)
    element_update(element=draft.elements.get(code="C9"), points=Decimal("1"), by=world.admin)
    rubric_publish(version=draft, by=world.admin)
    assert ("状态", "草稿", "已发布") in rubric_history(version=draft)[0].fields


def test_changes_are_audited(draft, world):
    element_update(element=draft.elements.get(code="C19"), points=Decimal("2"), by=world.admin)
    event = AuditEvent.objects.filter(event="rubric.update", user=world.admin).latest("at")
    assert event.detail["item"] == "C19" and event.detail["changes"]["points"] == ["1", "2"]


def test_the_history_page_shows_who_when_and_what(login, draft, world):
    client = login(world.admin)
    client.post(reverse("rubric:version_save", args=[draft.pk]), {
        f"e-{draft.elements.get(code='C19').pk}-points": "2",
    })
    page = client.get(reverse("rubric:version_history", args=[draft.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "王管理" in html and "评估要素 C19" in html
    assert '<span class="history-old">1</span> → <span class="history-new">2</span>' in html


def test_history_page_query_count_is_bounded(login, draft, world, django_assert_max_num_queries):
    for code in ("C1", "C2", "C3", "C4"):
        element_update(element=draft.elements.get(code=code), text=f"改 {code}", by=world.admin)
    client = login(world.admin)
    # Two more than before evidence requirements: their history and the element codes that name them.
    with django_assert_max_num_queries(14):
        assert client.get(reverse("rubric:version_history", args=[draft.pk])).status_code == 200
