"""seed_demo --reset also removes what the recognition process built on the demo round (evaluation.hooks)."""

import pytest
from django.core.management import call_command

from accounts.models import User
from evaluation.models import PanelOpinion, Round
from recognition import services
from recognition.models import RecognitionEntry, RecognitionList

pytestmark = pytest.mark.django_db


def test_a_reset_after_a_published_list_rebuilds_the_demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--schools", "10")
    demo = Round.objects.get()
    assert PanelOpinion.objects.filter(evaluation__round=demo).count() == demo.evaluations.filter(
        status="finalized").count() > 0  # finalized demo schools come with an opinion
    admin = User.objects.get(username="admin")
    services.recognition_list_build(round=demo, by=admin)
    rlist = RecognitionList.objects.get()
    if RecognitionEntry.objects.filter(list=rlist, decision="proposed").exists():
        services.recognition_publish(rlist=rlist, objection_contact="督导室", by=admin)
    call_command("seed_demo", "--schools", "10", "--reset")
    assert not RecognitionList.objects.exists()
    assert Round.objects.count() == 1
    from evaluation.models import Evaluation

    live = set(Evaluation.objects.values_list("pk", flat=True))
    assert set(PanelOpinion.history.values_list("evaluation_id", flat=True)) <= live  # no orphaned history
