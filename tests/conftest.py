"""Shared test people, one for every role (healthchecks' Alice/Bob/Charlie).

`world` builds: a round on the real Xi'an rubric, one school in 雁塔区 evaluated by a panel
(lead + alice), an inspector not on the panel (bob), a district official of 雁塔区, an
official of another district, a city-wide official, an official without a scope, an admin,
and the 学校（填报） accounts of the 雁塔 school (school_user) and of the 碑林 school
(other_school_user).
"""

from types import SimpleNamespace

import pytest

from accounts import roles
from tests import factories as f


@pytest.fixture
def world(db):
    yanta = f.district("610113", "雁塔区")
    beilin = f.district("610103", "碑林区")
    version = f.xian_rubric()
    w = SimpleNamespace(
        version=version,
        district=yanta,
        other_district=beilin,
        admin=f.user("admin", roles.ADMIN, name="王管理"),
        lead=f.user("lead", roles.INSPECTOR, name="李组长"),
        alice=f.user("alice", roles.INSPECTOR, name="张专家"),
        bob=f.user("bob", roles.INSPECTOR, name="赵专家"),
        official=f.user("official", roles.OFFICIAL, district_obj=yanta, name="雁塔教育局"),
        other_official=f.user("other_official", roles.OFFICIAL, district_obj=beilin, name="碑林教育局"),
        city_official=f.user("city_official", roles.OFFICIAL, name="市教育局"),
        nobody=f.user("nobody", name="无角色"),
        security_admin=f.user("secadmin", roles.SECURITY_ADMIN, name="安全管理员甲"),
        auditor=f.user("auditor", roles.AUDITOR, name="审计管理员乙"),
    )
    # An 教育局 account whose scope was never set: it must see nothing (accounts.scopes).
    w.unscoped_official = f.user("unscoped", roles.OFFICIAL, name="未设范围教育局")
    w.unscoped_official.scope_city_wide = False
    w.unscoped_official.save(update_fields=["scope_city_wide"])
    w.round = f.round_(version)
    w.school = f.school(yanta, name="雁塔区第一小学")
    w.other_school = f.school(beilin, name="碑林区第一小学")
    w.school_user = f.user("school_user", roles.SCHOOL, name="雁塔一小填报", school=w.school)
    w.other_school_user = f.user("other_school_user", roles.SCHOOL, name="碑林一小填报", school=w.other_school)
    w.evaluation = f.evaluation(w.round, w.school, lead=w.lead, inspectors=[w.alice])
    w.other_evaluation = f.evaluation(w.round, w.other_school, lead=w.bob)
    return w


@pytest.fixture
def login(client):
    """login(user) → the test client, logged in as that user."""

    def _login(u):
        client.force_login(u)
        return client

    return _login


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """force_login() stands for a finished login, so for accounts that must use two-factor login it
    also marks the session verified (tests of the second step itself pass otp=False)."""
    from django.test.client import ClientMixin

    from twofactor.selectors import second_factor_required

    original = ClientMixin.force_login

    def force_login(self, user, backend=None, otp=True):
        original(self, user, backend)
        # A fresh copy: role checks cache the group names on the object they are given.
        if otp and second_factor_required(type(user).objects.get(pk=user.pk)):
            f.otp_verified(self, user)

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 at Django's production cost takes ~1 s per hash on the CI machine; `world` alone
    # hashes a dozen passwords. Tests check who may log in, not the hash's strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
