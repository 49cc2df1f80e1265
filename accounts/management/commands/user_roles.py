"""Set an account's roles from the server, through the same rules as the page (三权分立)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import roles, services
from accounts.models import User


class Command(BaseCommand):
    help = "设置账号的角色（三权分立规则同页面）：manage.py user_roles 用户名 角色… --by 操作人"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("roles", nargs="*", help=f"角色：{'、'.join(roles.ALL_ROLES)}；不填则清除全部角色")
        parser.add_argument("--by", required=True, help="操作人（用户名，记入审计；不能是本人）")

    def handle(self, *args, username, roles: list, by, **options):
        target = User.objects.filter(username=username).first()
        operator = User.objects.filter(username=by).first()
        if target is None or operator is None:
            raise CommandError(f"找不到用户：{username if target is None else by!r}")
        try:
            services.user_assign_roles(user=target, role_names=roles, is_active=target.is_active, by=operator)
        except (PermissionDenied, ValidationError) as exc:
            message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(message) from exc
        self.stdout.write(f"{target.username} 的角色：{'、'.join(roles) or '（无）'}")
