"""seed_demo's 学校自评申报: school accounts, self-assessments in every state, district decisions; the
same seed gives the same data, --reset removes the schools' accounts with their schools."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client, TestCase, override_settings

from accounts import roles
from accounts.models import User
from evaluation import demo
from evaluation.models import Evaluation
from selfassessment import selectors
from selfassessment.models import SelfAssessment, SelfEvidence, SelfScore, Transition


def _fingerprint():
    return {
        "assessments": sorted(SelfAssessment.objects.values_list("school__code", "status", "district_opinion",
                                                                 "decision_reason")),
        "scores": sorted(SelfScore.objects.values_list("self_assessment__school__code", "element__code", "points",
                                                       "note")),
        "files": SelfEvidence.objects.count(),
        "accounts": sorted(User.objects.filter(groups__name=roles.SCHOOL).values_list("username", "school__code")),
    }


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_applications_and_reset_cleans_up():
    call_command("seed_demo", "--schools", "20", "--seed", "3", stdout=io.StringIO())
    first = _fingerprint()
    assert first["assessments"] and first["accounts"]
    call_command("seed_demo", "--schools", "20", "--seed", "3", "--reset", stdout=io.StringIO())
    assert _fingerprint() == first


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class TestDemoApplications(TestCase):
    """The default demo (60 schools, seed 2026), seeded once."""

    @classmethod
    def setUpTestData(cls):
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        cls.output = out.getvalue()
        cls.round = demo.demo_round()

    def test_every_state_of_the_chain_is_there(self):
        statuses = set(SelfAssessment.objects.filter(round=self.round).values_list("status", flat=True))
        assert statuses == set(SelfAssessment.Status.values)
        assert "学校自评申报：" in self.output

    def test_admitted_schools_are_the_evaluated_ones_and_applicants_have_no_evaluation(self):
        admitted = SelfAssessment.objects.filter(round=self.round, status="admitted")
        assert admitted.count() == Evaluation.objects.filter(round=self.round).count()
        assert all(sa.evaluation.school_id == sa.school_id for sa in admitted.select_related("evaluation"))
        others = SelfAssessment.objects.filter(round=self.round).exclude(status="admitted")
        assert not Evaluation.objects.filter(round=self.round, school__in=others.values("school")).exists()

    def test_submissions_are_complete_and_drafts_are_not(self):
        rows = {r.school.code: r for r in selectors.status_rows(round=self.round)}
        for sa in SelfAssessment.objects.filter(round=self.round).select_related("school"):
            row = rows[sa.school.code]
            if sa.status in ("submitted", "returned", "recommended", "admitted", "declined"):
                assert row.missing_scores == 0 and row.missing_evidence == 0, sa.school.code
            elif sa.status == "draft":
                assert row.missing_scores > 0
        assert Transition.objects.filter(action="return").exclude(element_reasons={}).exists()
        assert SelfAssessment.objects.filter(status="declined").exclude(decision_reason="").exists()

    def test_the_readme_logins_exist_in_the_state_it_says(self):
        readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
        named = re.findall(r"\b(xx[0-9A-Z]+)\b[^\n|]*\|[^\n|]*\|[^\n]*?（[^·\n]*· ([^）]+)）", readme)
        assert len(named) >= 2, "README names the demo school logins"
        for username, status in named:
            user = User.objects.get(username=username)
            assert user.check_password(demo.DEMO_PASSWORD)
            sa = SelfAssessment.objects.get(round=self.round, school=user.school)
            assert sa.get_status_display() == status, username

    def test_a_school_login_sees_its_own_application_only(self):
        user = User.objects.filter(groups__name=roles.SCHOOL).order_by("username").first()
        assert authenticate(username=user.username, password=demo.DEMO_PASSWORD) is not None
        client = Client()
        client.force_login(user)
        html = client.get("/selfassessment/").content.decode()
        assert self.round.name in html
        page = client.get("/selfassessment/status/").content.decode()
        assert page.count("<tr>") - 1 == 1  # its own row (the header row aside)

    def test_the_logins_are_printed_with_their_state(self):
        assert "学校（填报）（雁塔区 · 已提交）" in self.output and demo.DEMO_PASSWORD in self.output
