"""rubric_compare, versions_for_new_round, version_list_rows."""

import json
from decimal import Decimal

from rubric.models import Element
from rubric.selectors import rubric_compare, version_list_rows, versions_for_new_round
from rubric.services import element_update, rubric_clone, rubric_import, rubric_publish


def test_compare_reports_added_and_removed_items(world, small):
    old = rubric_import(content=json.dumps(small).encode(), filename="s.json")
    new = rubric_clone(version=old, code="sample-next")
    Element.objects.filter(version=new, code="C5").delete()
    changes = rubric_compare(old=old, new=new)
    removed = [c for c in changes if c.kind == "removed"]
    assert [(c.code, c.old) for c in removed] == [("C5", "作业总量和时长符合规定。")]
    # (the clone's name differs from its source's too: a version-level line, code "")
    assert {(c.code, c.field, c.old, c.new) for c in changes if c.kind == "changed" and c.code} == {
        ("B3", "分值", "4", "3"), ("A2", "分值", "4", "3"),
    }
    back = rubric_compare(old=new, new=old)
    assert [(c.code, c.kind) for c in back if c.kind != "changed"] == [("C5", "added")]


def test_compare_orders_a_then_b_then_c_numerically(draft):
    for code in ("C10", "C2"):
        element_update(element=draft.elements.get(code=code), text=f"新 {code}")
    element_update(element=draft.elements.get(code="C9"), points=Decimal("1.5"))
    codes = [c.code for c in rubric_compare(old=draft.based_on, new=draft) if c.code]
    assert codes == ["A2", "B4", "C2", "C9", "C10"]


def test_versions_for_new_round_lists_published_newest_first(world):
    new = rubric_clone(version=world.version, code="xian-copy")
    assert list(versions_for_new_round()) == [world.version]
    rubric_publish(version=new)
    assert list(versions_for_new_round()) == [new, world.version]


def test_version_rows_count_items_sum_points_and_rounds(world, draft):
    element_update(element=draft.elements.get(code="C19"), points=Decimal("2.5"))
    rows = {r.version.code: r for r in version_list_rows()}
    assert (rows["xian-2020"].elements, rows["xian-2020"].points, rows["xian-2020"].rounds) == (84, Decimal("100"), 1)
    assert rows["xian-2027"].points == Decimal("101.5") and not rows["xian-2027"].total_matches
