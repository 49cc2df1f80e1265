from . import roles


def role_flags(request):
    """Role booleans for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "is_admin": roles.is_admin(user),
        "is_inspector": roles.is_inspector(user),
        "is_official": roles.is_official(user),
        "is_security_admin": roles.is_security_admin(user),
        "is_auditor": roles.is_auditor(user),
        "is_school": roles.is_school(user),
        "role_labels": roles.role_labels(user),
    }
