"""Tiny hand-built rubrics and rows for the analytics definitions (no database)."""

from decimal import Decimal
from types import SimpleNamespace

from analytics.selectors import ScoreRow
from reports.selectors import DistrictInfo, RoundRow, SchoolInfo


def tree(spec):
    """spec: {"A1": [("C1", points, step), ...], ...} → an object shaped like a RubricTree."""
    dims, elements, next_id = [], [], 1
    for code, items in spec.items():
        els = []
        for el_code, points, step in items:
            els.append(SimpleNamespace(id=next_id, code=el_code, text=f"要素{el_code}", points=Decimal(points),
                                       step=Decimal(step)))
            next_id += 1
        dims.append(SimpleNamespace(code=code, name=f"指标{code}", elements=els,
                                    points=sum((e.points for e in els), Decimal("0"))))
        elements += els
    return SimpleNamespace(dimensions=dims, elements=elements)


def rows(t, data):
    """data: {(evaluation_id, inspector_id): {"C1": "2", ...}} → ScoreRows."""
    by_code = {e.code: e for e in t.elements}
    out = []
    for (ev, insp), scores in data.items():
        for code, points in scores.items():
            out.append(ScoreRow(ev, f"S{ev}", "雁塔区", "primary", "urban", insp, f"u{insp}", f"专家{insp}",
                                by_code[code].id, code, Decimal(points), None))
    return out


_districts = {}


def round_row(ev, total, dims=None, *, district="雁塔区", stage="primary", location="urban", elements=None):
    d = _districts.setdefault(district, DistrictInfo(id=len(_districts) + 1, code=district, name=district,
                                                      order=len(_districts)))
    school = SchoolInfo(id=ev, code=f"S{ev:03d}", name=f"学校{ev}", stage=stage, location=location, district=d)
    return RoundRow(evaluation_id=ev, school=school, status="finalized", provisional=False,
                    dimensions={k: Decimal(v) for k, v in (dims or {}).items()}, total=Decimal(total),
                    element_points=elements)
