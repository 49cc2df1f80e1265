"""python manage.py import_schools FILE — the school import page, from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record
from schools.importing import SchoolFileError, read_school_file
from schools.services import SchoolImportError, school_import


class Command(BaseCommand):
    help = "从 .xlsx 或 .csv 文件导入学校（按学校代码新增或更新；任何一行有错误则全部不导入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="学校名单文件（.xlsx 或 .csv）")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": path})
        try:
            rows = read_school_file(name=path.name, data=path.read_bytes())
            result = school_import(rows=rows)
        except (SchoolFileError, SchoolImportError) as exc:
            audit_record(event="school.import", outcome=AuditEvent.Outcome.FAILURE, username="(命令行)",
                         file=path.name, errors=len(exc.errors))
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(_("导入被拒绝：共 %(n)d 处错误，未导入任何数据。") % {"n": len(exc.errors)}) from exc
        audit_record(event="school.import", username="(命令行)", file=path.name, created=len(result.created),
                     updated=len(result.updated), unchanged=len(result.unchanged))
        self.stdout.write(
            _("导入完成：新增 %(c)d 所，更新 %(u)d 所，未变化 %(n)d 所。")
            % {"c": len(result.created), "u": len(result.updated), "n": len(result.unchanged)}
        )
