"""督导评估意见书: the PDF read back (text, A4, embedded font), its download, the CLI and the batch ZIP."""

import io
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime, timezone

import pdfplumber
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from evaluation.models import Evaluation, Round
from reports import tasks
from reports.models import ExportJob
from reports.pdf import opinion_pdf
from reports.selectors import evaluation_totals, opinion_document
from tests import factories as f
from tests.hostile import strings
from tests.reports.conftest import give_scores, half

PRINTED = datetime(2026, 11, 3, 9, 30, tzinfo=timezone.utc)


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def _pages(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_text() or "" for page in doc.pages]


@pytest.fixture
def written(scored):
    Round.objects.filter(pk=scored.round.pk).update(pass_mark="90", starts_on=date(2026, 10, 12),
                                                  ends_on=date(2026, 10, 14))
    f.opinion(scored.evaluation, overall="办学理念先进，管理规范。", strengths="课程特色鲜明。",
              problems="评价机制有待完善。", suggestions="建立过程性评价台账。",
              dimension_notes={"A3": "课程体系完整", "A6": "家校共育成效明显"})
    return scored


@pytest.fixture
def pdf(written):
    return opinion_pdf(opinion_document(evaluation=written.evaluation), generated_at=PRINTED)


def test_the_document_has_every_part(written, pdf):
    text = _text(pdf)
    for expected in ("督导评估意见书", "2026年度新优质学校评估", "雁塔区第一小学", written.school.code, "雁塔区",
                     "2026年10月12日", "2026年10月14日", "组长：李组长", "成员：张专家",
                     "总体评价", "办学理念先进，管理规范。", "主要优势与特色", "课程特色鲜明。", "存在问题",
                     "评价机制有待完善。", "改进建议", "建立过程性评价台账。", "分项意见", "课程体系完整",
                     "家校共育成效明显", "专家组组长（签字）", "专家组成员（签字）", "日期", "2026-11-03"):
        assert expected in text, expected
    assert "暂定" not in text


def test_the_visit_window_of_the_round_wins_over_its_own_dates(written):
    """现场评估时间 (the round's visit window, set for a 申报 round) is what the document prints."""
    Round.objects.filter(pk=written.round.pk).update(visit_starts_on=date(2026, 10, 20), visit_ends_on=date(2026, 10, 21))
    text = _text(opinion_pdf(opinion_document(evaluation=Evaluation.objects.get(pk=written.evaluation.pk)),
                             generated_at=PRINTED))
    assert "2026年10月20日" in text and "2026年10月21日" in text
    assert "2026年10月12日" not in text


def test_the_score_table_comes_from_the_totals_rule(written, pdf):
    text = _text(pdf)
    totals = evaluation_totals(evaluation=written.evaluation)
    assert str(totals.total) == "99.50"
    assert re.search(r"总分\s+100\s+99\.50", text), text
    for dim in totals.tree.dimensions:
        assert f"{dim.code} {dim.name}" in text
        assert str(totals.dimensions[dim.code]) in text
    assert "认定分数线：90.00 分；本校总分 99.50 分，达到认定分数线" in text


def test_a_school_below_the_pass_mark_says_so(written):
    f.opinion(written.other_evaluation)
    text = _text(opinion_pdf(opinion_document(evaluation=written.other_evaluation)))
    assert "本校总分 50.00 分，未达到认定分数线" in text


