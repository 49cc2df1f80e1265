"""import_scorecard: digitize a paper scorecard typed into the offline workbook or the official
blank score sheet (`scoresheet --blank --format xlsx`)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import User
from evaluation.selectors import RoundNotFound, ScorecardNotFound, round_resolve, scorecard_of_member
from evaluation.services import ScorecardImportError, scorecard_import_xlsx


class Command(BaseCommand):
    help = "导入一份已填写的评分表（xlsx）。文件中任何一格有错误时不保存，并逐格列出错误。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--school", required=True, help="学校代码")
        parser.add_argument("--inspector", required=True, help="督导专家的用户名")
        parser.add_argument("--round", dest="round", default=None, help="批次编号或名称，默认最近的批次")

    def handle(self, *args, **options):
        try:
            round_obj = round_resolve(options["round"])
        except RoundNotFound as exc:
            raise CommandError(str(exc)) from exc
        inspector = User.objects.filter(username=options["inspector"]).first()
        if inspector is None:
            raise CommandError(_("找不到用户“%(name)s”。") % {"name": options["inspector"]})
        try:
            card = scorecard_of_member(round=round_obj, school_code=options["school"], username=inspector.username)
        except ScorecardNotFound as exc:
            raise CommandError(str(exc)) from exc
        try:
            with open(options["file"], "rb") as handle:
                # The sheet is the inspector's own: it is saved in their name.
                result = scorecard_import_xlsx(scorecard=card, file=handle, by=inspector)
        except FileNotFoundError as exc:
            raise CommandError(_("找不到文件：%(file)s") % {"file": options["file"]}) from exc
        except ScorecardImportError as exc:
            for line in exc.cell_errors:
                self.stderr.write(line)
            raise CommandError(
                _("文件被拒绝：共 %(n)s 处错误，没有保存任何得分。") % {"n": len(exc.cell_errors)}
            ) from exc
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("；".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(
            _("已导入 %(n)s 项得分：%(school)s · %(name)s")
            % {"n": len(result.saved), "school": card.evaluation.school.name, "name": inspector.display_name}
        )
