"""An audit log people can read: Chinese event filter, readable details, the same in the export."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from accounts import roles, services
from audit.models import AuditEvent
from audit.services import audit_record


def test_the_event_filter_finds_events_by_their_chinese_name(login, world):
    audit_record(event="score.change", user=world.alice, element="C1")
    audit_record(event="scorecard.submit", user=world.alice)
    audit_record(event="auth.login", user=world.alice)
    client = login(world.auditor)
    body = client.get(reverse("audit:event_list"), {"event": "评分"}).content.decode().split("<tbody>")[1]
    assert "修改评分" in body and "提交评分表" in body and "auth.login" not in body
    by_code = client.get(reverse("audit:event_list"), {"event": "score"}).content.decode().split("<tbody>")[1]
    assert "score.change" in by_code and "auth.login" not in by_code


def test_a_role_change_reads_as_roles_before_and_after(login, world):
    services.user_assign_roles(user=world.bob, role_names=[roles.INSPECTOR, roles.OFFICIAL], is_active=True,
                               by=world.security_admin)
    event = AuditEvent.objects.get(event="user.roles")
    assert event.detail_text.startswith("角色（之前）：督导专家；角色（之后）：督导专家、教育局")
    body = login(world.auditor).get(reverse("audit:event_list"), {"event": "user.roles"}).content.decode()
    body = body.split("<tbody>")[1]
    assert "角色（之前）：" in body and "督导专家、教育局" in body
    assert "['" not in body and "roles_before" not in body


def test_the_export_carries_the_same_readable_details(login, world):
    audit_record(event="user.update", user=world.security_admin, roles_before=["督导专家"], roles_after=[],
                 scope_before={"city_wide": False, "districts": ["雁塔区"]},
                 scope_after={"city_wide": True, "districts": []}, active_before=True, active_after=False)
    response = login(world.auditor).get(reverse("audit:event_export"), {"event": "修改用户设置"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    detail = [row[9].value for row in sheet.iter_rows(min_row=2) if row[3].value == "user.update"][0]
    assert detail == ("角色（之前）：督导专家；角色（之后）：（无）；查看范围（之前）：雁塔区；查看范围（之后）：全市；"
                      "启用（之前）：是；启用（之后）：否")
    export = AuditEvent.objects.get(event="export.audit_xlsx")
    assert export.detail["filters"] == {"event": "修改用户设置"} and export.detail["scope"]


def test_sensitive_reads_record_the_scope_they_happened_under(login, world):
    client = login(world.official)
    client.get(reverse("reports:ranking_xlsx"), {"round": world.round.pk})
    event = AuditEvent.objects.get(event="export.xlsx")
    assert event.username == "official" and event.detail["scope"] == "雁塔区"
    assert "查看范围：雁塔区" in event.detail_text
