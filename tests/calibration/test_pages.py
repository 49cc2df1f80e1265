"""The calibration pages: report, own results, the case's material (anonymized), hostile text in HTML and xlsx."""

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse

from audit.models import AuditEvent
from calibration import services
from evaluation.models import Evidence
from rubric.models import Element
from tests.calibration.helpers import card_of, make_case, score
from tests.hostile import strings
from tests.selfassessment.conftest import PDF

FORMULA_STARTS = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r", "\n")


@pytest.fixture
def case(world):
    case = make_case(world, title="案例乙", description="观察课堂与档案。", inspectors=[world.alice, world.bob])
    services.reference_save(case=case, values={"C1": "1", "C2": "0.5"}, by=world.admin)
    score(card_of(case, world.alice), {"C1": "0.5"}, rest="0", submit=True)
    score(card_of(case, world.bob), {"C1": "1"}, rest="1", submit=True)
    return case


def test_report_page_and_workbook_agree(world, case, login):
    client = login(world.admin)
    html = client.get(reverse("calibration:report", args=[case.pk])).content.decode()
    # alice: C1 −0.5, C2 −0.5 → MAD 0.50, leniency −0.50; bob: 0, +0.5 → MAD 0.25, leniency 0.25
    assert "0.50" in html and "-0.50" in html and "0.25" in html
    assert AuditEvent.objects.filter(event="calibration.report").exists()
    ws = openpyxl.load_workbook(io.BytesIO(client.get(reverse("calibration:report_download", args=[case.pk])).content))
    summary = {r[1]: r for r in ws["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary["alice"][3:6] == (2, 0.5, -0.5) and summary["bob"][3:6] == (2, 0.25, 0.25)
    assert ws["要素偏差"].max_row == 2 + 84 * 2


def test_an_inspector_sees_their_own_summary_only(world, case, login):
    html = login(world.alice).get(reverse("calibration:mine")).content.decode()
    assert "案例乙" in html and "0.50" in html and "0.25" not in html
    assert login(world.alice).get(reverse("calibration:report", args=[case.pk])).status_code == 403


def test_material_of_an_anonymized_case_hides_names(world, login):
    evidence = Evidence.objects.create(
        scorecard=world.evaluation.scorecards.get(inspector=world.alice),
        element=Element.objects.get(version=world.version, code="C1"), file=ContentFile(PDF, name="m.pdf"),
        original_name="雁塔区第一小学自评.pdf", content_type="application/pdf", size=len(PDF), sha256="1" * 64,
        uploaded_by=world.alice)
    case = make_case(world, title="匿名案例", anonymized=True, inspectors=[world.bob])
    client = login(world.bob)
    html = client.get(reverse("calibration:brief", args=[case.evaluation_id])).content.decode()
    assert "雁塔区第一小学" not in html and "材料 C1-1" in html
    response = client.get(reverse("calibration:material", args=[case.evaluation_id, evidence.pk]))
    assert response.status_code == 200 and "C1-" in response["Content-Disposition"]
    assert "雁塔" not in response["Content-Disposition"]
    assert login(world.lead).get(reverse("calibration:brief", args=[case.evaluation_id])).status_code == 404


def test_create_page(world, login):
    client = login(world.admin)
    response = client.post(reverse("calibration:create"), {"title": "案例丙", "round": world.round.pk,
                                                           "school_code": "nope"})
    assert response.status_code == 400 and "该批次中没有这所学校的评估" in response.content.decode()
    response = client.post(reverse("calibration:create"), {"title": "案例丙", "round": world.round.pk,
                                                           "school_code": world.school.code, "anonymized": "on"})
    assert response.status_code == 302


@pytest.mark.parametrize("text", strings("spreadsheet_formulas", "markup", "control_and_noncharacters", "names"))
def test_hostile_text_is_inert_in_the_report_html_and_xlsx(world, login, text):
    clean = text.replace("\x00", "")
    get_user_model().objects.filter(pk=world.alice.pk).update(name=clean[:50] or "x")
    title = ("案例" + clean)[:100]
    case = make_case(world, title=title, description=clean, inspectors=[world.alice])
    services.reference_save(case=case, values={"C1": "1"}, by=world.admin)
    score(card_of(case, world.alice), {"C1": "0.5"}, rest="0", submit=True)
    client = login(world.admin)
    for name in ("report", "detail"):
        html = client.get(reverse(f"calibration:{name}", args=[case.pk])).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html.lower()
    brief = login(world.alice).get(reverse("calibration:brief", args=[case.evaluation_id])).content.decode()
    assert "<script>alert" not in brief
    mine = login(world.alice).get(reverse("calibration:mine")).content.decode()
    assert "<script>alert" not in mine
    client = login(world.admin)
    wb = openpyxl.load_workbook(io.BytesIO(client.get(reverse("calibration:report_download", args=[case.pk])).content))
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str):
                    assert not value.startswith(FORMULA_STARTS), value


def test_uploaded_case_files_reach_the_inspectors_and_bad_files_are_refused(world, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from calibration.models import CaseFile

    case = make_case(world, title="案例丁", anonymized=True, inspectors=[world.alice])
    client = login(world.admin)
    response = client.post(reverse("calibration:file_add", args=[case.pk]),
                           {"file": SimpleUploadedFile("雁塔区第一小学.exe", b"MZ\x90\x00binary")})
    assert response.status_code == 400 and not CaseFile.objects.exists()
    response = client.post(reverse("calibration:file_add", args=[case.pk]),
                           {"file": SimpleUploadedFile("雁塔区第一小学.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 302
    assert "雁塔区第一小学.pdf" in client.get(response["Location"]).content.decode()  # the admin sees the real name
    row = CaseFile.objects.get()
    alice = login(world.alice)
    html = alice.get(reverse("calibration:brief", args=[case.evaluation_id])).content.decode()
    assert "材料 M-1" in html and "雁塔区第一小学" not in html
    response = alice.get(reverse("calibration:case_file", args=[case.evaluation_id, row.pk]))
    assert response.status_code == 200 and "雁塔" not in response["Content-Disposition"]
    assert login(world.bob).get(reverse("calibration:case_file", args=[case.evaluation_id, row.pk])).status_code == 404


def test_the_schools_self_assessment_files_are_material_too(world, login):
    from selfassessment.models import SelfAssessment, SelfEvidence
    from tests.selfassessment.conftest import admitted_on_panel

    admitted_on_panel(world, status=SelfAssessment.Status.RECOMMENDED)
    case = make_case(world, title="案例己", inspectors=[world.alice])
    own = SelfEvidence.objects.filter(element__code="C2").get()
    client = login(world.alice)
    html = client.get(reverse("calibration:brief", args=[case.evaluation_id])).content.decode()
    assert "C2材料0.pdf" in html and "学校自评材料" in html
    assert client.get(reverse("calibration:self_file", args=[case.evaluation_id, own.pk])).status_code == 200
    assert login(world.bob).get(reverse("calibration:self_file", args=[case.evaluation_id, own.pk])).status_code == 404
