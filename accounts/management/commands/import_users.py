"""Import accounts (an expert pool) from xlsx/csv, as the page does: all rows or none."""

import csv
import io

from django.core.management.base import BaseCommand, CommandError

from accounts import importing
from accounts.models import User
from config.spreadsheet import cell_text


class Command(BaseCommand):
    help = "从 xlsx/csv 批量导入账号（专家库）：任何一行有错误则全部不导入；新账号的一次性密码写入 --passwords 文件。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="账号名单 .xlsx 或 .csv（表头见导入模板）")
        parser.add_argument("--by", required=True, help="记入审计的操作人（安全管理员的用户名）")
        parser.add_argument("--passwords", help="把新账号的一次性密码写入此 CSV 文件（否则打印到标准输出）")

    def handle(self, *args, file, by, passwords=None, **options):
        from accounts import roles

        operator = User.objects.filter(username=by).first()
        if operator is None or not roles.is_security_admin(operator):
            raise CommandError(f"--by 必须是一个启用的安全管理员账号：{by!r}")
        try:
            with open(file, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CommandError(f"无法读取文件：{exc}") from exc
        try:
            result = importing.users_import(name=file, data=data, by=operator)
        except importing.UserImportError as exc:
            raise CommandError("未导入任何账号：\n" + "\n".join(exc.errors)) from exc
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["用户名", "姓名", "一次性密码"])
        writer.writerows([cell_text(v) for v in (u.username, u.name, p)] for u, p in result.created)
        if passwords:
            with open(passwords, "w", encoding="utf-8-sig") as out:
                out.write(buffer.getvalue())
        elif result.created:
            self.stdout.write(buffer.getvalue().rstrip("\n"))
        self.stdout.write(f"已导入：新建 {len(result.created)} 个账号，更新 {len(result.updated)} 个。")
