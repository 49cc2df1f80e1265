"""Views."""

from django.shortcuts import render  # noqa: E402


def ranking(request):
    return render(request, "placeholder.html", {"title": "排名结果"})

from django.shortcuts import render  # noqa: E402


def dashboard(request):
    return render(request, "placeholder.html", {"title": "统计概览"})
