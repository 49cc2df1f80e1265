"""Notifications: who is told what at each step, the unread count, email by the background task with
each user's choice, and the pages (one's own only)."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from accounts import roles
from evaluation import services as ev_services
from evaluation.models import Score, Scorecard
from notifications import services
from notifications.models import EmailSetting, Kind, Notification
from notifications.tasks import send_notification_emails
from rubric.selectors import rubric_tree
from tests import factories as f
from tests.hostile import strings

pytestmark = pytest.mark.django_db


def _kinds(user):
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def _unread(user):
    user.refresh_from_db()
    return user.unread_notifications


def _score_all(scorecard):
    tree = rubric_tree(version=scorecard.evaluation.round.rubric_version)
    Score.objects.bulk_create(Score(scorecard=scorecard, element=el, points=el.points) for el in tree.elements)


@pytest.fixture
def immediate(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_assigning_tells_new_members_once_and_not_the_actor(world):
    carol = f.user("carol", roles.INSPECTOR, name="钱专家")
    ev_services.panel_assign(round=world.round, schools=[world.school], inspectors=[world.alice, carol],
                             lead=world.lead, by=world.admin)
    assert _kinds(carol) == [Kind.PANEL_ASSIGNED]
    note = Notification.objects.get(user=carol)
    assert world.school.name in note.title and world.round.name in note.body
    assert note.url == reverse("evaluation:inspector_home")
    # alice and the lead were already on the panel: nothing new for them.
    assert _kinds(world.alice) == [] and _kinds(world.lead) == []
    assert _kinds(world.admin) == []
    assert _unread(carol) == 1


def test_assigning_to_several_schools_is_one_notification(world):
    carol = f.user("carol", roles.INSPECTOR, name="钱专家")
    third = f.school(world.district, name="雁塔区第三小学")
    ev_services.panel_assign(round=world.round, schools=[world.school, third], inspectors=[carol],
                             lead=world.lead, by=world.admin)
    [note] = Notification.objects.filter(user=carol)
    assert "2 所学校" in note.title and "雁塔区第三小学" in note.body


def test_return_tells_the_inspector_and_all_submitted_tells_the_lead(world):
    alice_card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.alice)
    lead_card = Scorecard.objects.get(evaluation=world.evaluation, inspector=world.lead)
    _score_all(alice_card)
    _score_all(lead_card)
    ev_services.scorecard_submit(scorecard=lead_card, by=world.lead)
    assert _kinds(world.lead) == []  # alice has not submitted yet
    ev_services.scorecard_submit(scorecard=alice_card, by=world.alice)
    assert _kinds(world.lead) == [Kind.PANEL_SUBMITTED]
    assert Notification.objects.get(user=world.lead).url == reverse("evaluation:evaluation_detail",
                                                                     args=[world.evaluation.pk])
    ev_services.scorecard_return(scorecard=alice_card, by=world.lead, reason="C12 证据不足，请复核")
    note = Notification.objects.get(user=world.alice)
    assert note.kind == Kind.SCORECARD_RETURNED and "C12 证据不足" in note.body
    assert note.url == reverse("evaluation:scorecard", args=[alice_card.pk])


def test_finalize_and_reopen_tell_the_panel(world):
    for card in Scorecard.objects.filter(evaluation=world.evaluation):
        _score_all(card)
        Scorecard.objects.filter(pk=card.pk).update(status=Scorecard.Status.SUBMITTED)
    ev_services.evaluation_finalize(evaluation=world.evaluation, by=world.lead)
    assert _kinds(world.alice) == [Kind.EVALUATION_FINALIZED]
    assert _kinds(world.lead) == []  # the lead finalized it
    ev_services.evaluation_reopen(evaluation=world.evaluation, by=world.admin, reason="总分录入有误")
    assert set(_kinds(world.alice)) == {Kind.EVALUATION_FINALIZED, Kind.EVALUATION_REOPENED}
    assert Kind.EVALUATION_REOPENED in _kinds(world.lead)
    assert _unread(world.alice) == 2


def test_notifications_roll_back_with_the_step(world):
    """A refused step writes nothing, notifications included."""
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError):
        ev_services.evaluation_reopen(evaluation=world.evaluation, by=world.admin, reason="x")  # not finalized
    assert Notification.objects.count() == 0


def test_email_sent_by_the_task_after_commit_respecting_choices(world, immediate, django_capture_on_commit_callbacks):
    for u, address in ((world.alice, "alice@example.cn"), (world.lead, "lead@example.cn")):
        u.email = address
        u.save(update_fields=["email"])
    EmailSetting.objects.create(user=world.lead, kind=Kind.EVALUATION_REOPENED, email=False)
    world.evaluation.status = world.evaluation.Status.FINALIZED
    world.evaluation.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ev_services.evaluation_reopen(evaluation=world.evaluation, by=world.admin, reason="总分录入有误")
    assert mail.outbox == []  # nothing is sent inside the step
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["alice@example.cn"]]  # the lead switched this kind off
    assert "重新开启" in mail.outbox[0].subject and "总分录入有误" in mail.outbox[0].body
    note = Notification.objects.get(user=world.alice)
    assert note.emailed_at is not None
    # Run again (a retried job): nothing is sent twice.
    assert send_notification_emails.call([note.pk]) == 0
    assert len(mail.outbox) == 1


def test_no_email_without_an_address_or_for_an_inactive_user(world):
    world.alice.email = ""
    world.alice.save(update_fields=["email"])
    world.bob.email = "bob@example.cn"
    world.bob.is_active = False
    world.bob.save(update_fields=["email", "is_active"])
    rows = [*services.notify(users=[world.alice], kind=Kind.PANEL_ASSIGNED, title="t"),
            *Notification.objects.bulk_create([Notification(user=world.bob, kind=Kind.PANEL_ASSIGNED, title="t",
                                                            created_at=world.round.created_at)])]
    assert send_notification_emails.call([n.pk for n in rows]) == 0
    assert mail.outbox == []


def test_self_assessment_chain_tells_district_school_and_city(world):
    from selfassessment import notices
    from selfassessment.models import SelfAssessment
    sa = SelfAssessment.objects.create(round=world.round, school=world.school)
    notices.step(sa=sa, action="submit", by=world.school_user)
    assert _kinds(world.official) == [Kind.SELF_ASSESSMENT]
    assert _kinds(world.other_official) == [] and _kinds(world.city_official) == []
    notices.step(sa=sa, action="return", by=world.official, reason="补充材料")
    assert _kinds(world.school_user) == [Kind.SELF_ASSESSMENT] and _kinds(world.other_school_user) == []
    notices.step(sa=sa, action="recommend", by=world.official, reason="同意推荐")
    assert _kinds(world.admin) == [Kind.SELF_ASSESSMENT]
    notices.step(sa=sa, action="decline", by=world.admin, reason="不符合条件")
    assert len(_kinds(world.school_user)) == 2 and len(_kinds(world.official)) == 2


def test_hostile_titles_are_clipped_cleaned_and_escaped(world, login):
    for text in strings():
        services.notify(users=[world.alice], kind=Kind.RECTIFICATION, title=text, body=text * 3)
    for n in Notification.objects.filter(user=world.alice):
        assert len(n.title) <= services.TITLE_MAX and len(n.body) <= services.BODY_MAX
        assert "\x00" not in n.title + n.body
    page = login(world.alice).get(reverse("notifications:list"))
    assert page.status_code == 200
    assert b"<script>alert" not in page.content


def test_pages_show_only_ones_own_and_open_marks_read(world, login):
    [mine] = services.notify(users=[world.alice], kind=Kind.PANEL_ASSIGNED, title="分配到专家组",
                             url=reverse("evaluation:inspector_home"))
    [theirs] = services.notify(users=[world.bob], kind=Kind.PANEL_ASSIGNED, title="给赵专家的通知")
    client = login(world.alice)
    page = client.get(reverse("notifications:list"))
    assert "分配到专家组" in page.content.decode() and "给赵专家的通知" not in page.content.decode()
    assert "条未读" in client.get(reverse("accounts:password_change")).content.decode()  # the bell on every page
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("evaluation:inspector_home")
    assert _unread(world.alice) == 0
    mine.refresh_from_db()
    assert mine.read_at is not None
    theirs.refresh_from_db()
    assert theirs.read_at is None and _unread(world.bob) == 1


def test_open_never_leaves_the_site(world, login):
    n = Notification.objects.create(user=world.alice, kind=Kind.PANEL_ASSIGNED, title="t",
                                    url="//evil.example/phish", created_at=world.round.created_at)
    response = login(world.alice).post(reverse("notifications:open", args=[n.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_read_all_and_email_settings(world, login):
    services.notify(users=[world.alice], kind=Kind.PANEL_ASSIGNED, title="一")
    services.notify(users=[world.alice], kind=Kind.SCORECARD_RETURNED, title="二")
    assert _unread(world.alice) == 2
    client = login(world.alice)
    client.post(reverse("notifications:read_all"))
    assert _unread(world.alice) == 0
    assert client.get(reverse("notifications:settings")).status_code == 200
    client.post(reverse("notifications:settings"), {Kind.PANEL_ASSIGNED: "on"})
    chosen = dict(EmailSetting.objects.filter(user=world.alice).values_list("kind", "email"))
    assert chosen[Kind.PANEL_ASSIGNED] is True and chosen[Kind.SCORECARD_RETURNED] is False


def test_unknown_kind_is_a_programming_error(world):
    with pytest.raises(ValueError):
        services.notify(users=[world.alice], kind="nonsense", title="t")
    assert Decimal("0") == Decimal(_unread(world.alice))


def test_joining_a_calibration_case_names_the_case_not_the_school(world):
    from calibration import services as cs

    case = cs.calibration_create(title="校准案例（课堂观察）", source=world.evaluation, anonymized=True, by=world.admin)
    cs.calibration_members_add(case=case, inspectors=[world.bob], by=world.admin)
    note = Notification.objects.get(user=world.bob)
    assert note.kind == Kind.PANEL_ASSIGNED and "校准案例（课堂观察）" in note.title
    assert world.school.name not in note.title + note.body
