"""Saving the whole editor costs a constant number of queries (it took 1,011 for 84 edits)."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from rubric.models import Element


def _all_edits(draft) -> dict:
    data = {}
    for e in draft.elements.order_by("order"):
        data[f"e-{e.pk}-text"] = f"{e.text}（修订）"
    return data


def _count(client, draft, data) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(reverse("rubric:version_save", args=[draft.pk]), data)
    assert response.status_code == 302, response.content.decode()[:500]
    return len(ctx.captured_queries)


def test_saving_every_element_takes_a_constant_number_of_queries(login, draft, world):
    client = login(world.admin)
    first = draft.elements.order_by("order").first()
    one = _count(client, draft, {f"e-{first.pk}-text": "只改一项"})
    every = _count(client, draft, _all_edits(draft))
    assert Element.objects.filter(version=draft, text__endswith="（修订）").count() == 84
    # One UPDATE and one history INSERT for all 84 (SQLite splits the INSERT by its parameter limit).
    assert every <= one + 2 and every <= 20, (one, every)


def test_a_bulk_save_keeps_history_and_one_audit_event(login, draft, world):
    client = login(world.admin)
    c1, c19 = draft.elements.get(code="C1"), draft.elements.get(code="C19")
    client.post(reverse("rubric:version_save", args=[draft.pk]), {
        f"e-{c1.pk}-text": "新的 C1", f"e-{c19.pk}-points": "2", f"e-{c19.pk}-step": "1",
    })
    c19.refresh_from_db()
    assert (c19.points, c19.step) == (Decimal("2"), Decimal("1"))
    latest = Element.history.filter(id=c19.pk).latest("history_date")
    assert latest.history_user == world.admin and latest.points == Decimal("2")
    event = AuditEvent.objects.filter(event="rubric.update", user=world.admin).latest("at")
    assert event.detail["items"] == {"C1": {"text": [c1.text, "新的 C1"]}, "C19": {"points": ["1", "2"], "step": ["0.5", "1"]}}
