"""The role matrix over every named view (三权分立 and object-level access).

Data-driven: the routes are enumerated from the URLconf, so views that other apps add later
are walked too. Explicit expectations cover this area's views; for every other view the
general rules below must hold for every role.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.api.matrix import API_EXPECTED_GET

ROLES = ("admin", "lead", "alice", "bob", "official", "other_official", "city_official", "nobody",
         "security_admin", "auditor", "unscoped_official", "school_user", "other_school_user")

# Roles that hold no business data rights: outside their own pages they must never get a 200.
# A school's account (学校（填报）) is an outside party: only its own school's pages.
NON_BUSINESS = ("nobody", "security_admin", "auditor", "unscoped_official", "school_user", "other_school_user")
# Pages every signed-in person may open. evaluation:inspector_home lists only the requester's
# own scorecards, so for anyone without a panel seat it is an empty page, not a leak.
OPEN_TO_ALL = {"accounts:home", "accounts:login", "accounts:password_change", "accounts:healthz",
               "evaluation:inspector_home", "twofactor:manage", "twofactor:setup"}
OWN_PAGES = {
    "security_admin": {"accounts:user_list", "accounts:user_edit", "accounts:user_create", "accounts:user_import",
                       "accounts:user_import_template", "accounts:school_accounts"},
    "auditor": {"audit:event_list", "audit:event_export"},
    "nobody": set(),
    "unscoped_official": set(),  # an 教育局 account without a scope sees no results at all
    # A school account's own pages: its rounds; the rest are about its own school only (tested in
    # tests/selfassessment: another school's objects are 404).
    "school_user": {"selfassessment:home", "selfassessment:status"},
    "other_school_user": {"selfassessment:home", "selfassessment:status"},
}

ALL = dict.fromkeys(ROLES)
VIEWERS = {"admin", "official", "other_official", "city_official"}


def _only(role_ok, ok=200, other=403):
    return {r: (ok if r in role_ok else other) for r in ROLES}


# Expected GET status per role for this area's views.
EXPECTED_GET = {
    "accounts:home": {**{r: 302 for r in ROLES}, "nobody": 200},
    "accounts:login": {r: 200 for r in ROLES},
    "accounts:logout": {r: 405 for r in ROLES},
    "accounts:password_change": {r: 200 for r in ROLES},
    "accounts:healthz": {r: 200 for r in ROLES},
    "accounts:user_list": _only({"security_admin"}),
    "accounts:user_edit": _only({"security_admin"}),
    "accounts:user_create": _only({"security_admin"}),
    "accounts:user_import": _only({"security_admin"}),
    "accounts:user_import_template": _only({"security_admin"}),
    "accounts:school_accounts": _only({"security_admin"}),
    "accounts:user_password_reset": {r: 405 for r in ROLES},
    "audit:event_list": _only({"auditor"}),
    "audit:event_export": _only({"auditor"}),
    "reports:overview": _only({"admin", "official", "other_official", "city_official"}),
    "reports:workbook_start": {r: 405 for r in ROLES},  # POST only: starts the district workbook job
    "reports:table_export_start": {r: 405 for r in ROLES},  # POST only: starts a large table export's job
    # Own account's second factor. force_login stands for a finished login: the separated roles are
    # enrolled and verified (tests/conftest.py), so enrolment sends them on; others may enrol.
    "twofactor:manage": {r: 200 for r in ROLES},
    "twofactor:setup": {**{r: 200 for r in ROLES}, **{r: 302 for r in ("admin", "security_admin", "auditor")}},
    "twofactor:verify": {r: 302 for r in ROLES},
    "twofactor:recovery": {r: 405 for r in ROLES},
    "twofactor:reset": {r: 405 for r in ROLES},
    "analytics:page": _only({"admin", "official", "other_official", "city_official"}),
    "analytics:agreement_xlsx": _only({"admin", "official", "other_official", "city_official"}),
    "analytics:cv_xlsx": _only({"admin", "official", "other_official", "city_official"}),
    "analytics:elements_xlsx": _only({"admin", "official", "other_official", "city_official"}),
    # Leniency names inspectors: admins only.
    "analytics:leniency_xlsx": _only({"admin"}),
    # The lead's consolidation: final-score history reads like the consolidation page (panel
    # members other than the lead 403, outsiders 404); 退回 is POST only.
    "evaluation:final_score_history": {
        "admin": 200, "lead": 200, "alice": 403, "bob": 404, "official": 200, "other_official": 404,
        "city_official": 200, "nobody": 404, "security_admin": 404, "auditor": 404, "unscoped_official": 404,
        "school_user": 404, "other_school_user": 404,
    },
    "evaluation:scorecard_return": {r: 405 for r in ROLES},
    "evaluation:panel_member_remove": {r: 405 for r in ROLES},
    # Notifications: everyone signed in has their own list and email settings; opening is a POST (one's own only).
    "notifications:list": {r: 200 for r in ROLES},
    "notifications:settings": {r: 200 for r in ROLES},
    "notifications:open": {r: 405 for r in ROLES},
    "notifications:read_all": {r: 405 for r in ROLES},
    # 学校自评申报: a school account's own rounds; world.round takes no applications, so its
    # self-assessment pages are 404 for the schools and 403 for every other role.
    "selfassessment:home": {**_only({"school_user", "other_school_user"}),
                            **{r: 302 for r in ("admin", "official", "other_official", "city_official")}},
    # The chain's status: the city, districts in scope, a school its own row.
    "selfassessment:status": _only({"admin", "official", "other_official", "city_official", "school_user",
                                    "other_school_user"}),
    "selfassessment:admission": _only({"admin"}),
    "selfassessment:workspace": {**_only(set()), "school_user": 404, "other_school_user": 404},
    # One recommended self-assessment of the 雁塔 school (_self_assessment_objects): the city, the district in
    # scope, the school itself and — recommended — the panel of its evaluation read it and its files; everyone
    # else gets 404. The chain's steps and the file's delete are POST only.
    **{f"selfassessment:{name}": {
        "admin": 200, "lead": 200, "alice": 200, "bob": 404, "official": 200, "other_official": 404,
        "city_official": 200, "nobody": 404, "security_admin": 404, "auditor": 404, "unscoped_official": 404,
        "school_user": 200, "other_school_user": 404,
    } for name in ("review", "evidence_download")},
    **{f"selfassessment:{name}": {r: 405 for r in ROLES} for name in (
        "review_return", "review_recommend", "admit", "decline", "send_back", "evidence_delete")},
    # 评价意见 (issue 14): the lead's page reads like the consolidation page; an inspector's observations
    # (alice's card) like her scorecard: herself, the panel's lead, officials in scope and admins.
    "evaluation:opinion": {
        "admin": 200, "lead": 200, "alice": 403, "bob": 404, "official": 200, "other_official": 404,
        "city_official": 200, "nobody": 404, "security_admin": 404, "auditor": 404, "unscoped_official": 404,
        "school_user": 404, "other_school_user": 404,
    },
    "evaluation:observations": {
        "admin": 200, "lead": 200, "alice": 200, "bob": 404, "official": 200, "other_official": 404,
        "city_official": 200, "nobody": 404, "security_admin": 404, "auditor": 404, "unscoped_official": 404,
        "school_user": 404, "other_school_user": 404,
    },
    # The 督导评估意见书: officials in scope, admins and the panel's lead.
    "reports:opinion_pdf": {
        "admin": 200, "lead": 200, "alice": 403, "bob": 404, "official": 200, "other_official": 404,
        "city_official": 200, "nobody": 404, "security_admin": 404, "auditor": 404, "unscoped_official": 404,
        "school_user": 404, "other_school_user": 404,
    },
    # Recognition (a concluded list on world.round, see _recognition_objects): admins run it, officials read
    # it within their scope (the 雁塔 school's objection and certificate are 404 to the 碑林 official), and
    # inspectors, the separated admins and an official without a scope are refused.
    **{f"recognition:{name}": _only(VIEWERS) for name in (
        "index", "list_detail", "notice_pdf", "objections", "certificates_pdf", "recognized_xlsx", "recognized_pdf")},
    **{f"recognition:{name}": {**_only(VIEWERS), "other_official": 404} for name in (
        "objection_detail", "certificate_pdf")},
    # Concluded: the publish, new-objection and conclude pages send the admin back to the list.
    **{f"recognition:{name}": {**_only({"admin"}), "admin": 302} for name in (
        "publish", "objection_create", "conclude")},
    **{f"recognition:{name}": {r: 405 for r in ROLES} for name in ("list_build", "entry_decide", "results_publish")},
    # 整改与复核 (see _rectification_objects: world.evaluation finalized, results published to schools, one item
    # reported with a file). The ledger: admins, officials in scope, inspectors (their panels); a school account
    # is sent to its own page. An item: its school, its panel, officials in scope, admins; others 404.
    "rectification:ledger": {**_only(VIEWERS | {"lead", "alice", "bob"}),
                             "school_user": 302, "other_school_user": 302},
    "rectification:ledger_xlsx": _only(VIEWERS | {"lead", "alice", "bob"}),
    "rectification:school_items": _only({"school_user", "other_school_user"}),
    **{f"rectification:{name}": {
        "admin": 200, "lead": 200, "alice": 200, "bob": 404, "official": 200, "other_official": 404,
        "city_official": 200, "nobody": 404, "security_admin": 404, "auditor": 404, "unscoped_official": 404,
        "school_user": 200, "other_school_user": 404,
    } for name in ("item_detail", "evidence_download")},
    # Raising items: the evaluation's lead and admins; those who may read the evaluation 403, others 404.
    "rectification:create": {
        "admin": 200, "lead": 200, "alice": 403, "bob": 404, "official": 403, "other_official": 404,
        "city_official": 403, "nobody": 404, "security_admin": 404, "auditor": 404, "unscoped_official": 404,
        "school_user": 404, "other_school_user": 404,
    },
    **{f"rectification:{name}": {r: 405 for r in ROLES} for name in ("item_report", "item_review")},
    # What a school sees (issue 14 part 5/7): its own results page is for school accounts only (the others
    # have the school report); a school's 学校发展档案 (world.school, 雁塔) for admins and officials in scope
    # and the school's own account; another school's account 404; roles without results 403.
    "reports:my_results": _only({"school_user", "other_school_user"}),
    "reports:school_story": {**_only(VIEWERS | {"school_user"}), "other_official": 404, "other_school_user": 404},
    # 复评: the schools whose recognition is ending, like the other recognition pages.
    "recognition:renewal": _only(VIEWERS),
    "recognition:renewal_xlsx": _only(VIEWERS),
    # 满意度问卷 (see _survey_objects: a campaign for the 雁塔 school with a batch of codes). Its pages: admins,
    # officials in scope, the school's panel and the school's own account; slips for admins and the school;
    # raw answers (open text) for admins and the panel; the round comparison for admins and officials.
    "surveys:index": {**_only(VIEWERS | {"lead", "alice", "bob", "school_user", "other_school_user"})},
    "surveys:campaign_create": _only({"admin"}),
    "surveys:campaign_detail": {
        "admin": 200, "lead": 200, "alice": 200, "bob": 404, "official": 200, "other_official": 404,
        "city_official": 200, "nobody": 404, "security_admin": 404, "auditor": 404, "unscoped_official": 404,
        "school_user": 200, "other_school_user": 404,
    },
    "surveys:answers_xlsx": {
        "admin": 200, "lead": 200, "alice": 200, "bob": 404, "official": 403, "other_official": 404,
        "city_official": 403, "nobody": 404, "security_admin": 404, "auditor": 404, "unscoped_official": 404,
        "school_user": 403, "other_school_user": 404,
    },
    "surveys:batch_pdf": {
        "admin": 200, "lead": 403, "alice": 403, "bob": 404, "official": 403, "other_official": 404,
        "city_official": 403, "nobody": 404, "security_admin": 404, "auditor": 404, "unscoped_official": 404,
        "school_user": 200, "other_school_user": 404,
    },
    "surveys:codes_generate": {r: 405 for r in ROLES},
    "surveys:round_results": _only(VIEWERS),
    "surveys:results_xlsx": _only(VIEWERS),
    # The public answer pages need no login: open to everyone; an unknown code is 404 for everyone.
    "survey_public:enter": {r: 200 for r in ROLES},
    "survey_public:thanks": {r: 200 for r in ROLES},
    "survey_public:answer": {r: 404 for r in ROLES},
    # The public 公示 pages are off unless PUBLIC_NOTICE=1 (tests/recognition/test_publicity.py turns them on).
    "public:notice_index": {r: 404 for r in ROLES},
    "public:notice": {r: 404 for r in ROLES},
    # 开放接口 (issue 17): every API route and the API 令牌 pages, in one table shared with the token walk.
    **API_EXPECTED_GET,
    # 校准评估 (see _calibration_objects: a case on world.school with alice on it): admins run it; an
    # inspector reads their own results; the case's material only its inspectors and admins (404 otherwise).
    **{f"calibration:{name}": _only({"admin"}) for name in (
        "index", "create", "detail", "report", "report_download", "reference_download")},
    **{f"calibration:{name}": {r: 405 for r in ROLES} for name in (
        "reference", "reference_import", "members", "file_add")},
    "calibration:mine": _only({"lead", "alice", "bob"}),
    **{f"calibration:{name}": {**{r: 404 for r in ROLES}, "admin": 200, "alice": 200} for name in (
        "brief", "material", "case_file", "self_file")},
}

# POSTs that any signed-in person may make (their own login, logout, password).
POST_OPEN = {"accounts:login", "accounts:logout", "accounts:password_change",
             "twofactor:setup", "twofactor:verify", "twofactor:recovery",
             "notifications:read_all", "notifications:settings", "api_tokens:list"}


def _named_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django admin: covered by its own permission tests
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _named_routes(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


ROUTES = sorted(_named_routes(), key=lambda item: item[0])


def _finalized_at_full_points(evaluation, *, by):
    """Score and finalize an evaluation once: the walks that build every object in one world
    (tests/security/test_csp_browser.py) reach several builders that need it finalized."""
    from tests.reports.conftest import full, give_scores

    evaluation.refresh_from_db()
    if not evaluation.is_finalized:
        give_scores(evaluation, full, by=by)
        evaluation.refresh_from_db()


def _recognition_objects(world):
    """A concluded recognition list on world.round (both schools finalized at full points, one objection about
    the 雁塔 school recorded and closed), built once per test through the services with injected dates."""
    if getattr(world, "recognition", None) is None:
        from datetime import date

        from evaluation.models import Round
        from recognition import services
        from recognition.models import Recognition, RecognitionEntry, RecognitionList
        Round.objects.filter(pk=world.round.pk).update(pass_mark="80")
        _finalized_at_full_points(world.evaluation, by=world.lead)
        _finalized_at_full_points(world.other_evaluation, by=world.bob)
        services.recognition_list_build(round=world.round, by=world.admin)
        rlist = RecognitionList.objects.get(round=world.round)
        services.recognition_publish(rlist=rlist, objection_contact="督导室", by=world.admin, today=date(2026, 11, 2))
        entry = RecognitionEntry.objects.get(evaluation=world.evaluation)
        objection = services.objection_record(rlist=rlist, entry=entry, received_on=date(2026, 11, 3), channel="letter",
                                              content="反映", by=world.admin, today=date(2026, 11, 3))
        services.objection_close(objection=objection, outcome="rejected", withdraw=False, handler="",
                                 investigation="不属实", version=1, by=world.admin)
        services.recognition_conclude(rlist=rlist, document_no="市教发〔2026〕1号", recognized_on=date(2026, 11, 9),
                                      by=world.admin, today=date(2026, 11, 9))
        world.recognition = {"entry": entry.pk, "objection": objection.pk,
                             "recognition": Recognition.objects.get(school=world.school).pk}
    return world.recognition


def _rectification_objects(world):
    """world.evaluation finalized, results published to schools, one item (on C1) reported with a PDF."""
    if getattr(world, "rectification", None) is None:
        from datetime import date

        from django.core.files.uploadedfile import SimpleUploadedFile

        from evaluation.models import Round
        from rectification import services
        from tests.selfassessment.conftest import PDF

        _finalized_at_full_points(world.evaluation, by=world.lead)
        Round.objects.filter(pk=world.round.pk).update(results_published_to_schools=True)
        world.evaluation.refresh_from_db()
        item = services.rectification_item_create(
            evaluation=world.evaluation, element_codes="C1", problem="问题", requirement="要求",
            deadline=date(2026, 12, 31), responsible="张校长", source="low_score", by=world.lead,
            today=date(2026, 11, 2))
        report = services.rectification_report(item=item, text="已整改", files=[
            SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf")], by=world.school_user)
        world.rectification = {"item": item.pk, "evidence": report.evidence.get().pk,
                               "evaluation": world.evaluation.pk}
    return world.rectification


def _survey_objects(world):
    """A 满意度 campaign for the 雁塔 school on world.round (parents), with a batch of two codes; built once."""
    if getattr(world, "survey", None) is None:
        from datetime import datetime, timezone

        from surveys import services

        qs = {q.group: q for q in services.questionnaire_defaults_install(rubric_version=world.version)}
        campaign = services.campaign_create(
            round=world.round, school=world.school, opens_at=datetime(2026, 11, 1, tzinfo=timezone.utc),
            closes_at=datetime(2099, 12, 1, tzinfo=timezone.utc), questionnaires={"parent": qs["parent"]},
            by=world.admin)
        batch = services.codes_generate(group=campaign.groups.get(), count=2, base_url="http://testserver",
                                        by=world.admin, now=datetime(2026, 11, 2, tzinfo=timezone.utc))
        world.survey = {"campaign": campaign.pk, "batch": batch.pk}
    return world.survey


def _self_assessment_objects(world):
    """The 雁塔 school's self-assessment on world.round, recommended by its district (so the panel of
    world.evaluation reads it too), with one file per element; built once per test."""
    if getattr(world, "self_assessment", None) is None:
        from selfassessment.models import SelfAssessment, SelfEvidence
        from tests.selfassessment.conftest import admitted_on_panel

        sa = admitted_on_panel(world, status=SelfAssessment.Status.RECOMMENDED)
        SelfAssessment.objects.filter(pk=sa.pk).update(evaluation=None)
        world.self_assessment = {"sa": sa.pk, "evidence": SelfEvidence.objects.filter(self_assessment=sa).first().pk}
    return world.self_assessment


def _api_token(world):
    """A read-only API token of bob's (idempotent)."""
    if getattr(world, "api_token", None) is None:
        from api.services import token_create

        world.api_token = token_create(user=world.bob, name="同步", scope="read", days=30).token.pk
    return world.api_token


