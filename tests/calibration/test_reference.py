"""Reference scores: typed on the page (per-element step check, all or nothing) or imported from a workbook
(errors per cell in Chinese, formulas refused, nothing changed on error)."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from calibration import services
from calibration.models import CalibrationCase, ReferenceScore
from evaluation.models import Round
from tests.calibration.helpers import make_case


def _refs(case):
    return {code: p for code, p in ReferenceScore.objects.filter(case=case).values_list("element__code", "points")}


def test_create_makes_a_calibration_round_and_refuses_a_taken_name(world):
    case = make_case(world, title="案例甲")
    assert case.round.kind == Round.Kind.CALIBRATION and case.evaluation.school == world.school
    assert case.round.rubric_version == world.round.rubric_version
    with pytest.raises(ValidationError) as exc:
        make_case(world, title="案例甲")
    assert "title" in exc.value.message_dict
    with pytest.raises(ValidationError):
        make_case(world, title=world.round.name)  # an assessment round's name is taken too
    assert CalibrationCase.objects.count() == 1


def test_reference_save_checks_every_element_and_is_all_or_nothing(world):
    case = make_case(world)
    services.reference_save(case=case, values={"C1": "1", "C2": "0.5"}, by=world.admin)
    with pytest.raises(ValidationError) as exc:
        services.reference_save(case=case, values={"C1": "0.5", "C2": "0.3", "C3": "5", "C4": "abc"}, by=world.admin)
    errors = exc.value.message_dict
    assert "不符合评分步长" in errors["C2"][0] and "超出标准分" in errors["C3"][0] and "不是有效的得分" in errors["C4"][0]
    assert _refs(case) == {"C1": Decimal("1.00"), "C2": Decimal("0.50")}  # unchanged
    services.reference_save(case=case, values={"C1": "", "C2": "0"}, by=world.admin)  # empty: no reference
    assert _refs(case) == {"C2": Decimal("0")}


def test_only_admins_write(world):
    case = make_case(world)
    from django.core.exceptions import PermissionDenied
    with pytest.raises(PermissionDenied):
        services.reference_save(case=case, values={"C1": "1"}, by=world.alice)
    with pytest.raises(PermissionDenied):
        services.calibration_create(title="x", source=world.evaluation, anonymized=False, by=world.city_official)


def test_the_page_shows_errors_at_each_row(world, login):
    case = make_case(world)
    client = login(world.admin)
    response = client.post(reverse("calibration:reference", args=[case.pk]), {"ref_C1": "1", "ref_C2": "0.3"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="ref-err-C2"' in html and "不符合评分步长" in html and 'value="0.3"' in html
    assert _refs(case) == {}
    response = client.post(reverse("calibration:reference", args=[case.pk]), {"ref_C1": "1", "ref_C2": "0.5"})
    assert response.status_code == 302 and _refs(case) == {"C1": Decimal("1.00"), "C2": Decimal("0.50")}


def _template(client, case):
    content = client.get(reverse("calibration:reference_download", args=[case.pk])).content
    wb = load_workbook(io.BytesIO(content))
    ws = wb.active
    rows = {str(ws.cell(r, 3).value).split()[0]: r for r in range(3, ws.max_row + 1) if ws.cell(r, 3).value}
    return wb, ws, rows


def _upload(client, case, wb):
    out = io.BytesIO()
    wb.save(out)
    f = SimpleUploadedFile("ref.xlsx", out.getvalue(),
                           content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return client.post(reverse("calibration:reference_import", args=[case.pk]), {"file": f})


def test_import_round_trip_and_cell_errors(world, login):
    case = make_case(world)
    services.reference_save(case=case, values={"C1": "0.5"}, by=world.admin)
    client = login(world.admin)
    wb, ws, rows = _template(client, case)
    assert ws.cell(rows["C1"], 6).value == Decimal("0.5") or str(ws.cell(rows["C1"], 6).value) in ("0.5", "0.50")
    ws.cell(rows["C2"], 6).value = "0.3"
    ws.cell(rows["C3"], 6).value = "=1"
    ws.cell(rows["C4"], 6).value = 1
    response = _upload(client, case, wb)
    assert response.status_code == 400
    html = response.content.decode()
    assert f"单元格 F{rows['C3']} 是公式" in html  # formulas are refused before anything else
    assert _refs(case) == {"C1": Decimal("0.50")}
    ws.cell(rows["C3"], 6).value = None
    response = _upload(client, case, wb)
    assert response.status_code == 400
    assert f"F{rows['C2']}：0.3 不符合评分步长" in response.content.decode()
    assert _refs(case) == {"C1": Decimal("0.50")}
    ws.cell(rows["C2"], 6).value = 0.5
    response = _upload(client, case, wb)
    assert response.status_code == 302
    assert _refs(case) == {"C1": Decimal("0.50"), "C2": Decimal("0.50"), "C4": Decimal("1.00")}


def test_import_refuses_a_file_that_is_not_a_workbook(world, login):
    case = make_case(world)
    response = login(world.admin).post(reverse("calibration:reference_import", args=[case.pk]),
                                       {"file": SimpleUploadedFile("x.xlsx", b"not a zip")})
    assert response.status_code == 400 and _refs(case) == {}
    assert 'id="import-errors"' in response.content.decode()


def test_members_join_without_panel_rules(world, login):
    case = make_case(world)
    response = login(world.admin).post(reverse("calibration:members", args=[case.pk]),
                                       {"inspectors": [world.alice.pk, world.bob.pk, world.lead.pk]})
    assert response.status_code == 302
    assert case.evaluation.scorecards.filter(is_lead=False).count() == 3
    with pytest.raises(ValidationError):
        services.calibration_members_add(case=case, inspectors=[world.city_official], by=world.admin)

