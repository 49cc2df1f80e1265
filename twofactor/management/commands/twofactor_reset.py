"""Remove an account's authenticator from the command line (e.g. the only security admin lost their phone).

三权分立: for an account that holds an administrator role, or held one in the last 90 days, the
command names its operator (--by) and a second person who confirms (--confirmed-by); the holder
must then also change their password at next login, and the audit entry is flagged.
"""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from accounts.middleware import password_expired
from accounts.models import User
from twofactor.services import second_factor_reset


class Command(BaseCommand):
    help = ("重置用户的双因素认证（删除身份验证器与恢复码，下次登录时重新绑定），记入审计日志。"
            "管理员类账号（含 90 天内持有过的）须用 --by 与 --confirmed-by 写明执行人和另一名确认人。")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--by", help="执行重置的人（用户名）；管理员类账号必填")
        parser.add_argument("--confirmed-by", help="确认人（用户名；须为本人与执行人以外、已启用的管理员类账号）")

    def handle(self, *args, username, by=None, confirmed_by=None, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户 {username}。")
        operator = second = None
        if by:
            operator = User.objects.filter(username=by, is_active=True).first()
            if operator is None:
                raise CommandError(f"找不到启用的执行人：{by!r}")
        if confirmed_by:
            second = User.objects.filter(username=confirmed_by).first()
            if second is None:
                raise CommandError(f"找不到确认人：{confirmed_by!r}")
        try:
            second_factor_reset(user=user, by=operator, confirmed_by=second, from_server=True)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        expired = password_expired(User.objects.get(pk=user.pk))
        self.stdout.write(f"已重置 {username} 的双因素认证，该用户下次登录时须重新绑定身份验证器"
                          + ("并修改密码。" if expired else "。"))
