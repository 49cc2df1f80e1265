"""self_assessment_status: every school of a round's 申报 chain with its status, self-total, missing
required evidence and the district's decision, as JSON or CSV (the status page's selector)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from config.spreadsheet import csv_writer
from evaluation.selectors import RoundNotFound, round_resolve
from selfassessment import selectors

FIELDS = ["school_code", "school_name", "district", "status", "status_label", "self_total", "scored",
          "missing_scores", "missing_required_evidence", "district_decision", "district_opinion", "eligible"]


def _round(value):
    if value in (None, ""):
        found = selectors.rounds_with_applications().first()
        if found is None:
            raise CommandError(_("还没有开放学校自评申报的评估批次。"))
        return found
    try:
        found = round_resolve(value)
    except RoundNotFound as exc:
        raise CommandError(str(exc)) from exc
    if not found.self_assessment:
        raise CommandError(_("评估批次“%(name)s”没有开放学校自评申报。") % {"name": found.name})
    return found


class Command(BaseCommand):
    help = "列出评估批次中每所可申报学校的自评申报状态、自评总分、缺少的必需佐证材料数和区县初评结论（JSON 或 CSV）。"

    def add_arguments(self, parser):
        parser.add_argument("--round", dest="round", default=None, help="批次编号或名称，默认最近开放申报的批次")
        parser.add_argument("--format", dest="fmt", choices=["json", "csv"], default="json")

    def handle(self, *args, **options):
        round_obj = _round(options["round"])
        rows = [
            {
                "school_code": r.school.code, "school_name": r.school.name, "district": r.school.district.name,
                "status": r.status, "status_label": r.status_label,
                # Decimal as a string: exact, never a float.
                "self_total": None if r.self_total is None else f"{r.self_total:.2f}",
                "scored": r.scored, "missing_scores": r.missing_scores,
                "missing_required_evidence": r.missing_evidence,
                "district_decision": r.district_decision, "district_opinion": r.district_opinion,
                "eligible": r.eligible,
            }
            for r in selectors.status_rows(round=round_obj)
        ]
        if options["fmt"] == "json":
            self.stdout.write(json.dumps({"round": round_obj.name, "schools": rows}, ensure_ascii=False, indent=2))
            return
        writer = csv_writer(self.stdout)  # names and opinions are user text: neutralized like any cell
        writer.writerow(FIELDS)
        for row in rows:
            writer.writerow([("" if row[k] is None else "true" if row[k] is True else "false" if row[k] is False
                              else row[k]) for k in FIELDS])
