"""`manage.py changepassword`, replacing Django's (see accounts.overrides for why it wins).

Django's own sets any account's password alone, with no forced change: the security admin with
a shell could become the audit admin that way. Here an account that holds an administrator role,
or held one in the last 90 days, is refused (reset_password with a second person is the way);
for other accounts the password goes through the password policy, must be changed at next
login (the person at the keyboard is not the holder), and is audited.
"""

import getpass

from django.contrib.auth.management.commands import changepassword as django_changepassword
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from accounts import roles
from accounts.models import User
from audit.services import audit_record

MAX_TRIES = 3
REFUSAL = ("%(username)s 持有管理员类角色（管理员、安全管理员或审计管理员），或在 %(days)s 天内持有过：三权分立要求其密码"
           "不能由一人设置。请执行 manage.py reset_password %(username)s --by 执行人 --confirmed-by 另一名管理员"
           "（两人办理，下次登录须修改，记入审计）。")


class Command(django_changepassword.Command):
    help = ("设置账号的密码（遵守密码策略；该用户下次登录时须修改；记入审计）。管理员类账号（含 90 天内持有过的）"
            "不能用此命令，请用 manage.py reset_password 用户名 --by 执行人 --confirmed-by 另一名管理员。")

    def handle(self, *args, **options):
        username = options["username"] or getpass.getuser()
        database = options["database"]
        user = User._default_manager.using(database).filter(username=username).first()
        if user is None:
            raise CommandError(f"找不到用户：{username!r}")
        if roles.needs_second_person(user):
            raise CommandError(REFUSAL % {"username": user.username, "days": roles.SEPARATED_RESET_WINDOW.days})
        self.stdout.write(f"为 {user.username} 设置密码（该用户下次登录时须修改）")
        for _attempt in range(MAX_TRIES):
            first = self._get_pass("新密码：")
            second = self._get_pass("再输入一次：")
            if first != second:
                self.stderr.write("两次输入的密码不一致，请重试。")
                continue
            try:
                validate_password(first, user)
            except ValidationError as exc:
                self.stderr.write("\n".join(exc.messages))
                continue
            break
        else:
            raise CommandError(f"尝试 {MAX_TRIES} 次均未成功，{user.username} 的密码没有修改。")
        with transaction.atomic(using=database):
            user = User._default_manager.using(database).select_for_update().get(pk=user.pk)
            if roles.needs_second_person(user):  # a role given while the password was typed
                raise CommandError(REFUSAL % {"username": user.username, "days": roles.SEPARATED_RESET_WINDOW.days})
            user.set_password(first)
            user.expire_password()
            user._password_event_recorded = user._change_audited = True
            user.save(using=database, update_fields=["password", "password_changed_at"])
            audit_record(event="password.set", obj=user,
                         username="manage.py", source="manage.py changepassword",
                         roles=sorted(roles.held_roles(user)), password_expired=True)
        return f"已设置 {user.username} 的密码；该用户下次登录时须修改。"
