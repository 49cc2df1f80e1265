"""Property tests: number cells keep their digits; any valid file imports, and re-imports as unchanged."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schools.importing import cell_text, read_school_file
from schools.models import District, School
from schools.services import school_import

from .conftest import make_csv, make_xlsx


@given(st.integers(min_value=0, max_value=10**15))
def test_integer_cells_and_their_excel_float_form_give_the_same_text(number):
    assert cell_text(number) == str(number)
    if number < 2**53:  # Excel stores numbers as binary doubles: exact up to 2**53
        assert cell_text(number * 1.0) == str(number)


@given(st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=2, allow_nan=False))
def test_decimal_cells_are_written_without_exponent_or_trailing_zeros(value):
    text = cell_text(value)
    assert "E" not in text.upper()
    assert Decimal(text) == value


STAGES = ["小学", "初中", "九年一贯制"]
LOCATIONS = ["城区", "镇区", "乡村"]
text_chars = st.characters(whitelist_categories=("Lo",), min_codepoint=0x4E00, max_codepoint=0x9FA5)
row = st.tuples(
    st.from_regex(r"[A-Z0-9]{4,12}", fullmatch=True),
    st.text(text_chars, min_size=2, max_size=30),
    st.sampled_from(["雁塔区", "碑林区", "610124", "KF02"]),
    st.sampled_from(STAGES),
    st.sampled_from(LOCATIONS),
    st.text(text_chars, max_size=40),
    st.text(text_chars, max_size=4),
)
rows_with_unique_codes = st.lists(row, min_size=1, max_size=15, unique_by=lambda r: r[0])


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_with_unique_codes, as_xlsx=st.booleans())
def test_any_valid_file_imports_fully_and_a_second_import_changes_nothing(rows, as_xlsx):
    rows = [list(r) for r in rows]
    data = make_xlsx(rows) if as_xlsx else make_csv(rows, encoding="gb18030")
    name = "s.xlsx" if as_xlsx else "s.csv"
    try:
        with transaction.atomic():
            first = school_import(rows=read_school_file(name=name, data=data))
            assert sorted(first.created) == sorted(r[0] for r in rows)
            for code, school_name, district, stage, location, address, principal in rows:
                school = School.objects.select_related("district").get(code=code)
                assert school.name == school_name and school.get_stage_display() == stage
                assert district in (school.district.name, school.district.code)
                assert school.get_location_display() == location
                assert (school.address, school.principal) == (address, principal)
            second = school_import(rows=read_school_file(name=name, data=data))
            assert second.created == [] and second.updated == []
            assert School.objects.count() == len(rows)
            raise Rollback
    except Rollback:
        pass
    assert District.objects.filter(name="雁塔区").exists()
