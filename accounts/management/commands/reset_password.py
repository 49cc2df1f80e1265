"""Reset a password from the server (the only way for an administrator's account).

三权分立: the password of an account that holds an administrator role, or held one in the last
90 days, is never reset by one person alone; the command names the operator and the second
person who confirms, and the reset is flagged in the audit log. The holder must change it at
next login.
"""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import User


class Command(BaseCommand):
    help = ("为账号生成一次性密码（下次登录须修改）。管理员类账号（含 90 天内持有过的）"
            "须用 --confirmed-by 写明另一名确认人。")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="执行重置的人（用户名）")
        parser.add_argument("--confirmed-by", help="确认人（用户名；须为本人与执行人以外、已启用的管理员类账号）")

    def handle(self, *args, username, by, confirmed_by=None, **options):
        target = User.objects.filter(username=username).first()
        operator = User.objects.filter(username=by).first()
        if target is None:
            raise CommandError(f"找不到用户：{username!r}")
        if operator is None:
            raise CommandError(f"找不到执行人：{by!r}")
        second = None
        if confirmed_by:
            second = User.objects.filter(username=confirmed_by).first()
            if second is None:
                raise CommandError(f"找不到确认人：{confirmed_by!r}")
        try:
            password = services.user_reset_password(user=target, by=operator, confirmed_by=second)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{target.username} 的一次性密码：{password}（下次登录时须修改）")
