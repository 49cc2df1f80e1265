"""Strict score parsing: Decimal only, Chinese messages for everything refused."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.parsing import PointsError, parse_points

TWO = Decimal("2")
HALF = Decimal("0.5")


@pytest.mark.parametrize(
    "raw,expected",
    [("1", "1.00"), ("1.5", "1.50"), ("0.50", "0.50"), (" 2 ", "2.00"), ("0", "0.00"), ("１.５", "1.50"),
     (Decimal("1.5"), "1.50"), (1, "1.00")],
)
def test_it_accepts_plain_decimal_spellings(raw, expected):
    assert parse_points(raw, points=TWO, step=HALF) == Decimal(expected)


@pytest.mark.parametrize(
    "raw,fragment",
    [
        ("", "请填写"),
        (None, "请填写"),
        ("abc", "不是有效的得分"),
        ("1e309", "不是有效的得分"),
        ("1E0", "不是有效的得分"),
        ("NaN", "不是有效的得分"),
        ("Infinity", "不是有效的得分"),
        ("-0", "负数"),
        ("-1", "负数"),
        ("+1", "不是有效的得分"),
        ("2.5", "超出标准分 2"),
        ("0.3", "步长"),
        ("1.555", "不是有效的得分"),
        ("0x1", "不是有效的得分"),
        (Decimal("NaN"), "数字"),
        (Decimal("-0"), "负数"),
        (Decimal("0.125"), "两位小数"),
        (True, "请填写"),
    ],
)
def test_it_rejects_bad_values_with_chinese_messages(raw, fragment):
    with pytest.raises(PointsError) as exc:
        parse_points(raw, points=TWO, step=HALF)
    assert fragment in str(exc.value)


def test_it_rejects_points_above_standard():
    with pytest.raises(PointsError, match="2.5 超出标准分 2"):
        parse_points("2.5", points=TWO, step=HALF)


@given(st.integers(min_value=0, max_value=400))
def test_every_on_step_value_within_points_is_accepted_and_exact(hundredths):
    value = Decimal(hundredths) / 100
    text = format(value, "f")
    points, step = Decimal("4"), Decimal("0.25")
    if value <= points and value % step == 0:
        assert parse_points(text, points=points, step=step) == value
    else:
        with pytest.raises(PointsError):
            parse_points(text, points=points, step=step)
