"""The auditors' log viewer and its xlsx export."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from audit.services import audit_record

LIST = "/audit/"
EXPORT = "/audit/export.xlsx"


@pytest.fixture
def events(world):
    audit_record(event="score.change", user=world.alice, outcome="success", element="C1")
    audit_record(event="auth.login_failed", username="mallory", outcome="failure")
    # Written at an injected time: on PostgreSQL the database refuses to back-date a record.
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=10)):
        audit_record(event="evaluation.finalize", user=world.lead)
    return world


def test_urls_are_where_expected():
    assert reverse("audit:event_list") == LIST and reverse("audit:event_export") == EXPORT


def test_it_requires_login(client, db):
    assert client.get(LIST).status_code == 302
    assert client.get(EXPORT).status_code == 302


@pytest.mark.parametrize("who", ["admin", "security_admin", "alice", "lead", "official", "city_official", "nobody"])
def test_only_auditors_may_read_the_log(login, events, who):
    client = login(getattr(events, who))
    assert client.get(LIST).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_the_viewer_rejects_writes_with_405(login, events):
    client = login(events.auditor)
    assert client.post(LIST).status_code == 405
    assert client.post(EXPORT).status_code == 405


def test_the_auditor_sees_the_log(login, events, django_assert_max_num_queries):
    client = login(events.auditor)
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "score.change" in body and "mallory" in body and "evaluation.finalize" in body


@pytest.mark.parametrize("params,present,absent", [
    ({"user": "mall"}, "mallory", "score.change"),
    ({"event": "score."}, "score.change", "mallory"),
    ({"outcome": "failure"}, "mallory", "score.change"),
    ({"date_from": (timezone.localdate() - timedelta(days=1)).isoformat()}, "score.change", "evaluation.finalize"),
    ({"date_to": (timezone.localdate() - timedelta(days=5)).isoformat()}, "evaluation.finalize", "score.change"),
])
def test_the_filters_narrow_the_list(login, events, params, present, absent):
    body = login(events.auditor).get(LIST, params).content.decode()
    table = body[body.index("<tbody>"):]
    assert present in table and absent not in table


@pytest.mark.parametrize("params", [
    {"user": "' OR '1'='1"}, {"event": "x%' ; DROP TABLE audit_auditevent; --"}, {"outcome": "success' OR 1=1"},
    {"date_from": "2026-02-30"}, {"date_from": "'; SELECT 1"}, {"page": "99999"}, {"page": "1 OR 1=1"},
    {"user": "<script>alert(1)</script>"}, {"user": "a\x00b"}, {"event": "\x00"}, {"sort": "-at; DROP TABLE x"}, {"date_from": "2026-05-01", "date_to": "2026-04-01"},
])
def test_hostile_filters_are_refused_or_harmless(login, events, params):
    count = AuditEvent.objects.count()
    response = login(events.auditor).get(LIST, params)
    # A NUL is refused at the door for every page (config.middleware), the rest by the form.
    assert response.status_code == (400 if any("\x00" in v for v in params.values()) else 200)
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert AuditEvent.objects.count() >= count  # nothing deleted


def test_an_invalid_date_shows_a_chinese_error(login, events):
    body = login(events.auditor).get(LIST, {"date_from": "2026-02-30"}).content.decode()
    assert "有效的日期" in body or "日期" in body and "invalid-feedback" in body
    body = login(events.auditor).get(LIST, {"date_from": "2026-05-01", "date_to": "2026-04-01"}).content.decode()
    assert "结束日期不能早于开始日期" in body


def test_the_list_is_paginated(login, world):
    for i in range(120):
        audit_record(event=f"bulk.{i:03d}")
    client = login(world.auditor)
    first = client.get(LIST).content.decode().split("<tbody>")[1]
    third = client.get(LIST, {"page": 3}).content.decode().split("<tbody>")[1]
    assert "bulk.119" in first and "bulk.000" not in first
    assert "bulk.000" in third and "第 3 / 3 页" in third


def _read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))


def test_the_export_is_a_real_workbook_of_the_filtered_events(login, events):
    wb = _read_xlsx(login(events.auditor).get(EXPORT, {"outcome": "failure"}))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("时间", "用户名", "IP 地址", "事件", "事件说明")
    assert [r[1] for r in rows[1:]] == ["mallory"]
    assert rows[1][3:5] == ("auth.login_failed", "登录失败")


def test_the_export_is_audited(login, events):
    login(events.auditor).get(EXPORT)
    assert AuditEvent.objects.filter(event="export.audit_xlsx", username="auditor").exists()


def test_formula_injection_is_neutralized_in_the_export(login, world):
    audit_record(event="auth.login_failed", username='=HYPERLINK("http://evil.example/","点我")', outcome="failure")
    audit_record(event="x", username="+cmd|' /C calc'!A0")
    wb = _read_xlsx(login(world.auditor).get(EXPORT))
    cells = [c for row in wb.active.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    values = [c.value for c in cells if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://evil.example/\",\"点我\")" in values
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)
