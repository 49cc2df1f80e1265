"""python manage.py ranking --round ROUND [--include-in-progress] --format csv|json"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluation.selectors import RoundNotFound, round_resolve
from reports.exports import ranking_csv, ranking_json
from reports.selectors import round_totals
from rubric.selectors import rubric_tree


class Command(BaseCommand):
    help = "输出一个评估批次的学校排名（CSV 或 JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--round", default="", help="评估批次编号或名称（默认最近有定稿结果的批次）")
        parser.add_argument("--include-in-progress", action="store_true", help="包含评估中的学校（暂定分数）")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("-o", "--output", default="", help="输出文件（默认标准输出）")

    def handle(self, *args, **opts):
        try:
            round_obj = round_resolve(opts["round"], results=True)
        except RoundNotFound as exc:
            raise CommandError(str(exc)) from exc
        tree = rubric_tree(version=round_obj.rubric_version)
        rows = round_totals(round=round_obj, include_in_progress=opts["include_in_progress"], tree=tree)
        codes = [d.code for d in tree.dimensions]
        text = ranking_json(rows, codes) if opts["format"] == "json" else ranking_csv(rows, codes)
        if opts["output"]:
            Path(opts["output"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="" if text.endswith("\n") else "\n")
