"""The recognition workbooks over EXPORT_INLINE_MAX_ROWS rows: a background job (reports.background)
with the same workbook as the inline download; an official's job holds only their scope."""

import pytest
from django.urls import reverse

from tests.background_exports import background_equals_inline, sheets

from .test_conclude import conclude  # noqa: F401  (the fixtures below build on it)
from .test_conclude import done, pub  # noqa: F401


@pytest.mark.parametrize("who,names", [("admin", {"雁塔区第一小学", "碑林区第二中学"}), ("official", {"雁塔区第一小学"})])
def test_the_recognized_list_as_a_job(who, names, done, login, settings, django_capture_on_commit_callbacks):  # noqa: F811
    url = reverse("recognition:recognized_xlsx", args=[done.round.pk])
    job, content = background_equals_inline(login(getattr(done, who)), django_capture_on_commit_callbacks,
                                            settings, url)
    assert job.export_name == "recognized_list" and job.round == done.round
    rows = next(iter(sheets(content).values()))
    assert {r[3] for r in rows[2:]} == names


def test_the_renewal_list_as_a_job(done, login, settings, django_capture_on_commit_callbacks, page_today):  # noqa: F811
    from datetime import timedelta

    from recognition.models import Recognition

    page_today.value = Recognition.objects.order_by("valid_until").first().valid_until - timedelta(days=10)
    job, content = background_equals_inline(login(done.official), django_capture_on_commit_callbacks, settings,
                                            reverse("recognition:renewal_xlsx"), {"days": "30"})
    assert job.total == 1
    assert page_today.value.isoformat() in next(iter(sheets(content).values()))[0][0]
