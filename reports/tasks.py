"""Background tasks (django-tasks): the batch score-sheet export, split into chunks so
that several workers (db_worker processes or RQ workers) share one round; the district (city)
workbook, one task per job."""

from __future__ import annotations

import logging

from django_tasks import task

from evaluation.models import Evaluation
from rubric.selectors import rubric_tree

from .models import ExportJob
from .pdf import opinion_pdf, scoresheet_pdf
from .selectors import evaluation_totals, opinion_document
from .services import export_job_finish, export_job_progress, table_job_build, workbook_job_build

log = logging.getLogger(__name__)


@task()
def export_scoresheets(job_id: int, evaluation_ids: list[int]) -> int:
    """Render the score sheets (and, if the job asks, the 督导评估意见书) of the given evaluations into
    the job; a failing school is recorded and the others still go into the ZIP. Returns how many
    schools were rendered."""
    rendered = 0
    job = ExportJob.objects.get(pk=job_id)
    scope, with_opinions = job.results_scope(), job.include_opinions
    evaluations = list(
        Evaluation.objects.assessed().filter(pk__in=evaluation_ids).filter(scope.school_q())
        .select_related("round__rubric_version", "school")
    )
    for _outside in range(len(set(evaluation_ids)) - len(evaluations)):
        # Never rendered: outside the requester's scope (or gone). Counted so the job still ends.
        export_job_progress(job_id=job_id, school_code="", pdf=None, failure=None)
    tree = rubric_tree(version=evaluations[0].round.rubric_version) if evaluations else None
    for ev in evaluations:
        try:
            totals = evaluation_totals(evaluation=ev, tree=tree)
            pdf = scoresheet_pdf(totals)
            opinion = None
            if with_opinions:
                # The same totals as the sheet: one read, and the two documents cannot disagree.
                opinion = opinion_pdf(opinion_document(evaluation=ev, totals=totals))
        except Exception as exc:  # one broken sheet must not stop the batch
            log.exception("score sheet export failed for evaluation %s", ev.pk)
            export_job_progress(job_id=job_id, school_code=ev.school.code, pdf=None,
                                failure={"school_code": ev.school.code, "school_name": ev.school.name,
                                         "error": f"{type(exc).__name__}: {exc}"[:300]})
            continue
        export_job_progress(job_id=job_id, school_code=ev.school.code, pdf=pdf, failure=None, opinion_pdf=opinion)
        rendered += 1
    export_job_finish(job_id=job_id)
    return rendered


@task()
def export_workbook(job_id: int) -> int:
    """Build a workbook job's file (reports.services.workbook_job_build); returns the school sheets written."""
    return workbook_job_build(job_id=job_id).done


@task()
def export_table(job_id: int) -> int:
    """Build a TABLE job's file (reports.services.table_job_build); returns the rows written."""
    return table_job_build(job_id=job_id).done
