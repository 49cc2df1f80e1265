"""python manage.py scoresheet --round ROUND --school CODE --format pdf|xlsx [--blank] [--notes] [--self-scores] -o FILE"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluation.models import Evaluation
from evaluation.selectors import RoundNotFound, round_resolve
from reports.pdf import scoresheet_pdf
from reports.selectors import evaluation_totals, self_comparison
from reports.xlsx import scoresheet_xlsx


class Command(BaseCommand):
    help = "导出一所学校的评分表（PDF 或 Excel）。"

    def add_arguments(self, parser):
        parser.add_argument("--round", default="", help="评估批次编号或名称（默认最近的批次）")
        parser.add_argument("--school", required=True, help="学校代码")
        parser.add_argument("--format", choices=["pdf", "xlsx"], default="pdf")
        parser.add_argument("--blank", action="store_true", help="空白评分表（不含分数）")
        parser.add_argument("--notes", action="store_true", help="PDF 增加“合议说明”一列")
        parser.add_argument("--self-scores", action="store_true", help="PDF 增加学校“自评分”一列（学校有自评申报时）")
        parser.add_argument("-o", "--output", required=True, help="输出文件")

    def handle(self, *args, **opts):
        try:
            round_obj = round_resolve(opts["round"])
        except RoundNotFound as exc:
            raise CommandError(str(exc)) from exc
        ev = Evaluation.objects.filter(round=round_obj, school__code=opts["school"].strip()).first()
        if ev is None:
            raise CommandError(f"批次“{round_obj.name}”中没有学校代码为“{opts['school']}”的评估。")
        totals = evaluation_totals(evaluation=ev, blank=opts["blank"])
        if opts["format"] == "pdf":
            own = self_comparison(totals=totals) if opts["self_scores"] and not opts["blank"] else None
            content = scoresheet_pdf(totals, blank=opts["blank"], notes=opts["notes"], self_scores=own)
        else:
            content = scoresheet_xlsx(totals, blank=opts["blank"])
        try:
            Path(opts["output"]).write_bytes(content)
        except OSError as exc:
            raise CommandError(f"无法写入文件“{opts['output']}”：{exc}") from exc
        self.stdout.write(f"已写入 {opts['output']}（{ev.school.name}，总分 {totals.total}）")
