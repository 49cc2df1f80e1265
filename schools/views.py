"""Views."""

from django.shortcuts import render  # noqa: E402


def school_list(request):
    return render(request, "placeholder.html", {"title": "学校"})
