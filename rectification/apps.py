from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rectification"
    verbose_name = _("整改与复核")

    def ready(self):
        # evaluation/ never imports this app: the demo round's rows go through its hook (evaluation.hooks).
        from evaluation.hooks import register_demo_round_cleanup, register_previous_element_notes

        from .selectors import items_on_elements
        from .services import demo_round_cleanup

        register_demo_round_cleanup(demo_round_cleanup)
        # The next round's scorecard and consolidation show the items raised on each element.
        register_previous_element_notes(items_on_elements)
        from . import table_exports  # noqa: F401  (registers the ledger's background export)
