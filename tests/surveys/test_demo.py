from surveys import selectors, services
from surveys.demo import DEMO_GROUPS, seed_surveys
from surveys.models import Campaign, CodeBatch, Response


def test_seed_surveys_and_demo_cleanup(world):
    made = seed_surveys(round=world.round, admin=world.admin, schools=1)
    assert made == sum(answers for _issued, answers in DEMO_GROUPS.values())
    campaign = Campaign.objects.get()
    result = selectors.campaign_results(campaigns=[campaign])[0]
    parent = next(g for g in result.groups if g.cgroup.group == "parent")
    assert (parent.issued, parent.responses) == DEMO_GROUPS["parent"]
    assert parent.rate is not None and parent.low < parent.rate < parent.high
    assert not CodeBatch.objects.exclude(slips="").exists()  # answered at once: no slips to print
    services.demo_round_cleanup(world.round)
    assert not Campaign.objects.exists() and not Response.objects.exists()
