"""python manage.py opinion_pdf --round ROUND --school CODE -o FILE"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluation.models import Evaluation
from evaluation.selectors import RoundNotFound, round_resolve
from reports.pdf import opinion_pdf
from reports.selectors import opinion_document


class Command(BaseCommand):
    help = "导出一所学校的督导评估意见书（PDF）。"

    def add_arguments(self, parser):
        parser.add_argument("--round", default="", help="评估批次编号或名称（默认最近的批次）")
        parser.add_argument("--school", required=True, help="学校代码")
        parser.add_argument("-o", "--output", required=True, help="输出文件")

    def handle(self, *args, **opts):
        try:
            round_obj = round_resolve(opts["round"])
        except RoundNotFound as exc:
            raise CommandError(str(exc)) from exc
        ev = Evaluation.objects.filter(round=round_obj, school__code=opts["school"].strip()).first()
        if ev is None:
            raise CommandError(f"批次“{round_obj.name}”中没有学校代码为“{opts['school']}”的评估。")
        doc = opinion_document(evaluation=ev)
        content = opinion_pdf(doc)
        try:
            Path(opts["output"]).write_bytes(content)
        except OSError as exc:
            raise CommandError(f"无法写入文件“{opts['output']}”：{exc}") from exc
        state = "暂定" if doc.provisional else "已定稿"
        missing = f"；评价意见尚未填写：{'、'.join(doc.opinion.missing)}" if doc.opinion.missing else ""
        self.stdout.write(f"已写入 {opts['output']}（{ev.school.name}，{state}，总分 {doc.totals.total}{missing}）")
