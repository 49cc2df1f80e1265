"""Evidence uploads: content-checked types, size limit, server names, SHA-256, guarded download."""

import hashlib
import io
import os
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from PIL import Image

from audit.models import AuditEvent
from evaluation import services
from evaluation.models import Evidence
from tests.cfb import compound_file
from tests.evaluation.conftest import elements

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png_bytes():
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def package(parts: dict, types: dict | None = None, defaults: dict | None = None) -> bytes:
    """A zip package; `types` are [Content_Types].xml overrides {part: content type}."""
    overrides = "".join(f'<Override PartName="/{p}" ContentType="{t}"/>' for p, t in (types or {}).items())
    default = "".join(f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in (defaults or {}).items())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", f'<Types xmlns="{CT_NS}">{default}{overrides}</Types>')
        for name, content in parts.items():
            z.writestr(name, content)
    return out.getvalue()


def docx_bytes(extra: dict | None = None, types: dict | None = None, defaults: dict | None = None):
    return package(
        {"word/document.xml": "<document/>", **(extra or {})},
        {"word/document.xml": DOCX_MAIN, **(types or {})},
        defaults,
    )


def xlsx_bytes():
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    "name,content,mime",
    [
        ("报告.pdf", PDF, "application/pdf"),
        ("照片.png", None, "image/png"),
        ("计划.docx", None, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("统计.xlsx", None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("旧文档.doc", None, "application/msword"),
        ("旧表格.xls", None, "application/vnd.ms-excel"),
    ],
)
def test_it_accepts_allowed_types_judged_by_content(world, alice_card, name, content, mime):
    content = content or {
        "照片.png": png_bytes, "计划.docx": docx_bytes, "统计.xlsx": xlsx_bytes,
        "旧文档.doc": lambda: compound_file({"WordDocument": b"\xec\xa5", "1Table": b"t"}),
        "旧表格.xls": lambda: compound_file({"Workbook": b"\x09\x08"}),
    }[name]()
    ev = services.evidence_add(scorecard=alice_card, element=elements(world.version)[0], upload=upload(name, content), by=world.alice)
    assert ev.content_type == mime and ev.original_name == name and ev.size == len(content)
    assert ev.sha256 == hashlib.sha256(content).hexdigest()
    assert name.rsplit(".", 1)[0] not in ev.file.name  # server-generated name, never the user's
    assert ev.file.name.startswith(f"evidence/{world.evaluation.pk}/")
    with ev.file.open("rb") as f:
        assert f.read() == content


@pytest.mark.parametrize(
    "name,content",
    [
        ("page.html", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("fake.pdf", b"<html><body>not a pdf</body></html>"),
        ("poly.gif", b"GIF89a<script>alert(1)</script>"),
        ("prog.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 200),
        ("elf.png", b"\x7fELF\x02\x01\x01" + b"\0" * 200),
        ("archive.docx", None),
        ("text.txt", "就是一段文字".encode()),
        ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
    ],
)
def test_it_rejects_html_polyglots_executables_and_fake_office_files(world, alice_card, name, content):
    if content is None:  # a zip renamed .docx: no [Content_Types].xml
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("word/document.xml", "<x/>")
        content = out.getvalue()
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        services.evidence_add(scorecard=alice_card, element=elements(world.version)[0], upload=upload(name, content), by=world.alice)
    assert not Evidence.objects.exists()


def test_it_rejects_files_over_the_size_limit(world, alice_card, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    big = upload("big.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError, match="超过大小上限 1 MB"):
        services.evidence_add(scorecard=alice_card, element=elements(world.version)[0], upload=big, by=world.alice)


def test_a_path_in_the_uploaded_name_is_not_used(world, alice_card):
    ev = services.evidence_add(
        scorecard=alice_card, element=elements(world.version)[0], upload=upload("../../etc/passwd.pdf", PDF), by=world.alice
    )
    assert ev.original_name == "passwd.pdf" and ".." not in ev.file.name


# ---------------------------------------------------------------- views

def test_upload_view_stores_and_audits(world, login, alice_card):
    c = login(world.alice)
    url = reverse("evaluation:evidence_upload", args=[alice_card.pk])
    response = c.post(url, {"element": "C2", "file": upload("会议记录.pdf", PDF)})
    assert response.status_code == 302 and response["Location"].endswith("#el-C2")
    ev = Evidence.objects.get()
    assert ev.element.code == "C2" and ev.uploaded_by == world.alice
    assert AuditEvent.objects.filter(event="evidence.upload", outcome="success").exists()
    response = c.post(url, {"element": "C2", "file": upload("x.html", b"<html></html>")}, follow=True)
    assert "C2：不支持的文件类型" in response.content.decode()


def test_upload_view_permissions(world, login, alice_card):
    url = reverse("evaluation:evidence_upload", args=[alice_card.pk])
    data = lambda: {"element": "C1", "file": upload("a.pdf", PDF)}  # noqa: E731
    assert login(world.bob).post(url, data()).status_code == 404
    assert login(world.lead).post(url, data()).status_code == 403
    assert login(world.official).post(url, data()).status_code == 403
    assert login(world.alice).get(url).status_code == 405
    assert not Evidence.objects.exists()


def test_download_is_an_attachment_with_nosniff_for_allowed_readers_only(world, login, alice_card):
    ev = services.evidence_add(scorecard=alice_card, element=elements(world.version)[0], upload=upload("报告.pdf", PDF), by=world.alice)
    url = reverse("evaluation:evidence_download", args=[ev.pk])
    for who in (world.alice, world.lead, world.official, world.city_official, world.admin):
        response = login(who).get(url)
        assert response.status_code == 200, who
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF
    assert login(world.bob).get(url).status_code == 404
    assert login(world.other_official).get(url).status_code == 404
    assert login(world.alice).post(url).status_code == 405
    assert AuditEvent.objects.filter(event="evidence.download").count() == 5


def test_delete_only_by_the_owner_while_draft(world, login, alice_card, django_capture_on_commit_callbacks):
    ev = services.evidence_add(scorecard=alice_card, element=elements(world.version)[0], upload=upload("a.pdf", PDF), by=world.alice)
    path = ev.file.path
    url = reverse("evaluation:evidence_delete", args=[ev.pk])
    assert login(world.bob).post(url).status_code == 404
    assert login(world.lead).post(url).status_code == 403
    assert login(world.admin).post(url).status_code == 403
    assert login(world.alice).get(url).status_code == 405
    alice_card.status = "submitted"
    alice_card.save()
    assert login(world.alice).post(url).status_code == 403
    alice_card.status = "draft"
    alice_card.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert login(world.alice).post(url).status_code == 302
    assert not Evidence.objects.exists() and not os.path.exists(path)
    assert AuditEvent.objects.filter(event="evidence.delete").exists()


def test_the_pages_single_upload_form_names_the_file_per_element(world, login, alice_card):
    c = login(world.alice)
    response = c.post(
        reverse("evaluation:evidence_upload", args=[alice_card.pk]),
        {"element": "C5", "file_C5": upload("照片.png", png_bytes())},
    )
    assert response.status_code == 302
    ev = Evidence.objects.get()
    assert ev.element.code == "C5" and ev.content_type == "image/png"
    html = c.get(reverse("evaluation:scorecard", args=[alice_card.pk])).content.decode()
    assert f'formaction="/evaluation/evidence/{ev.pk}/delete/"' in html
    assert f'href="/evaluation/evidence/{ev.pk}/"' in html and 'name="file_C5" form="evup"' in html


def test_an_upload_without_a_file_is_refused(world, login, alice_card):
    response = login(world.alice).post(reverse("evaluation:evidence_upload", args=[alice_card.pk]), {"element": "C5"}, follow=True)
    assert "C5：请选择文件" in response.content.decode()
    assert not Evidence.objects.exists()


def test_it_rejects_macro_enabled_office_files(world, alice_card):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
        z.writestr("word/vbaProject.bin", b"\0" * 10)
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        services.evidence_add(
            scorecard=alice_card, element=elements(world.version)[0], upload=upload("宏.docx", out.getvalue()), by=world.alice
        )


# ---------------------------------------------------------------- the hostile probe (issue 12)

XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def png_with_text(text: str) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _refused(world, card, name, content):
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        services.evidence_add(scorecard=card, element=elements(world.version)[0], upload=upload(name, content), by=world.alice)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    "name,content",
    [
        ("after8k.png", lambda: png_bytes() + b"\0" * 9000 + HTML),  # appended after the image's end
        ("intext.png", lambda: png_with_text("x" * 9000 + HTML.decode())),  # inside a valid text chunk
        ("after8k.pdf", lambda: PDF[:-6] + b"%" + b"x" * 9000 + b"\n" + HTML + b"\n%%EOF\n"),
        ("tail.pdf", lambda: PDF + b"\0" * 9000 + HTML),
        ("js.pdf", lambda: PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")),
        ("jar.png", lambda: png_bytes() + docx_bytes()),  # an image that is also a ZIP
    ],
)
def test_markup_or_a_second_file_anywhere_in_an_image_or_pdf_is_refused(world, alice_card, name, content):
    _refused(world, alice_card, name, content())


def test_an_msi_with_pe_bytes_named_and_typed_as_word_is_refused(world, alice_card):
    msi = compound_file({"\u4840\u3f3f\u4577\u446c\u3b6a": b"MZ\x90\x00" + b"\0" * 60 + b"PE\0\0" + b"\0" * 100,
                         "\u0005SummaryInformation": b"\xfe\xff"})
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        services.evidence_add(
            scorecard=alice_card, element=elements(world.version)[0],
            upload=upload("说明.doc", msi, "application/msword"), by=world.alice,
        )
    _refused(world, alice_card, "bare.doc", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600)  # not a readable compound file


@pytest.mark.parametrize(
    "streams",
    [
        {"Workbook": b"\x09\x08", "_VBA_PROJECT_CUR/PROJECT": b"ID=", "_VBA_PROJECT_CUR/VBA/dir": b"\x01"},
        {"WordDocument": b"\xec\xa5", "1Table": b"t", "Macros/VBA/dir": b"\x01", "Macros/PROJECT": b"ID="},
        {"WordDocument": b"\xec\xa5", "Workbook": b"\x09\x08"},  # both at once: which is it?
    ],
)
def test_ole_files_with_vba_streams_or_no_single_main_stream_are_refused(world, alice_card, streams):
    _refused(world, alice_card, "宏.xls", compound_file(streams))


def test_an_ole_file_gets_the_extension_of_its_streams_not_of_its_name(world, alice_card):
    ev = services.evidence_add(
        scorecard=alice_card, element=elements(world.version)[0],
        upload=upload("表格.doc", compound_file({"Workbook": b"\x09\x08"})), by=world.alice,
    )
    assert ev.content_type == "application/vnd.ms-excel" and ev.file.name.endswith(".xls")


@pytest.mark.parametrize(
    "content",
    [
        # .docm: main part declared macro-enabled, the VBA part under an innocent name but declared in [Content_Types].xml
        lambda: package({"word/document.xml": "<d/>", "word/media/logo.dat": b"\0" * 10},
                        {"word/document.xml": "application/vnd.ms-word.document.macroEnabled.main+xml",
                         "word/media/logo.dat": "application/vnd.ms-office.vbaProject"}),
        lambda: docx_bytes({"word/media/logo.dat": b"\0" * 10}, {"word/media/logo.dat": "application/vnd.ms-office.vbaProject"}),
        lambda: docx_bytes({"word/media/a.bin": b"\0"}, defaults={"bin": "application/vnd.ms-office.vbaProject"}),
        lambda: docx_bytes({"word/vbaData.xml": "<x/>"}),
        # .xlsm with an Excel 4 macro sheet
        lambda: package({"xl/workbook.xml": "<w/>", "xl/macrosheets/sheet1.xml": "<m/>"}, {"xl/workbook.xml": XLSX_MAIN}),
        # a JAR that also holds word/document.xml
        lambda: docx_bytes({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\nMain-Class: Evil\n", "Evil.class": b"\xca\xfe\xba\xbe"}),
        lambda: docx_bytes({"Evil.class": b"\xca\xfe\xba\xbe"}),
        # a document that is also a workbook, and one with a page inside
        lambda: docx_bytes({"xl/workbook.xml": "<w/>"}, {"xl/workbook.xml": XLSX_MAIN}),
        lambda: docx_bytes({"word/page.html": HTML}),
        lambda: docx_bytes({"word/activeX/activeX1.xml": "<ax/>"}),
        # main part not declared as a document at all
        lambda: package({"word/document.xml": "<d/>"}),
    ],
)
def test_macro_enabled_or_polyglot_office_packages_are_refused(world, alice_card, content):
    _refused(world, alice_card, "文档.docx", content())


def test_an_office_package_that_inflates_too_far_is_refused(world, alice_card):
    _refused(world, alice_card, "炸弹.docx", docx_bytes({"word/media/big.bin": b"\0" * (60 * 1024 * 1024)}))


def test_the_download_is_named_with_the_detected_types_extension(world, login, alice_card):
    ev = services.evidence_add(
        scorecard=alice_card, element=elements(world.version)[0],
        upload=upload("rtl\u202eexe.html", PDF), by=world.alice,
    )
    assert ev.original_name == "rtl\u202eexe.html"
    response = login(world.alice).get(reverse("evaluation:evidence_download", args=[ev.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename=\"rtlexe.pdf\""
