"""axe-core (WCAG 2.0/2.1 A and AA rules) over every main page, for every role, in headless Chromium.

Target: WCAG 2.1 AA, which GB/T 37668-2019 follows. To add a page, add one `Page(...)` line to PAGES:
the role that opens it (an attribute of the `world` fixture, or "anon"), a short name, and a function
from the test's world to the URL. `widths=` adds a phone width (360) for a page meant for phones.
A page that is rendered rather than routed (error pages without a way to reach them from a browser)
uses `render=` with a template name instead of `url=`.

One test per role: it signs in once (a session cookie, no login form) and visits that role's pages
at each width, so a new page costs one axe run per width and not a fresh browser or login. Every
violation is printed with its rule id, the CSS selector and HTML of each failing node and axe's
message, so a failure says what to fix. The same walk fails on repeated controls in <main> that
share a name but not a target (issue 18 §4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from evaluation.models import Scorecard
from reports.models import ExportJob
from tests import factories as f
from tests.reports.conftest import give_scores, half

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core-4.14.1"
AXE_SOURCE = (AXE_DIR / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DEFAULT_WIDTHS = (1280, 768)
PHONE = 360


@dataclass(frozen=True)
class Page:
    role: str
    name: str
    url: Callable[[SimpleNamespace], str] | None = None
    widths: tuple[int, ...] = DEFAULT_WIDTHS
    render: str | None = None  # a template shown through a routed URL (pages a browser cannot be sent to)
    redirects: bool = False  # the URL redirects to the role's page (home): don't insist on the path
    # Repeated controls must be told apart by their row (issue 18 §4); False only with a reason.
    distinct_names: bool = True


def _card(w, user):
    return Scorecard.objects.get(evaluation=w.evaluation, inspector=user).pk


def _panel_self(w):
    """The 雁塔 school's admitted self-assessment beside the panel's evaluation (admitted_on_panel)."""
    from selfassessment.models import SelfAssessment

    return SelfAssessment.objects.get(round=w.round, school=w.school).pk


PAGES = [
    # Anyone
    Page("anon", "login", lambda w: reverse("accounts:login"), widths=(1280, 768, PHONE)),
    Page("anon", "404", lambda w: "/no-such-page/"),
    Page("anon", "400", render="400.html"),
    Page("anon", "403-csrf", render="403_csrf.html"),
    Page("anon", "500", render="500.html"),
    Page("anon", "locked-out", render="accounts/locked_out.html"),
    Page("nobody", "home-no-role", lambda w: reverse("accounts:home")),
    # Inspectors
    Page("alice", "home", lambda w: reverse("accounts:home"), redirects=True),
    Page("alice", "inspector-home", lambda w: reverse("evaluation:inspector_home")),
    Page("alice", "scorecard", lambda w: reverse("evaluation:scorecard", args=[_card(w, w.alice)])),
    Page("alice", "score-history", lambda w: reverse("evaluation:score_history", args=[_card(w, w.alice), "C1"])),
    Page("alice", "403", lambda w: reverse("schools:school_list")),
    Page("alice", "password-change", lambda w: reverse("accounts:password_change")),
    Page("alice", "notifications", lambda w: reverse("notifications:list")),
    Page("alice", "notification-settings", lambda w: reverse("notifications:settings")),
    Page("admin", "consolidation-open", lambda w: reverse("evaluation:evaluation_detail", args=[w.evaluation.pk])),
    Page("lead", "inspector-home", lambda w: reverse("evaluation:inspector_home")),
    Page("lead", "scorecard", lambda w: reverse("evaluation:scorecard", args=[_card(w, w.lead)])),
    Page("lead", "consolidation", lambda w: reverse("evaluation:evaluation_detail", args=[w.evaluation.pk])),
    Page("lead", "final-score-history",
         lambda w: reverse("evaluation:final_score_history", args=[w.evaluation.pk])),
    Page("bob", "scorecard-read-only",
         lambda w: reverse("evaluation:scorecard", args=[Scorecard.objects.get(evaluation=w.other_evaluation,
                                                                                inspector=w.bob).pk])),
    Page("bob", "consolidation-finalized",
         lambda w: reverse("evaluation:evaluation_detail", args=[w.other_evaluation.pk])),
    # Education bureau
    Page("official", "home", lambda w: reverse("accounts:home"), redirects=True),
    Page("official", "overview", lambda w: reverse("reports:overview")),
    Page("official", "ranking", lambda w: reverse("reports:ranking")),
    Page("official", "dashboard", lambda w: reverse("reports:dashboard")),
    Page("official", "school-report", lambda w: reverse("reports:school_report", args=[w.finalized.pk])),
    Page("official", "school-report-unscored", lambda w: reverse("reports:school_report", args=[w.unscored.pk])),
    Page("official", "round-list", lambda w: reverse("evaluation:round_list")),
    Page("official", "round-detail", lambda w: reverse("evaluation:round_detail", args=[w.round.pk])),
    Page("official", "export", lambda w: reverse("reports:export_detail", args=[w.export.pk])),
    Page("official", "export-workbook", lambda w: reverse("reports:export_detail", args=[w.workbook_export.pk])),
    # A table export over EXPORT_INLINE_MAX_ROWS (set to 0 by the walks): its confirmation page, then a
    # failed job's page (the reason in an alert) and the auditor's running audit-log job (polling).
    Page("official", "export-table-confirm", lambda w: f"{reverse('reports:ranking_xlsx')}?round={w.round.pk}"),
    Page("official", "export-table", lambda w: reverse("reports:export_detail", args=[w.table_export.pk])),
    Page("auditor", "export-audit-confirm", lambda w: reverse("audit:event_export")),
    Page("auditor", "export-audit-job", lambda w: reverse("reports:export_detail", args=[w.audit_export.pk])),
    Page("city_official", "overview", lambda w: reverse("reports:overview")),
    Page("city_official", "analytics", lambda w: reverse("analytics:page")),
    Page("city_official", "ranking", lambda w: reverse("reports:ranking")),
    Page("city_official", "dashboard", lambda w: reverse("reports:dashboard")),
    Page("city_official", "school-report", lambda w: reverse("reports:school_report", args=[w.other_evaluation.pk])),
    # Admin
    Page("admin", "overview", lambda w: reverse("reports:overview")),
    Page("admin", "ranking", lambda w: reverse("reports:ranking")),
    Page("admin", "analytics", lambda w: reverse("analytics:page")),
    Page("admin", "round-list", lambda w: reverse("evaluation:round_list")),
    Page("admin", "round-new", lambda w: reverse("evaluation:round_create")),
    Page("admin", "round-edit", lambda w: reverse("evaluation:round_edit", args=[w.round.pk])),
    Page("admin", "round-detail", lambda w: reverse("evaluation:round_detail", args=[w.round.pk])),
    Page("admin", "panel-assign", lambda w: reverse("evaluation:panel_assign", args=[w.round.pk])),
    Page("admin", "consolidation-finalized",
         lambda w: reverse("evaluation:evaluation_detail", args=[w.other_evaluation.pk])),
    Page("admin", "two-factor", lambda w: reverse("twofactor:manage")),
    Page("admin", "school-list", lambda w: reverse("schools:school_list")),
    Page("admin", "school-new", lambda w: reverse("schools:school_create")),
    Page("admin", "school-edit", lambda w: reverse("schools:school_edit", args=[w.school.pk])),
    Page("admin", "school-import", lambda w: reverse("schools:school_import")),
    Page("admin", "rubric-list", lambda w: reverse("rubric:version_list")),
    Page("admin", "rubric-editor", lambda w: reverse("rubric:version_detail", args=[w.draft.pk])),
    Page("admin", "rubric-published", lambda w: reverse("rubric:version_detail", args=[w.version.pk])),
    Page("admin", "rubric-compare",
         lambda w: reverse("rubric:version_compare") + f"?old={w.version.code}&new={w.draft.code}"),
    Page("admin", "rubric-history", lambda w: reverse("rubric:version_history", args=[w.draft.pk])),
    Page("admin", "rubric-clone", lambda w: reverse("rubric:version_clone", args=[w.version.pk])),
    # Issue 18 audit: every routed page for every role that may open it (a page differs by role in its
    # top bar, its read-only branches and its data), and the pages a browser reaches only after a POST
    # (test_axe_after_a_post below).
    Page("anon", "throttled", render="accounts/throttled.html"),
    Page("anon", "two-factor-locked", render="twofactor/locked.html"),
    Page("alice", "two-factor", lambda w: reverse("twofactor:manage")),
    Page("alice", "two-factor-setup", lambda w: reverse("twofactor:setup")),
    Page("alice", "rectification-ledger-empty", lambda w: reverse("rectification:ledger")),
    Page("alice", "self-review-panel", lambda w: reverse("selfassessment:review", args=[_panel_self(w)])),
    Page("lead", "scorecard-of-panel-member",
         lambda w: reverse("evaluation:scorecard", args=[_card(w, w.alice)])),
    Page("lead", "observations-of-panel-member",
         lambda w: reverse("evaluation:observations", args=[_card(w, w.alice)])),
    Page("lead", "self-review-panel", lambda w: reverse("selfassessment:review", args=[_panel_self(w)])),
    Page("bob", "rectification-ledger", lambda w: reverse("rectification:ledger")),
    Page("bob", "rectification-item", lambda w: reverse("rectification:item_detail", args=[w.rect_reported.pk])),
    Page("bob", "rectification-create",
         lambda w: reverse("rectification:create", args=[w.other_evaluation.pk]) + "?source=low_score&elements=C1"),
    Page("bob", "final-score-history",
         lambda w: reverse("evaluation:final_score_history", args=[w.other_evaluation.pk])),
    Page("official", "analytics", lambda w: reverse("analytics:page")),
    Page("official", "renewal", lambda w: reverse("recognition:renewal") + "?days=3650"),
    Page("official", "objections", lambda w: reverse("recognition:objections", args=[w.round.pk])),
    Page("official", "scorecard-read-only", lambda w: reverse("evaluation:scorecard", args=[_card(w, w.alice)])),
    Page("official", "observations", lambda w: reverse("evaluation:observations", args=[_card(w, w.alice)])),
    Page("official", "consolidation-read-only",
         lambda w: reverse("evaluation:evaluation_detail", args=[w.evaluation.pk])),
    Page("official", "final-score-history",
         lambda w: reverse("evaluation:final_score_history", args=[w.evaluation.pk])),
    Page("official", "rectification-ledger-empty", lambda w: reverse("rectification:ledger")),
    Page("official", "self-review-admitted", lambda w: reverse("selfassessment:review", args=[_panel_self(w)])),
    Page("city_official", "round-list", lambda w: reverse("evaluation:round_list")),
    Page("city_official", "round-detail", lambda w: reverse("evaluation:round_detail", args=[w.round.pk])),
    Page("city_official", "recognition-index", lambda w: reverse("recognition:index")),
    Page("city_official", "objection-detail",
         lambda w: reverse("recognition:objection_detail", args=[w.objection.pk])),
    Page("city_official", "renewal", lambda w: reverse("recognition:renewal") + "?days=3650"),
    Page("city_official", "school-story", lambda w: reverse("reports:school_story", args=[w.other_school.pk])),
    Page("city_official", "rectification-ledger", lambda w: reverse("rectification:ledger")),
    Page("city_official", "rectification-item",
         lambda w: reverse("rectification:item_detail", args=[w.rect_reported.pk])),
    Page("city_official", "self-status", lambda w: reverse("selfassessment:status") + f"?round={w.sa_round.pk}"),
    Page("city_official", "opinion-read-only", lambda w: reverse("evaluation:opinion", args=[w.finalized.pk])),
    Page("admin", "school-story", lambda w: reverse("reports:school_story", args=[w.school.pk])),
    Page("admin", "final-score-history",
         lambda w: reverse("evaluation:final_score_history", args=[w.other_evaluation.pk])),
    Page("admin", "opinion", lambda w: reverse("evaluation:opinion", args=[w.evaluation.pk])),
    Page("admin", "scorecard-read-only", lambda w: reverse("evaluation:scorecard", args=[_card(w, w.alice)])),
    Page("admin", "school-report", lambda w: reverse("reports:school_report", args=[w.finalized.pk])),
    Page("admin", "dashboard", lambda w: reverse("reports:dashboard")),
    Page("admin", "rectification-item-pending",
         lambda w: reverse("rectification:item_detail", args=[w.rect_pending.pk])),
    Page("admin", "self-status", lambda w: reverse("selfassessment:status") + f"?round={w.sa_round.pk}"),
    Page("school_user", "rectification-school-empty", lambda w: reverse("rectification:school_items"),
         widths=(1280, 768, PHONE)),
    Page("school_user", "two-factor", lambda w: reverse("twofactor:manage"), widths=(1280, 768, PHONE)),
    Page("school_user", "password-change", lambda w: reverse("accounts:password_change"),
         widths=(1280, 768, PHONE)),
    Page("other_school_user", "my-results", lambda w: reverse("reports:my_results"), widths=(1280, 768, PHONE)),
    Page("other_school_user", "school-story", lambda w: reverse("reports:school_story", args=[w.other_school.pk]),
         widths=(1280, 768, PHONE)),
    Page("other_school_user", "self-home", lambda w: reverse("selfassessment:home"), widths=(1280, 768, PHONE)),
    Page("other_school_user", "self-status", lambda w: reverse("selfassessment:status"), widths=(1280, 768, PHONE)),
    Page("security_admin", "user-new", lambda w: reverse("accounts:user_create")),
    Page("security_admin", "user-import", lambda w: reverse("accounts:user_import")),
    Page("security_admin", "two-factor", lambda w: reverse("twofactor:manage")),
    Page("auditor", "two-factor", lambda w: reverse("twofactor:manage")),
    Page("auditor", "password-change", lambda w: reverse("accounts:password_change")),
    Page("nobody", "password-change", lambda w: reverse("accounts:password_change")),
    # 学校自评申报: the school's pages (phones too), the district's review, the city's admission
    Page("school_user", "home", lambda w: reverse("accounts:home"), redirects=True),
    Page("school_user", "self-home", lambda w: reverse("selfassessment:home"), widths=(1280, 768, PHONE)),
    Page("school_user", "self-workspace", lambda w: reverse("selfassessment:workspace", args=[w.sa_round.pk]),
         widths=(1280, 768, PHONE)),
    Page("school_user", "self-status", lambda w: reverse("selfassessment:status"), widths=(1280, 768, PHONE)),
    Page("school_user", "self-review-own", lambda w: reverse("selfassessment:review", args=[w.sa_draft.pk])),
    Page("other_school_user", "self-workspace-returned",
         lambda w: reverse("selfassessment:workspace", args=[w.sa_round.pk]), widths=(1280, 768, PHONE)),
    Page("official", "self-status", lambda w: reverse("selfassessment:status") + f"?round={w.sa_round.pk}"),
    Page("official", "self-review", lambda w: reverse("selfassessment:review", args=[w.sa_submitted.pk])),
    Page("official", "nominations", lambda w: reverse("selfassessment:nominations", args=[w.nom_round.pk])),
    Page("official", "school-report-self", lambda w: reverse("reports:school_report", args=[w.evaluation.pk])),
    Page("admin", "self-admission", lambda w: reverse("selfassessment:admission") + f"?round={w.sa_round.pk}"),
    Page("admin", "self-review-recommended", lambda w: reverse("selfassessment:review", args=[w.sa_recommended.pk])),
    # After the visit (issue 14): 评价意见, 拟认定 → 公示 → 异议 → 认定
    Page("alice", "observations", lambda w: reverse("evaluation:observations", args=[_card(w, w.alice)])),
    Page("lead", "opinion", lambda w: reverse("evaluation:opinion", args=[w.evaluation.pk])),
    Page("official", "opinion-read-only", lambda w: reverse("evaluation:opinion", args=[w.finalized.pk])),
    Page("admin", "recognition-index", lambda w: reverse("recognition:index")),
    Page("admin", "recognition-draft", lambda w: reverse("recognition:list_detail", args=[w.draft_round.pk])),
    Page("admin", "recognition-publish", lambda w: reverse("recognition:publish", args=[w.draft_round.pk])),
    Page("admin", "recognition-publicity", lambda w: reverse("recognition:list_detail", args=[w.round.pk])),
    Page("admin", "objections", lambda w: reverse("recognition:objections", args=[w.round.pk])),
    Page("admin", "objection-new", lambda w: reverse("recognition:objection_create", args=[w.round.pk])),
    Page("admin", "objection-detail", lambda w: reverse("recognition:objection_detail", args=[w.objection.pk])),
    Page("admin", "recognition-conclude", lambda w: reverse("recognition:conclude", args=[w.round.pk])),
    Page("admin", "recognition-concluded", lambda w: reverse("recognition:list_detail", args=[w.done_round.pk])),
    Page("official", "recognition-index", lambda w: reverse("recognition:index")),
    Page("official", "recognition-publicity", lambda w: reverse("recognition:list_detail", args=[w.round.pk])),
    Page("official", "objection-detail", lambda w: reverse("recognition:objection_detail", args=[w.objection.pk])),
    Page("city_official", "recognition-concluded",
         lambda w: reverse("recognition:list_detail", args=[w.done_round.pk])),
    # 整改与复核 (issue 14 part 6): the ledger, raising items, the school's page, an item to report on and one to review
    Page("admin", "rectification-ledger", lambda w: reverse("rectification:ledger")),
    Page("admin", "rectification-create",
         lambda w: reverse("rectification:create", args=[w.other_evaluation.pk]) + "?source=low_score&elements=C1"),
    Page("admin", "rectification-item-review", lambda w: reverse("rectification:item_detail", args=[w.rect_reported.pk])),
    Page("other_school_user", "rectification-school", lambda w: reverse("rectification:school_items"),
         widths=(1280, 768, PHONE)),
    Page("other_school_user", "rectification-item",
         lambda w: reverse("rectification:item_detail", args=[w.rect_pending.pk]), widths=(1280, 768, PHONE)),
    Page("anon", "public-notices", lambda w: reverse("public:notice_index"), widths=(1280, 768, PHONE)),
    Page("anon", "public-notice", lambda w: reverse("public:notice", args=[w.round.pk]), widths=(1280, 768, PHONE)),
    # What a school sees once results are published, 学校发展档案, 复评 (issue 14 parts 5 and 7)
    Page("school_user", "my-results", lambda w: reverse("reports:my_results"), widths=(1280, 768, PHONE)),
    Page("school_user", "school-story", lambda w: reverse("reports:school_story", args=[w.school.pk]),
         widths=(1280, 768, PHONE)),
    Page("official", "school-story", lambda w: reverse("reports:school_story", args=[w.school.pk])),
    Page("admin", "renewal", lambda w: reverse("recognition:renewal") + "?days=3650"),
    Page("city_official", "renewal-invalid", lambda w: reverse("recognition:renewal") + "?days=abc"),
    # 满意度问卷: the signed-in pages and the public phone pages (360 px)
    Page("admin", "surveys-index", lambda w: reverse("surveys:index")),
    Page("admin", "surveys-create", lambda w: reverse("surveys:campaign_create")),
    Page("admin", "surveys-campaign", lambda w: reverse("surveys:campaign_detail", args=[w.survey_campaign.pk])),
    Page("official", "surveys-round", lambda w: reverse("surveys:round_results", args=[w.round.pk])),
    Page("school_user", "surveys-campaign", lambda w: reverse("surveys:campaign_detail", args=[w.survey_campaign.pk]),
         widths=(1280, 768, PHONE)),
    Page("anon", "survey-enter", lambda w: reverse("survey_public:enter"), widths=(1280, 768, PHONE)),
    Page("anon", "survey-enter-invalid", lambda w: reverse("survey_public:enter") + "?code=abc",
         widths=(1280, 768, PHONE)),
    Page("anon", "survey-answer", lambda w: reverse("survey_public:answer", args=[w.survey_codes[0]]),
         widths=(1280, 768, PHONE)),
    Page("anon", "survey-used", lambda w: reverse("survey_public:answer", args=[w.survey_codes[1]]),
         widths=(1280, 768, PHONE)),
    Page("anon", "survey-thanks", lambda w: reverse("survey_public:thanks"), widths=(1280, 768, PHONE)),
    # 校准评估 (issue 15 part 2; see _calibration_world)
    Page("admin", "calibration-index", lambda w: reverse("calibration:index")),
    Page("admin", "calibration-create", lambda w: reverse("calibration:create")),
    Page("admin", "calibration-detail", lambda w: reverse("calibration:detail", args=[w.calibration.pk])),
    Page("admin", "calibration-report", lambda w: reverse("calibration:report", args=[w.calibration.pk])),
    Page("alice", "calibration-mine", lambda w: reverse("calibration:mine")),
    Page("alice", "calibration-brief", lambda w: reverse("calibration:brief", args=[w.calibration.evaluation_id])),
    Page("alice", "calibration-scorecard", lambda w: reverse("evaluation:scorecard", args=[
        Scorecard.objects.get(evaluation=w.calibration.evaluation, inspector=w.alice).pk])),
    # Security admin and auditor
    Page("security_admin", "school-accounts", lambda w: reverse("accounts:school_accounts")),
    Page("security_admin", "user-list", lambda w: reverse("accounts:user_list")),
    Page("security_admin", "user-edit", lambda w: reverse("accounts:user_edit", args=[w.alice.pk])),
    Page("security_admin", "password-change", lambda w: reverse("accounts:password_change")),
    Page("auditor", "audit-log", lambda w: reverse("audit:event_list")),
    # API 令牌 (issue 17): one's own tokens and the form, the key shown once, the security admin's list
    Page("alice", "api-tokens", lambda w: reverse("api_tokens:list")),
    Page("alice", "api-token-created", render="api/token_created.html"),
    Page("security_admin", "api-tokens-all", lambda w: reverse("api_tokens:all")),
    # The API docs (Swagger UI) are the same page for every signed-in role. distinct_names=False: every
    # operation has its own "copy path" button, named by Swagger UI, not by us.
    Page("auditor", "api-docs", lambda w: reverse("api:docs"), distinct_names=False),
]

ROLES = list(dict.fromkeys(p.role for p in PAGES))


def _notifications_world(w):
    """A read and an unread notification for alice (the bell shows a count; the list both states), and
    an empty member on the open panel so the admin's consolidation page offers 移出专家组."""
    from accounts import roles
    from notifications.models import Kind
    from notifications.services import notification_read, notify

    [first] = notify(users=[w.alice], kind=Kind.PANEL_ASSIGNED, title="您被分配到雁塔区第一小学的专家组",
                     body="评估批次：2026年度新优质学校评估", url=reverse("evaluation:inspector_home"))
    notification_read(notification=first, by=w.alice)
    notify(users=[w.alice], kind=Kind.SCORECARD_RETURNED, title="您对雁塔区第一小学的评分表被组长退回",
           body="退回原因：C12 证据不足")
    Scorecard.objects.get_or_create(evaluation=w.evaluation,
                                    inspector=f.user("carol_axe", roles.INSPECTOR, name="钱专家"))


