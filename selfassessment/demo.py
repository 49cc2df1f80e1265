"""学校自评申报 for the demo (`manage.py seed_demo`, through evaluation.demo): school accounts, a
self-assessment in every state of the chain, and the district's and city's decisions.

Deterministic like the rest of the demo: one `random.Random` from the seed, collections walked in a
fixed order. Rows are written in bulk; every file points at one small stored demo PDF.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts import roles
from accounts.models import User
from accounts.services import school_account_username
from rubric.models import EvidenceRequirement

from .models import SchoolNomination, SelfAssessment, SelfEvidence, SelfScore, Transition

DEMO_FILE = "self_evidence/demo/demo-evidence.pdf"
DEMO_PDF = b"%PDF-1.4\n% demo evidence\n%%EOF\n"
# The chain for the schools still applying, in this order (cycled): every state the pages show.
APPLICANT_STATES = ["submitted", "draft", "returned", "recommended", "declined", "not_started", "draft", "submitted",
                    "recommended"]
NOTES = ["已按要求开展，材料齐全。", "形成了制度并落实，有过程记录。", "基本达到要求，仍有提升空间。",
         "近三年持续推进，成效明显。", "已制定计划，部分工作正在推进。"]
OPINIONS = ["办学规范，自评客观，材料翔实，同意推荐。", "特色较鲜明，个别要素自评偏高，建议专家组重点核查。"]
RETURN_REASON = "部分要素的佐证材料不完整，请补充后重新提交。"
DECLINE_REASON = "本批次名额已满，建议下一批次申报。"


def _demo_file() -> str:
    if not default_storage.exists(DEMO_FILE):
        default_storage.save(DEMO_FILE, ContentFile(DEMO_PDF))
    return DEMO_FILE


def school_accounts(schools, *, hashed_password: str) -> list[User]:
    """A 学校（填报） account per school (username xx + code), with the demo password."""
    group = Group.objects.get_or_create(name=roles.SCHOOL)[0]
    now = timezone.now()
    users = []
    for school in schools:
        user = User.objects.filter(username=school_account_username(school)).first() or User(
            username=school_account_username(school))
        user.name, user.organization, user.district, user.school = school.name[:50], school.name[:100], school.district, school
        user.password, user.password_changed_at, user.is_active = hashed_password, now, True
        user.save()
        user.groups.set([group])
        users.append(user)
    return users


def seed_self_assessments(*, round, evaluations, applicants, elements, seed: int, admin, official,
                          hashed_password=None) -> dict:
    """Self-assessments for the demo round: admitted for every evaluated school, and the applicants
    through the chain (APPLICANT_STATES); returns the count per status."""
    from django.contrib.auth.hashers import make_password

    from evaluation.demo import DEMO_PASSWORD

    rng = random.Random(f"{seed}-self")
    file_name = _demo_file()
    requirements = list(EvidenceRequirement.objects.filter(version=round.rubric_version, required=True))
    now = timezone.now()
    hashed_password = hashed_password or make_password(DEMO_PASSWORD)
    # Accounts: every applicant and the first two admitted schools (README lists some of them).
    accounts = {u.school_id: u for u in school_accounts(
        [*applicants, *[ev.school for ev in evaluations[:2]]], hashed_password=hashed_password)}
    plan = [(ev.school, "admitted", ev) for ev in evaluations]
    plan += [(school, APPLICANT_STATES[n % len(APPLICANT_STATES)], None) for n, school in enumerate(applicants)]
    rows = []
    for school, state, ev in plan:
        row = SelfAssessment(round=round, school=school, status=state, evaluation=ev, report_summary="" if (
            state == "not_started") else f"{school.name}自评报告：学校坚持内涵发展，三年来在课程、教师队伍和学生发展方面持续改进。")
        if state in ("submitted", "returned", "recommended", "admitted", "declined"):
            row.submitted_at = now - timedelta(days=rng.randint(20, 60))
        if state in ("recommended", "admitted", "declined"):
            row.district_opinion = rng.choice(OPINIONS)
            row.recommended_at = now - timedelta(days=rng.randint(10, 19))
        if state in ("admitted", "declined"):
            row.decided_at = now - timedelta(days=rng.randint(1, 9))
        if state == "declined":
            row.decision_reason = DECLINE_REASON
        rows.append(row)
    SelfAssessment.objects.bulk_create(rows)
    rows = list(SelfAssessment.objects.filter(round=round).select_related("school").order_by("school__code"))
    scores, files, transitions = [], [], []
    counts: dict[str, int] = {}
    official_districts = set(official.scope_districts.values_list("pk", flat=True))
    for sa in rows:
        counts[sa.status] = counts.get(sa.status, 0) + 1
        if sa.status == "not_started":  # 未申报: the row only marks the demo school as applying
            continue
        by = accounts.get(sa.school_id)
        # The demo's district official acts for 雁塔区; other districts' steps carry no person.
        reviewer = official if sa.school.district_id in official_districts else None
        complete = sa.status != "draft"
        # Schools rate themselves a little generously: at or one step above the panel's view of them.
        school_rng = random.Random(f"{seed}-{sa.school.code}")
        deficit = rng.uniform(0.04, 0.3)
        for n, element in enumerate(elements):
            if not complete and n >= 20:
                break
            steps = int(element.points / element.step)
            lost = sum(1 for _ in range(steps) if school_rng.random() < deficit)
            own = min(steps, steps - lost + rng.choice((0, 0, 1)))
            score = SelfScore(self_assessment=sa, element=element, points=(element.step * own).quantize(Decimal("0.01")),
                              note=rng.choice(NOTES), version=1, updated_by=by)
            score._history_user = by
            scores.append(score)
        for n, requirement in enumerate(requirements):
            if not complete and n >= 10:
                break
            files.append(SelfEvidence(self_assessment=sa, element_id=requirement.element_id, requirement=requirement,
                                      file=file_name, original_name=f"{requirement.name[:40]}.pdf",
                                      content_type="application/pdf", size=len(DEMO_PDF), sha256="0" * 64,
                                      uploaded_by=by or admin))
        if sa.status != "draft":
            transitions.append(Transition(self_assessment=sa, action=Transition.Action.SUBMIT, by=by or admin))
        if sa.status == "returned":
            transitions.append(Transition(self_assessment=sa, action=Transition.Action.RETURN, by=reviewer,
                                          reason=RETURN_REASON, element_reasons={elements[2].code: "请补充近三年的会议记录。"}))
        if sa.status in ("recommended", "admitted", "declined"):
            transitions.append(Transition(self_assessment=sa, action=Transition.Action.RECOMMEND, by=reviewer,
                                          reason=sa.district_opinion))
        if sa.status == "admitted":
            transitions.append(Transition(self_assessment=sa, action=Transition.Action.ADMIT, by=admin))
        if sa.status == "declined":
            transitions.append(Transition(self_assessment=sa, action=Transition.Action.DECLINE, by=admin,
                                          reason=DECLINE_REASON))
    bulk_create_with_history(scores, SelfScore, batch_size=1000, default_change_reason="演示数据")
    SelfEvidence.objects.bulk_create(files, batch_size=1000)
    Transition.objects.bulk_create(transitions, batch_size=1000)
    return counts


def reset_self_assessments(*, round) -> list[int]:
    """Delete the demo round's self-assessments (files' rows, scores and their history, the record)
    and nominations; returns the ids of the schools that had one."""
    found = SelfAssessment.objects.filter(round=round)
    school_ids = list(found.values_list("school_id", flat=True))
    SelfScore.history.filter(self_assessment_id__in=list(found.values_list("pk", flat=True))).delete()
    SelfEvidence.objects.filter(self_assessment__in=found).delete()
    Transition.objects.filter(self_assessment__in=found).delete()
    from django.test.utils import override_settings

    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        SelfScore.objects.filter(self_assessment__in=found).delete()
    found.delete()
    SchoolNomination.objects.filter(round=round).delete()
    return school_ids
