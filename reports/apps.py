from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "结果与报表"

    def ready(self):
        from . import table_exports  # noqa: F401  (registers the ranking workbook's background export)
