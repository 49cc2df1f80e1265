"""The public phone page: no login, no session, CSRF on, one submission per code; hostile inputs refused
or neutralised and nothing else changed."""

import pytest
from django.test import Client
from django.urls import reverse

from surveys import codes, services
from surveys.models import Answer, Response, ResponseCode
from tests.hostile import strings

from .conftest import CLOSES, NOW, OPENS, full_answers, make_campaign, make_codes


def url(code):
    from urllib.parse import quote

    return reverse("survey_public:enter") + quote(code, safe="") + "/"


def _state():
    return (Response.objects.count(), Answer.objects.count(),
            ResponseCode.objects.filter(used_at__isnull=False).count())


def test_answer_from_the_qr_address_without_login_and_no_session_cookie(client, survey):
    code = survey.codes[0]
    page = client.get(url(code))
    assert page.status_code == 200
    assert "我认同学校近年来的发展与提升。" in page.content.decode()
    assert "sessionid" not in page.cookies
    done = client.post(url(code), full_answers(survey.parent, text="食堂很好"))
    assert done.status_code == 302 and done["Location"] == reverse("survey_public:thanks")
    assert "sessionid" not in done.cookies
    assert client.get(done["Location"]).status_code == 200
    assert _state() == (1, len(full_answers(survey.parent)), 1)
    again = client.get(url(code))
    assert again.status_code == 409 and "已经使用过" in again.content.decode()


def test_the_enter_form_takes_a_typed_code(client, survey):
    code = survey.codes[0]
    typed = codes.display(code).lower().replace("-", " ")
    response = client.get(reverse("survey_public:enter"), {"code": typed})
    assert response.status_code == 302 and response["Location"] == url(code)
    bad = client.get(reverse("survey_public:enter"), {"code": "不是答题码"})
    assert bad.status_code == 400 and "答题码不正确" in bad.content.decode()


def test_replayed_post_refused_and_nothing_changes(client, survey):
    code = survey.codes[0]
    data = full_answers(survey.parent)
    assert client.post(url(code), data).status_code == 302
    before = _state()
    replay = client.post(url(code), data)
    assert replay.status_code == 409
    assert _state() == before


@pytest.mark.parametrize("guess", ["AAAAAAAAAAAA", "ABCDEFGHJKMN", "X" * 200, "<script>alert(1)<\\script>", "%3Cscript%3E",
                                   "=1+1", "../../etc/passwd", "1' OR '1'='1"])
def test_guessed_codes_are_404_and_change_nothing(client, survey, guess):
    before = _state()
    for method in (client.get, client.post):
        response = method(url(guess), full_answers(survey.parent)) if method == client.post else method(url(guess))
        assert response.status_code == 404
        if "/" not in guess:  # with a slash no route matches: the site's own 404
            assert "答题码不正确" in response.content.decode()
        assert "<script>alert" not in response.content.decode()
    assert _state() == before


def test_a_code_of_another_campaign_answers_only_its_own_questionnaire(client, survey):
    other = make_campaign(survey, school=survey.other_school, groups=("parent",))
    other_code = make_codes(other, "parent", 1)[0]
    page = client.get(url(other_code))
    assert "碑林区第一小学" in page.content.decode()
    # The items of the 雁塔 campaign's questionnaire: same default questionnaire, so the form is the same;
    # the response lands in the other campaign's group, never in 雁塔's.
    assert client.post(url(other_code), full_answers(other.groups.get())).status_code == 302
    assert Response.objects.filter(group__campaign=survey.campaign).count() == 0
    assert Response.objects.filter(group__campaign=other).count() == 1


def test_a_student_code_cannot_post_parent_items(client, survey):
    student_code = make_codes(survey.campaign, "student", 1)[0]
    before = _state()
    response = client.post(url(student_code), full_answers(survey.parent))
    assert response.status_code == 400
    assert _state() == before


@pytest.mark.parametrize("moment,status,text", [(OPENS.replace(year=2025), 403, "尚未开始"), (CLOSES, 410, "已经结束")])
def test_closed_or_not_yet_open(client, survey, page_now, moment, status, text):
    page_now.value = moment
    before = _state()
    for response in (client.get(url(survey.codes[0])), client.post(url(survey.codes[0]), full_answers(survey.parent))):
        assert response.status_code == status and text in response.content.decode()
    assert _state() == before


