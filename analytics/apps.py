from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"
    verbose_name = _("评估质量分析")

    def ready(self):
        # evaluation/ never imports analytics: the consolidation page asks through its hook (evaluation.hooks).
        from evaluation.hooks import register_round_quality

        from .selectors import consolidation_hints

        register_round_quality(consolidation_hints)
        from . import table_exports  # noqa: F401  (registers the workbooks' background exports)
