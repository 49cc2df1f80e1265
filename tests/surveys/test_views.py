"""The signed-in pages: who sees which campaign, slips, results, exports."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from surveys import services
from surveys.models import Campaign, CodeBatch, ResponseCode

from .conftest import NOW, make_campaign, service_data


def detail(pk):
    return reverse("surveys:campaign_detail", kwargs={"pk": pk})


def _answered(survey, texts=("家长的意见",)):
    for code, text in zip(survey.codes, texts):
        services.response_submit(code=code, data=service_data(survey.parent, text=text), now=NOW)


def test_admin_creates_campaigns_for_every_school_of_the_round(login, world):
    qs = {q.group: q for q in services.questionnaire_defaults_install(rubric_version=world.version)}
    client = login(world.admin)
    assert client.get(reverse("surveys:campaign_create")).status_code == 200
    bad = client.post(reverse("surveys:campaign_create"), {"round": world.round.pk, "opens_at": "2026-11-01T08:00",
                                                           "closes_at": "2026-10-01T08:00"})
    assert bad.status_code == 400 and "截止时间须晚于开始时间" in bad.content.decode()
    assert Campaign.objects.count() == 0
    ok = client.post(reverse("surveys:campaign_create"), {
        "round": world.round.pk, "opens_at": "2026-11-01T08:00", "closes_at": "2026-11-30T18:00",
        "q_parent": qs["parent"].pk, "q_student": qs["student"].pk})
    assert ok.status_code == 302
    assert Campaign.objects.count() == 2
    assert login(world.official).get(reverse("surveys:campaign_create")).status_code == 403


def test_school_generates_slips_and_downloads_them_other_school_404(login, survey):
    client = login(survey.school_user)
    response = client.post(reverse("surveys:codes_generate", kwargs={"pk": survey.campaign.pk}),
                           {"group": survey.student.pk, "count": "3"})
    assert response.status_code == 302
    batch = CodeBatch.objects.get(group=survey.student)
    assert ResponseCode.objects.filter(group=survey.student).count() == 3
    pdf = client.get(reverse("surveys:batch_pdf", kwargs={"pk": batch.pk}))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    bad = client.post(reverse("surveys:codes_generate", kwargs={"pk": survey.campaign.pk}),
                      {"group": survey.student.pk, "count": "0"})
    assert bad.status_code == 400
    other = login(survey.other_school_user)
    assert other.get(reverse("surveys:batch_pdf", kwargs={"pk": batch.pk})).status_code == 404
    assert other.get(detail(survey.campaign.pk)).status_code == 404
    assert login(survey.official).get(reverse("surveys:batch_pdf", kwargs={"pk": batch.pk})).status_code == 403


def test_the_school_sees_its_aggregates_not_the_open_answers_the_panel_does(login, survey):
    _answered(survey, texts=("只给专家组看的意见",))
    school_page = login(survey.school_user).get(detail(survey.campaign.pk)).content.decode()
    assert "总体满意率" in school_page and "只给专家组看的意见" not in school_page
    official_page = login(survey.official).get(detail(survey.campaign.pk)).content.decode()
    assert "只给专家组看的意见" not in official_page
    for who in (survey.admin, survey.lead, survey.alice):
        assert "只给专家组看的意见" in login(who).get(detail(survey.campaign.pk)).content.decode()
    assert login(survey.bob).get(detail(survey.campaign.pk)).status_code == 404
    assert login(survey.other_official).get(detail(survey.campaign.pk)).status_code == 404
    assert login(survey.school_user).get(
        reverse("surveys:answers_xlsx", kwargs={"pk": survey.campaign.pk})).status_code == 403


def test_round_comparison_and_xlsx_in_scope(login, survey):
    _answered(survey)
    other = make_campaign(survey, school=survey.other_school, groups=("parent",))
    url = reverse("surveys:round_results", kwargs={"round_pk": survey.round.pk})
    page = login(survey.official).get(url).content.decode()
    assert "雁塔区第一小学" in page and "碑林区第一小学" not in page
    city = login(survey.city_official).get(url).content.decode()
    assert "碑林区第一小学" in city and other.pk
    xlsx = login(survey.city_official).get(reverse("surveys:results_xlsx", kwargs={"round_pk": survey.round.pk}))
    wb = load_workbook(io.BytesIO(xlsx.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    parent = next(r for r in rows if r[1] == "雁塔区第一小学" and r[2] == "家长")
    assert parent[3:6] == (6, 1, 0.1667) and parent[6] == 1.0
    assert login(survey.school_user).get(url).status_code == 403
