"""python manage.py export_scores --round ROUND --format csv"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from analytics.exports import scores_csv
from analytics.selectors import round_submitted_scores
from evaluation.selectors import RoundNotFound, round_resolve


class Command(BaseCommand):
    help = "导出一个评估批次中每位专家已提交的每项得分（CSV）。"

    def add_arguments(self, parser):
        parser.add_argument("--round", default="", help="评估批次编号或名称（默认最近有定稿结果的批次）")
        parser.add_argument("--format", choices=["csv"], default="csv")
        parser.add_argument("-o", "--output", default="", help="输出文件（默认标准输出）")

    def handle(self, *args, **opts):
        try:
            round_obj = round_resolve(opts["round"], results=True)
        except RoundNotFound as exc:
            raise CommandError(str(exc)) from exc
        text = scores_csv(round_submitted_scores(round=round_obj))
        if opts["output"]:
            Path(opts["output"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
