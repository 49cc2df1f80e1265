"""The 整改台账 over EXPORT_INLINE_MAX_ROWS items: a background job (reports.background) with the same
workbook as the inline download, dated by the pages' own day; hostile text stays text."""

from django.urls import reverse

from tests.background_exports import background_equals_inline, cells
from tests.hostile import strings

from .conftest import create


def test_the_ledger_as_a_job_equals_the_inline_workbook(rect, login, settings, django_capture_on_commit_callbacks):
    for problem in [s for s in strings("spreadsheet_formulas") if s.strip()][:3]:
        create(rect, problem=problem[:500])
    job, content = background_equals_inline(login(rect.official), django_capture_on_commit_callbacks, settings,
                                            reverse("rectification:ledger_xlsx"), {"status": "pending"})
    assert job.export_name == "rectification_ledger" and job.params == {"status": "pending"}
    all_cells = cells(content)
    assert not any(c.data_type == "f" for c in all_cells)
    assert any(isinstance(c.value, str) and c.value.startswith("'=") for c in all_cells)


def test_the_other_districts_official_gets_none_of_these_items(rect, login, settings,
                                                               django_capture_on_commit_callbacks):
    create(rect)
    job, content = background_equals_inline(login(rect.other_official), django_capture_on_commit_callbacks,
                                            settings, reverse("rectification:ledger_xlsx"))
    assert job.total == 0
    assert "雁塔区第一小学" not in {c.value for c in cells(content)}
