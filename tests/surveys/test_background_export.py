"""The raw answers and the round comparison of 满意度问卷 over EXPORT_INLINE_MAX_ROWS rows: a background
job (reports.background) with the same workbook as the inline download; hostile open answers stay text."""

import pytest
from django.urls import reverse

from reports.models import ExportJob
from surveys import services
from tests.background_exports import background_equals_inline, cells, confirm_form, start
from tests.hostile import strings

from .conftest import NOW, service_data


@pytest.fixture
def answered(survey):
    texts = [s for s in strings("spreadsheet_formulas", "markup") if "\x00" not in s][:5]
    for code, text in zip(survey.codes, texts):
        services.response_submit(code=code, data=service_data(survey.parent, text=text), now=NOW)
    survey.texts = texts
    return survey


@pytest.mark.parametrize("who", ["admin", "lead"])
def test_the_raw_answers_as_a_job_equal_the_inline_workbook_and_stay_text(who, answered, login, settings,
                                                                           django_capture_on_commit_callbacks):
    url = reverse("surveys:answers_xlsx", kwargs={"pk": answered.campaign.pk})
    job, content = background_equals_inline(login(getattr(answered, who)), django_capture_on_commit_callbacks,
                                            settings, url)
    assert job.export_name == "survey_answers" and job.round == answered.round and job.total == len(answered.texts)
    all_cells = cells(content)
    assert not any(c.data_type == "f" for c in all_cells)
    assert any(isinstance(c.value, str) and c.value.startswith("'=") for c in all_cells)


def test_the_round_comparison_as_a_job(answered, login, settings, django_capture_on_commit_callbacks):
    url = reverse("surveys:results_xlsx", kwargs={"round_pk": answered.round.pk})
    job, _content = background_equals_inline(login(answered.city_official), django_capture_on_commit_callbacks,
                                             settings, url)
    assert job.export_name == "survey_results"


def test_an_official_may_not_start_the_raw_answers(answered, login, django_capture_on_commit_callbacks):
    response, job = start(login(answered.city_official), django_capture_on_commit_callbacks,
                          {"export": "survey_answers", "query": f"campaign={answered.campaign.pk}"})
    assert response.status_code == 403 and job is None


def test_an_inspector_who_left_the_panel_no_longer_downloads(answered, login, settings,
                                                             django_capture_on_commit_callbacks):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client = login(answered.alice)
    form = confirm_form(client.get(reverse("surveys:answers_xlsx", kwargs={"pk": answered.campaign.pk})))
    _response, job = start(client, django_capture_on_commit_callbacks, form)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    answered.evaluation.scorecards.filter(inspector=answered.alice).delete()
    assert login(answered.alice).get(reverse("reports:export_download", args=[job.pk])).status_code == 404
