"""seed_demo: deterministic for a seed, realistic, safe to run again."""

from collections import Counter, defaultdict
from decimal import Decimal

import io

import pytest
from django.test import TestCase, override_settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command

from accounts import roles
from accounts.models import User
from evaluation.consolidation import consolidate
from evaluation.models import Evaluation, FinalScore, Round, Score, Scorecard, Transition
from evaluation import demo
from schools.models import District, School

pytestmark = pytest.mark.django_db


def seed(*args):
    call_command("seed_demo", *args)


def fingerprint():
    """Everything the seed decides, without timestamps or database ids."""
    return {
        "schools": sorted(
            School.objects.values_list("code", "name", "district__name", "stage", "location", "address", "principal")
        ),
        "panels": sorted(
            Scorecard.objects.values_list("evaluation__school__code", "inspector__username", "is_lead", "status")
        ),
        "scores": sorted(
            Score.objects.values_list("scorecard__evaluation__school__code", "scorecard__inspector__username",
                                      "element__code", "points", "note")
        ),
        "finals": sorted(FinalScore.objects.values_list("evaluation__school__code", "element__code", "points")),
        "status": sorted(Evaluation.objects.values_list("school__code", "status", "finalized_by__username")),
    }


def test_same_seed_gives_the_same_data():
    seed("--schools", "15", "--seed", "7")
    first = fingerprint()
    seed("--schools", "15", "--seed", "7", "--reset")
    assert fingerprint() == first
    assert len(first["scores"]) > 0


def test_another_seed_gives_other_data():
    seed("--schools", "15", "--seed", "7")
    first = fingerprint()
    seed("--schools", "15", "--seed", "8", "--reset")
    assert fingerprint()["schools"] != first["schools"]


def test_running_twice_without_reset_refuses_and_changes_nothing():
    seed("--schools", "10")
    before = fingerprint()
    with pytest.raises(CommandError, match="演示数据已存在"):
        seed("--schools", "10", "--seed", "99")
    assert fingerprint() == before


def test_if_empty_does_nothing_when_data_exists_and_prints_the_logins(capsys):
    seed("--schools", "10")
    capsys.readouterr()
    before = fingerprint()
    seed("--if-empty", "--seed", "5")
    out = capsys.readouterr().out
    assert "未载入演示数据" in out
    assert "admin" in out and demo.DEMO_PASSWORD in out and "yantajyj" in out
    assert fingerprint() == before


def test_if_empty_seeds_an_empty_database():
    seed("--if-empty", "--schools", "8")
    assert School.objects.count() == 8


def test_reset_keeps_schools_that_real_rounds_use():
    seed("--schools", "10")
    kept = School.objects.order_by("code").first()
    other = Round.objects.create(name="真实批次", year=2025, rubric_version=Round.objects.get().rubric_version)
    Evaluation.objects.create(round=other, school=kept)
    before = fingerprint()
    # The rebuilt demo would reuse that school's code: refused, and the reset rolled back.
    with pytest.raises(CommandError, match=f"学校代码 {kept.code} 已被演示批次以外的数据使用"):
        seed("--schools", "10", "--reset")
    assert fingerprint() == before
    assert Evaluation.objects.filter(round=other, school=kept).exists()


