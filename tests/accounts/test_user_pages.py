"""The security admin creates, edits and imports accounts (name, unit, tags, roles, scope)."""

import csv
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts import roles
from accounts.middleware import password_expired
from accounts.models import User
from audit.models import AuditEvent


def _password_on(response) -> list[str]:
    return re.findall(r'<code class="fs-6">([^<]+)</code>', response.content.decode())


def _snapshot():
    return sorted(
        (u.username, u.name, u.phone, u.is_active, u.scope_city_wide,
         tuple(sorted(u.groups.values_list("name", flat=True))), tuple(sorted(u.scope_districts.values_list("pk", flat=True))))
        for u in User.objects.all()
    )


def test_the_security_admin_creates_a_scoped_official_with_a_one_time_password(login, world, client):
    admin = login(world.security_admin)
    response = admin.post(reverse("accounts:user_create"), {
        "username": "beilinjyj", "name": "碑林教育局", "phone": "029-88886666", "organization": "碑林区教育局",
        "district": world.other_district.pk, "expertise": "德育、语文", "roles": [roles.OFFICIAL],
        "scope_districts": [world.other_district.pk, world.district.pk], "is_active": "on",
    })
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    [password] = _password_on(response)
    user = User.objects.get(username="beilinjyj")
    assert user.expertise_tags == ["德育", "语文"] and user.district == world.other_district
    assert set(user.scope_districts.all()) == {world.district, world.other_district}
    assert password_expired(user)  # must change at first login
    event = AuditEvent.objects.get(event="user.create", object_id=str(user.pk))
    assert event.detail["roles_after"] == [roles.OFFICIAL]
    assert password not in str(event.detail)
    # Shown once: the account page does not show it again.
    assert password not in admin.get(reverse("accounts:user_edit", args=[user.pk])).content.decode()
    admin.logout()
    client.post(reverse("accounts:login"), {"username": "beilinjyj", "password": password})
    assert client.get(reverse("accounts:home"))["Location"] == reverse("accounts:password_change")


