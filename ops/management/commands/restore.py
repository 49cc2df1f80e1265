from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_record
from ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "从备份归档恢复到空数据库与空文件存储（先校验 SHA-256 清单）。"

    def add_arguments(self, parser):
        parser.add_argument("archive", help="backup 命令生成的归档文件")

    def handle(self, *args, archive, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"找不到归档文件：{path}")
        try:
            manifest = backup_restore(archive=path)
        except BackupError as exc:
            raise CommandError(f"恢复被拒绝：{exc}") from exc
        audit_record(event="backup.restore", file=str(path), created_at=manifest.get("created_at", ""))
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"已从 {path} 恢复：{rows} 行数据，{len(manifest['files']) - 1} 个文件。")