def test_the_password_satisfies_a_strict_policy():
    password = demo.DEMO_PASSWORD
    assert len(password) >= 8
    assert any(c.isalpha() for c in password) and any(c.isdigit() for c in password)
    assert any(not c.isalnum() for c in password)


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class TestDefaultRun(TestCase):
    """The defaults (60 schools, seed 2026), seeded once for the whole class."""

    @classmethod
    def setUpTestData(cls):
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        cls.output = out.getvalue()

    def test_default_run_has_60_schools_over_many_districts(self):
        assert School.objects.count() == 60
        per_district = Counter(School.objects.values_list("district__name", flat=True))
        assert len(per_district) >= 15
        assert per_district["雁塔区"] >= 2
        assert set(School.objects.values_list("stage", flat=True)) == set(School.Stage.values)
        assert set(School.objects.values_list("location", flat=True)) == set(School.Location.values)


    def test_locations_are_consistent_with_the_district(self):
        central = School.objects.filter(district__name__in=["新城区", "碑林区", "莲湖区"])
        assert central.exists() and set(central.values_list("location", flat=True)) == {School.Location.URBAN}
        counties = School.objects.filter(district__kind=District.Kind.COUNTY)
        assert counties.exists() and School.Location.URBAN not in set(counties.values_list("location", flat=True))
        outer = School.objects.filter(district__name__in=["长安区", "蓝田县", "周至县", "临潼区", "鄠邑区", "高陵区", "阎良区"])
        rural_share = outer.exclude(location=School.Location.URBAN).count() / outer.count()
        assert rural_share >= 0.5


    def test_school_names_are_plausible_and_unique(self):
        names = list(School.objects.values_list("name", "district__name", "stage", "address", "principal"))
        assert len({n for n, *_ in names}) == len(names)
        suffix = {"primary": "小学", "junior": ("中学", "初级中学"), "nine_year": "九年制学校"}
        for name, district, stage, address, principal in names:
            assert district in name, name
            assert name.endswith(suffix[stage]), name
            assert address.startswith(f"西安市{district}"), address
            assert 2 <= len(principal) <= 3, principal
            assert not set(name) & set("學長區縣鎮"), name


    def test_demo_accounts_exist_for_every_role_and_log_in(self):
        for account in demo.ACCOUNTS:
            user = authenticate(username=account.username, password=demo.DEMO_PASSWORD)
            assert user is not None, account.username
            assert user.groups.filter(name=account.role).exists()
            assert user.password_changed_at is not None
            validate_password(demo.DEMO_PASSWORD, user)
        assert 3 <= User.objects.filter(groups__name=roles.INSPECTOR).count() <= 6
        assert User.objects.get(username="yantajyj").district.name == "雁塔区"
        assert User.objects.get(username="shijyj").district is None
        assert User.objects.get(username="admin").is_staff
        for account in demo.ACCOUNTS:
            assert account.username in self.output
        assert "教育局（雁塔区）" in self.output


    def test_one_open_round_on_the_published_rubric(self):
        round_obj = Round.objects.get()
        assert round_obj.year == 2026 and round_obj.status == Round.Status.OPEN
        assert round_obj.rubric_version.code == "xian-2020"
        assert round_obj.rubric_version.status == "published"
        # Nine of the 60 schools are still in 学校自评申报 (selfassessment.demo): no evaluation yet.
        assert round_obj.evaluations.count() == 60 - demo.applicant_count(60) == 51
        assert round_obj.self_assessment


    def test_every_panel_has_two_or_three_inspectors_and_exactly_one_lead(self):
        panels = defaultdict(list)
        for evaluation_id, is_lead, username in Scorecard.objects.values_list("evaluation_id", "is_lead", "inspector__username"):
            panels[evaluation_id].append((is_lead, username))
        assert len(panels) == 51  # every admitted school (the nine still applying have none)
        for members in panels.values():
            assert 2 <= len(members) <= 3
            assert sum(1 for lead, _ in members if lead) == 1
            assert all(User.objects.get(username=u).groups.filter(name=roles.INSPECTOR).exists() for _, u in members)


    def test_there_are_finalized_in_progress_and_not_started_evaluations(self):
        by_status = Counter(Evaluation.objects.values_list("status", flat=True))
        assert by_status[Evaluation.Status.FINALIZED] == 24
        assert by_status[Evaluation.Status.IN_PROGRESS] == 27  # 36 before nine schools stayed in 申报
        unscored = Evaluation.objects.exclude(scorecards__scores__isnull=False)
        assert unscored.count() >= 5
        partial = [
            card for card in Scorecard.objects.filter(evaluation__status="in_progress", status="draft")
            if 0 < card.scores.count() < 84
        ]
        assert partial


    def test_finalized_evaluations_have_84_final_scores_equal_to_the_mean(self):
        finalized = Evaluation.objects.filter(status=Evaluation.Status.FINALIZED)
        scores = defaultdict(list)
        for ev_id, el_id, points in Score.objects.filter(scorecard__evaluation__in=finalized).values_list(
            "scorecard__evaluation_id", "element_id", "points"
        ):
            scores[(ev_id, el_id)].append(points)
        for ev in finalized.prefetch_related("final_scores", "scorecards"):
            finals = list(ev.final_scores.all())
            assert len(finals) == 84
            assert ev.finalized_at is not None and ev.finalized_by is not None
            lead = [c for c in ev.scorecards.all() if c.is_lead][0]
            assert ev.finalized_by_id == lead.inspector_id
            assert all(c.status == Scorecard.Status.SUBMITTED and c.submitted_at for c in ev.scorecards.all())
            for final in finals:
                values = scores[(ev.pk, final.element_id)]
                assert len(values) == len(ev.scorecards.all())
                assert final.points == consolidate(values, "mean")
            assert Transition.objects.filter(evaluation=ev, action="finalize", by=lead.inspector).count() == 1
            assert Transition.objects.filter(evaluation=ev, action="submit").count() == len(ev.scorecards.all())


    def test_scores_are_decimal_on_the_elements_step_within_points(self):
        rows = Score.objects.select_related("element").all()
        assert rows.count() > 5000
        for score in rows:
            assert isinstance(score.points, Decimal)
            assert Decimal("0") <= score.points <= score.element.points
            assert score.points % score.element.step == 0
        # realistic spread: not everything full marks, some notes in Chinese
        assert rows.exclude(note="").count() > 100
        assert any("扣" in n or "不" in n for n in rows.exclude(note="").values_list("note", flat=True))
        full = sum(1 for s in rows if s.points == s.element.points)
        assert 0.3 < full / rows.count() < 0.95


    def test_school_totals_look_like_real_results(self):
        totals = []
        for ev in Evaluation.objects.filter(status="finalized").prefetch_related("final_scores"):
            totals.append(sum((f.points for f in ev.final_scores.all()), Decimal("0")))
        assert min(totals) >= Decimal("55") and max(totals) <= Decimal("100")
        assert max(totals) - min(totals) >= Decimal("5")


    def test_seeded_scores_have_history_by_their_inspector(self):
        score = Score.objects.select_related("scorecard__inspector").first()
        record = score.history.get()
        assert record.history_user == score.scorecard.inspector




