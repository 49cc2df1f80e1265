from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与角色"

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers the check and the role guard)
        from .permissions_setup import on_post_migrate

        # dispatch_uid: connect once however often ready() runs.
        post_migrate.connect(on_post_migrate, dispatch_uid="accounts.sync_role_permissions")
