from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwofactorConfig(AppConfig):
    name = "twofactor"
    verbose_name = _("双因素认证")

    def ready(self):
        from . import signals  # noqa: F401  (connects user_logged_in)