def _more_world(w):
    """What the pages need beyond `world`: scores in progress on the panel's evaluation, two
    finalized evaluations (ranking, dashboard, reports), one with nothing scored (the school report's
    empty state), a draft rubric for the editor, an export job."""
    from rubric.services import element_update, rubric_clone

    give_scores(w.evaluation, lambda el, k: el.points if k == 0 or el.order % 3 else half(el), finalize=False)
    give_scores(w.other_evaluation, half, by=w.bob)
    w.finalized = f.evaluation(w.round, f.school(w.district, name="雁塔区第二中学"), lead=w.bob, inspectors=[w.lead])
    give_scores(w.finalized, lambda el, k: el.points, by=w.bob)
    w.unscored = f.evaluation(w.round, f.school(w.district, name="雁塔区第五小学"), lead=w.bob)  # 暂无评分数据
    w.draft = rubric_clone(version=w.version, code="xian-2027", name="2027 修订稿", by=w.admin)
    element = w.draft.elements.order_by("order").first()
    element_update(element=element, text=element.text + "（修订）", by=w.admin)  # something in the history
    w.export = ExportJob.objects.create(round=w.round, district=w.district, requested_by=w.official,
                                        status=ExportJob.Status.DONE, total=1, done=1)
    w.workbook_export = ExportJob.objects.create(kind=ExportJob.Kind.WORKBOOK, round=w.round, district=w.district,
                                                 requested_by=w.official, total=3, done=1,
                                                 status=ExportJob.Status.RUNNING)  # the progress bar, polling
    w.table_export = ExportJob.objects.create(
        kind=ExportJob.Kind.TABLE, round=w.round, requested_by=w.official, export_name="ranking",
        params={"round": str(w.round.pk)}, label="排名结果（Excel）", status=ExportJob.Status.FAILED, total=2,
        failures=[{"school_code": "", "school_name": "", "error": "表格生成失败：RuntimeError: 磁盘已满"}])
    w.audit_export = ExportJob.objects.create(
        kind=ExportJob.Kind.TABLE, requested_by=w.auditor, export_name="audit_log", params={}, label="审计日志（Excel）",
        status=ExportJob.Status.RUNNING, total=120, done=40)
    _self_assessments(w)
    _recognition_world(w)
    _rectification_world(w)
    _story_world(w)
    _notifications_world(w)
    _api_tokens(w)
    _survey_world(w)
    _calibration_world(w)
    return w


