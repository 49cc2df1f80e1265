"""Reset a password from the server (the only way for an administrator's account).

三权分立: an administrator's password is never reset by one person alone; the command names
the operator and the second person who confirms, and the reset is flagged in the audit log.
"""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import User


class Command(BaseCommand):
    help = "为账号生成一次性密码（下次登录须修改）。管理员类账号须用 --confirmed-by 写明另一名确认人。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="执行重置的人（用户名）")
        parser.add_argument("--confirmed-by", help="确认人（用户名；须为本人与执行人以外的管理员类账号）")

    def handle(self, *args, username, by, confirmed_by=None, **options):
        from accounts import roles

        target = User.objects.filter(username=username).first()
        operator = User.objects.filter(username=by).first()
        if target is None:
            raise CommandError(f"找不到用户：{username!r}")
        if operator is None:
            raise CommandError(f"找不到执行人：{by!r}")
        second = None
        if confirmed_by:
            second = User.objects.filter(username=confirmed_by, is_active=True).first()
            if second is None or not roles.is_separated(roles.held_roles(second)):
                raise CommandError(f"确认人必须是启用的管理员类账号：{confirmed_by!r}")
        try:
            password = services.user_reset_password(user=target, by=operator, confirmed_by=second)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{target.username} 的一次性密码：{password}（下次登录时须修改）")
