"""seed_demo raises a couple of 整改事项 on the demo round; --reset removes them with the round."""

import pytest
from django.core.management import call_command

from evaluation.models import Round
from rectification.models import RectificationItem

pytestmark = pytest.mark.django_db


def test_the_demo_has_items_and_a_reset_removes_them(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", "--schools", "10")
    demo = Round.objects.get()
    items = list(RectificationItem.objects.filter(evaluation__round=demo))
    assert len(items) == 2 and all(i.status == "pending" and len(i.element_codes) == 1 for i in items)
    call_command("seed_demo", "--schools", "10", "--reset")
    assert RectificationItem.objects.count() == 2  # the rebuilt demo's own, not the old ones
    assert Round.objects.count() == 1
    assert {i.evaluation.round_id for i in RectificationItem.objects.all()} == {Round.objects.get().pk}