def _calibration_objects(world):
    """A calibration case from world.evaluation (one PDF of alice's as its material), alice on it; built once."""
    if getattr(world, "calibration", None) is None:
        from django.core.files.base import ContentFile

        from calibration import services
        from calibration.models import CaseFile
        from evaluation.models import Evidence
        from rubric.models import Element
        from tests.selfassessment.conftest import PDF

        self_files = _self_assessment_objects(world)  # the school's 自评 files are material too
        evidence = Evidence.objects.create(
            scorecard=world.evaluation.scorecards.get(inspector=world.alice),
            element=Element.objects.get(version=world.version, code="C1"),
            file=ContentFile(PDF, name="material.pdf"), original_name="材料.pdf", content_type="application/pdf",
            size=len(PDF), sha256="0" * 64, uploaded_by=world.alice)
        case = services.calibration_create(title="校准案例", source=world.evaluation, anonymized=False,
                                           by=world.admin)
        services.calibration_members_add(case=case, inspectors=[world.alice], by=world.admin)
        file = CaseFile.objects.create(case=case, file=ContentFile(PDF, name="case.pdf"), original_name="案例.pdf",
                                       content_type="application/pdf", size=len(PDF), sha256="2" * 64,
                                       uploaded_by=world.admin)
        world.calibration = {"case": case.pk, "evaluation": case.evaluation_id, "evidence": evidence.pk,
                             "file": file.pk, "self": self_files["evidence"]}
    return world.calibration


