"""python manage.py rectification_status [--round R] --format json|csv [--today YYYY-MM-DD]"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from evaluation.selectors import RoundNotFound, round_resolve
from rectification.exports import status_csv, status_json
from rectification.models import RectificationItem
from rectification.selectors import with_last_review, status_rows


class Command(BaseCommand):
    help = "输出整改事项：学校、区县、批次、评估要素、存在问题、整改期限、状态、是否逾期、最近复核结果。"

    def add_arguments(self, parser):
        parser.add_argument("--round", default="", help="评估批次编号或名称（默认全部批次）")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--today", default="", help="判断逾期所用的日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args, **opts):
        try:
            today = date.fromisoformat(opts["today"]) if opts["today"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"日期无效：{opts['today']}（应为 YYYY-MM-DD）。") from exc
        qs = RectificationItem.objects.select_related("evaluation__round", "evaluation__school__district")
        if opts["round"]:
            try:
                round_obj = round_resolve(opts["round"])
            except RoundNotFound as exc:
                raise CommandError(str(exc)) from exc
            qs = qs.filter(evaluation__round=round_obj)
        rows = status_rows(with_last_review(qs), today=today)
        if opts["format"] == "json":
            self.stdout.write(status_json(rows))
        else:
            self.stdout.write(status_csv(rows), ending="")