def _api_tokens(w):
    """Two of alice's API tokens, one revoked (the token pages list both)."""
    from datetime import datetime, timezone as dt_timezone

    from api.services import token_create, token_revoke

    at = datetime(2026, 11, 2, 2, 0, tzinfo=dt_timezone.utc)
    token_create(user=w.alice, name="区数据中心同步", scope="read", days=365, now=at)
    old = token_create(user=w.alice, name="旧脚本", scope="write", days=30, now=at).token
    token_revoke(token=old, by=w.alice, now=at)


def _survey_world(w):
    """A 满意度 campaign for the 雁塔 school (parents and students, open until 2099), a few answers with an open
    one, a batch of codes: one unused (the phone page), one used (the refusal page)."""
    from datetime import datetime, timezone

    from surveys import services as ss

    qs = {q.group: q for q in ss.questionnaire_defaults_install(rubric_version=w.version)}
    w.survey_campaign = ss.campaign_create(
        round=w.round, school=w.school, opens_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        closes_at=datetime(2099, 1, 1, tzinfo=timezone.utc),
        questionnaires={"parent": qs["parent"], "student": qs["student"]}, by=w.admin)
    moment = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
    group = w.survey_campaign.groups.get(group="parent")
    w.survey_codes = ss.codes_generate(group=group, count=4, base_url="http://testserver", by=w.admin,
                                       now=moment).plain_codes
    for n, code in enumerate(w.survey_codes[1:]):
        data = {i.pk: ("家长的意见" if i.kind == "open" else (1 if i.kind == "yes_no" else 5 - n))
                for i in group.questionnaire.items.all()}
        ss.response_submit(code=code, data=data, now=moment)


