"""Account reads for the security admin's pages."""

from django.db.models import Q, QuerySet

from .models import User


def user_list(*, query: str = "", role: str = "", active: str = "") -> QuerySet[User]:
    """Users filtered by name/username, role group and active flag, with their groups prefetched."""
    qs = User.objects.select_related("district", "school").prefetch_related("groups", "scope_districts").order_by("username")
    if query:
        qs = qs.filter(Q(username__icontains=query) | Q(name__icontains=query) | Q(organization__icontains=query))
    if role:
        qs = qs.filter(groups__name=role)
    if active in {"1", "0"}:
        qs = qs.filter(is_active=active == "1")
    return qs.distinct()


def address_is_throttled(*, ip: str | None, now=None) -> bool:
    """True when this address failed logins for too many different usernames lately (spraying)."""

    from django.conf import settings
    from django.utils import timezone

    from audit.models import AuditEvent

    limit = getattr(settings, "LOGIN_ADDRESS_USERNAME_LIMIT", 10)
    if not ip or not limit:
        return False
    since = (now or timezone.now()) - settings.AXES_COOLOFF_TIME
    tried = (AuditEvent.objects.filter(event="auth.login_failed", ip=ip, at__gte=since)
             .values("username").distinct().count())
    return tried >= limit


def password_reset_notice(*, user):
    """The reset by someone else the holder has not yet answered with a change of their own
    (shown on the change page: the holder learns who reset it and when), or None."""
    from audit.models import AuditEvent

    events = AuditEvent.objects.filter(object_type="accounts.User", object_id=str(user.pk), outcome="success",
                                       event__in=("user.password_reset", "password.change"))
    latest = events.order_by("-at", "-id").first()
    return latest if latest is not None and latest.event == "user.password_reset" else None


def schools_with_accounts(*, district=None, query: str = ""):
    """Schools (filtered) with their 学校（填报） accounts prefetched as `school_accounts` (two queries)."""
    from django.db.models import Prefetch

    from schools.models import School

    from . import roles

    qs = School.objects.select_related("district").order_by("district__order", "code")
    if district is not None:
        qs = qs.filter(district=district)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query))
    accounts = User.objects.filter(groups__name=roles.SCHOOL).order_by("username")
    return qs.prefetch_related(Prefetch("accounts", queryset=accounts, to_attr="school_accounts"))
