"""Property: any valid rubric survives JSON dict → xlsx → dict unchanged, points exact."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rubric.schema import format_points, parse_rubric
from rubric.xlsx import rubric_dict_from_xlsx, rubric_xlsx

STEPS = [Decimal("0.25"), Decimal("0.5"), Decimal("1"), Decimal("0.01")]


@st.composite
def rubrics(draw):
    counter = {"A": 0, "B": 0, "C": 0}

    def code(level):
        counter[level] += 1
        return f"{level}{counter[level]}"

    text = st.text(alphabet="评估学校教师学生课程管理发展ABC 123=+-@'", min_size=1, max_size=30).map(str.strip).filter(bool)
    dimensions = []
    for _ in range(draw(st.integers(1, 3))):
        indicators = []
        for _ in range(draw(st.integers(1, 3))):
            elements = []
            for _ in range(draw(st.integers(1, 3))):
                step = draw(st.sampled_from(STEPS))
                points = step * draw(st.integers(1, 40))
                elements.append({"code": code("C"), "text": draw(text), "points": format_points(points),
                                 "step": format_points(step)})
            b_sum = sum(Decimal(e["points"]) for e in elements)
            indicators.append({"code": code("B"), "text": draw(text), "points": format_points(b_sum), "elements": elements})
        a_sum = sum(Decimal(i["points"]) for i in indicators)
        dimensions.append({"code": code("A"), "name": draw(text), "points": format_points(a_sum),
                           "methods": draw(st.one_of(st.just(""), text)), "indicators": indicators})
    total = sum(Decimal(d["points"]) for d in dimensions)
    data = {"code": "prop-test", "name": draw(text), "total": format_points(total), "dimensions": dimensions}
    if draw(st.booleans()):  # schema 2: evidence requirements on the second sheet
        data["schema"] = 2
        kinds = st.lists(st.sampled_from(["document", "image", "spreadsheet"]), min_size=1, max_size=3, unique=True)
        for d in dimensions:
            for i in d["indicators"]:
                for e in i["elements"]:
                    names = draw(st.lists(text, max_size=2, unique=True))
                    e["evidence"] = []
                    for name in names:
                        chosen = draw(kinds)
                        e["evidence"].append({
                            "name": name, "required": draw(st.booleans()),
                            "kinds": [k for k in ("document", "image", "spreadsheet") if k in chosen],
                            "note": draw(st.one_of(st.just(""), text))})
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rubrics())
def test_xlsx_round_trip_is_exact(data):
    parse_rubric(data)  # the generator only makes valid rubrics
    assert rubric_dict_from_xlsx(rubric_xlsx(data)) == data


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2))
def test_points_are_written_as_people_write_them(value):
    text = format_points(value)
    assert Decimal(text) == value
    assert not (("." in text) and text.endswith("0"))