def _calibration_world(w):
    """A calibration case from the panel's evaluation: a reference for C1–C2, alice submitted, bob a draft."""
    from decimal import Decimal

    from calibration import services as cs
    from evaluation.models import Score

    w.calibration = cs.calibration_create(title="校准案例（课堂观察）", source=w.evaluation, anonymized=True,
                                          description="请按评估细则评分。", by=w.admin)
    cs.calibration_members_add(case=w.calibration, inspectors=[w.alice, w.bob], by=w.admin)
    cs.reference_save(case=w.calibration, values={"C1": "1", "C2": "0.5"}, by=w.admin)
    card = Scorecard.objects.get(evaluation=w.calibration.evaluation, inspector=w.alice)
    Score.objects.bulk_create([Score(scorecard=card, element=e, points=Decimal("0.5"), version=1, updated_by=w.alice)
                               for e in w.version.elements.all()])
    Scorecard.objects.filter(pk=card.pk).update(status=Scorecard.Status.SUBMITTED)


def _rectification_world(w):
    """Two 整改事项 on the 碑林 school's finalized evaluation (its lead bob), results published to schools:
    one reported with a file (awaiting 复核), one pending (the school's report form)."""
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from evaluation.models import Round
    from rectification import services as rs
    from tests.selfassessment.conftest import PDF

    today = timezone.localdate()
    Round.objects.filter(pk=w.round.pk).update(results_published_to_schools=True)
    common = {"evaluation": w.other_evaluation, "requirement": "完善校本评价制度并落实到各年级。", "responsible": "张校长",
              "by": w.bob, "today": today}
    w.rect_reported = rs.rectification_item_create(element_codes="C1", problem="课程评价机制有待完善。",
                                                   deadline=today + timedelta(days=60), source="low_score", **common)
    rs.rectification_report(item=w.rect_reported, text="已修订评价制度。", by=w.other_school_user,
                            files=[SimpleUploadedFile("整改材料.pdf", PDF, content_type="application/pdf")])
    w.rect_pending = rs.rectification_item_create(element_codes="", problem="家校沟通渠道单一。",
                                                  deadline=today,
                                                  source="opinion", **common)
    # A second pending item: two report forms on the school's page must be told apart.
    rs.rectification_item_create(element_codes="C2", problem="校本教研记录不完整。", deadline=today + timedelta(days=30),
                                 source="low_score", **common)


