"""Account reads for the security admin's pages."""

from django.db.models import Q, QuerySet

from .models import User


def user_list(*, query: str = "", role: str = "", active: str = "") -> QuerySet[User]:
    """Users filtered by name/username, role group and active flag, with their groups prefetched."""
    qs = User.objects.select_related("district").prefetch_related("groups").order_by("username")
    if query:
        qs = qs.filter(Q(username__icontains=query) | Q(name__icontains=query) | Q(organization__icontains=query))
    if role:
        qs = qs.filter(groups__name=role)
    if active in {"1", "0"}:
        qs = qs.filter(is_active=active == "1")
    return qs.distinct()
