"""End to end in headless Chromium: an admin enrols an authenticator at first login, keeps the
recovery codes, and logs in again with a code computed from the device key."""

import re
from base64 import b32decode

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests import factories as f
from tests.factories import PASSWORD
from twofactor.models import SecondFactorLock

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _logout(page):
    page.get_by_role("button", name="展开导航").click()  # tablet width: the navbar is collapsed
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login/")


def _password_step(page, base, user):
    page.goto(f"{base}/login/?next=/schools/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_an_admin_enrols_at_first_login_and_logs_in_with_a_code(world, live_server, page):
    base = live_server.url
    _password_step(page, base, world.admin)
    expect(page).to_have_url(re.compile(r"/2fa/setup/\?next=%2Fschools%2F$"))
    qr = page.get_by_role("img", name="身份验证器二维码")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # drawn locally from a data: URI
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = b32decode(secret).hex()  # what the phone's authenticator app reads from the QR code

    page.get_by_label("验证码").fill(f.wrong_codes(TOTPDevice(key=key), 1)[0])
    page.get_by_role("button", name="完成绑定").click()
    expect(page.get_by_text("验证码错误或已使用过")).to_be_visible()
    page.get_by_label("验证码").fill(f.code_from_key(key))
    page.get_by_role("button", name="完成绑定").click()
    expect(page.get_by_text("双因素认证已启用。")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    recovery = page.locator("#recovery-codes li").first.inner_text()
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page).to_have_url(f"{base}/schools/")

    # Second login: the password alone is not enough; the next code of the authenticator is.
    _logout(page)
    _password_step(page, base, world.admin)
    expect(page).to_have_url(re.compile(r"/2fa/verify/"))
    page.goto(f"{base}/schools/")
    expect(page).to_have_url(re.compile(r"/2fa/verify/"))
    page.get_by_label("验证码或恢复码").fill(f.code_from_key(key, steps_ahead=1))
    page.get_by_role("button", name="验证", exact=True).click()
    expect(page).to_have_url(f"{base}/schools/")

    # Third login with a recovery code instead of the phone.
    _logout(page)
    _password_step(page, base, world.admin)
    page.get_by_label("验证码或恢复码").fill(recovery)
    page.get_by_role("button", name="验证", exact=True).click()
    expect(page).to_have_url(f"{base}/schools/")
    assert not SecondFactorLock.objects.filter(user=world.admin, failures__gt=0).exists()
    # The one wrong enrolment code above answered 400 (a form error); nothing else went wrong.
    unexpected = [e for e in page.console_errors if "status of 400" not in e]
    assert not unexpected and len(page.console_errors) == 1, page.console_errors