def test_missing_csrf_token_is_refused(survey):
    csrf_client = Client(enforce_csrf_checks=True)
    before = _state()
    response = csrf_client.post(url(survey.codes[0]), full_answers(survey.parent))
    assert response.status_code == 403
    assert _state() == before
    # With the token from the page it goes through.
    page = csrf_client.get(url(survey.codes[0]))
    token = page.cookies["csrftoken"].value
    data = {**full_answers(survey.parent), "csrfmiddlewaretoken": token}
    assert csrf_client.post(url(survey.codes[0]), data).status_code == 302


def test_malformed_and_oversized_posts(client, survey):
    code = survey.codes[0]
    before = _state()
    good = full_answers(survey.parent)
    rated = next(k for k, v in good.items() if v == "5")
    opened = next(k for k, v in good.items() if v == "")
    for data in ({}, {**good, rated: "6"}, {**good, rated: "-1"}, {**good, rated: "abc"}, {**good, rated: "5.0"},
                 {**good, opened: "长" * (services.OPEN_MAX_LENGTH + 1)}):
        response = client.post(url(code), data)
        assert response.status_code == 400, data
        assert _state() == before
    big = client.post(url(code), "x" * 3_000_000, content_type="application/octet-stream")
    assert big.status_code in (400, 413)
    assert _state() == before
    # A NUL is a 400 before the view (config.middleware.RejectNulMiddleware).
    assert client.post(url(code), {**good, opened: "a\x00b"}).status_code == 400
    assert _state() == before


@pytest.mark.parametrize("text", strings("markup", "spreadsheet_formulas", "control_and_noncharacters"))
def test_hostile_open_answers_stored_as_text_and_escaped(login, client, survey, text):
    from openpyxl import load_workbook
    import io

    code = survey.codes[0]
    response = client.post(url(code), full_answers(survey.parent, text=text))
    if response.status_code == 400:  # refused (NUL) or cut to nothing: nothing stored
        assert _state()[0] == 0
        return
    assert response.status_code == 302
    stored = Answer.objects.exclude(text="").values_list("text", flat=True).first() or ""
    assert "\x00" not in stored
    page = login(survey.admin).get(reverse("surveys:campaign_detail", kwargs={"pk": survey.campaign.pk}))
    html = page.content.decode()
    assert "<script>alert" not in html and "<img src=x onerror" not in html.lower()
    xlsx = login(survey.admin).get(reverse("surveys:answers_xlsx", kwargs={"pk": survey.campaign.pk}))
    wb = load_workbook(io.BytesIO(xlsx.content))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value


def test_rate_limited_per_address(client, survey, settings):
    settings.SURVEY_RATE_PER_ADDRESS = 3
    for _ in range(3):
        assert client.get(url("AAAAAAAAAAAA")).status_code == 404
    limited = client.get(url(survey.codes[0]))
    assert limited.status_code == 429 and "频繁" in limited.content.decode()
    assert _state() == (0, 0, 0)


def test_rate_limited_per_campaign(client, survey, settings):
    settings.SURVEY_RATE_PER_CAMPAIGN = 1
    assert client.post(url(survey.codes[0]), full_answers(survey.parent)).status_code == 302
    assert client.post(url(survey.codes[1]), full_answers(survey.parent)).status_code == 429
    assert _state()[0] == 1


def test_no_ip_is_stored_with_a_response(client, survey):
    client.post(url(survey.codes[0]), full_answers(survey.parent), REMOTE_ADDR="203.0.113.7")
    fields = {f.name for f in Response._meta.get_fields()}
    assert not fields & {"ip", "ip_address", "address", "code", "user_agent"}
    assert "203.0.113.7" not in str(list(Response.objects.values()))
    assert NOW.replace(minute=0) == Response.objects.get().submitted_hour


def test_public_pages_carry_the_security_headers_and_no_session(client, survey):
    for target in (reverse("survey_public:enter"), url(survey.codes[0]), reverse("survey_public:thanks")):
        response = client.get(target)
        assert response.status_code == 200
        csp = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers.get("X-Frame-Options") == "DENY"
        assert response.headers.get("X-Content-Type-Options") == "nosniff"
        assert "sessionid" not in response.cookies
    # Everything outside the prefix still asks for a login.
    assert client.get(reverse("surveys:index")).status_code == 302
