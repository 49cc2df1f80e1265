from django.apps import AppConfig


class AccountsOverridesConfig(AppConfig):
    """Only carries management commands that replace django.contrib.auth's own.

    Django takes a command from the first installed app that has it, and `accounts` cannot come
    before django.contrib.auth (its admin module unregisters auth's Group admin), so this
    model-less app is listed before django.contrib.auth in INSTALLED_APPS.
    """

    name = "accounts.overrides"
    label = "accounts_overrides"
    verbose_name = "账号命令"
