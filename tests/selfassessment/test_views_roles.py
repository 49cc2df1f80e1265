"""Every URL of 学校自评申报, per view and per role: login required, the allowed roles, read-only roles
403 on writes, outsiders 404, and the wrong method 405 (GET on the POST-only routes)."""

import pytest
from django.urls import reverse

from selfassessment.models import SelfAssessment, SelfEvidence, Transition

from .conftest import recommended, submitted

ROUND_POST_ONLY = ("save", "report_save", "evidence_upload", "submit", "xlsx_upload")
OBJECT_POST_ONLY = ("review_return", "review_recommend", "admit", "decline", "send_back", "evidence_delete")


def _objects(sa):
    row = submitted(sa)
    return {"round": sa.sa_round.pk, "sa": row.pk, "evidence": SelfEvidence.objects.filter(self_assessment=row).first().pk}


def _url(name, objs):
    if name in ("home", "status", "admission"):
        return reverse(f"selfassessment:{name}")
    if name in ("evidence_download", "evidence_delete"):
        return reverse(f"selfassessment:{name}", args=[objs["evidence"]])
    if name in ("review",) + OBJECT_POST_ONLY:
        return reverse(f"selfassessment:{name}", args=[objs["sa"]])
    return reverse(f"selfassessment:{name}", args=[objs["round"]])


ALL_NAMES = ("home", "status", "admission", "workspace", "xlsx_download", "nominations", "review",
             "evidence_download") + ROUND_POST_ONLY + OBJECT_POST_ONLY


@pytest.mark.parametrize("name", ALL_NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_route_requires_login(sa, client, name, method):
    objs = _objects(sa)
    before = (Transition.objects.count(), SelfEvidence.objects.count())
    response = getattr(client, method)(_url(name, objs))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert (Transition.objects.count(), SelfEvidence.objects.count()) == before


@pytest.mark.parametrize("name", ROUND_POST_ONLY)
@pytest.mark.parametrize("who", ["school_user", "admin", "official"])
def test_get_on_the_schools_post_only_routes_is_405(sa, login, name, who):
    assert login(getattr(sa, who)).get(_url(name, _objects(sa))).status_code == 405


@pytest.mark.parametrize("name", OBJECT_POST_ONLY)
@pytest.mark.parametrize("who", ["official", "admin", "school_user", "other_official"])
def test_get_on_the_chains_post_only_routes_is_405(sa, login, name, who):
    objs = _objects(sa)
    before = (list(SelfAssessment.objects.values_list("status", flat=True)), Transition.objects.count(),
              SelfEvidence.objects.count())
    assert login(getattr(sa, who)).get(_url(name, objs)).status_code == 405
    assert (list(SelfAssessment.objects.values_list("status", flat=True)), Transition.objects.count(),
            SelfEvidence.objects.count()) == before


# Pages a role may open (200), may not (403), or may not know of (404), on a submitted self-assessment
# of the 雁塔 school in a round open for 申报 (every school of the world eligible).
GET_EXPECTED = {
    "home": {"school_user": 200, "other_school_user": 200, "alice": 403, "nobody": 403},
    "workspace": {"school_user": 200, "other_school_user": 200, "official": 403, "admin": 403, "alice": 403},
    "xlsx_download": {"school_user": 200, "other_school_user": 200, "official": 403, "admin": 403, "alice": 403},
    "status": {"school_user": 200, "official": 200, "city_official": 200, "admin": 200, "alice": 403,
               "nobody": 403},
    "admission": {"admin": 200, "official": 403, "city_official": 403, "school_user": 403, "alice": 403},
    "review": {"admin": 200, "official": 200, "city_official": 200, "school_user": 200, "other_official": 404,
               "other_school_user": 404, "alice": 404, "nobody": 404},
    "evidence_download": {"admin": 200, "official": 200, "school_user": 200, "other_official": 404,
                          "other_school_user": 404, "alice": 404, "nobody": 404},
}


@pytest.mark.parametrize("name,who,status", [(n, w, s) for n, by in GET_EXPECTED.items() for w, s in by.items()])
def test_get_per_view_and_role(sa, login, name, who, status):
    assert login(getattr(sa, who)).get(_url(name, _objects(sa))).status_code == status


# Writes on a submitted (district's turn) or recommended (city's turn) self-assessment: whoever reads it
# but may not make this step gets 403, outsiders 404; nothing changes.
WRITE_EXPECTED = {
    "review_return": ("submitted", {"city_official": 403, "admin": 403, "school_user": 403, "other_official": 404,
                                    "other_school_user": 404, "alice": 404}),
    "review_recommend": ("submitted", {"city_official": 403, "admin": 403, "school_user": 403,
                                       "other_official": 404, "alice": 404}),
    "admit": ("recommended", {"official": 403, "city_official": 403, "school_user": 403, "other_official": 404,
                              "other_school_user": 404}),
    "decline": ("recommended", {"official": 403, "city_official": 403, "school_user": 403, "other_official": 404}),
    "send_back": ("recommended", {"official": 403, "city_official": 403, "school_user": 403, "other_official": 404}),
    "evidence_delete": ("submitted", {"school_user": 403, "official": 403, "admin": 403, "other_official": 404,
                                      "other_school_user": 404}),
}


@pytest.mark.parametrize("name,state,who,status", [
    (n, state, w, s) for n, (state, by) in WRITE_EXPECTED.items() for w, s in by.items()])
def test_writes_per_view_and_role(sa, login, name, state, who, status):
    row = recommended(sa) if state == "recommended" else submitted(sa)
    objs = {"round": sa.sa_round.pk, "sa": row.pk,
            "evidence": SelfEvidence.objects.filter(self_assessment=row).first().pk}
    before = (list(SelfAssessment.objects.values_list("status", "district_opinion", "decision_reason")),
              Transition.objects.count(), SelfEvidence.objects.count())
    assert login(getattr(sa, who)).post(_url(name, objs), {"text": "x", "reason": "x"}).status_code == status
    assert (list(SelfAssessment.objects.values_list("status", "district_opinion", "decision_reason")),
            Transition.objects.count(), SelfEvidence.objects.count()) == before


@pytest.mark.parametrize("name", ROUND_POST_ONLY)
@pytest.mark.parametrize("who", ["official", "admin", "city_official", "alice"])
def test_the_schools_writes_are_refused_to_every_other_role(sa, login, name, who):
    objs = {"round": sa.sa_round.pk}
    assert login(getattr(sa, who)).post(_url(name, objs), {}).status_code == 403
    assert not SelfAssessment.objects.exists()