def _story_world(w):
    """An earlier round (2023) in which the 雁塔 school (world.school) was finalized with an opinion and whose
    results are published to the schools: its account's results page and 学校发展档案 have something to show,
    and the scorecard, consolidation and school report show the previous round's scores."""
    from evaluation import services as es

    # Closed, as a past round is: the inspectors' home lists open rounds only.
    old = f.round_(w.version, name="2023年度新优质学校评估", year=2023, pass_mark="60", status="closed")
    ev = f.evaluation(old, w.school, lead=w.lead, inspectors=[w.alice])
    give_scores(ev, half, by=w.lead)
    f.opinion(ev, dimension_notes={"A1": "办学理念清晰"})
    es.round_results_publish(round=old, published=True, by=w.admin)


def _recognition_world(w):
    """Recognition in its three states: world.round's list in 公示 with one open objection (and the
    finalized school's opinion), a 2025 round with a draft list, a 2024 round concluded."""
    from datetime import timedelta

    from django.utils import timezone

    from evaluation.models import Round
    from recognition import services as rs
    from recognition.models import RecognitionEntry, RecognitionList

    today = timezone.localdate()
    Round.objects.filter(pk=w.round.pk).update(pass_mark="80")
    f.opinion(w.finalized, dimension_notes={"A3": "课程体系完整"})
    rs.recognition_list_build(round=w.round, by=w.admin)
    rlist = RecognitionList.objects.get(round=w.round)
    rs.recognition_publish(rlist=rlist, objection_contact="市教育局督导室 029-00000000", by=w.admin, today=today)
    w.objection = rs.objection_record(
        rlist=rlist, entry=RecognitionEntry.objects.get(evaluation=w.finalized), received_on=today, channel="letter",
        content="反映该校课后服务收费不规范。", contact="王先生 13800000000", by=w.admin, today=today)
    for attr, year, state in (("draft_round", 2025, "draft"), ("done_round", 2024, "done")):
        rnd = f.round_(w.version, name=f"{year}年度新优质学校评估", year=year, pass_mark="80")
        setattr(w, attr, rnd)
        ev = f.evaluation(rnd, f.school(w.district, name=f"雁塔区{year}届学校"), lead=w.bob, inspectors=[w.lead])
        give_scores(ev, lambda el, k: el.points, by=w.bob)
        other = f.evaluation(rnd, f.school(w.other_district, name=f"碑林区{year}届学校"), lead=w.bob)
        give_scores(other, half, by=w.bob)
        rs.recognition_list_build(round=rnd, by=w.admin)
        if state == "done":
            start = today - timedelta(days=30)
            done = RecognitionList.objects.get(round=rnd)
            rs.recognition_publish(rlist=done, objection_contact="督导室", by=w.admin, today=start)
            rs.recognition_conclude(rlist=done, document_no="市教发〔2024〕8号", recognized_on=start + timedelta(days=10),
                                    by=w.admin, today=start + timedelta(days=10))


