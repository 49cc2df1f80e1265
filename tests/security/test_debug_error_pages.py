"""The demo (bin/serve, DEBUG=1) shows the product's Chinese error pages, not Django's technical ones."""

from django.test import Client, override_settings
from django.urls import reverse


def _client(user) -> Client:
    # A fresh client builds its middleware chain under the overridden settings.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@override_settings(DEBUG=True)
def test_an_unknown_url_gets_the_chinese_404_without_the_url_patterns(world):
    response = _client(world.alice).get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body
    assert "URLconf" not in body and "django-admin/" not in body


@override_settings(DEBUG=True)
def test_an_object_404_from_a_view_gets_the_chinese_page(world):
    response = _client(world.bob).get(reverse("evaluation:evaluation_detail", args=[world.evaluation.pk]))
    body = response.content.decode()
    assert response.status_code == 404 and "页面不存在" in body and "Raised by" not in body


@override_settings(DEBUG=True, ROOT_URLCONF="tests.security.urls_boom")
def test_a_crash_gets_the_chinese_500_without_the_traceback(world):
    response = _client(world.alice).get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "服务器内部错误" in body and "secret traceback detail" not in body


@override_settings(DEBUG=True)
def test_a_missing_slash_is_still_redirected(world):
    response = _client(world.admin).get("/evaluation/rounds")
    assert response.status_code == 301 and response["Location"] == "/evaluation/rounds/"


@override_settings(DEBUG=True, DEBUG_TECHNICAL_PAGES=True)
def test_a_developer_can_ask_for_the_technical_pages(world):
    response = _client(world.alice).get("/no/such/page/")
    assert response.status_code == 404 and "URLconf" in response.content.decode()
