"""API 令牌: created on the page and shown once, stored hashed, scoped, expired and revoked, audited,
throttled; the security admin lists and revokes anyone's."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from api.models import ApiToken
from audit.models import AuditEvent

from .conftest import NOW, make_token

ROUNDS = "/api/v1/rounds/"


def test_a_token_is_created_on_the_page_shown_once_and_stored_hashed(login, world, monkeypatch):
    monkeypatch.setattr("api.pages._now", lambda: NOW)
    client = login(world.official)
    response = client.post(reverse("api_tokens:list"), {"name": "区数据中心", "scope": "read", "days": "90"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = re.search(r'value="(nqs_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=world.official)
    _nqs, prefix, secret = key.split("_", 2)
    assert token.prefix == prefix and token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values()))
    assert token.expires_at == NOW + timedelta(days=90) and token.scope == "read"
    assert AuditEvent.objects.filter(event="api_token.create", user=world.official, object_id=str(token.pk)).exists()
    # The list never shows the key again.
    page = client.get(reverse("api_tokens:list")).content.decode()
    assert secret not in page and f"nqs_{prefix}_…" in page


def test_the_create_form_explains_errors_in_chinese(login, world):
    client = login(world.alice)
    response = client.post(reverse("api_tokens:list"), {"name": "", "scope": "admin", "days": "9999"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "请填写令牌名称。" in text and "有效期" in text
    assert not ApiToken.objects.exists()


def test_a_token_authenticates_its_owner_with_the_owners_rights(api, world, at_now):
    key = make_token(world.official, scope="read").key
    assert api("get", ROUNDS, key=key).status_code == 200
    # The same token holder gets no more than their account: the rubric is the admin's.
    response = api("get", "/api/v1/rubric-versions/", key=key)
    assert response.status_code == 403 and response.json()["detail"] == "只有管理员可以使用此接口。"


def test_a_read_only_token_is_refused_on_every_write(api, world, at_now):
    key = make_token(world.alice, scope="read").key
    card = world.evaluation.scorecards.get(inspector=world.alice)
    response = api("post", f"/api/v1/scorecards/{card.pk}/scores/", key=key,
                   json={"scores": {"C1": {"points": "1", "version": 0}}})
    assert response.status_code == 403
    assert response.json()["detail"] == "此令牌为只读令牌，不能用于修改数据。请使用读写令牌。"
    assert not card.scores.exists()
    admin_key = make_token(world.admin, scope="read", name="读").key
    response = api("post", "/api/v1/schools/import/", key=admin_key, json={"rows": [{"code": "X1"}]})
    assert response.status_code == 403


@pytest.mark.parametrize("case", ["expired", "revoked", "wrong_secret", "garbage", "inactive", "other_prefix"])
def test_bad_tokens_are_refused_with_json_in_chinese(api, world, at_now, case):
    created = make_token(world.official)
    key = created.key
    if case == "expired":
        at_now(NOW + timedelta(days=30))
    elif case == "revoked":
        from api.services import token_revoke

        token_revoke(token=created.token, by=world.official, now=NOW)
    elif case == "wrong_secret":
        key = key[:-3] + ("aaa" if not key.endswith("aaa") else "bbb")
    elif case == "garbage":
        key = "nqs_'OR'1'='1_<script>"
    elif case == "inactive":
        type(world.official).objects.filter(pk=world.official.pk).update(is_active=False)
    elif case == "other_prefix":
        other = make_token(world.admin)
        key = f"nqs_{other.token.prefix}_{key.split('_', 2)[2]}"  # another's prefix, this secret
    response = api("get", ROUNDS, key=key)
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] == "authentication_failed"
    assert {"expired": "令牌已过期", "revoked": "令牌已被撤销", "inactive": "账号已停用"}.get(case, "令牌无效") in body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert AuditEvent.objects.filter(event="api_token.refused", outcome="denied").exists()


def test_no_credentials_is_a_json_401(api, world):
    response = api("get", ROUNDS)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("未登录或未提供令牌")


def test_use_is_audited_at_first_use_and_then_once_a_day(api, world, at_now):
    created = make_token(world.official)
    for minutes in (0, 1, 30, 60 * 8):
        at_now(NOW + timedelta(minutes=minutes))
        assert api("get", ROUNDS, key=created.key).status_code == 200
    uses = AuditEvent.objects.filter(event="api_token.use", object_id=str(created.token.pk))
    assert uses.count() == 1 and uses.get().detail["first"] is True
    created.token.refresh_from_db()
    assert created.token.last_used_at == NOW + timedelta(minutes=60 * 8)  # refreshed, at most every 5 minutes
    at_now(NOW + timedelta(days=1))
    api("get", ROUNDS, key=created.key)
    assert uses.count() == 2


def test_the_owner_revokes_on_the_page_and_strangers_cannot(login, world, client, api, at_now):
    created = make_token(world.official)
    login(world.city_official)
    assert client.post(reverse("api_tokens:revoke", args=[created.token.pk])).status_code == 404
    login(world.admin)  # the system admin manages no credentials (三权分立)
    assert client.post(reverse("api_tokens:revoke", args=[created.token.pk])).status_code == 404
    assert client.get(reverse("api_tokens:all")).status_code == 403
    login(world.official)
    assert client.post(reverse("api_tokens:revoke", args=[created.token.pk])).status_code == 302
    created.token.refresh_from_db()
    assert created.token.revoked_at is not None and created.token.revoked_by == world.official
    assert AuditEvent.objects.filter(event="api_token.revoke", object_id=str(created.token.pk)).count() == 1
    assert api("get", ROUNDS, key=created.key).status_code == 401


def test_the_security_admin_lists_and_revokes_anyones_tokens(login, world):
    created = make_token(world.alice, name="<script>alert(1)</script>")
    client = login(world.security_admin)
    page = client.get(reverse("api_tokens:all"), {"q": "alice"})
    text = page.content.decode()
    assert page.status_code == 200 and created.token.prefix in text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    assert client.post(reverse("api_tokens:revoke", args=[created.token.pk])).status_code == 302
    created.token.refresh_from_db()
    assert created.token.revoked_by == world.security_admin


def test_throttling_counts_per_token(api, world, at_now, monkeypatch):
    from api.throttling import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/min"})
    first, second = make_token(world.official).key, make_token(world.official, name="二").key
    assert [api("get", ROUNDS, key=first).status_code for _ in range(3)] == [200, 200, 200]
    response = api("get", ROUNDS, key=first)
    assert response.status_code == 429 and "请求过于频繁" in response.json()["detail"]
    assert api("get", ROUNDS, key=second).status_code == 200  # another token has its own budget
