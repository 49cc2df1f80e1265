from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_record
from ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库与佐证材料到一个归档文件（含 SHA-256 清单）。"

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="输出文件，如 backup-20261125.tar.gz")

    def handle(self, *args, output, **options):
        path = Path(output)
        try:
            manifest = backup_create(output=path)
        except (BackupError, OSError) as exc:
            raise CommandError(f"备份失败：{exc}") from exc
        audit_record(event="backup.create", file=str(path), files=len(manifest["files"]))
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"已写入 {path}：{rows} 行数据，{len(manifest['files']) - 1} 个文件。")
