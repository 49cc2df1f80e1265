"""Views."""

from django.shortcuts import render  # noqa: E402


def version_list(request):
    return render(request, "placeholder.html", {"title": "评估细则"})
