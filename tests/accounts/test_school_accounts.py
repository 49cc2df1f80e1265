"""学校（填报） accounts: one school each, never combined with another role, created singly or in bulk."""

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from openpyxl import Workbook

from accounts import roles, scopes, services
from accounts.models import User
from audit.models import AuditEvent
from tests import factories as f
from tests.hostile import strings


def _password_on(response) -> list[str]:
    return re.findall(r'<code class="fs-6">([^<]+)</code>', response.content.decode())


def _snapshot():
    return sorted(
        (u.username, u.name, u.is_active, u.school_id, tuple(sorted(u.groups.values_list("name", flat=True))))
        for u in User.objects.all()
    )


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize("other", [r for r in roles.ALL_ROLES if r != roles.SCHOOL])
def test_a_school_account_holds_no_other_role_and_the_message_names_it(other):
    with pytest.raises(ValidationError) as exc:
        roles.check_role_set({roles.SCHOOL, other})
    assert roles.SCHOOL in exc.value.messages[0] and other in exc.value.messages[0]


def test_no_setting_lets_a_school_account_inspect(settings):
    settings.ROLE_ALLOWED_PAIRS = ["学校（填报）+督导专家", "管理员+督导专家"]
    with pytest.raises(ValidationError):
        roles.check_role_set({roles.SCHOOL, roles.INSPECTOR})


def test_the_service_refuses_a_school_role_without_a_school_and_writes_nothing(world):
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.user_create(data=services.AccountData(username="xxnone", name="无校", roles=(roles.SCHOOL,)),
                             by=world.security_admin)
    assert "所在学校" in str(exc.value)
    with pytest.raises(ValidationError):
        services.user_assign_roles(user=world.bob, role_names=[roles.SCHOOL], is_active=True, by=world.security_admin)
    assert _snapshot() == before


def test_the_model_guard_refuses_the_school_group_on_an_account_without_school(world):
    group = Group.objects.get(name=roles.SCHOOL)
    with pytest.raises(ValidationError), transaction.atomic():
        world.nobody.groups.add(group)
    with pytest.raises(ValidationError), transaction.atomic():
        group.user_set.add(world.nobody)
    with pytest.raises(ValidationError), transaction.atomic():  # and never beside another role
        world.bob.groups.add(group)
    assert not world.nobody.groups.exists()


def test_the_command_refuses_combining_roles(world):
    with pytest.raises(CommandError, match="不能兼任其他角色"):
        call_command("user_roles", "school_user", roles.SCHOOL, roles.INSPECTOR, "--by", "secadmin",
                     stdout=io.StringIO())


# ---------------------------------------------------------------- the account form


def test_the_security_admin_creates_a_school_account_by_school_code(login, world):
    response = login(world.security_admin).post(reverse("accounts:user_create"), {
        "username": "xxnew", "name": "雁塔一小教务处", "roles": [roles.SCHOOL], "school": world.school.code,
        "is_active": "on",
    })
    assert response.status_code == 200, response.content.decode()[:2000]
    user = User.objects.get(username="xxnew")
    assert user.school == world.school and roles.held_roles(user) == {roles.SCHOOL}
    page = login(world.security_admin).get(reverse("accounts:user_edit", args=[user.pk])).content.decode()
    assert f'value="{world.school.code}"' in page