@pytest.mark.parametrize("field,value,message", [
    ("name", "=HYPERLINK(\"http://x\")", "不能以 = + - @ 开头"),
    ("name", "张\u202e三", "控制字符"),
    ("name", "张" * 51, "最多"),
    ("username", "alice", "已被使用"),
    ("phone", "13800000000<script>", "联系电话只能包含"),
])
def test_the_create_form_refuses_hostile_values_and_writes_nothing(login, world, field, value, message):
    before = _snapshot()
    data = {"username": "newbie", "name": "新人", "roles": [roles.INSPECTOR], "is_active": "on", field: value}
    response = login(world.security_admin).post(reverse("accounts:user_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _snapshot() == before


def test_both_city_and_districts_is_refused(login, world):
    response = login(world.security_admin).post(reverse("accounts:user_create"), {
        "username": "x1", "name": "某", "roles": [roles.OFFICIAL], "scope_city_wide": "on",
        "scope_districts": [world.district.pk]})
    assert response.status_code == 400 and "全市" in response.content.decode()


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = ["用户名", "姓名", "联系电话", "工作单位", "单位所在区县", "专长/学科", "角色", "查看范围", "启用"]


def _upload(client, content: bytes, name="experts.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("accounts:user_import"), {"file": SimpleUploadedFile(name, content)})


def test_an_expert_pool_is_imported_and_reimport_updates_by_username_or_phone(login, world):
    client = login(world.security_admin)
    content = _xlsx([HEADER,
                     ["wanglaoshi", "王老师", "13900000001", "雁塔区第二小学", "雁塔区", "数学", "督导专家", "", "是"],
                     ["jyj2", "某教育局", "", "碑林区教育局", "碑林区", "", "教育局", "碑林区、雁塔区", ""]])
    response = _upload(client, content)
    assert response.status_code == 200
    assert len(_password_on(response)) == 2
    official = User.objects.get(username="jyj2")
    assert set(official.scope_districts.all()) == {world.district, world.other_district}
    # Re-import: same phone with a new username updates the account, it does not add one.
    count = User.objects.count()
    response = _upload(client, _xlsx([HEADER, ["wangls", "王老师", "13900000001", "雁塔区第三小学", "", "", "", "", ""]]))
    assert response.status_code == 302
    assert User.objects.count() == count
    assert User.objects.get(phone="13900000001").organization == "雁塔区第三小学"


def test_a_bad_import_names_rows_and_columns_and_writes_nothing(login, world):
    before = _snapshot()
    content = _xlsx([HEADER,
                     ["p1", "=cmd|' /C calc'!A0", "", "", "", "", "", "", ""],
                     ["p2", "好人", "", "", "火星区", "", "", "", ""],
                     ["p3", "张\u202e三", "", "", "", "", "督导专家", "", ""],
                     ["p4", "李" * 60, "", "", "", "", "", "", ""],
                     ["p5", "甲", "13900000009", "", "", "", "", "", ""],
                     ["P5", "乙", "13900000009", "", "", "", "", "", ""],
                     ["p6", "丙", "", "", "", "", "督导专家、超级用户", "", "也许"]])
    response = _upload(client := login(world.security_admin), content)
    assert response.status_code == 400
    body = response.content.decode()
    for expected in ("第 2 行「姓名」", "第 3 行「单位所在区县」", "第 4 行「姓名」", "第 5 行「姓名」",
                     "第 7 行「用户名」：与第 6 行重复", "第 7 行「联系电话」：与第 6 行重复", "第 8 行「角色」",
                     "第 8 行「启用」"):
        assert expected in body, expected
    assert _snapshot() == before
    assert client.get(reverse("accounts:user_list")).status_code == 200


def test_an_import_granting_admin_to_many_accounts_is_refused(login, world):
    before = _snapshot()
    rows = [HEADER] + [[name, name, "", "", "", "", "管理员", "", ""] for name in ("alice", "bob", "lead", "x1", "x2")]
    response = _upload(login(world.security_admin), _xlsx(rows))
    assert response.status_code == 400
    assert response.content.decode().count("导入不能授予管理员角色") == 5
    assert _snapshot() == before


def test_an_import_cannot_touch_an_administrator_or_the_importer(login, world):
    before = _snapshot()
    rows = [HEADER, ["auditor", "审计", "", "", "", "", "督导专家", "", ""],
            ["secadmin", "我", "", "", "", "", "督导专家", "", ""]]
    body = _upload(login(world.security_admin), _xlsx(rows)).content.decode()
    assert "持有管理员类角色，不能通过导入修改" in body and "不能通过导入修改自己的账号" in body
    assert _snapshot() == before


def test_a_csv_in_gb18030_imports_too(login, world):
    text = "用户名,姓名,角色\nliuls,刘老师,督导专家\n"
    response = _upload(login(world.security_admin), text.encode("gb18030"), name="experts.csv")
    assert response.status_code == 200
    assert User.objects.get(username="liuls").name == "刘老师"


def test_the_template_workbook_has_the_headers_and_districts(login, world):
    response = login(world.security_admin).get(reverse("accounts:user_import_template"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]] == HEADER + ["所在学校代码"]
    assert any("雁塔区" in str(r[0].value) for r in book.worksheets[1].iter_rows())


def test_the_import_command_does_the_same(world, tmp_path):
    good = tmp_path / "experts.csv"
    good.write_text("用户名,姓名,联系电话\nzhoulaoshi,周老师,13700000000\n", encoding="utf-8")
    out = tmp_path / "passwords.csv"
    call_command("import_users", str(good), "--by", "secadmin", "--passwords", str(out), stdout=io.StringIO())
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    user = User.objects.get(username="zhoulaoshi")
    assert rows[1][0] == "zhoulaoshi" and user.check_password(rows[1][2])
    bad = tmp_path / "bad.csv"
    bad.write_text("用户名,姓名,角色\nevil,坏人,管理员\n", encoding="utf-8")
    with pytest.raises(CommandError, match="导入不能授予管理员角色"):
        call_command("import_users", str(bad), "--by", "secadmin")
    assert not User.objects.filter(username="evil").exists()
    with pytest.raises(CommandError, match="安全管理员"):
        call_command("import_users", str(good), "--by", "admin")


@pytest.mark.parametrize("who", ["admin", "official", "auditor", "alice"])
def test_only_the_security_admin_reaches_the_new_pages(login, world, who):
    client = login(getattr(world, who))
    for name in ("accounts:user_create", "accounts:user_import", "accounts:user_import_template"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("accounts:user_create"), {"username": "x", "name": "x"}).status_code == 403
    assert not User.objects.filter(username="x").exists()


def _hostile():
    from tests.hostile import strings

    return strings()  # every kind, from the in-repo copy


def test_hostile_names_are_refused_cleanly_or_stored_and_rendered_safely(login, world):
    """Every hostile string as a name: a clear 400, or an account whose pages, one-time sheet,
    template and audit export all render it inertly."""
    client = login(world.security_admin)
    for i, value in enumerate(_hostile()):
        response = client.post(reverse("accounts:user_create"), {
            "username": f"h{i}", "name": value, "organization": value, "roles": [roles.INSPECTOR], "is_active": "on"})
        assert response.status_code in (200, 400), (value, response.status_code)
        body = response.content.decode()
        assert "<script>alert(1)" not in body and "<svg onload" not in body
        if response.status_code == 400:
            assert not User.objects.filter(username=f"h{i}").exists()
    listing = client.get(reverse("accounts:user_list"), {"q": "h"})
    assert listing.status_code == 200 and "<img src=x" not in listing.content.decode()
    export = login(world.auditor).get(reverse("audit:event_export"))
    sheet = load_workbook(io.BytesIO(export.content)).active
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert not str(cell.value or "").startswith(("=", "+", "-", "@", "＝")), cell.value


def test_one_time_passwords_survive_a_spreadsheet_unchanged():
    from accounts.services import one_time_password
    from config.spreadsheet import cell_text

    for _ in range(200):
        password = one_time_password()
        assert cell_text(password) == password
