"""Views."""

from django.shortcuts import render  # noqa: E402


def inspector_home(request):
    return render(request, "placeholder.html", {"title": "我的评估"})

from django.shortcuts import render  # noqa: E402


def round_list(request):
    return render(request, "placeholder.html", {"title": "评估批次"})
