"""A URLconf with a view that crashes, to see the 500 page (tests only)."""

from django.urls import include, path


def boom(request):
    raise RuntimeError("secret traceback detail")


urlpatterns = [path("boom/", boom), path("", include("config.urls"))]
