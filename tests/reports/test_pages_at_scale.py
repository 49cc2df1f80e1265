"""Every main page at a city's size: bounded (paginated) and a constant number of queries.

The same seed_demo world at two sizes (6 and 18 schools, a reset in between); each page, seen by
the role that uses it, must run exactly as many queries on the larger world as on the smaller.
Pages hold four rows here, so both worlds have several pages of every list.
"""

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from accounts.models import User
from audit.services import audit_record
from evaluation import demo
from evaluation.models import Evaluation

pytestmark = pytest.mark.django_db

SMALL, LARGE = 6, 18
ROWS = 4


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    import evaluation.views
    import reports.views
    import schools.views

    for module in (evaluation.views, reports.views, schools.views):
        monkeypatch.setattr(module, "PAGE_SIZE", ROWS)


def _seed(schools: int, *, reset: bool = False) -> None:
    args = ["seed_demo", "--schools", str(schools), "--seed", "11"]
    call_command(*args, *(["--reset"] if reset else []), stdout=open("/dev/null", "w"))
    # Audit events grow with use: one per school, so the log is longer on the larger world.
    admin = User.objects.get(username="admin")
    for evaluation in Evaluation.objects.filter(round=demo.demo_round()).select_related("school"):
        audit_record(event="export.xlsx", user=admin, obj=evaluation, kind="scoresheet")


def _pages() -> list[tuple[str, str, str]]:
    """(label, username, url) of every main page on the current demo world."""
    round_obj = demo.demo_round()
    finalized = Evaluation.objects.filter(round=round_obj, status=Evaluation.Status.FINALIZED).order_by(
        "school__code").first()
    yanta = finalized.school.district  # any district with a school
    inspector = finalized.scorecards.order_by("-is_lead").first().inspector.username
    return [
        ("round detail", "admin", reverse("evaluation:round_detail", args=[round_obj.pk])),
        ("round detail, page 2", "admin", reverse("evaluation:round_detail", args=[round_obj.pk]) + "?page=2"),
        ("panel assignment", "admin", reverse("evaluation:panel_assign", args=[round_obj.pk])),
        ("panel assignment, filtered", "admin",
         reverse("evaluation:panel_assign", args=[round_obj.pk]) + f"?district={yanta.pk}&stage=primary&q=学"),
        ("ranking", "shijyj", reverse("reports:ranking") + f"?round={round_obj.pk}&include=on"),
        ("dashboard", "shijyj", reverse("reports:dashboard") + f"?round={round_obj.pk}"),
        ("school report", "shijyj", reverse("reports:school_report", args=[finalized.pk])),
        ("inspector home", inspector, reverse("evaluation:inspector_home")),
        ("audit log", "shenji", reverse("audit:event_list")),
        ("school list", "admin", reverse("schools:school_list")),
    ]


def _counts(client) -> dict[str, int]:
    counts = {}
    for label, username, url in _pages():
        client.force_login(User.objects.get(username=username))
        client.get(url)  # warm caches (content types, the session) the same way on both worlds
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (label, response.status_code)
        counts[label] = len(queries)
    return counts


def test_every_main_page_runs_the_same_number_of_queries_at_two_sizes(client):
    _seed(SMALL)
    small = _counts(client)
    _seed(LARGE, reset=True)
    large = _counts(client)
    assert large == small


def _rows(html: str) -> int:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr")


def test_long_lists_are_paged_and_the_page_links_keep_the_filters(client):
    _seed(LARGE)
    round_obj = demo.demo_round()
    client.force_login(User.objects.get(username="admin"))
    detail = client.get(reverse("evaluation:round_detail", args=[round_obj.pk])).content.decode()
    assert _rows(detail) == ROWS and "第 1 / " in detail and "下一页" in detail
    assert f"共 {round_obj.evaluations.count()} 所学校" in detail

    assign_url = reverse("evaluation:panel_assign", args=[round_obj.pk])
    assign = client.get(assign_url + "?stage=primary&q=区").content.decode()
    assert _rows(assign) == ROWS
    assert "stage=primary&amp;q=%E5%8C%BA&amp;page=2" in assign
    second = client.get(assign_url + "?stage=primary&q=区&page=2").content.decode()
    assert "上一页" in second and "stage=primary&amp;q=%E5%8C%BA&amp;page=1" in second

    card = Evaluation.objects.filter(round=round_obj).first().scorecards.first()
    client.force_login(card.inspector)
    home = client.get(reverse("evaluation:inspector_home")).content.decode()
    assert home.count('class="btn btn-sm btn-primary"') == ROWS
    assert f"共 {card.inspector.scorecards.count()} 项评估任务" in home and "下一页" in home
