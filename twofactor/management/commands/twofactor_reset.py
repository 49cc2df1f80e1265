"""Remove an account's authenticator from the command line (e.g. the only security admin lost their phone)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from twofactor.services import second_factor_reset


class Command(BaseCommand):
    help = "重置用户的双因素认证（删除身份验证器与恢复码，下次登录时重新绑定），记入审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户 {username}。")
        second_factor_reset(user=user, by=None)
        self.stdout.write(f"已重置 {username} 的双因素认证，该用户下次登录时须重新绑定身份验证器。")
