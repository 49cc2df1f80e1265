"""`manage.py rubric clone / set-points / set-text / publish / retire / list / diff`."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from rubric.models import Element, RubricVersion
from rubric.selectors import versions_for_new_round


def _run(*args) -> str:
    out = io.StringIO()
    call_command("rubric", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def cloned(world):
    _run("clone", "xian-2020", "--as", "xian-2027", "--name", "2027 版")
    return RubricVersion.objects.get(code="xian-2027")


def test_clone_makes_a_draft_copy(cloned, world):
    assert cloned.status == RubricVersion.Status.DRAFT
    assert cloned.name == "2027 版" and cloned.based_on == world.version
    assert cloned.elements.count() == 84 and cloned.indicators.count() == 21 and cloned.dimensions.count() == 7


def test_clone_refuses_an_existing_code(world):
    with pytest.raises(CommandError, match="已存在"):
        _run("clone", "xian-2020", "--as", "xian-2020")


def test_clone_refuses_a_malformed_code(world):
    with pytest.raises(CommandError, match="只能包含小写字母"):
        _run("clone", "xian-2020", "--as", "Xian 2027")


def test_set_points_changes_the_draft_and_reports_new_problems(cloned):
    out = _run("set-points", "xian-2027", "C19", "2")
    assert Element.objects.get(version=cloned, code="C19").points == Decimal("2")
    assert "C19：标准分 1 → 2" in out
    assert "合计 101 ≠ 标明总分 100" in out


def test_set_points_with_step(cloned):
    _run("set-points", "xian-2027", "C19", "1.25", "--step", "0.25")
    element = Element.objects.get(version=cloned, code="C19")
    assert (element.points, element.step) == (Decimal("1.25"), Decimal("0.25"))


def test_set_points_refuses_a_step_that_does_not_divide(cloned):
    with pytest.raises(CommandError, match="评分步长 0.5 不能整除标准分 1.25"):
        _run("set-points", "xian-2027", "C19", "1.25")
    assert Element.objects.get(version=cloned, code="C19").points == Decimal("1")


@pytest.mark.parametrize("value,message", [("abc", "不是有效数字"), ("0", "C19：标准分必须大于 0"), ("-1", "C19：标准分必须大于 0"), ("1.234", "小数")])
def test_set_points_refuses_bad_values(cloned, value, message):
    with pytest.raises(CommandError, match=message):
        _run("set-points", "xian-2027", "C19", value)
    assert Element.objects.get(version=cloned, code="C19").points == Decimal("1")


def test_set_points_on_a_published_version_is_refused(world):
    with pytest.raises(CommandError, match="已发布或已停用，不能修改"):
        _run("set-points", "xian-2020", "C19", "2")
    assert Element.objects.get(version=world.version, code="C19").points == Decimal("1")


def test_set_points_on_an_unknown_element(cloned):
    with pytest.raises(CommandError, match="没有评估要素 C99"):
        _run("set-points", "xian-2027", "C99", "1")


def test_set_text_for_each_level(cloned):
    _run("set-text", "xian-2027", "A1", "新的一级指标名称")
    _run("set-text", "xian-2027", "B2", "新的二级指标内容")
    _run("set-text", "xian-2027", "c3", "新的评估要素内容")
    assert cloned.dimensions.get(code="A1").name == "新的一级指标名称"
    assert cloned.indicators.get(code="B2").text == "新的二级指标内容"
    assert cloned.elements.get(code="C3").text == "新的评估要素内容"


def test_set_text_refuses_empty_text(cloned):
    with pytest.raises(CommandError, match="C3：内容不能为空"):
        _run("set-text", "xian-2027", "C3", "   ")


def test_publish_refused_prints_every_problem(cloned):
    _run("set-points", "xian-2027", "C19", "2")
    _run("set-points", "xian-2027", "C20", "1.5", "--step", "0.5")
    with pytest.raises(CommandError) as info:
        _run("publish", "xian-2027")
    message = str(info.value)
    assert "无法发布：共 3 个问题" in message and "合计 101.5 ≠ 标明总分 100（多 1.5 分）" in message
    # where the extra points sit: C19 and C20 are both in B7 (A3)
    assert "二级指标 B7：合计 4.5，来源版本 xian-2020 为 3，多 1.5 分。" in message
    assert "一级指标 A3：合计 16.5，来源版本 xian-2020 为 15，多 1.5 分。" in message
    assert RubricVersion.objects.get(code="xian-2027").status == RubricVersion.Status.DRAFT


def test_publish_after_rebalancing(cloned):
    _run("set-points", "xian-2027", "C19", "2")
    _run("set-points", "xian-2027", "C9", "1")  # 2 → 1: the total is 100 again
    assert "已发布 xian-2027" in _run("publish", "xian-2027")
    assert cloned in versions_for_new_round()


def test_retire_hides_from_new_rounds(world):
    assert world.version in versions_for_new_round()
    assert "已停用 xian-2020" in _run("retire", "xian-2020")
    assert world.version not in versions_for_new_round()
    with pytest.raises(CommandError, match="只有已发布的版本可以停用"):
        _run("retire", "xian-2020")


def test_list_shows_status_counts_sum_and_rounds(cloned):
    out = _run("list")
    line = [ln for ln in out.splitlines() if ln.startswith("xian-2020")][0]
    assert line.split()[:8] == ["xian-2020", "已发布", "7", "21", "84", "100", "100", "1"]
    assert any(ln.startswith("xian-2027") and "草稿" in ln for ln in out.splitlines())


def test_diff_lists_changed_points_up_the_tree(cloned):
    _run("set-points", "xian-2027", "C19", "2")
    out = _run("diff", "xian-2020", "xian-2027")
    assert "C19\t修改\t标准分\t1 → 2" in out
    assert any(ln.startswith("B") and "分值" in ln for ln in out.splitlines())
    assert any(ln.startswith("A") and "分值" in ln for ln in out.splitlines())


def test_diff_of_identical_versions(world):
    _run("clone", "xian-2020", "--as", "xian-same")
    # A clone's name always differs from its source (it carries its code): only that line differs.
    from rubric.selectors import rubric_compare

    changes = rubric_compare(old=world.version, new=RubricVersion.objects.get(code="xian-same"))
    assert [(c.code, c.field) for c in changes] == [("", "名称")]
    RubricVersion.objects.filter(code="xian-same").update(name=world.version.name)
    assert "内容相同" in _run("diff", "xian-2020", "xian-same")


def test_user_option_records_who_in_history(cloned, world):
    _run("--user", "admin", "set-points", "xian-2027", "C19", "2")
    record = Element.history.filter(code="C19", version_id=cloned.id).latest("history_date")
    assert record.history_user == world.admin


def test_unknown_user_is_refused(cloned):
    with pytest.raises(CommandError, match="找不到用户"):
        _run("--user", "ghost", "list")
