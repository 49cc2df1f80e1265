from django.apps import AppConfig


class SelfAssessmentConfig(AppConfig):
    name = "selfassessment"
    verbose_name = "学校自评申报"

    def ready(self):
        # evaluation/ never imports this app: changing a round's rubric version asks this guard.
        from evaluation.hooks import register_version_change_guard

        from .services import version_change_guard

        register_version_change_guard(version_change_guard)
