from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "安全审计"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
        from . import table_exports  # noqa: F401  (registers the audit log's background export)
