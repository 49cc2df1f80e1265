from django.apps import AppConfig


class CalibrationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "calibration"
    verbose_name = "校准评估"

    def ready(self):
        from evaluation import hooks

        from .selectors import round_ineligible_inspectors

        hooks.register_ineligibility(round_ineligible_inspectors)
