"""Strict parsing of a score typed by a person (or read from a spreadsheet cell).

Pure functions, no database: the save endpoint, the xlsx import and the lead's final
scores all judge a value the same way. Decimal only: a binary float never becomes a score.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
# Digits with at most two decimals; no sign, no exponent, no "NaN"/"Infinity".
_NUMBER_RE = re.compile(r"^[0-9]{1,4}(\.[0-9]{1,2})?$")


class PointsError(ValueError):
    """A score that cannot be accepted; str() is the Chinese message for the user."""


def fmt(value: Decimal | None) -> str:
    """1.00 → "1", 0.50 → "0.5": points as people write them."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def parse_points(raw, *, points: Decimal, step: Decimal) -> Decimal:
    """The score as a Decimal quantized to 0.01, or PointsError with a Chinese message.

    Accepts "1", "1.5", "0.50" and full-width digits ("１.５", typed with a Chinese IME);
    refuses empty, text, signs, exponents, NaN/Infinity, "-0", values above the standard
    points and values off the element's step.
    """
    if isinstance(raw, bool) or raw is None:
        raise PointsError(_("请填写得分。"))
    if isinstance(raw, Decimal):
        number = raw
        if not number.is_finite():
            raise PointsError(_("得分必须是数字。"))
        if number.is_signed():
            raise PointsError(_("得分不能为负数。"))
    elif isinstance(raw, int):
        number = Decimal(raw)
        if number < 0:
            raise PointsError(_("得分不能为负数。"))
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        if text == "":
            raise PointsError(_("请填写得分。"))
        if text.startswith("-"):
            raise PointsError(_("得分不能为负数。"))
        if not _NUMBER_RE.match(text):
            raise PointsError(_("“%(value)s”不是有效的得分，请填写数字，如 1 或 0.5。") % {"value": str(raw)[:20]})
        try:
            number = Decimal(text)
        except InvalidOperation:  # unreachable after the regex; kept as a guard
            raise PointsError(_("得分必须是数字。")) from None
    if number != number.quantize(CENT):
        raise PointsError(_("得分最多保留两位小数。"))
    if number > points:
        raise PointsError(
            _("%(value)s 超出标准分 %(points)s") % {"value": fmt(number), "points": fmt(points)}
        )
    if number % step != 0:
        raise PointsError(
            _("%(value)s 不符合评分步长 %(step)s（可填 0、%(step)s、%(two)s……）")
            % {"value": fmt(number), "step": fmt(step), "two": fmt(step * 2)}
        )
    return number.quantize(CENT)