# Keywords whose object the namespace alone does not tell (every app names its object "pk").
ROUTE_OBJECTS = {
    **{f"selfassessment:{name}": (lambda w: _self_assessment_objects(w)["sa"]) for name in (
        "review", "review_return", "review_recommend", "admit", "decline", "send_back")},
    **{f"selfassessment:{name}": (lambda w: _self_assessment_objects(w)["evidence"]) for name in (
        "evidence_download", "evidence_delete")},
    "evaluation:observations": lambda w: w.evaluation.scorecards.get(inspector=w.alice).pk,
    "evaluation:opinion": lambda w: w.evaluation.pk,
    "reports:opinion_pdf": lambda w: w.evaluation.pk,
    "reports:school_story": lambda w: w.school.pk,
    "recognition:entry_decide": lambda w: _recognition_objects(w)["entry"],
    "recognition:objection_detail": lambda w: _recognition_objects(w)["objection"],
    "recognition:certificate_pdf": lambda w: _recognition_objects(w)["recognition"],
    **{f"rectification:{name}": (lambda w: _rectification_objects(w)["item"])
       for name in ("item_detail", "item_report", "item_review")},
    "rectification:evidence_download": lambda w: _rectification_objects(w)["evidence"],
    "rectification:create": lambda w: _rectification_objects(w)["evaluation"],
    # alice's own notification: everyone else's POST to open it is a 404.
    "notifications:open": lambda w: _notification_of_alice(w),
    "api:scorecard-detail": lambda w: w.evaluation.scorecards.get(inspector=w.alice).pk,
    "api:scorecard-scores": lambda w: w.evaluation.scorecards.get(inspector=w.alice).pk,
    "api:scorecard-submit": lambda w: w.evaluation.scorecards.get(inspector=w.alice).pk,
    "api:evaluation-detail": lambda w: w.evaluation.pk,
    "api:evaluation-totals": lambda w: w.evaluation.pk,
    "api:school-detail": lambda w: w.school.pk,
    "api:round-detail": lambda w: w.round.pk,
    "api:round-ranking": lambda w: w.round.pk,
    "api:round-analytics": lambda w: w.round.pk,
    "api:round-recognition": lambda w: w.round.pk,
    "api:rubric-version-detail": lambda w: w.version.pk,
    "api_tokens:revoke": lambda w: _api_token(w),
    **{f"surveys:{name}": (lambda w: _survey_objects(w)["campaign"])
       for name in ("campaign_detail", "codes_generate", "answers_xlsx")},
    "surveys:batch_pdf": lambda w: _survey_objects(w)["batch"],
}


