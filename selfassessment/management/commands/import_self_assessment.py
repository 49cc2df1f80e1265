"""import_self_assessment: load a school's filled self-assessment workbook (学校自评表), the offline
path for schools; every cell checked as for scorecards, nothing saved on any error."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from schools.models import School
from selfassessment import selectors, services

from .self_assessment_status import _round


class Command(BaseCommand):
    help = "导入一所学校已填写的自评表（xlsx）。任何一格有错误时不保存，并逐格列出错误。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--school", required=True, help="学校代码")
        parser.add_argument("--round", dest="round", default=None, help="批次编号或名称，默认最近开放申报的批次")
        parser.add_argument("--by", default="", help="记录为操作人的用户名：管理员或本校的学校（填报）账号（默认：该校唯一的学校（填报）账号）")

    def handle(self, *args, **options):
        round_obj = _round(options["round"])
        school = School.objects.filter(code=options["school"].strip()).first()
        if school is None:
            raise CommandError(_("找不到学校代码“%(code)s”。") % {"code": options["school"]})
        by = self._operator(options["by"], school)
        sa = selectors.self_assessment_of(round=round_obj, school=school)
        if not sa.pk and not selectors.is_eligible(round=round_obj, school=school):
            raise CommandError(_("%(school)s 不能申报批次“%(round)s”。") % {"school": school.name, "round": round_obj.name})
        try:
            with open(options["file"], "rb") as handle:
                result = services.self_assessment_import_xlsx(self_assessment=sa, file=handle, by=by, operator=True)
        except FileNotFoundError as exc:
            raise CommandError(_("找不到文件：%(file)s") % {"file": options["file"]}) from exc
        except services.SelfAssessmentImportError as exc:
            for line in exc.cell_errors:
                self.stderr.write(line)
            raise CommandError(_("文件被拒绝：共 %(n)s 处错误，没有保存任何自评分。") % {"n": len(exc.cell_errors)}) from exc
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("；".join(getattr(exc, "messages", None) or [str(exc)])) from exc
        self.stdout.write(_("已导入 %(n)s 项自评：%(school)s · %(round)s") % {
            "n": len(result.saved), "school": school.name, "round": round_obj.name})

    def _operator(self, username: str, school) -> User:
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(_("找不到用户“%(name)s”。") % {"name": username})
            return user
        accounts = list(User.objects.filter(groups__name=roles.SCHOOL, school=school, is_active=True)[:2])
        if len(accounts) != 1:
            raise CommandError(_("%(school)s 没有唯一的学校（填报）账号：请用 --by 指定操作人。") % {"school": school.name})
        return accounts[0]
