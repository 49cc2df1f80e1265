"""/api/v1/ (the API), /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI from local static files)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("rubric-versions", views.RubricVersionViewSet, basename="rubric-version")
router.register("districts", views.DistrictViewSet, basename="district")
router.register("schools", views.SchoolViewSet, basename="school")
router.register("rounds", views.RoundViewSet, basename="round")
router.register("evaluations", views.EvaluationViewSet, basename="evaluation")
router.register("scorecards", views.ScorecardViewSet, basename="scorecard")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