def _notification_of_alice(world):
    from notifications.models import Kind, Notification
    return Notification.objects.get_or_create(user=world.alice, kind=Kind.PANEL_ASSIGNED, title="分配到专家组",
                                              defaults={"created_at": world.round.created_at})[0].pk


def _object_for(world, route: str, key: str):
    """A world object for a URL keyword: the panel's evaluation, alice's scorecard, and so on."""
    ns = route.split(":")[0]
    k = key.lower()
    if route in ROUTE_OBJECTS and k == "pk":
        return ROUTE_OBJECTS[route](world)
    if ns == "calibration":
        objects = _calibration_objects(world)
        if k == "evaluation_pk":
            return objects["evaluation"]
        return {"calibration:material": objects["evidence"], "calibration:case_file": objects["file"],
                "calibration:self_file": objects["self"]}.get(route, objects["case"])
    if ns in ("recognition", "public"):
        _recognition_objects(world)
    if "scorecard" in k:
        return world.evaluation.scorecards.get(inspector=world.alice).pk
    if "evaluation" in k:
        return world.evaluation.pk
    if "school" in k:
        return world.school.pk
    if "round" in k:
        return world.round.pk
    if "version" in k or "rubric" in k:
        return world.version.pk
    if "district" in k:
        return world.district.pk
    if "user" in k or ns == "accounts":
        return world.bob.pk
    by_namespace = {"evaluation": world.evaluation.pk, "schools": world.school.pk, "rubric": world.version.pk,
                    "reports": world.round.pk, "audit": 1}
    return by_namespace.get(ns, 1)


