"""发布 in the editor: edits not yet saved are refused (not dropped), and a refusal over the
total names each A and B whose sum moved and by how much."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from rubric.models import Element, RubricVersion
from rubric.selectors import rubric_publish_problems


@pytest.fixture
def admin(login, world):
    return login(world.admin)


def _el(version, code):
    return version.elements.get(code=code)


def _fingerprint(admin, version) -> str:
    html = admin.get(reverse("rubric:version_detail", args=[version.pk])).content.decode()
    return re.search(r'name="fingerprint" value="([0-9a-f]{64})"', html).group(1)


def _publish(admin, version, data):
    return admin.post(reverse("rubric:version_publish", args=[version.pk]), data)


def _valid_draft(admin, draft):
    admin.post(reverse("rubric:version_save", args=[draft.pk]),
               {f"e-{_el(draft, 'C19').pk}-points": "2", f"e-{_el(draft, 'C9').pk}-points": "1"})


def test_the_publish_button_submits_the_editor_form(admin, draft):
    html = admin.get(reverse("rubric:version_detail", args=[draft.pk])).content.decode()
    button = re.search(r'<button[^>]*formaction="[^"]*/publish/"[^>]*>', html).group(0)
    assert 'form="rubric-editor"' in button and "data-confirm" in button


def test_unsaved_edits_on_the_page_are_refused_and_kept(admin, draft):
    _valid_draft(admin, draft)
    c1 = _el(draft, "C1")
    response = _publish(admin, draft, {
        "fingerprint": _fingerprint(admin, draft),
        f"e-{c1.pk}-text": "尚未保存的新内容",
        f"e-{_el(draft, 'C19').pk}-points": "2",
    })
    html = response.content.decode()
    assert response.status_code == 400
    assert "页面上有尚未保存的修改" in html
    assert "尚未保存的新内容" in html  # the edit is still on the page, not dropped
    assert "最新保存值：" in html
    draft.refresh_from_db()
    assert draft.status == RubricVersion.Status.DRAFT
    assert Element.objects.get(pk=c1.pk).text == c1.text


def test_an_invalid_unsaved_value_is_refused_at_its_cell(admin, draft):
    _valid_draft(admin, draft)
    response = _publish(admin, draft, {"fingerprint": _fingerprint(admin, draft),
                                       f"e-{_el(draft, 'C2').pk}-points": "abc"})
    assert response.status_code == 400 and "“abc”不是有效数字" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RubricVersion.Status.DRAFT


def test_the_page_as_saved_is_published(admin, draft):
    _valid_draft(admin, draft)
    c19 = _el(draft, "C19")
    response = _publish(admin, draft, {"fingerprint": _fingerprint(admin, draft), f"e-{c19.pk}-points": "2",
                                       f"e-{c19.pk}-text": c19.text})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == RubricVersion.Status.PUBLISHED


def test_a_page_opened_before_another_save_is_refused(admin, draft, world):
    _valid_draft(admin, draft)
    stale = _fingerprint(admin, draft)
    admin.post(reverse("rubric:version_save", args=[draft.pk]), {f"e-{_el(draft, 'C1').pk}-text": "别人改的"})
    response = _publish(admin, draft, {"fingerprint": stale}, )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == RubricVersion.Status.DRAFT
    assert "草稿已被其他管理员修改" in admin.get(response["Location"]).content.decode()


def test_the_refusal_names_each_a_and_b_whose_sum_is_off(admin, draft):
    c19 = _el(draft, "C19")
    b, a = c19.indicator.code, c19.indicator.dimension.code
    admin.post(reverse("rubric:version_save", args=[draft.pk]), {f"e-{c19.pk}-points": "2"})
    response = _publish(admin, draft, {})
    html = response.content.decode()
    assert response.status_code == 400
    assert "合计 101 ≠ 标明总分 100（多 1 分）" in html
    assert f'href="#item-{b}">{b}</a>' in html and f"二级指标 {b}：合计 4，来源版本 xian-2020 为 3，多 1 分。" in html
    assert f'href="#item-{a}">{a}</a>' in html and f"一级指标 {a}：" in html
    codes = {p.code for p in rubric_publish_problems(version=draft)}
    assert codes == {"", a, b}


def test_a_reweighting_that_keeps_the_total_names_no_sum(draft, world):
    from rubric.services import element_update

    element_update(element=_el(draft, "C19"), points=Decimal("2"), by=world.admin)
    element_update(element=_el(draft, "C9"), points=Decimal("1"), by=world.admin)
    assert rubric_publish_problems(version=draft) == []
