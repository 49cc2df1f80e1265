"""Delete audit records older than a date; never anything younger than the retention period."""

from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record

# 《网络安全法》第二十一条: network logs are kept for at least six months.
RETENTION_DAYS = 180


class Command(BaseCommand):
    help = "删除指定日期之前的审计记录（不得删除 180 天以内的记录）。"

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="日期 YYYY-MM-DD：删除此日期（本地时间 0 点）之前的记录")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args, before, dry_run=False, **options):
        try:
            day = datetime.strptime(before, "%Y-%m-%d").date()
        except ValueError:
            raise CommandError(f"日期格式错误：{before!r}，应为 YYYY-MM-DD。") from None
        cutoff = timezone.make_aware(datetime.combine(day, time.min))
        oldest_allowed = timezone.now() - timedelta(days=RETENTION_DAYS)
        if cutoff > oldest_allowed:
            raise CommandError(
                f"拒绝执行：审计记录至少保留 {RETENTION_DAYS} 天，--before 不得晚于 "
                f"{timezone.localtime(oldest_allowed).date().isoformat()}。"
            )
        with transaction.atomic():
            doomed = AuditEvent.objects.filter(at__lt=cutoff)
            count = doomed.count()
            if not dry_run and count:
                # The one place allowed past the append-only guard: a raw delete of expired rows.
                if connection.vendor == "postgresql":
                    # The database's trigger (audit migration 0003) lets this transaction, and only
                    # it, delete rows past the retention period.
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL audit.purge = 'on'")
                        doomed._raw_delete(doomed.db)
                        # Closed again at once, in case this runs inside a longer transaction.
                        cursor.execute("SET LOCAL audit.purge = 'off'")
                else:
                    doomed._raw_delete(doomed.db)
                audit_record(event="audit.purge", before=day.isoformat(), deleted=count)
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(f"{verb} {count} 条 {day.isoformat()} 之前的审计记录。")
