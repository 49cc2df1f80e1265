from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecognitionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recognition"
    verbose_name = _("认定")

    def ready(self):
        # evaluation/ never imports this app: reopening asks the guards registered here (evaluation.hooks).
        from evaluation.hooks import register_demo_round_cleanup, register_reopen_guard

        from .services import demo_round_cleanup, reopen_guard

        register_reopen_guard(reopen_guard)
        register_demo_round_cleanup(demo_round_cleanup)
        from . import table_exports  # noqa: F401  (registers the lists' background exports)
