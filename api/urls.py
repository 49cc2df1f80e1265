"""/api/v1/ (the API), /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI from local static files)."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
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
    path("schema/", SpectacularJSONAPIView.as_view(), name="schema"),
    # The docs page is for a person in a browser: anonymous visitors go to the login page, as for any page.
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
]
