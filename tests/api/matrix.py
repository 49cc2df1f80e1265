"""Expected GET status per role for every API route (and the API 令牌 pages), merged into the role matrix
(tests/security/test_role_matrix.py, through the session) and walked again with Bearer tokens
(tests/api/test_api_matrix.py). A new API route without a row here fails both."""

ROLES = ("admin", "lead", "alice", "bob", "official", "other_official", "city_official", "nobody",
         "security_admin", "auditor", "unscoped_official", "school_user", "other_school_user")
VIEWERS = {"admin", "official", "other_official", "city_official"}


def _only(role_ok, ok=200, other=403):
    return {r: (ok if r in role_ok else other) for r in ROLES}


def _all(status):
    return {r: status for r in ROLES}


API_EXPECTED_GET = {
    # Rubric management is the admin's, as on the rubric pages.
    "api:rubric-version-list": _only({"admin"}),
    "api:rubric-version-detail": _only({"admin"}),
    # Districts, rounds, rankings, analytics, recognition: results readers (admins, officials with a scope).
    "api:district-list": _only(VIEWERS),
    "api:round-list": _only(VIEWERS),
    "api:round-detail": _only(VIEWERS),
    "api:round-ranking": _only(VIEWERS),
    "api:round-analytics": _only(VIEWERS),
    "api:round-recognition": _only(VIEWERS),
    # Schools in scope (accounts.scopes.schools_in_scope): a school's account its own (the 雁塔 school here).
    "api:school-list": _only(VIEWERS | {"school_user", "other_school_user"}),
    "api:school-detail": {**_only(VIEWERS | {"school_user", "other_school_user"}),
                          "other_official": 404, "other_school_user": 404},
    "api:school-import": _all(405),
    # Evaluations: accounts.scopes.evaluations_visible_to (results scope + the panels one sits on).
    "api:evaluation-list": _only(VIEWERS | {"lead", "alice", "bob"}),
    "api:evaluation-detail": _only(VIEWERS | {"lead", "alice"}, other=404) | {"other_official": 404},
    # Totals read like the school report: results readers, outsiders of the scope 404.
    "api:evaluation-totals": {**_only(VIEWERS), "other_official": 404},
    # An inspector's own scorecards (like the inspector home: everyone gets their own, maybe empty, list);
    # alice's scorecard reads like its page (accounts.scopes.scorecard_access).
    "api:scorecard-list": _all(200),
    "api:scorecard-detail": _only(VIEWERS | {"lead", "alice"}, other=404) | {"other_official": 404},
    "api:scorecard-scores": _all(405),
    "api:scorecard-submit": _all(405),
    "api:schema": _all(200),
    "api:docs": _all(200),
    # API 令牌: one's own tokens; everyone's for the security admin (三权分立: credentials are theirs).
    "api_tokens:list": _all(200),
    "api_tokens:all": _only({"security_admin"}),
    "api_tokens:revoke": _all(405),
}