def _url(world, route, pattern):
    kwargs = {}
    for key, conv in pattern.pattern.converters.items():
        kwargs[key] = _object_for(world, route, key) if conv.regex == "[0-9]+" else "x"
    return reverse(route, kwargs=kwargs), kwargs


def _is_placeholder(response) -> bool:
    return any(t.name == "placeholder.html" for t in (getattr(response, "templates", None) or []))


def test_the_matrix_has_routes_and_roles(world):
    assert len(ROUTES) >= 10
    assert all(getattr(world, r) for r in ROLES)
    missing = set(EXPECTED_GET) - {name for name, _ in ROUTES}
    assert not missing, f"expected routes that no longer exist: {missing}"


@pytest.mark.parametrize("route,pattern", ROUTES, ids=[name for name, _ in ROUTES])
def test_get_matrix(client, world, route, pattern):
    url, kwargs = _url(world, route, pattern)
    failures = []
    for role in ROLES:
        client.force_login(getattr(world, role))
        response = client.get(url)
        status = response.status_code
        if status >= 500:
            failures.append(f"{role}: {status}")
            continue
        if route in EXPECTED_GET:
            if status != EXPECTED_GET[route][role]:
                failures.append(f"{role}: got {status}, expected {EXPECTED_GET[route][role]}")
            continue
        if _is_placeholder(response):
            continue  # a placeholder still waiting for its app's real view
        if role in NON_BUSINESS and status == 200 and route not in OPEN_TO_ALL | OWN_PAGES[role]:
            failures.append(f"{role} (no business role) got 200")
        object_keys = [k for k in kwargs if "evaluation" in k.lower() or "scorecard" in k.lower()]
        if object_keys and role in ("bob", "other_official") and status == 200:
            failures.append(f"{role} (outsider of this evaluation) got 200")
    assert not failures, f"{url}: " + "; ".join(failures)