def test_it_is_a4_with_the_cjk_font_embedded(pdf, tmp_path):
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    assert round(page.mediabox.width) == 595 and round(page.mediabox.height) == 842
    fonts = set()
    for p in reader.pages:
        for font in (p["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            if descriptor is not None:
                descriptor = descriptor.get_object()
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts.add((str(font.get("/BaseFont")), embedded))
    assert any("WenQuanYi" in name and embedded for name, embedded in fonts), fonts
    if shutil.which("pdffonts"):
        path = tmp_path / "o.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        lines = [line for line in out.splitlines() if "WenQuanYi" in line]
        assert lines and all(" yes " in line for line in lines), out


def test_an_unfinalized_evaluation_prints_provisional_on_every_page(world):
    give_scores(world.evaluation, half, finalize=False)
    f.opinion(world.evaluation, overall="长" * 4000, problems="问" * 4000)
    pages = _pages(opinion_pdf(opinion_document(evaluation=world.evaluation)))
    assert len(pages) > 1
    assert all("暂定" in text for text in pages)
    assert "本意见书为草稿" in pages[0]


def test_a_missing_opinion_is_marked_not_invented(scored):
    text = _text(opinion_pdf(opinion_document(evaluation=scored.evaluation)))
    assert text.count("（尚未填写）") == 4
    assert "分项意见" not in text


# Characters beyond the BMP (𠮷) have no glyph in the deployment's CJK font (WenQuanYi): WeasyPrint prints
# a placeholder and the page's text layer is lost, on every PDF of the product (a font matter, not this one's).
@pytest.mark.parametrize("text", [s for s in strings() if all(ord(c) <= 0xFFFF for c in s)])
def test_hostile_text_prints_literally(written, text):
    clean = text.replace("\x00", "")
    f.opinion(written.evaluation, overall=clean)
    Evaluation.objects.get(pk=written.evaluation.pk).school.__class__.objects.filter(
        pk=written.school.pk).update(name=clean[:100] or "x")
    pdf = opinion_pdf(opinion_document(evaluation=written.evaluation))
    out = _text(pdf)
    assert "督导评估意见书" in out
    visible = "".join(c for c in clean if c.isprintable() and c not in "\ufeff\u200b\u202e")
    probe = visible.strip()[:12]
    if probe and not any(c in probe for c in "\t"):
        # Printed as typed, in logical order: a bidi override does not turn rtl…exe.pdf into …fdp.exe.
        assert probe.replace(" ", "") in out.replace(" ", "").replace("\n", ""), (probe, out[:400])


def test_download_access_and_audit(written, login):
    url = reverse("reports:opinion_pdf", args=[written.evaluation.pk])
    expected = {"admin": 200, "lead": 200, "official": 200, "city_official": 200, "alice": 403, "bob": 404,
                "other_official": 404, "nobody": 404, "security_admin": 404, "auditor": 404,
                "unscoped_official": 404}
    for who, status in expected.items():
        assert login(getattr(written, who)).get(url).status_code == status, who
    response = login(written.official).get(url)
    assert response["Content-Type"] == "application/pdf"
    assert "%E7%9D%A3%E5%AF%BC" in response["Content-Disposition"]  # 督导…
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(event="export.pdf", user=written.official, detail__kind="opinion").exists()
    assert login(written.official).post(url).status_code == 405


def test_the_lead_loses_the_document_with_the_inspector_role(written, login):
    written.lead.groups.clear()
    assert login(written.lead).get(reverse("reports:opinion_pdf", args=[written.evaluation.pk])).status_code == 404


def test_pages_link_to_the_document(written, login):
    url = reverse("reports:opinion_pdf", args=[written.evaluation.pk])
    assert url in login(written.official).get(reverse("reports:school_report", args=[written.evaluation.pk])).content.decode()
    assert url in login(written.lead).get(reverse("evaluation:evaluation_detail", args=[written.evaluation.pk])).content.decode()


# ---------------------------------------------------------------- CLI


def test_the_command_writes_the_document(written, tmp_path, capsys):
    out = tmp_path / "意见书.pdf"
    call_command("opinion_pdf", "--round", written.round.name, "--school", written.school.code, "-o", str(out))
    assert "办学理念先进" in _text(out.read_bytes())
    assert "已定稿" in capsys.readouterr().out


def test_the_command_refuses_an_unknown_school_or_round(written, tmp_path):
    with pytest.raises(CommandError, match="没有学校代码"):
        call_command("opinion_pdf", "--round", written.round.name, "--school", "NOPE", "-o", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="找不到评估批次"):
        call_command("opinion_pdf", "--round", "不存在", "--school", written.school.code, "-o", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


# ---------------------------------------------------------------- batch export


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


def _zip(job):
    job.refresh_from_db()
    with job.file.open("rb") as fh:
        return zipfile.ZipFile(io.BytesIO(fh.read()))


def test_the_batch_export_adds_each_schools_document_when_asked(written, media, login,
                                                                  django_capture_on_commit_callbacks):
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):
            response = login(written.admin).post(reverse("reports:export_start"),
                                                 {"round": written.round.pk, "opinions": "1"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.include_opinions
    archive = _zip(job)
    code, other = written.school.code, written.other_school.code
    assert sorted(archive.namelist()) == sorted([
        f"{code}-雁塔区第一小学.pdf", f"{code}-雁塔区第一小学-督导评估意见书.pdf",
        f"{other}-碑林区第一小学.pdf", f"{other}-碑林区第一小学-督导评估意见书.pdf",
    ])
    assert "办学理念先进" in _text(archive.read(f"{code}-雁塔区第一小学-督导评估意见书.pdf"))
    assert "督导评估意见书" in login(written.admin).get(reverse("reports:export_detail", args=[job.pk])).content.decode()
    assert not list((media / "exports" / "parts").rglob("*.pdf"))  # parts cleaned up


def test_the_batch_export_without_the_option_is_unchanged(written, media):
    job = ExportJob.objects.create(round=written.round, requested_by=written.admin, total=1)
    tasks.export_scoresheets.call(job.pk, [written.evaluation.pk])
    assert not any("意见书" in n for n in _zip(job).namelist())


def test_document_entry_names_never_carry_paths(written, media, monkeypatch):
    monkeypatch.setattr(tasks, "scoresheet_pdf", lambda totals, **kw: b"%PDF-1.4\n%%EOF\n")
    monkeypatch.setattr(tasks, "opinion_pdf", lambda doc, **kw: b"%PDF-1.4\n%%EOF\n")
    names = []
    for text in strings("path_traversal", "control_and_noncharacters"):
        type(written.school).objects.filter(pk=written.school.pk).update(name=text.replace("\0", ""))
        job = ExportJob.objects.create(round=written.round, requested_by=written.admin, total=1, include_opinions=True)
        tasks.export_scoresheets.call(job.pk, [written.evaluation.pk])
        names += _zip(job).namelist()
    assert f"{written.school.code}-a_._._._x_zipslip-督导评估意见书.pdf" in names
    for name in names:
        assert "/" not in name and "\\" not in name and ".." not in name, name
        assert not any(ord(c) < 32 or c in "\u202e\ufeff\u200b\ufffe\uffff" for c in name), name