def _nothing_written():
    return not School.objects.exists() and not Round.objects.exists() and not User.objects.exists()


@pytest.mark.parametrize("value", ["0", "-3", str(demo.MAX_SCHOOLS + 1), "100000"])
def test_a_schools_count_it_cannot_serve_is_refused_before_anything_is_written(value):
    with pytest.raises(CommandError, match=f"--schools 必须是 1 到 {demo.MAX_SCHOOLS} 之间的整数（收到 {value}），未做任何改动"):
        seed("--schools", value)
    assert _nothing_written()


def test_a_negative_or_huge_seed_is_refused_before_anything_is_written():
    for value in ("-1", str(2**31)):
        with pytest.raises(CommandError, match="--seed 必须是 0 到"):
            seed("--schools", "5", "--seed", value)
    assert _nothing_written()


def test_too_few_inspectors_for_a_panel_are_refused_before_anything_is_written(monkeypatch):
    monkeypatch.setattr(demo, "INSPECTOR_USERNAMES", demo.INSPECTOR_USERNAMES[:2])
    with pytest.raises(CommandError, match="演示督导专家只有 2 位，少于专家组的最多人数 3 位"):
        seed("--schools", "5")
    assert _nothing_written()


def test_a_panel_that_recusal_leaves_too_small_is_refused_and_rolled_back(monkeypatch):
    monkeypatch.setattr(demo.recusal, "panel_conflicts", lambda **kwargs: ["conflict"])
    with pytest.raises(CommandError, match="回避后可选的督导专家不足 [23] 位，无法组成专家组，未做任何改动"):
        seed("--schools", "5")
    assert not School.objects.exists() and not Round.objects.exists()


def test_chinese_numerals():
    assert [demo.chinese_numeral(n) for n in (1, 10, 11, 20, 23, 100, 101, 110, 1010, 2026)] == [
        "一", "十", "十一", "二十", "二十三", "一百", "一百零一", "一百一十", "一千零一十", "二千零二十六"]


def test_a_city_of_the_largest_size_gets_unique_plausible_names():
    import random

    districts = list(District.objects.order_by("order", "code"))
    schools = demo.build_schools(random.Random(2026), demo.MAX_SCHOOLS, districts)
    assert len(schools) == demo.MAX_SCHOOLS
    assert len({s.name for s in schools}) == len(schools) == len({s.code for s in schools})
    suffix = {"primary": "小学", "junior": "中学", "nine_year": "九年制学校"}
    for school in schools:
        assert school.district.name in school.name and school.name.endswith(suffix[school.stage]), school.name
        assert school.address.startswith(f"西安市{school.district.name}")
        school.full_clean(validate_unique=False)
    # Crowded districts get numbered names (西安市雁塔区小寨第十七小学), not a traceback.
    assert sum(1 for s in schools if "雁塔区" in s.name and "第十" in s.name) >= 10


def test_the_demo_biased_inspectors_are_flagged_by_the_analytics():
    """seed_demo's INSPECTOR_BIAS shows on the analytics: the lenient one flagged 偏宽, the strict one 偏严."""
    from analytics.selectors import round_analytics

    seed("--schools", "30", "--seed", "7")
    a = round_analytics(round=demo.demo_round())
    by_name = {x.username: x.overall for x in a.leniency}
    assert by_name["liuyang"].flagged and by_name["liuyang"].mean_deviation > 0
    assert by_name["sunhao"].flagged and by_name["sunhao"].mean_deviation < 0
    # The two biased inspectors stand out most (others may drift a little: their peers include them).
    extremes = sorted(by_name, key=lambda u: -abs(by_name[u].mean_deviation))[:2]
    assert sorted(extremes) == sorted(demo.INSPECTOR_BIAS)
