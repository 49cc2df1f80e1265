"""Every audit event the code records has a Chinese name for the auditors."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from audit.events import EVENT_LABELS, event_label
from audit.services import audit_record

APPS = ["accounts", "audit", "config", "evaluation", "ops", "reports", "rubric", "schools", "selfassessment",
        "twofactor"]
# Every quoted dotted code after `event=` on a line: event="x.y", and computed ones such as
# event="user.create" if created else "user.change".
CODE = re.compile(r'"([a-z_]+\.[a-z_.]+)"')


def _recorded_events() -> set[str]:
    found = set()
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            for line in path.read_text(encoding="utf-8").splitlines():
                if "event=" in line:
                    found.update(CODE.findall(line.split("event=", 1)[1]))
    return found


def test_every_recorded_event_has_a_chinese_name():
    recorded = _recorded_events()
    assert {"auth.login", "score.change", "user.change", "round.create"} <= recorded  # the scan works
    assert recorded - set(EVENT_LABELS) == set()


def test_an_unknown_code_is_shown_as_it_is():
    assert event_label("future.event") == "future.event"


def test_the_viewer_shows_the_name_beside_the_code(login, world):
    audit_record(event="evaluation.reopen", username="admin")
    html = login(world.auditor).get(reverse("audit:event_list")).content.decode()
    assert "重新打开评估" in html and "evaluation.reopen" in html
