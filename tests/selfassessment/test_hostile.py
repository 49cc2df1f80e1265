"""Hostile input (tests/hostile.py) through the self-assessment's forms, uploads and outputs: refused with
a Chinese message and nothing changed, or stored as text and inert where shown."""

import io
import json
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from schools.models import School
from selfassessment.models import SelfAssessment, SelfEvidence, SelfScore
from tests.hostile import strings

from .conftest import PDF


def url(name, w, *args):
    return reverse(f"selfassessment:{name}", args=[w.sa_round.pk, *args])


def _save(client, w, data):
    return client.post(url("save", w), data, HTTP_ACCEPT="application/json")


@pytest.mark.parametrize("value", strings("numbers_as_text"))
def test_numbers_as_text_are_judged_like_an_inspectors_score(sa, login, value):
    response = _save(login(sa.school_user), sa, {"points_C1": value, "version_C1": "0"})
    row = SelfScore.objects.filter(element__code="C1").first()
    if response.status_code == 200:  # "１.５", " 1 ", "²" are numbers once normalized
        assert row is not None and 0 <= row.points <= sa.elements["C1"].points, value
    else:
        errors = response.json()["errors"]
        assert response.status_code == 400 and (errors.get("C1") or errors.get("_")), errors
        assert row is None


def test_a_megabyte_of_text_is_refused_at_the_field_and_nothing_changes(sa, login):
    c = login(sa.school_user)
    big = "长" * 1_000_000
    response = _save(c, sa, {"points_C1": "1", "note_C1": big, "version_C1": "0"})
    assert response.status_code == 400 and "自评说明不能超过 2000 字" in response.json()["errors"]["C1"]
    assert not SelfScore.objects.exists()
    c.post(url("report_save", sa), {"summary": "初稿", "version": "0"})
    response = c.post(url("report_save", sa), {"summary": big, "version": "1"}, follow=True)
    assert "自评报告不能超过 20000 字" in response.content.decode()
    assert SelfAssessment.objects.get().report_summary == "初稿"


def test_a_nul_anywhere_is_refused_at_the_door(sa, login):
    c = login(sa.school_user)
    assert _save(c, sa, {"points_C1": "1", "note_C1": "a\x00b", "version_C1": "0"}).status_code == 400
    assert c.post(url("report_save", sa), {"summary": "\x00", "version": "0"}).status_code == 400
    assert not SelfScore.objects.exists() and not SelfAssessment.objects.exists()


@pytest.mark.parametrize("name", strings("path_traversal") + ["报告\u202efdp.exe", "=HYPERLINK(1).pdf"])
def test_uploaded_file_names_never_become_paths(sa, login, name):
    c = login(sa.school_user)
    req = sa.requirements["C1"]
    c.post(url("evidence_upload", sa), {"slot": f"r{req.pk}", f"file_r{req.pk}": SimpleUploadedFile(name, PDF)})
    ev = SelfEvidence.objects.get()
    assert "/" not in ev.file.name.split("self_evidence/", 1)[1].split("/", 1)[1]
    assert ".." not in ev.file.name and ev.file.name.endswith(".pdf")
    response = c.get(reverse("selfassessment:evidence_download", args=[ev.pk]))
    disposition = unquote(response["Content-Disposition"])
    assert response.status_code == 200 and disposition.endswith('.pdf"') or disposition.endswith(".pdf")
    saved = disposition.split("filename", 1)[1]
    assert "/" not in saved and "\\" not in saved and "\u202e" not in saved and ".." not in saved


def test_hostile_school_names_in_the_status_outputs_and_workbook(sa, login):
    names = [n for n in strings("names", "spreadsheet_formulas", "markup") if n.strip() and "/" not in n
             and "\\" not in n and ".." not in n and "\n" not in n][:12]
    School.objects.filter(pk=sa.school.pk).update(name="=HYPERLINK(\"http://x\",\"点我\")")
    for n, name in enumerate(names):
        School.objects.create(code=f"H{n:03d}", name=name[:100], district=sa.district, stage="primary",
                              location="urban")
    out = io.StringIO()
    call_command("self_assessment_status", "--round", sa.sa_round.name, "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert {r["school_name"] for r in data["schools"]} >= {n[:100] for n in names}
    html = login(sa.city_official).get(reverse("selfassessment:status") + f"?round={sa.sa_round.pk}").content.decode()
    assert "<script>alert" not in html
    sa.school.refresh_from_db()
    sa.school_user.refresh_from_db()
    response = login(sa.school_user).get(url("xlsx_download", sa))
    title = load_workbook(io.BytesIO(response.content)).active["A1"].value
    assert title.startswith("'=")
