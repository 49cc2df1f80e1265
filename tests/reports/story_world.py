"""A school with a story: the 雁塔 school finalized in a 2024 round (half points, recognized, results
published) and in world.round (2026, C1 half, the rest full); a 2025 round where it is not finalized
(never "the previous round"). The 碑林 school is finalized in world.round only."""

from datetime import date

from evaluation import services as evaluation_services
from evaluation.models import Round
from recognition import services as rs
from recognition.models import RecognitionList
from tests import factories as f
from tests.reports.conftest import give_scores, half

PUBLISHED_ON = date(2024, 11, 1)


def fn(el, k):
    return el.points / 2 if el.code == "C1" else el.points


def build(w, *, publish_current=False, opinion_text=None):
    w.old_round = f.round_(w.version, name="2024年度新优质学校评估", year=2024, pass_mark="40")
    w.old_evaluation = f.evaluation(w.old_round, w.school, lead=w.lead, inspectors=[w.alice])
    give_scores(w.old_evaluation, half, by=w.lead)
    f.opinion(w.old_evaluation, overall=opinion_text or "二〇二四年总体良好。")
    w.mid_round = f.round_(w.version, name="2025年度新优质学校评估", year=2025)
    w.mid_evaluation = f.evaluation(w.mid_round, w.school, lead=w.lead)
    give_scores(w.mid_evaluation, lambda el, k: el.points, finalize=False)
    Round.objects.filter(pk=w.round.pk).update(pass_mark="80")
    w.round.refresh_from_db()
    give_scores(w.evaluation, fn, by=w.lead)
    f.opinion(w.evaluation, overall="二〇二六年进步明显。")
    give_scores(w.other_evaluation, half, by=w.bob)
    # 2024: recognized (valid three years from 2024-11-09), results published to the schools.
    rs.recognition_list_build(round=w.old_round, by=w.admin)
    rlist = RecognitionList.objects.get(round=w.old_round)
    rs.recognition_publish(rlist=rlist, objection_contact="督导室", by=w.admin, today=PUBLISHED_ON)
    w.old_recognition = rs.recognition_conclude(rlist=rlist, document_no="市教发〔2024〕8号",
                                                recognized_on=date(2024, 11, 9), by=w.admin, today=date(2024, 11, 9))[0]
    evaluation_services.round_results_publish(round=w.old_round, published=True, by=w.admin)
    if publish_current:
        evaluation_services.round_results_publish(round=w.round, published=True, by=w.admin)
    for name in ("old_round", "round"):
        getattr(w, name).refresh_from_db()
    return w
