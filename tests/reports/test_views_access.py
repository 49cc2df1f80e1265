"""Who may open which results page or download (every view of the reports app)."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from reports.models import ExportJob

EVAL_VIEWS = ["reports:school_report", "reports:scoresheet_pdf", "reports:scoresheet_xlsx", "reports:report_pdf"]
ROUND_VIEWS = ["reports:ranking", "reports:dashboard", "reports:ranking_xlsx", "reports:district_xlsx"]


@pytest.mark.parametrize("name", ROUND_VIEWS)
def test_round_views_require_login(client, scored, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", EVAL_VIEWS)
def test_evaluation_views_require_login(client, scored, name):
    response = client.get(reverse(name, args=[scored.evaluation.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["official", "city_official", "admin"])
@pytest.mark.parametrize("name", ROUND_VIEWS)
def test_officials_and_admins_open_round_views(login, scored, who, name):
    response = login(getattr(scored, who)).get(reverse(name))
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["official", "city_official", "admin"])
@pytest.mark.parametrize("name", EVAL_VIEWS)
def test_officials_and_admins_open_their_school(login, scored, who, name):
    response = login(getattr(scored, who)).get(reverse(name, args=[scored.evaluation.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["lead", "alice", "bob", "nobody"])
@pytest.mark.parametrize("name", ROUND_VIEWS)
def test_inspectors_and_people_without_role_get_403_on_round_views(login, scored, who, name):
    assert login(getattr(scored, who)).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("who", ["lead", "alice", "nobody"])
@pytest.mark.parametrize("name", EVAL_VIEWS)
def test_inspectors_get_403_on_results_of_a_school(login, scored, who, name):
    assert login(getattr(scored, who)).get(reverse(name, args=[scored.evaluation.pk])).status_code == 403


@pytest.mark.parametrize("name", EVAL_VIEWS)
def test_official_of_another_district_gets_404(login, scored, name):
    response = login(scored.other_official).get(reverse(name, args=[scored.evaluation.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", EVAL_VIEWS)
def test_unknown_evaluation_is_404(login, scored, name):
    assert login(scored.admin).get(reverse(name, args=[999999])).status_code == 404


@pytest.mark.parametrize("name", EVAL_VIEWS)
def test_post_is_405_on_evaluation_views(login, scored, name):
    assert login(scored.official).post(reverse(name, args=[scored.evaluation.pk])).status_code == 405


@pytest.mark.parametrize("name", ROUND_VIEWS)
def test_post_is_405_on_round_views(login, scored, name):
    assert login(scored.official).post(reverse(name)).status_code == 405


def test_district_official_cannot_ask_for_another_districts_workbook(login, scored):
    url = reverse("reports:district_xlsx") + f"?district={scored.other_district.pk}"
    assert login(scored.official).get(url).status_code == 404


def test_district_official_sees_only_own_district_in_ranking(login, scored):
    html = login(scored.official).get(reverse("reports:ranking")).content.decode()
    assert "雁塔区第一小学" in html
    assert "碑林区第一小学" not in html


def test_district_official_tampering_with_district_filter_sees_nothing_of_others(login, scored):
    url = reverse("reports:ranking") + f"?district={scored.other_district.pk}"
    response = login(scored.official).get(url)
    assert response.status_code == 200
    assert "碑林区第一小学" not in response.content.decode()


def test_city_official_sees_all_districts(login, scored):
    html = login(scored.city_official).get(reverse("reports:ranking")).content.decode()
    assert "雁塔区第一小学" in html and "碑林区第一小学" in html


def test_downloads_are_audited(login, scored):
    client = login(scored.official)
    client.get(reverse("reports:scoresheet_pdf", args=[scored.evaluation.pk]))
    client.get(reverse("reports:scoresheet_xlsx", args=[scored.evaluation.pk]))
    client.get(reverse("reports:ranking_xlsx"))
    events = list(AuditEvent.objects.filter(user=scored.official).values_list("event", flat=True))
    assert events.count("export.pdf") == 1
    assert events.count("export.xlsx") == 2


# ------------------------------------------------------------------ batch export views


def test_export_start_requires_post(login, scored):
    assert login(scored.official).get(reverse("reports:export_start")).status_code == 405


def test_export_start_is_403_for_inspectors(login, scored):
    response = login(scored.lead).post(reverse("reports:export_start"), {"round": scored.round.pk})
    assert response.status_code == 403
    assert not ExportJob.objects.exists()


def test_export_start_requires_login(client, scored):
    response = client.post(reverse("reports:export_start"), {"round": scored.round.pk})
    assert response.status_code == 302
    assert not ExportJob.objects.exists()


def test_export_start_with_unknown_round_shows_error_and_creates_nothing(login, scored):
    response = login(scored.official).post(reverse("reports:export_start"), {"round": "x' OR 1=1 --"}, follow=True)
    assert response.status_code == 200
    assert "找不到评估批次" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_export_start_refuses_an_overlong_round_in_chinese_without_echoing_it(login, scored):
    """The round comes through a form (reports.forms.ExportStartForm): 1 MB of text is refused
    by its length, not looked up and repeated back into the message."""
    long_text = "x" * 1_000_000  # under the 2.5 MB request limit, so the view itself answers
    response = login(scored.official).post(reverse("reports:export_start"), {"round": long_text}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "评估批次编号或名称不能超过 200 字。" in page and "找不到评估批次" not in page
    assert len(page) < 200_000
    assert not ExportJob.objects.exists()


def test_the_export_form_resolves_the_round_by_id_name_or_default(scored):
    from reports.forms import ExportStartForm

    for value in (str(scored.round.pk), scored.round.name, ""):
        form = ExportStartForm({"round": value})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["round"] == scored.round
    form = ExportStartForm({"round": "2099年度"})
    assert not form.is_valid()
    assert form.errors["round"] == ["找不到评估批次“2099年度”（可填写批次编号或名称）。"]


def _job(scored, user):
    return ExportJob.objects.create(round=scored.round, requested_by=user, total=1)


@pytest.mark.parametrize("name", ["reports:export_detail", "reports:export_status", "reports:export_download"])
def test_export_pages_are_404_for_other_officials(login, scored, name):
    job = _job(scored, scored.official)
    assert login(scored.city_official).get(reverse(name, args=[job.pk])).status_code == 404


@pytest.mark.parametrize("name", ["reports:export_detail", "reports:export_status"])
def test_export_pages_open_for_requester_and_admin(login, scored, name):
    job = _job(scored, scored.official)
    assert login(scored.official).get(reverse(name, args=[job.pk])).status_code == 200
    assert login(scored.admin).get(reverse(name, args=[job.pk])).status_code == 200


@pytest.mark.parametrize("name", ["reports:export_detail", "reports:export_status", "reports:export_download"])
def test_export_pages_are_403_for_inspectors(login, scored, name):
    job = _job(scored, scored.official)
    assert login(scored.lead).get(reverse(name, args=[job.pk])).status_code == 403


@pytest.mark.parametrize("name", ["reports:export_detail", "reports:export_status", "reports:export_download"])
def test_export_pages_are_405_on_post(login, scored, name):
    job = _job(scored, scored.official)
    assert login(scored.official).post(reverse(name, args=[job.pk])).status_code == 405


def test_unfinished_export_cannot_be_downloaded(login, scored):
    job = _job(scored, scored.official)
    assert login(scored.official).get(reverse("reports:export_download", args=[job.pk])).status_code == 404
