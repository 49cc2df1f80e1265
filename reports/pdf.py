"""PDF renderers (WeasyPrint), one function per document, all rendered from templates so
that user text is escaped by Django's autoescaping."""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from .charts import bar_svg, radar_svg
from .layout import sheet_rows
from .selectors import EvaluationTotals, OpinionDocument, q2


# C0 controls other than tab/LF/CR, DEL and the non-characters U+FFFE/U+FFFF: pasted into a
# note or name they reach the PDF's text map and readers (pdfminer, hence copy and search)
# then find no text on the page at all. Nothing printable is lost by dropping them. The bidi
# embedding and override controls go too: on an official document "rtl\u202eexe.pdf" would print
# reversed as "rtlfdp.exe" (a spoof), and Chinese text never needs them.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


def _pdf(template: str, context: dict) -> bytes:
    html = _UNPRINTABLE.sub("", render_to_string(template, context))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def render_pdf(template: str, context: dict) -> bytes:
    """A PDF from a template, the way every document of the product is made (other apps' renderers use it:
    the same escaping, the same dropped characters, the same embedded font)."""
    return _pdf(template, context)


def scoresheet_pdf(totals: EvaluationTotals, *, blank: bool = False, notes: bool = False,
                  generated_at=None, self_scores=None, survey_notes=None) -> bytes:
    """The official printed score sheet of one school (blank: no scores, for paper use;
    notes: a 合议说明 column with the lead's note on each final score; self_scores (a
    reports.selectors.SelfComparison): a 自评分 column beside 得分, with its subtotals and total;
    survey_notes (evaluation.hooks.element_survey_notes, sorted pairs): a 满意度问卷 section after the sheet).

    Every page repeats the header, names the dimension and indicator it continues (续) and,
    for an evaluation not yet finalized, says 暂定; the signature block stays with the total.
    generated_at (default now) is the time printed on the sheet; tests pass a fixed one.
    """
    return _pdf(
        "reports/pdf/scoresheet.html",
        {"t": totals, "rows": sheet_rows(totals), "blank": blank, "notes": notes and not blank,
         "self": self_scores if not blank else None,
         "self_points": {s.line.element.id: s.self_points for s in self_scores.lines} if self_scores else {},
         "survey_notes": survey_notes if not blank else None,
         "printed_at": timezone.localtime(generated_at or timezone.now())},
    )


def school_report_pdf(totals: EvaluationTotals, *, rank: int | None, count: int,
                      averages: dict[str, Decimal | None], changes=None) -> bytes:
    """The school report with a radar (A vs round average) and B-level bars drawn as SVG; with
    `changes` (reports.story.changes_since_previous) the change since the previous round per A."""
    dims = totals.tree.dimensions
    school_pct = [q2(totals.dimensions[d.code] / d.points * 100) for d in dims]
    avg_pct = [q2((averages.get(d.code) or 0) / d.points * 100) for d in dims]
    radar = radar_svg([d.code for d in dims], [("本校", "#0d6efd", school_pct), ("全市平均", "#fd7e14", avg_pct)])
    inds = totals.tree.indicators
    bars = bar_svg([i.code for i in inds],
                   [("得分率", "#198754", [q2(totals.indicators[i.code] / i.points * 100) for i in inds])])
    return _pdf(
        "reports/pdf/school_report.html",
        {"t": totals, "rank": rank, "count": count, "radar": radar, "bars": bars,
         "weakest": totals.weakest(10), "printed_at": timezone.localtime(), "changes": changes,
         "dim_rows": [(d, totals.dimensions[d.code], averages.get(d.code)) for d in dims]},
    )


def opinion_pdf(doc: OpinionDocument, *, generated_at=None) -> bytes:
    """督导评估意见书: the official opinion of one evaluation (A4, embedded CJK font).

    School, district, visit dates, the panel with its lead, the A table and total, whether the
    pass mark is reached, the four parts of the opinion and the per-A entries, signature and date
    lines. Not finalized: printed, but 暂定 on every page (the lead previews it before finalizing).
    """
    return _pdf(
        "reports/pdf/opinion.html",
        {"d": doc, "t": doc.totals, "printed_at": timezone.localtime(generated_at or timezone.now())},
    )