@pytest.mark.parametrize("school,role_list,message", [
    ("", [roles.SCHOOL], "须设置所在学校"),
    ("NO-SUCH", [roles.SCHOOL], "找不到学校代码"),
    ("", [roles.SCHOOL, roles.INSPECTOR], "不能兼任其他角色"),
    ("=HYPERLINK(1)", [roles.SCHOOL], "找不到学校代码"),
    ("T\u202e1", [roles.SCHOOL], "控制字符"),
])
def test_the_form_refuses_bad_school_accounts_at_the_field(login, world, school, role_list, message):
    before = _snapshot()
    response = login(world.security_admin).post(reverse("accounts:user_create"), {
        "username": "xxbad", "name": "某校", "roles": role_list, "school": school, "is_active": "on"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _snapshot() == before


def test_an_inspector_may_carry_the_school_they_work_at(login, world):
    response = login(world.security_admin).post(reverse("accounts:user_edit", args=[world.bob.pk]), {
        "username": "bob", "name": "赵专家", "roles": [roles.INSPECTOR], "school": world.other_school.code,
        "is_active": "on"})
    assert response.status_code == 302
    world.bob.refresh_from_db()
    assert world.bob.school == world.other_school


# ---------------------------------------------------------------- the import


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["用户名", "姓名", "角色", "所在学校代码"]


def _upload(client, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("accounts:user_import"), {"file": SimpleUploadedFile("a.xlsx", content)})


def test_the_import_creates_school_accounts_with_their_school(login, world):
    response = _upload(login(world.security_admin), _xlsx([
        HEADER, ["xx1", "一小", "学校（填报）", world.school.code], ["xx2", "二小", "学校（填报）", world.other_school.code]]))
    assert response.status_code == 200
    assert len(_password_on(response)) == 2
    assert User.objects.get(username="xx2").school == world.other_school


@pytest.mark.parametrize("row,expected", [
    (["xx1", "一小", "学校（填报）", "NOPE"], "第 2 行「所在学校代码」：找不到学校代码"),
    (["xx1", "一小", "学校（填报）", ""], "第 2 行「所在学校代码」：学校（填报）账号须设置所在学校"),
    (["xx1", "一小", "学校（填报）、督导专家", "SCHOOL"], "第 2 行「角色」"),
    (["xx1", "一小", "学校（填报）", "=cmd|' /C calc'!A0"], "第 2 行「所在学校代码」"),
])
def test_a_bad_school_row_is_named_and_nothing_is_imported(login, world, row, expected):
    before = _snapshot()
    row = [world.school.code if cell == "SCHOOL" else cell for cell in row]
    response = _upload(login(world.security_admin), _xlsx([HEADER, ["ok1", "好人", "督导专家", ""], row]))
    assert response.status_code == 400
    body = response.content.decode()
    assert expected.replace("第 2 行", "第 3 行") in body
    assert _snapshot() == before


def test_a_file_without_the_school_column_keeps_the_accounts_school(login, world):
    response = _upload(login(world.security_admin), _xlsx([["用户名", "姓名", "角色"], ["school_user", "新名字", "学校（填报）"]]))
    assert response.status_code == 302
    world.school_user.refresh_from_db()
    assert world.school_user.school == world.school and world.school_user.name == "新名字"


# ---------------------------------------------------------------- bulk: one account per school


URL = reverse("accounts:school_accounts")


def test_bulk_accounts_for_ticked_schools_skip_schools_with_one(login, world):
    fresh = f.school(world.district, name="雁塔区第九小学", code="Y0009")
    client = login(world.security_admin)
    page = client.get(URL + f"?district={world.district.pk}")
    assert page.status_code == 200 and "xxY0009" not in page.content.decode()
    response = client.post(URL, {"action": "selected", "schools": [fresh.pk, world.school.pk]})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    [password] = _password_on(response)
    account = User.objects.get(username="xxY0009")
    assert account.school == fresh and roles.held_roles(account) == {roles.SCHOOL}
    assert account.name == "雁塔区第九小学" and account.district == world.district
    assert User.objects.filter(school=world.school, groups__name=roles.SCHOOL).count() == 1  # not a second one
    event = AuditEvent.objects.get(event="user.school_accounts")
    assert event.detail["schools"] == ["Y0009"] and event.detail["skipped"] == [world.school.code]
    assert password not in str(event.detail)


def test_bulk_accounts_for_a_whole_district(login, world):
    for n in range(3):
        f.school(world.other_district, name=f"碑林区第{n + 3}小学", code=f"B000{n}")
    response = login(world.security_admin).post(URL + f"?district={world.other_district.pk}",
                                                 {"action": "district", "district": world.other_district.pk})
    assert response.status_code == 200
    assert len(_password_on(response)) == 3
    assert set(User.objects.filter(groups__name=roles.SCHOOL, school__district=world.other_district)
               .values_list("username", flat=True)) == {"other_school_user", "xxB0000", "xxB0001", "xxB0002"}


def test_a_taken_username_refuses_the_whole_batch(login, world):
    a = f.school(world.district, name="雁塔区第十小学", code="Y0010")
    b = f.school(world.district, name="雁塔区第十一小学", code="Y0011")
    f.user("XXY0011", roles.INSPECTOR, name="撞名")
    before = _snapshot()
    response = login(world.security_admin).post(URL, {"action": "selected", "schools": [a.pk, b.pk]})
    assert response.status_code == 400
    assert "用户名“xxY0011”已被其他账号使用" in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize("data,message", [
    ({"action": "selected"}, "请至少选择一所学校"),
    ({"action": "district"}, "请先选择区县"),
    ({"action": "selected", "schools": ["999999"]}, "999999"),
])
def test_bulk_refuses_bad_requests_and_writes_nothing(login, world, data, message):
    before = _snapshot()
    response = login(world.security_admin).post(URL, data)
    assert response.status_code == 400 and message in response.content.decode()
    assert _snapshot() == before


def test_hostile_school_names_are_inert_on_the_page_and_the_password_sheet(login, world):
    for n, text in enumerate(s for s in strings() if len(s) < 80 and "\x00" not in s):
        f.school(world.district, name=("校" + text)[:100], code=f"H{n:04d}")
    client = login(world.security_admin)
    page = client.get(URL + "?q=H").content.decode()
    assert "<script>alert" not in page
    response = client.post(URL, {"action": "district", "district": world.district.pk})
    assert response.status_code == 200 and "<script>alert" not in response.content.decode()


@pytest.mark.parametrize("who", ["admin", "official", "alice", "auditor", "school_user", "nobody"])
def test_only_the_security_admin_may_use_bulk_accounts(login, world, who):
    client = login(getattr(world, who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "district", "district": world.district.pk}).status_code == 403


def test_bulk_requires_login_and_the_right_method(client, login, world):
    assert client.get(URL).status_code == 302
    assert login(world.security_admin).put(URL).status_code == 405


# ---------------------------------------------------------------- scope


def test_a_school_account_is_scoped_to_its_school_only(world):
    assert scopes.school_of(world.school_user) == world.school
    assert scopes.school_of(world.alice) is None
    assert scopes.results_scope(world.school_user).is_empty
    assert not scopes.evaluations_visible_to(world.school_user).exists()
    assert scopes.describe(world.school_user) == f"本校（{world.school.name}）"
    world.school_user.groups.clear()  # without the role the school gives no access
    fresh = User.objects.get(pk=world.school_user.pk)
    assert scopes.school_of(fresh) is None
