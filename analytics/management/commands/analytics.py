"""python manage.py analytics --round ROUND --format json"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from analytics.exports import analytics_json
from analytics.selectors import round_analytics
from evaluation.selectors import RoundNotFound, round_resolve


class Command(BaseCommand):
    help = "输出一个评估批次的评分一致性、专家宽严度、差异系数和要素得分率（JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--round", default="", help="评估批次编号或名称（默认最近有定稿结果的批次）")
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("-o", "--output", default="", help="输出文件（默认标准输出）")

    def handle(self, *args, **opts):
        try:
            round_obj = round_resolve(opts["round"], results=True)
        except RoundNotFound as exc:
            raise CommandError(str(exc)) from exc
        text = analytics_json(round_analytics(round=round_obj))
        if opts["output"]:
            Path(opts["output"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text)
