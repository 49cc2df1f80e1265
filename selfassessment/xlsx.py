"""The school's offline self-assessment workbook (学校自评表): the inspectors' offline workbook
(evaluation.xlsx) with 自评分 and 自评说明 in its score and note columns, read by the same strict reader."""

from __future__ import annotations

from django.utils.translation import gettext as _

from evaluation.xlsx import SELF_LABELS, offline_workbook, read_scorecard_rows


def self_assessment_xlsx(*, workspace) -> bytes:
    """The self-assessment as a workbook, current self-scores and 自评说明 filled in."""
    sa = workspace.self_assessment
    title = _("%(school)s · %(round)s · 学校自评表") % {"school": sa.school.name, "round": sa.round.name}
    return offline_workbook(title=title, sheet="学校自评表", tree=workspace.tree, items=workspace.items,
                            labels=SELF_LABELS)


def read_self_assessment_rows(file, *, version_id: int):
    """({code: (points, note, cell)}, errors): the same rules and cell messages as the scorecard."""
    return read_scorecard_rows(file, version_id=version_id, labels=SELF_LABELS)