def _self_assessments(w):
    """学校自评申报 in every state the pages show, on the small rubric; and the 雁塔 school's admitted
    self-assessment beside the panel's work in world.round (scorecard, consolidation, report)."""
    from accounts import roles
    from rubric.models import Element
    from selfassessment import services as sa_services
    from tests.selfassessment.conftest import admitted_on_panel, fill, open_round, recommended, small_version, submitted

    admitted_on_panel(w)
    w.small = small_version()
    w.sa_round = open_round(w.small)
    w.elements = {e.code: e for e in Element.objects.filter(version=w.small)}
    w.sa_draft = fill(w)
    returned = submitted(w, school_user=w.other_school_user)
    sa_services.self_assessment_return(self_assessment=returned, by=w.other_official, reason="请补充材料",
                                       element_reasons={"C3": "年度计划不全"})
    third = f.school(w.district, name="雁塔区第三小学")
    fourth = f.school(w.district, name="雁塔区第四小学")
    w.sa_submitted = submitted(w, school_user=f.user("xx3", roles.SCHOOL, school=third))
    w.sa_recommended = recommended(w, school_user=f.user("xx4", roles.SCHOOL, school=fourth))
    w.nom_round = open_round(w.small, name="2027年度区县提名批次", applicants="nominated")
    sa_services.nominations_set(round=w.nom_round, district_ids=[w.district.pk], schools=[third], by=w.official)


def _session_cookie(live_server, user):
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url}


def _rendered(template):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    return render_to_string(template, request=request)


def _serve(html):
    return lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8")