@pytest.mark.parametrize("route,pattern", ROUTES, ids=[name for name, _ in ROUTES])
def test_post_matrix_for_roles_without_write_rights(client, world, route, pattern):
    if route in POST_OPEN:
        pytest.skip("every signed-in person may post here (own session or password)")
    url, _ = _url(world, route, pattern)
    allowed = {
        "accounts:user_edit": {"security_admin"},
        "accounts:user_create": {"security_admin"},
        "accounts:user_import": {"security_admin"},
        "accounts:school_accounts": {"security_admin"},
        "accounts:user_password_reset": {"security_admin"},
        "twofactor:reset": {"security_admin"},
        # Starting a batch export only reads results: officials may download score sheets.
        "reports:export_start": {"official", "city_official"},
        "reports:workbook_start": {"official", "city_official"},
        # The school reports on its own item; the 雁塔 district official reviews it (both write, by design).
        "rectification:item_report": {"school_user"},
        "rectification:item_review": {"official"},
        # The security admin revokes anyone's API token (bob's, _api_token).
        "api_tokens:revoke": {"security_admin"},
        # The school prints its own slips (an empty form is a 400 and writes nothing).
        "surveys:codes_generate": {"school_user"},
    }
    failures = []
    for role in NON_BUSINESS + ("official", "city_official"):
        if role in allowed.get(route, ()):
            continue
        client.force_login(getattr(world, role))
        response = client.post(url, {})
        if _is_placeholder(response):
            continue
        if response.status_code not in (403, 404, 405):
            failures.append(f"{role}: {response.status_code}")
    assert not failures, f"POST {url}: " + "; ".join(failures)
