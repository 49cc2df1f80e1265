"""School management pages: admins only; officials and inspectors get 403, strangers log in."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from schools.importing import REQUIRED_COLUMNS
from schools.models import District, School
from tests import factories as f

from .conftest import GOOD_ROWS, make_csv, make_xlsx

pytestmark = pytest.mark.django_db


def urls(world):
    return {
        "list": reverse("schools:school_list"),
        "create": reverse("schools:school_create"),
        "edit": reverse("schools:school_edit", args=[world.school.pk]),
        "import": reverse("schools:school_import"),
        "template": reverse("schools:school_import_template"),
    }


FORM = {
    "code": "6101130099", "name": "西安市雁塔区第九十九小学", "stage": "primary", "location": "urban",
    "address": "西安市雁塔区电子城 1 号", "principal": "李校长",
}


# --- access rules, for every page -------------------------------------------------

@pytest.mark.parametrize("page", ["list", "create", "edit", "import", "template"])
def test_anonymous_is_sent_to_login(client, world, page):
    response = client.get(urls(world)[page])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("page", ["list", "create", "edit", "import", "template"])
def test_admin_gets_every_page(login, world, page):
    assert login(world.admin).get(urls(world)[page]).status_code == 200


@pytest.mark.parametrize("who", ["official", "city_official", "alice", "lead", "nobody"])
@pytest.mark.parametrize("page", ["list", "create", "edit", "import", "template"])
def test_non_admins_get_403_on_reads(login, world, who, page):
    assert login(getattr(world, who)).get(urls(world)[page]).status_code == 403


@pytest.mark.parametrize("who", ["official", "city_official", "alice"])
def test_non_admins_get_403_on_writes_and_nothing_changes(login, world, who):
    client = login(getattr(world, who))
    data = dict(FORM, district=world.district.pk)
    assert client.post(urls(world)["create"], data).status_code == 403
    assert client.post(urls(world)["edit"], dict(data, code=world.school.code)).status_code == 403
    upload = io.BytesIO(make_xlsx(GOOD_ROWS))
    upload.name = "schools.xlsx"
    assert client.post(urls(world)["import"], {"file": upload}).status_code == 403
    assert not School.objects.filter(code__in=["6101130099", "6101130001"]).exists()
    world.school.refresh_from_db()
    assert world.school.name == "雁塔区第一小学"


def test_editing_a_school_that_does_not_exist_is_404(login, world):
    response = login(world.admin).get(reverse("schools:school_edit", args=[999999]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "page,method",
    [("list", "post"), ("template", "post"), ("create", "put"), ("edit", "delete"), ("import", "patch")],
)
def test_wrong_method_is_405(login, world, page, method):
    assert getattr(login(world.admin), method)(urls(world)[page]).status_code == 405


# --- list ------------------------------------------------------------------------

def test_list_shows_schools_with_their_district(login, world):
    body = login(world.admin).get(urls(world)["list"]).content.decode()
    assert "雁塔区第一小学" in body and "碑林区第一小学" in body
    assert "共 2 所学校" in body


def test_list_filters_by_district_stage_location_and_search(login, world):
    f.school(world.district, name="雁塔区第一初级中学", stage=School.Stage.JUNIOR, location=School.Location.TOWN,
             principal="赵校长")
    client = login(world.admin)

    def names(**params):
        response = client.get(urls(world)["list"], params)
        assert response.status_code == 200
        return [s.name for s in response.context["page"].object_list]

    assert sorted(names(district=world.district.pk)) == ["雁塔区第一初级中学", "雁塔区第一小学"]
    assert names(stage="junior") == ["雁塔区第一初级中学"]
    assert names(location="town") == ["雁塔区第一初级中学"]
    assert names(q="赵校长") == ["雁塔区第一初级中学"]
    assert names(q="碑林") == ["碑林区第一小学"]
    assert len(names(stage="bogus")) == 3  # an invalid filter is ignored, not an error page


def test_list_paginates_and_keeps_filters_in_page_links(login, world):
    for n in range(30):
        f.school(world.district, name=f"雁塔区测试小学{n}")
    client = login(world.admin)
    first = client.get(urls(world)["list"], {"district": world.district.pk})
    assert len(first.context["page"].object_list) == 25
    assert f"district={world.district.pk}&amp;page=2" in first.content.decode()
    second = client.get(urls(world)["list"], {"district": world.district.pk, "page": 2})
    assert len(second.context["page"].object_list) == 6


def test_list_query_count_does_not_grow_with_schools(login, world, django_assert_max_num_queries):
    for n in range(40):
        f.school(world.other_district, name=f"碑林区测试小学{n}")
    client = login(world.admin)
    # 11: one of them is django-otp loading the device that verified this admin's session.
    with django_assert_max_num_queries(11):
        assert client.get(urls(world)["list"]).status_code == 200


# --- create and edit -------------------------------------------------------------

def test_admin_creates_a_school_and_it_is_audited(login, world):
    response = login(world.admin).post(urls(world)["create"], dict(FORM, district=world.district.pk))
    assert response.status_code == 302
    school = School.objects.get(code="6101130099")
    assert school.district == world.district and school.principal == "李校长"
    assert AuditEvent.objects.filter(event="school.create", object_id=str(school.pk), user=world.admin).exists()


def test_create_refuses_a_duplicate_code_with_a_message_at_the_field(login, world):
    response = login(world.admin).post(urls(world)["create"], dict(FORM, code=world.school.code, district=world.district.pk))
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert School.objects.count() == 2


def test_create_refuses_an_unknown_stage(login, world):
    response = login(world.admin).post(urls(world)["create"], dict(FORM, stage="high", district=world.district.pk))
    assert response.status_code == 200
    assert "stage" in response.context["form"].errors
    assert not School.objects.filter(code="6101130099").exists()


def test_admin_edits_a_school_and_the_change_is_audited(login, world):
    data = dict(FORM, code=world.school.code, name="雁塔区第一小学（新校区）", district=world.district.pk)
    response = login(world.admin).post(urls(world)["edit"], data)
    assert response.status_code == 302
    world.school.refresh_from_db()
    assert world.school.name == "雁塔区第一小学（新校区）"
    event = AuditEvent.objects.get(event="school.update", object_id=str(world.school.pk))
    assert event.detail["changes"]["name"] == ["雁塔区第一小学", "雁塔区第一小学（新校区）"]


def test_edit_with_a_taken_code_changes_nothing(login, world):
    data = dict(FORM, code=world.other_school.code, name="改名", district=world.district.pk)
    response = login(world.admin).post(urls(world)["edit"], data)
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert response.context["saved_name"] == "雁塔区第一小学"
    world.school.refresh_from_db()
    assert world.school.name == "雁塔区第一小学"


# --- import page and template ------------------------------------------------------

def _upload(name, data):
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def test_import_page_imports_a_good_file(login, world):
    response = login(world.admin).post(
        urls(world)["import"], {"file": _upload("学校名单.csv", make_csv(GOOD_ROWS, encoding="gb18030"))}, follow=True
    )
    assert response.redirect_chain[-1][0] == urls(world)["list"]
    assert "导入完成：新增 3 所，更新 0 所，未变化 0 所。" in response.content.decode()
    assert School.objects.count() == 5
    event = AuditEvent.objects.get(event="school.import")
    assert event.outcome == "success" and event.detail["created"] == 3


def test_import_page_lists_every_error_and_imports_nothing(login, world):
    rows = [GOOD_ROWS[0], ["6101130002", "某校", "雁塔区", "高中", "城区", "", ""]]
    response = login(world.admin).post(urls(world)["import"], {"file": _upload("s.xlsx", make_xlsx(rows))})
    assert response.status_code == 200
    body = response.content.decode()
    assert "第 3 行「学段」：“高中”不是有效的学段（小学/初中/九年一贯制）。" in body
    assert "未导入任何数据" in body
    assert School.objects.count() == 2
    assert AuditEvent.objects.get(event="school.import").outcome == "failure"


def test_import_page_refuses_other_file_types_at_the_field(login, world):
    response = login(world.admin).post(urls(world)["import"], {"file": _upload("s.pdf", b"%PDF-1.4")})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors


def test_the_template_is_a_real_xlsx_with_the_import_headers(login, world):
    response = login(world.admin).get(urls(world)["template"])
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    headers = [c.value for c in wb.worksheets[0][1]]
    assert set(REQUIRED_COLUMNS) <= set(headers)
    district_names = [row[0] for row in wb["区县代码"].iter_rows(min_row=2, values_only=True)]
    assert district_names == list(District.objects.order_by("order", "code").values_list("name", flat=True))


def test_a_filled_in_template_imports(login, world):
    client = login(world.admin)
    wb = load_workbook(io.BytesIO(client.get(urls(world)["template"]).content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row in GOOD_ROWS:
        record = dict(zip(["学校代码", "学校名称", "所属区县", "学段", "城乡类别", "地址", "校长"], row))
        ws.append([record[h] for h in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = client.post(urls(world)["import"], {"file": _upload("filled.xlsx", buffer.getvalue())})
    assert response.status_code == 302
    assert School.objects.filter(code__in=[r[0] for r in GOOD_ROWS]).count() == 3
