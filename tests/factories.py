"""Small factories for test data built in code. The rubric comes from the real fixture."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import User
from evaluation.models import Evaluation, Round, Scorecard
from rubric.models import Dimension, Element, EvidenceRequirement, Indicator, RubricVersion
from schools.models import District, School

PASSWORD = "Test-pass-2026!"
FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "rubric" / "xian-2020.json"


def xian_rubric() -> RubricVersion:
    """The published Xi'an rubric; reloaded from the fixture when a transactional test flushed it."""
    from rubric.loading import create_version_rows
    from rubric.schema import parse_rubric

    found = RubricVersion.objects.filter(code="xian-2020").first()
    if found:
        return found
    spec = parse_rubric(json.loads(FIXTURE.read_text(encoding="utf-8")))
    return create_version_rows(
        spec, RubricVersion=RubricVersion, Dimension=Dimension, Indicator=Indicator, Element=Element,
        EvidenceRequirement=EvidenceRequirement, status=RubricVersion.Status.PUBLISHED,
    )


def xian_districts() -> None:
    """Xi'an's districts as the data migration creates them; a transactional test's flush removes them."""
    import importlib

    migration = importlib.import_module("schools.migrations.0002_xian_districts")
    for order, (code, name, kind) in enumerate(migration.DISTRICTS, start=1):
        District.objects.update_or_create(code=code, defaults={"name": name, "kind": kind, "order": order})


def district(code="610113", name="雁塔区") -> District:
    obj, _ = District.objects.get_or_create(code=code, defaults={"name": name, "kind": "district"})
    return obj


def user(username: str, *role_names: str, district_obj=None, **extra) -> User:
    u = User.objects.create_user(
        username=username, password=PASSWORD, name=extra.pop("name", username), district=district_obj, **extra
    )
    for name in role_names:
        u.groups.add(Group.objects.get_or_create(name=name)[0])
    if roles.OFFICIAL in role_names:
        # An official's scope: their district, or the whole city when none is given.
        if district_obj is not None:
            u.scope_districts.add(district_obj)
        else:
            u.scope_city_wide = True
            u.save(update_fields=["scope_city_wide"])
    if roles.ADMIN in role_names:
        u.is_staff = True
        u.save(update_fields=["is_staff"])
    return u


_school_seq = [0]


def school(district_obj=None, **fields) -> School:
    _school_seq[0] += 1
    n = _school_seq[0]
    defaults = {
        "code": f"T{n:05d}",
        "name": f"测试第{n}小学",
        "stage": School.Stage.PRIMARY,
        "location": School.Location.URBAN,
    }
    defaults.update(fields)
    return School.objects.create(district=district_obj or district(), **defaults)


def round_(version=None, name="2026年度新优质学校评估", **fields) -> Round:
    """A round; unlike the product's default it does not require an opinion to finalize
    (require_opinion=False) unless asked: the scoring tests finalize without writing one, and the
    opinion tests pass require_opinion=True (or set it on world.round)."""
    fields.setdefault("require_opinion", False)
    return Round.objects.create(
        name=name, year=fields.pop("year", 2026), rubric_version=version or xian_rubric(), **fields
    )


def opinion(evaluation, *, by=None, **texts):
    """A complete panel opinion (评价意见) written straight to the model (fixture data)."""
    from evaluation.models import PanelOpinion

    values = {"overall": "总体良好。", "strengths": "课程特色鲜明。", "problems": "评价机制有待完善。",
              "suggestions": "完善校本评价。"}
    values.update(texts)
    if by is None:
        lead = evaluation.scorecards.filter(is_lead=True).select_related("inspector").first()
        by = lead.inspector if lead else None
    obj, _ = PanelOpinion.objects.update_or_create(
        evaluation=evaluation, defaults={**values, "version": 1, "updated_by": by}
    )
    return obj


def evaluation(round_obj, school_obj, *, lead=None, inspectors=()) -> Evaluation:
    ev = Evaluation.objects.create(round=round_obj, school=school_obj)
    if lead is not None:
        Scorecard.objects.create(evaluation=ev, inspector=lead, is_lead=True)
    for person in inspectors:
        Scorecard.objects.create(evaluation=ev, inspector=person)
    return ev


def d(value) -> Decimal:
    return Decimal(str(value))


# ---------------------------------------------------------------- two-factor login


def totp_device(user):
    """A confirmed authenticator for the account (the one it already has, if any)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_code(device, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` time steps later), from the device key.

    django-otp accepts one step either side, so `steps_ahead=1` gives a fresh code for a second
    login within the same 30 seconds (the same code twice is refused as a replay).
    """
    import time

    from django_otp.oath import TOTP

    if device.pk:
        device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_codes(device, count: int) -> list[str]:
    """`count` six-digit codes that the authenticator does not show now nor within a few steps either side.

    A fixed guess such as 000000 is the right code for some keys at some moment (the key is random), so a
    test of wrong codes that used fixed guesses could fail by chance.
    """
    near = {totp_code(device, steps) for steps in range(-3, 4)}
    return [c for c in (f"{n:06d}" for n in range(count + len(near))) if c not in near][:count]


def otp_verified(client, user) -> None:
    """Mark the client's session as having passed the second factor, as a real login would."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from twofactor.signals import ENROLLED_KEY

    device = totp_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[ENROLLED_KEY] = True
    session.save()


def code_from_key(key_hex: str, steps_ahead: int = 0) -> str:
    """totp_code() from a device key alone (for threads that must not touch the database)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return totp_code(TOTPDevice(key=key_hex), steps_ahead)


def browser_login(page, base_url: str, user, next_path: str = "") -> None:
    """Log in through the form in a Playwright page; answers the second step with the device's code."""
    page.goto(f"{base_url}/login/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("load")
    if "/2fa/verify/" in page.url:
        page.get_by_label("验证码或恢复码").fill(totp_code(totp_device(user)))
        page.get_by_role("button", name="验证", exact=True).click()
        page.wait_for_load_state("load")
