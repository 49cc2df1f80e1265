"""The offline scorecard workbook printed by LibreOffice: legible, every element code on paper,
each page labelled with the dimension and indicator it continues."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from evaluation import services
from rubric.selectors import rubric_tree
from tests.evaluation.conftest import elements
from tests.printing import assert_groups_labelled, assert_legible, element_parents, needs_soffice, print_xlsx

NOTE = "已核对佐证材料，现场查看与访谈记录一致；" * 8  # a long note, as inspectors write them on site


def _download(client, card) -> bytes:
    response = client.get(reverse("evaluation:scorecard_download", args=[card.pk]))
    assert response.status_code == 200
    return response.content


@needs_soffice
def test_offline_workbook_prints_legibly(world, login, alice_card, tmp_path):
    els = elements(world.version)
    for i, el in enumerate(els[:12]):
        services.score_save(scorecard=alice_card, element=el, points="0.5", note=NOTE if i % 3 == 0 else "已核",
                            version=0, by=world.alice)
    services.score_save(scorecard=alice_card, element=els[20], points="0", note='=HYPERLINK("http://x","点此")<b>',
                        version=0, by=world.alice)
    data = _download(login(world.alice), alice_card)
    tree = rubric_tree(version=world.version)
    lines = assert_legible(print_xlsx(data, tmp_path), codes=[el.code for el in els])
    assert_groups_labelled(lines, element_parents(tree))


def test_offline_workbook_rows_and_pages_are_set_for_print(world, login, alice_card):
    ws = load_workbook(io.BytesIO(_download(login(world.alice), alice_card))).active
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.scale == 100
    assert ws.print_title_rows == "$2:$2"
    assert ws.row_breaks.brk  # pages break between dimensions
    assert all(ws.row_dimensions[r].height for r in range(3, 3 + 84))
