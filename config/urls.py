from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("schools/", include("schools.urls")),
    path("rubric/", include("rubric.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("selfassessment/", include("selfassessment.urls")),
    path("reports/", include("reports.urls")),
    path("analytics/", include("analytics.urls")),
    path("recognition/", include("recognition.urls")),
    path("calibration/", include("calibration.urls")),
    path("rectification/", include("rectification.urls")),
    path("gongshi/", include("recognition.public_urls")),
    path("surveys/", include("surveys.urls")),
    # The public answer page (no login): the one prefix a reverse proxy exposes to parents' phones.
    path("survey/", include("surveys.public_urls")),
    path("audit/", include("audit.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/", include("api.urls")),
    path("accounts/api-tokens/", include("api.page_urls")),
    path("", include("twofactor.urls")),
    path("django-admin/", admin.site.urls),
]

admin.site.site_header = "新优质学校评估系统 · 后台管理"
admin.site.site_title = "新优质学校评估系统"
