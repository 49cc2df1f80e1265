"""round_status: every evaluation of a round with its panel's progress, as JSON or CSV."""

import json

from django.core.management.base import BaseCommand, CommandError

from config.spreadsheet import csv_writer
from evaluation.selectors import RoundNotFound, round_resolve, round_status_rows


class Command(BaseCommand):
    help = "列出评估批次中每所学校的评估状态（JSON 或 CSV）。"

    def add_arguments(self, parser):
        parser.add_argument("--round", dest="round", default=None, help="批次编号或名称，默认最近的批次")
        parser.add_argument("--format", dest="fmt", choices=["json", "csv"], default="json")

    def handle(self, *args, **options):
        try:
            round_obj = round_resolve(options["round"])
        except RoundNotFound as exc:
            raise CommandError(str(exc)) from exc
        rows = [{k: v for k, v in row.items() if k != "evaluation"} for row in round_status_rows(round=round_obj)]
        if options["fmt"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        # CSV: one line per inspector, so the panel is flat and spreadsheet-friendly.
        writer = csv_writer(self.stdout)  # school names are user text: neutralized like any spreadsheet cell
        writer.writerow(["school_code", "school_name", "status", "username", "lead", "scored", "submitted"])
        for row in rows:
            members = row["inspectors"] or [{"username": "", "lead": "", "scored": "", "submitted": ""}]
            for m in members:
                writer.writerow(
                    [row["school_code"], row["school_name"], row["status"], m["username"],
                     _b(m["lead"]), m["scored"], _b(m["submitted"])]
                )


def _b(value):
    return "true" if value is True else "false" if value is False else value
