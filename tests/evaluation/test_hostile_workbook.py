"""Issue 12's probe against the offline workbook: non-characters, malformed files, inflate limit."""

import io
import zipfile
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from config.spreadsheet import cell_text
from evaluation import services
from evaluation.models import Score
from tests.evaluation.conftest import elements
from tests.hostile import strings


def _download(client, card):
    response = client.get(reverse("evaluation:scorecard_download", args=[card.pk]))
    assert response.status_code == 200
    return response.content


def _upload(client, card, data: bytes, name="评分表.xlsx"):
    out = io.BytesIO(data)
    out.name = name
    return client.post(reverse("evaluation:scorecard_upload", args=[card.pk]), {"file": out})


def test_non_characters_in_a_note_are_dropped_at_input(world, alice_card):
    c1, c2 = elements(world.version)[:2]
    services.score_save(scorecard=alice_card, element=c1, points="0.5", note="non\uffffchar", version=0, by=world.alice)
    services.score_save(scorecard=alice_card, element=c2, points="0.5", note="non\ufffechar\x01", version=0, by=world.alice)
    assert sorted(Score.objects.values_list("note", flat=True)) == ["nonchar", "nonchar"]


def test_a_note_stored_with_a_non_character_still_gives_a_workbook_that_opens(world, login, alice_card):
    c1 = elements(world.version)[0]
    Score.objects.create(scorecard=alice_card, element=c1, points=Decimal("0.5"), note="non\uffffchar", version=1)
    ws = load_workbook(io.BytesIO(_download(login(world.alice), alice_card))).active
    assert ws["G3"].value == "nonchar"


def test_every_hostile_string_as_a_note_gives_a_workbook_that_opens_and_reads_back(world, login, alice_card):
    c = login(world.alice)
    c1 = elements(world.version)[0]
    for text in strings():
        if "\0" in text:
            continue  # refused at the door (config.middleware); the service never sees it
        Score.objects.update_or_create(
            scorecard=alice_card, element=c1, defaults={"points": Decimal("0.5"), "note": text[:2000], "version": 1}
        )
        ws = load_workbook(io.BytesIO(_download(c, alice_card))).active
        # XML turns a carriage return into a line feed: the same line break, read back.
        assert ws["G3"].value == (cell_text(text[:2000]).replace("\r", "\n") or None), text


def test_a_workbook_that_no_xml_reader_accepts_is_a_400_with_a_message(world, login, alice_card):
    c = login(world.alice)
    data = _download(c, alice_card)
    # Put a raw U+FFFF into the sheet, as an older download of such a note did.
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = content.replace(b"<sheetData>", "<sheetData><row r=\"200\"><c r=\"G200\" t=\"inlineStr\"><is><t>x\uffffy</t></is></c></row>".encode(), 1)
            target.writestr(item, content)
    response = _upload(c, alice_card, out.getvalue())
    assert response.status_code == 400
    assert "文件无法读取" in response.content.decode()
    assert not Score.objects.exists()


def test_a_workbook_that_inflates_beyond_the_school_import_limit_is_refused(world, login, alice_card):
    c = login(world.alice)
    source = zipfile.ZipFile(io.BytesIO(_download(c, alice_card)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
        target.writestr("xl/media/padding.bin", b"\0" * (60 * 1024 * 1024))
    assert len(out.getvalue()) < 1024 * 1024
    response = _upload(c, alice_card, out.getvalue())
    assert response.status_code == 400
    assert "解压后过大" in response.content.decode()
    assert not Score.objects.exists()
