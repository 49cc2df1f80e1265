"""Set an account's roles from the server, through the same rules as the page (三权分立).

Granting or removing one of the three administrator roles happens only here, with a second
person (--confirmed-by: an active administrator-role holder other than the operator and the
account). With --create it makes the account first (one-time password printed once): how the
first security admin is created after `createsuperuser`, since Django admin never edits accounts
— while the superuser is the only administrator, nobody else exists to confirm, and it may act
alone (flagged in the audit log).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import roles, services
from accounts.models import User


class Command(BaseCommand):
    help = ("设置账号的角色（三权分立规则同页面）：manage.py user_roles 用户名 角色… --by 操作人 "
            "[--confirmed-by 另一名管理员] [--create --name 姓名]；授予或取消管理员类角色须写 --confirmed-by。")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("roles", nargs="*", help=f"角色：{'、'.join(roles.ALL_ROLES)}；不填则清除全部角色")
        parser.add_argument("--by", required=True, help="操作人（用户名，记入审计；不能是本人）")
        parser.add_argument("--confirmed-by", help="确认人（授予或取消管理员、安全管理员、审计管理员时必填："
                                                   "本人与操作人以外、已启用的管理员类账号）")
        parser.add_argument("--create", action="store_true", help="账号不存在时新建（打印一次性密码）")
        parser.add_argument("--name", default="", help="新建账号的姓名")

    def handle(self, *args, username, roles: list, by, confirmed_by=None, create=False, name="", **options):
        operator = User.objects.filter(username=by).first()
        if operator is None:
            raise CommandError(f"找不到操作人：{by!r}")
        second = None
        if confirmed_by:
            second = User.objects.filter(username=confirmed_by).first()
            if second is None:
                raise CommandError(f"找不到确认人：{confirmed_by!r}")
        target = User.objects.filter(username=username).first()
        try:
            if target is None and create:
                target, password = services.user_create(
                    data=services.AccountData(username=username, name=name or username, roles=tuple(roles)),
                    by=operator, confirmed_by=second, bootstrap=True)
                self.stdout.write(f"已新建 {username}，一次性密码：{password}（首次登录时须修改）")
            elif target is None:
                raise CommandError(f"找不到用户：{username!r}（新建请加 --create）")
            else:
                services.user_assign_roles(user=target, role_names=roles, is_active=target.is_active, by=operator,
                                           confirmed_by=second, bootstrap=True)
        except (PermissionDenied, ValidationError) as exc:
            message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(message) from exc
        self.stdout.write(f"{target.username} 的角色：{'、'.join(roles) or '（无）'}")
