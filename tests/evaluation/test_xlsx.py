"""Offline path: download the official layout, fill it, upload it back; import_scorecard command."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from evaluation import services
from evaluation.models import Score, Transition
from tests.evaluation.conftest import elements


def download(client, card):
    response = client.get(reverse("evaluation:scorecard_download", args=[card.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return load_workbook(io.BytesIO(response.content))


def as_upload(wb, name="评分表.xlsx"):
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = name
    return out


def test_the_download_has_the_official_columns_and_every_element(world, login, alice_card):
    services.score_save(scorecard=alice_card, element=elements(world.version)[0], points="0.5", note="已核", version=0, by=world.alice)
    ws = download(login(world.alice), alice_card).active
    assert [c.value for c in ws[2]] == ["一级指标", "二级指标", "评估要素", "标准分", "评估方法", "得分", "备注"]
    codes = [str(ws.cell(row=r, column=3).value).split()[0] for r in range(3, 3 + 84)]
    assert codes == [e.code for e in elements(world.version)]
    assert Decimal(str(ws["F3"].value)) == Decimal("0.5") and ws["G3"].value == "已核"
    assert ws["A3"].value.startswith("A1") and ws["E3"].value
    assert "雁塔区第一小学" in ws["A1"].value
    assert AuditEvent.objects.filter(event="scorecard.download", user=world.alice).exists()


def test_download_permissions(world, login, alice_card):
    url = reverse("evaluation:scorecard_download", args=[alice_card.pk])
    assert login(world.bob).get(url).status_code == 404
    assert login(world.other_official).get(url).status_code == 404
    assert login(world.official).get(url).status_code == 200
    assert login(world.alice).post(url).status_code == 405


def test_a_filled_file_uploads_back(world, login, alice_card):
    c = login(world.alice)
    wb = download(c, alice_card)
    ws = wb.active
    for r in range(3, 3 + 84):
        ws.cell(row=r, column=6, value=1 if r % 2 else 0.5)
    ws["G4"] = "离线填写"
    response = c.post(reverse("evaluation:scorecard_upload", args=[alice_card.pk]), {"file": as_upload(wb)})
    assert response.status_code == 302
    scores = {s.element.code: s for s in Score.objects.filter(scorecard=alice_card).select_related("element")}
    assert len(scores) == 84 and scores["C1"].points == Decimal("1") and scores["C2"].points == Decimal("0.5")
    assert scores["C2"].note == "离线填写"
    assert Transition.objects.filter(scorecard=alice_card, action="import").exists()
    assert AuditEvent.objects.filter(event="scorecard.upload", outcome="success").exists()


def test_an_invalid_file_is_refused_whole_with_errors_by_cell(world, login, alice_card):
    c = login(world.alice)
    services.score_save(scorecard=alice_card, element=elements(world.version)[0], points="1", note="", version=0, by=world.alice)
    wb = download(c, alice_card)
    ws = wb.active
    ws["F3"] = 0  # valid change that must not be saved either
    two = next(r for r in range(3, 87) if ws.cell(row=r, column=4).value == 2)
    ws.cell(row=two, column=6, value=2.5)
    ws["F5"] = 0.3
    ws["F6"] = "好"
    ws["C7"] = "X9 不存在"
    ws["F7"] = 1
    response = c.post(reverse("evaluation:scorecard_upload", args=[alice_card.pk]), {"file": as_upload(wb)})
    assert response.status_code == 400
    text = response.content.decode()
    assert f"F{two}：2.5 超出标准分 2" in text
    assert "F5：0.3 不符合评分步长" in text and "F6：" in text and "C7：" in text
    assert Score.objects.get(scorecard=alice_card).points == Decimal("1.00")  # nothing saved


def test_a_non_xlsx_file_is_refused(world, login, alice_card):
    f = io.BytesIO(b"not a workbook")
    f.name = "x.xlsx"
    response = login(world.alice).post(reverse("evaluation:scorecard_upload", args=[alice_card.pk]), {"file": f})
    assert response.status_code == 400 and "文件无法读取" in response.content.decode()


def test_upload_permissions(world, login, alice_card):
    url = reverse("evaluation:scorecard_upload", args=[alice_card.pk])
    assert login(world.bob).post(url).status_code == 404
    assert login(world.lead).post(url).status_code == 403
    assert login(world.official).post(url).status_code == 403
    assert login(world.alice).get(url).status_code == 405


# ---------------------------------------------------------------- the command

def _filled_file(tmp_path, client, card, value=1):
    wb = download(client, card)
    for r in range(3, 3 + 84):
        wb.active.cell(row=r, column=6, value=value)
    path = tmp_path / "sheet.xlsx"
    wb.save(path)
    return path, wb


def test_import_scorecard_command_saves_a_valid_file(world, login, alice_card, tmp_path):
    path, _wb = _filled_file(tmp_path, login(world.alice), alice_card)
    out = io.StringIO()
    call_command("import_scorecard", str(path), school=world.school.code, inspector="alice", stdout=out)
    assert "已导入 84 项得分" in out.getvalue()
    assert Score.objects.filter(scorecard=alice_card, points=1).count() == 84


def test_import_scorecard_command_refuses_and_prints_cell_errors(world, login, alice_card, tmp_path):
    path, wb = _filled_file(tmp_path, login(world.alice), alice_card, value=9)
    err = io.StringIO()
    with pytest.raises(CommandError, match="没有保存任何得分"):
        call_command("import_scorecard", str(path), school=world.school.code, inspector="alice", round=world.round.name, stderr=err)
    assert "F3：9 超出标准分 1" in err.getvalue()
    assert not Score.objects.exists()


def test_import_scorecard_command_refusal_has_a_non_zero_exit_status(world, login, alice_card, tmp_path):
    path, _wb = _filled_file(tmp_path, login(world.alice), alice_card, value=9)
    with pytest.raises(CommandError) as exc:
        call_command("import_scorecard", str(path), school=world.school.code, inspector="alice", stderr=io.StringIO())
    assert exc.value.returncode != 0  # manage.py exits with this status


def test_import_scorecard_command_checks_membership(world, tmp_path):
    with pytest.raises(CommandError, match="不是学校"):
        call_command("import_scorecard", str(tmp_path / "x.xlsx"), school=world.school.code, inspector="bob")
    with pytest.raises(CommandError, match="找不到用户"):
        call_command("import_scorecard", str(tmp_path / "x.xlsx"), school=world.school.code, inspector="ghost")


def test_a_formula_like_note_is_text_in_the_download_and_survives_the_upload(world, login, alice_card):
    c1 = elements(world.version)[0]
    hostile = '=HYPERLINK("http://evil.example/","点我")'
    services.score_save(scorecard=alice_card, element=c1, points="0.5", note=hostile, version=0, by=world.alice)
    c = login(world.alice)
    wb = download(c, alice_card)
    ws = wb.active
    assert ws["G3"].data_type == "s" and ws["G3"].value == "'" + hostile
    response = c.post(reverse("evaluation:scorecard_upload", args=[alice_card.pk]), {"file": as_upload(wb)})
    assert response.status_code in (200, 302)
    assert Score.objects.get(scorecard=alice_card, element=c1).note == hostile


def test_a_note_with_a_pasted_control_character_still_downloads(world, login, alice_card):
    c1 = elements(world.version)[0]
    Score.objects.create(scorecard=alice_card, element=c1, points=Decimal("0.5"), note="查阅\x0b档案", version=1)
    ws = download(login(world.alice), alice_card).active
    assert ws["G3"].value == "查阅档案"
