from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "surveys"
    verbose_name = _("满意度问卷")

    def ready(self):
        from evaluation.hooks import register_demo_round_cleanup, register_element_survey_notes

        from .selectors import evaluation_element_notes
        from .services import demo_round_cleanup

        register_demo_round_cleanup(demo_round_cleanup)
        # The scoring workspace and the consolidation page show linked items' results beside each element.
        register_element_survey_notes(evaluation_element_notes)
        from . import table_exports  # noqa: F401  (registers the workbooks' background exports)
