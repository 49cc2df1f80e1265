"""复评: schools whose recognition ends within a chosen window (recognition:renewal and its xlsx)."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.urls import reverse

from accounts.scopes import CITY
from config.spreadsheet import cell_text
from evaluation.models import Round
from recognition import services as rs
from recognition.models import Recognition, RecognitionList
from recognition.selectors import renewal_due
from tests.hostile import strings
from tests.reports import story_world

URL = reverse("recognition:renewal")
XLSX_URL = reverse("recognition:renewal_xlsx")


@pytest.fixture
def due(world, page_today):
    story_world.build(world)
    world.valid_until = Recognition.objects.get(round=world.old_round).valid_until
    page_today.value = world.valid_until - timedelta(days=40)
    world.today = page_today.value
    return world


def test_the_selector_lists_recognitions_ending_within_the_window(due):
    rows = renewal_due(scope=CITY, today=due.today, days=180)
    assert [(s.recognition.school, s.days_left, s.state) for s in rows] == [(due.school, 40, "expiring")]
    assert renewal_due(scope=CITY, today=due.today, days=39) == []
    over = renewal_due(scope=CITY, today=due.valid_until + timedelta(days=3), days=10)
    assert [(s.days_left, s.state, s.label) for s in over] == [(-3, "expired", "已过期")]


def test_only_the_latest_recognition_of_a_school_counts(due):
    Round.objects.filter(pk=due.round.pk).update(pass_mark="40")
    rs.recognition_list_build(round=due.round, by=due.admin)
    rlist = RecognitionList.objects.get(round=due.round)
    rs.recognition_publish(rlist=rlist, objection_contact="督导室", by=due.admin, today=date(2026, 11, 2))
    rs.recognition_conclude(rlist=rlist, document_no="市教发〔2026〕1号", recognized_on=date(2026, 11, 9), by=due.admin,
                            today=date(2026, 11, 9))
    assert renewal_due(scope=CITY, today=due.today, days=180) == []  # renewed in 2026: valid till 2029
    rows = renewal_due(scope=CITY, today=date(2029, 10, 1), days=180)
    assert {s.recognition.document_no for s in rows} == {"市教发〔2026〕1号"} and len(rows) == 2


def test_the_page_lists_the_school_with_its_dates(due, login):
    html = login(due.official).get(URL).content.decode()
    row = html.split(f'data-school="{due.school.code}"')[1].split("</tr>")[0]
    assert due.school.name in row and "雁塔区" in row and "市教发〔2024〕8号" in row
    assert "2024-11-09" in row and due.valid_until.isoformat() in row and "data-days-left>40<" in row
    assert 'value="180"' in html
    assert "data-school" not in login(due.official).get(URL + "?days=30").content.decode()


@pytest.mark.parametrize("role,status", [
    ("admin", 200), ("official", 200), ("city_official", 200), ("other_official", 200), ("lead", 403),
    ("alice", 403), ("nobody", 403), ("school_user", 403), ("security_admin", 403), ("auditor", 403),
    ("unscoped_official", 403)])
def test_access_per_role(due, login, role, status):
    c = login(getattr(due, role))
    assert c.get(URL).status_code == status
    assert c.get(XLSX_URL).status_code == status


def test_an_official_sees_only_schools_in_scope(due, login):
    assert due.school.name not in login(due.other_official).get(URL).content.decode()
    ws = openpyxl.load_workbook(io.BytesIO(login(due.other_official).get(XLSX_URL).content)).active
    assert ws.max_row == 2  # title and header only


def test_login_and_method(due, client, login):
    assert client.get(URL).status_code == 302
    assert login(due.admin).post(URL).status_code == 405
    assert login(due.admin).post(XLSX_URL).status_code == 405


@pytest.mark.parametrize("days", ["abc", "0", "-5", "99999", "1.5"] + strings("markup", "spreadsheet_formulas")[:3])
def test_bad_days_are_refused_at_the_field_and_the_default_applies(due, login, days):
    response = login(due.admin).get(URL, {"days": days})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="invalid-feedback"' in html and "天数" in html
    assert f'data-school="{due.school.code}"' in html  # the default window (180 days) still lists it
    assert "<script>alert" not in html


def test_the_workbook_reads_back(due, login):
    response = login(due.admin).get(XLSX_URL, {"days": 60})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert "60 天内到期" in rows[0][0]
    assert rows[1][:4] == ("序号", "区县", "学校代码", "学校名称")
    assert rows[2][1:] == ("雁塔区", due.school.code, due.school.name, "市教发〔2024〕8号", "2024-11-09",
                           due.valid_until.isoformat(), 40, "即将到期")


@pytest.mark.parametrize("text", strings("spreadsheet_formulas", "markup", "control_and_noncharacters"))
def test_hostile_school_names_are_inert_in_the_workbook_and_escaped_on_the_page(due, login, text):
    clean = text.replace("\x00", "")
    type(due.school).objects.filter(pk=due.school.pk).update(name=clean)
    ws = openpyxl.load_workbook(io.BytesIO(login(due.admin).get(XLSX_URL).content)).active
    names = [row[3] for row in ws.iter_rows(min_row=3, values_only=True)]
    assert len(names) == 1
    assert not str(names[0]).startswith(("=", "+", "-", "@", "＝")) or str(names[0]).startswith("'")
    html = login(due.admin).get(URL).content.decode()
    assert "<script>alert" not in html
    if clean.strip() and "<" in clean:
        assert "&lt;" in html
    if "\r" not in clean:  # XML turns a carriage return into a line feed
        assert names[0] == cell_text(type(due.school).objects.get(pk=due.school.pk).name)
