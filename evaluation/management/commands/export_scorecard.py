"""python manage.py export_scorecard --school CODE --inspector USERNAME [--round R] -o FILE

Writes the same offline workbook an inspector downloads from the scoring page."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from evaluation.selectors import (
    RoundNotFound,
    ScorecardNotFound,
    round_resolve,
    scorecard_of_member,
    scorecard_workspace,
)
from evaluation.xlsx import scorecard_xlsx


class Command(BaseCommand):
    help = "导出一位督导专家的离线评分表（xlsx，与评分页面下载的相同）。"

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="学校代码")
        parser.add_argument("--inspector", required=True, help="督导专家的用户名")
        parser.add_argument("--round", dest="round", default=None, help="批次编号或名称，默认最近的批次")
        parser.add_argument("-o", "--output", required=True, help="输出文件")

    def handle(self, *args, **options):
        try:
            round_obj = round_resolve(options["round"])
            card = scorecard_of_member(round=round_obj, school_code=options["school"], username=options["inspector"])
        except (RoundNotFound, ScorecardNotFound) as exc:
            raise CommandError(str(exc)) from exc
        content = scorecard_xlsx(workspace=scorecard_workspace(scorecard=card))
        try:
            Path(options["output"]).write_bytes(content)
        except OSError as exc:
            raise CommandError(_("无法写入文件“%(file)s”：%(error)s") % {"file": options["output"], "error": exc}) from exc
        self.stdout.write(
            _("已写入 %(file)s：%(school)s · %(name)s")
            % {"file": options["output"], "school": card.evaluation.school.name, "name": card.inspector.display_name}
        )