def _axe(pg):
    """Run axe in the page (evaluated, not a <script> tag: the CSP forbids inline scripts)."""
    if not pg.evaluate("() => typeof window.axe !== 'undefined'"):
        pg.evaluate(AXE_SOURCE)
    return pg.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, help: v.help, impact: v.impact,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html, summary: n.failureSummary}))}));
        }""",
        TAGS,
    )


CONTROL_ROLES = ("link", "button", "textbox", "combobox", "checkbox", "radio", "spinbutton", "searchbox", "slider")


def _repeated_names(pg):
    """Controls in <main> with the same role and accessible name but different targets (Playwright's
    ARIA snapshot computes the names as a screen reader would)."""
    seen = {}
    lines = pg.locator("main").aria_snapshot().splitlines()
    for k, line in enumerate(lines):
        text = line.strip()
        for role in CONTROL_ROLES:
            if text.startswith(f"- {role} "):
                name = text[len(role) + 3:].split('"')[1] if '"' in text else ""
                following = lines[k + 1].strip() if k + 1 < len(lines) else ""
                url = following[len("- /url:"):].strip() if following.startswith("- /url:") else str(k)
                seen.setdefault((role, name), set()).add(url)
    return sorted(f'{len(urls)} × {role} "{name}"' for (role, name), urls in seen.items() if len(urls) > 1)


def _report(where, violations):
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s)")
        for n in v["nodes"][:8]:
            summary = " ".join((n["summary"] or "").split())
            html = " ".join(n["html"].split())[:120]
            lines.append(f"    {n['target']}  {html}\n      →  {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return lines


@pytest.mark.parametrize("role", ROLES)
def test_axe_finds_no_wcag_violations(role, world, live_server, browser, settings):
    settings.PUBLIC_NOTICE_ENABLED = True  # the optional public 公示 pages are checked too
    settings.EXPORT_INLINE_MAX_ROWS = 0  # an export link answers its confirmation page (export-*-confirm)
    w = _more_world(world)
    pages = [p for p in PAGES if p.role == role]
    context = browser.new_context(locale="zh-CN", viewport={"width": DEFAULT_WIDTHS[0], "height": 900})
    if role != "anon":
        context.add_cookies([_session_cookie(live_server, getattr(w, role))])
    for p in pages:
        if p.render:
            context.route(f"**/__axe__/{p.name}", _serve(_rendered(p.render)))
    pg = context.new_page()
    problems = []
    try:
        for p in pages:
            url = f"/__axe__/{p.name}" if p.render else p.url(w)
            for width in p.widths:
                pg.set_viewport_size({"width": width, "height": 900})
                pg.goto(live_server.url + url)
                pg.wait_for_load_state("networkidle")
                if not p.redirects and not p.render:
                    assert urlsplit(pg.url).path == urlsplit(url).path, f"{role} {p.name}: sent to {pg.url}"
                where = f"[{role} · {p.name} · {width}px] {url}"
                problems += _report(where, _axe(pg))
                if p.distinct_names and width == p.widths[0]:
                    problems += [f"{where}: controls with the same name: {r}" for r in _repeated_names(pg)]
    finally:
        context.close()
    assert not problems, "WCAG 2.1 A/AA problems (axe-core, repeated control names):\n" + "\n".join(problems)


def test_every_role_page_list_is_well_formed(world):
    """Every role named in PAGES is a user of `world` (or anon), a page has a URL or a template, not
    both, and names are unique per role (they name the page in failure messages)."""
    assert all(p.role == "anon" or hasattr(world, p.role) for p in PAGES)
    keys = [(p.role, p.name) for p in PAGES]
    assert len(keys) == len(set(keys))
    assert all((p.url is None) != (p.render is None) for p in PAGES)


def test_axe_core_is_used_only_by_tests():
    """The vendored axe-core is a test tool: no template or static file may load it."""
    version = (AXE_DIR / "VERSION").read_text().strip()
    assert AXE_DIR.name == f"axe-core-{version}"
    assert AXE_SOURCE.startswith(f"/*! axe v{version}")
    base = Path(settings.BASE_DIR)
    for folder in ("templates", "static"):
        for path in (base / folder).rglob("*"):
            if path.is_file() and path.suffix in {".html", ".js", ".css", ".py"} and AXE_DIR not in path.parents:
                text = path.read_text(encoding="utf-8", errors="ignore")
                assert "axe-core" not in text and "axe.min.js" not in text, f"{path} loads axe-core"


# Pages that are in PAGES to be refused: their error page is what is checked.
REFUSED = {("alice", "403"): 403, ("anon", "404"): 404,
           # The survey's refusal pages for a phone: a malformed code, a code already used.
           ("anon", "survey-enter-invalid"): 400, ("anon", "survey-used"): 409}


def test_every_listed_page_opens_for_its_role(world, settings):
    """Each routed page in PAGES answers 200 to its role (not a 403/404 page checked by mistake, which
    the browser walk cannot tell from the real page by its path), except those listed to be refused."""
    settings.PUBLIC_NOTICE_ENABLED = True
    settings.EXPORT_INLINE_MAX_ROWS = 0
    w = _more_world(world)
    wrong = []
    for role in ROLES:
        client = Client()
        if role != "anon":
            client.force_login(getattr(w, role))
        for p in (p for p in PAGES if p.role == role and p.url):
            status = client.get(p.url(w)).status_code
            expected = REFUSED.get((role, p.name), 302 if p.redirects else 200)
            if status != expected:
                wrong.append(f"{role} · {p.name}: {status}, expected {expected}")
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------- pages a browser reaches only by posting
# A refused file, a form sent empty, a wrong password, a one-time password shown once: the pages (and page
# states) that PAGES cannot list by URL. Each row: role, name, the page to start on, what the user does there,
# and a text the resulting page must show (so the walk checks the state it means to).
NOT_A_WORKBOOK = {"name": "评分表.xlsx", "mimeType": "application/octet-stream", "buffer": "不是工作簿".encode()}


def _open_everything(pg):
    pg.evaluate("() => { document.querySelectorAll('details').forEach(d => { d.open = true; }); }")


def _send_bad_file(pg):
    """The first form in <main> with a file field, sent with a file that is not what it asks for."""
    _open_everything(pg)
    form = pg.locator("main form:has(input[type=file])").first
    form.locator("input[type=file]").first.set_input_files(NOT_A_WORKBOOK)
    form.evaluate("f => { f.noValidate = true; }")
    form.locator("button[type=submit]").first.click()


def _send_empty(pg):
    """The page's main form sent as it stands, the browser's own checks off (the server's must speak)."""
    form = pg.locator("main form[method=post]:not([hidden])").first
    form.evaluate("f => { f.noValidate = true; }")
    form.locator("button[type=submit]").last.click()


def _wrong_password(pg):
    for field in pg.locator("main input[type=password]").all():
        field.fill("Wrong-password-123")
    pg.locator("main button[type=submit]").first.click()


def _wrong_login(pg):
    pg.get_by_label("用户名").fill("alice")
    pg.get_by_label("密码").fill("Wrong-password-123")
    pg.get_by_role("button", name="登录").click()


def _reset_password(pg):
    pg.once("dialog", lambda dialog: dialog.accept())
    pg.get_by_role("button", name="重置密码").click()


POSTED = [
    ("anon", "login-refused", lambda w: reverse("accounts:login"), _wrong_login, "用户名或密码"),
    ("alice", "scorecard-upload-refused", lambda w: reverse("evaluation:scorecard", args=[_card(w, w.alice)]),
     _send_bad_file, "评分表导入失败"),
    ("alice", "password-change-refused", lambda w: reverse("accounts:password_change"), _wrong_password, ""),
    ("school_user", "self-upload-refused", lambda w: reverse("selfassessment:workspace", args=[w.sa_round.pk]),
     _send_bad_file, ""),
    ("admin", "round-form-refused", lambda w: reverse("evaluation:round_create"), _send_empty, ""),
    ("admin", "school-form-refused", lambda w: reverse("schools:school_create"), _send_empty, ""),
    ("admin", "school-import-refused", lambda w: reverse("schools:school_import"), _send_bad_file, ""),
    ("admin", "rubric-import-refused", lambda w: reverse("rubric:version_list"), _send_bad_file, "文件被拒绝"),
    ("security_admin", "user-form-refused", lambda w: reverse("accounts:user_create"), _send_empty, ""),
    ("security_admin", "user-import-refused", lambda w: reverse("accounts:user_import"), _send_bad_file, ""),
    ("security_admin", "one-time-password", lambda w: reverse("accounts:user_edit", args=[w.alice.pk]),
     _reset_password, "一次性密码"),
]


def test_axe_after_a_post(world, live_server, browser, settings):
    """The pages and states reached by posting, for their roles, at 1280 and 768 px: 0 WCAG A/AA
    violations and no repeated control names. An error state must carry its reason in an alert or
    next to the field (an .invalid-feedback, or the page's error list)."""
    w = _more_world(world)
    problems = []
    for role in dict.fromkeys(row[0] for row in POSTED):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        if role != "anon":
            context.add_cookies([_session_cookie(live_server, getattr(w, role))])
        pg = context.new_page()
        try:
            for page_role, name, start, act, marker in POSTED:
                if page_role != role:
                    continue
                for width in DEFAULT_WIDTHS:
                    pg.set_viewport_size({"width": width, "height": 900})
                    pg.goto(live_server.url + start(w))
                    pg.wait_for_load_state("networkidle")
                    act(pg)
                    pg.wait_for_load_state("networkidle")
                    where = f"[{role} · {name} · {width}px] {pg.url}"
                    text = pg.locator("main").inner_text()
                    assert marker in text, f"{where}: “{marker}” not on the page:\n{text[:500]}"
                    if name.endswith("-refused"):
                        reason = pg.locator("main [role=alert], main .invalid-feedback, main #upload-errors")
                        assert reason.count() > 0, f"{where}: no error shown:\n{text[:500]}"
                    problems += _report(where, _axe(pg))
                    if width == DEFAULT_WIDTHS[0]:
                        problems += [f"{where}: controls with the same name: {r}" for r in _repeated_names(pg)]
        finally:
            context.close()
    assert not problems, "WCAG 2.1 A/AA problems after a POST:\n" + "\n".join(problems)


# ---------------------------------------------------------------- what is folded away
# axe checks only what is rendered: text inside a closed <details> escapes it. These pages fold parts away
# (the school's side, offline upload, 退回 forms, element texts, methods); they are checked with every
# <details> open, alice's scorecard submitted so that the lead's 退回 form is there.
UNFOLDED = [
    ("lead", "consolidation", lambda w: reverse("evaluation:evaluation_detail", args=[w.evaluation.pk])),
    ("lead", "scorecard", lambda w: reverse("evaluation:scorecard", args=[_card(w, w.lead)])),
    ("lead", "opinion", lambda w: reverse("evaluation:opinion", args=[w.evaluation.pk])),
    ("alice", "scorecard-submitted", lambda w: reverse("evaluation:scorecard", args=[_card(w, w.alice)])),
    ("school_user", "self-workspace", lambda w: reverse("selfassessment:workspace", args=[w.sa_round.pk])),
    ("official", "school-report-self", lambda w: reverse("reports:school_report", args=[w.evaluation.pk])),
    ("official", "self-review", lambda w: reverse("selfassessment:review", args=[w.sa_submitted.pk])),
    ("admin", "rubric-editor", lambda w: reverse("rubric:version_detail", args=[w.draft.pk])),
    ("admin", "self-review-recommended", lambda w: reverse("selfassessment:review", args=[w.sa_recommended.pk])),
]


def test_axe_with_every_details_open(world, live_server, browser):
    from evaluation import services as es

    w = _more_world(world)
    es.scorecard_submit(scorecard=Scorecard.objects.get(pk=_card(w, w.alice)), by=w.alice)
    problems = []
    for role in dict.fromkeys(row[0] for row in UNFOLDED):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.add_cookies([_session_cookie(live_server, getattr(w, role))])
        pg = context.new_page()
        try:
            for page_role, name, url in UNFOLDED:
                if page_role != role:
                    continue
                for width in DEFAULT_WIDTHS:
                    pg.set_viewport_size({"width": width, "height": 900})
                    pg.goto(live_server.url + url(w))
                    pg.wait_for_load_state("networkidle")
                    assert urlsplit(pg.url).path == urlsplit(url(w)).path, f"{role} {name}: sent to {pg.url}"
                    folded = pg.locator("main details").count()
                    _open_everything(pg)
                    where = f"[{role} · {name} · {width}px · {folded} details open] {url(w)}"
                    problems += _report(where, _axe(pg))
                    if width == DEFAULT_WIDTHS[0]:
                        problems += [f"{where}: controls with the same name: {r}" for r in _repeated_names(pg)]
        finally:
            context.close()
    assert not problems, "WCAG 2.1 A/AA problems with every <details> open:\n" + "\n".join(problems)
