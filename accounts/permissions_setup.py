"""Which Django permissions each role's group holds.

Re-applied after every `migrate` (post_migrate), so a model added later gets its
permissions on the groups without hand-written data migrations.
"""

from . import roles

OWN_APPS = ("accounts", "schools", "rubric", "evaluation", "selfassessment", "reports", "audit")

ROLE_PERMISSIONS = {
    # System admin: manages schools, rounds and rubrics; sees accounts but never changes them
    # (三权分立: that is the security admin's work, on the product's own pages).
    roles.ADMIN: {"apps": ("schools", "rubric", "evaluation", "selfassessment", "reports"), "codenames": None},
    roles.INSPECTOR: {
        "apps": None,
        "codenames": {
            "view_district", "view_school",
            "view_rubricversion", "view_dimension", "view_indicator", "view_element",
            "view_round", "view_evaluation", "view_scorecard",
            "view_score", "add_score", "change_score",
            "view_evidence", "add_evidence", "delete_evidence",
        },
    },
    # Security admin: who holds which role, who may log in. Nothing about schools, rubric or scores.
    roles.SECURITY_ADMIN: {"apps": None, "codenames": {"view_user", "change_user"}},
    # Audit admin: reads the log. Nobody at all holds add/change/delete on audit records.
    roles.AUDITOR: {"apps": None, "codenames": {"view_auditevent"}},
    # A school's account works on the product's own pages only (its self-assessment); no model permissions.
    roles.SCHOOL: {"apps": None, "codenames": set()},
    roles.OFFICIAL: {"apps": None, "codenames": {
        "view_district", "view_school",
        "view_rubricversion", "view_dimension", "view_indicator", "view_element",
        "view_round", "view_evaluation", "view_scorecard", "view_score", "view_finalscore", "view_evidence",
    }},
}


def sync_role_permissions(Group, Permission, using="default"):
    """Make each role group hold exactly the permissions declared above."""
    for group_name, rule in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=group_name)
        perms = Permission.objects.using(using).all()
        if rule["apps"] is not None:
            perms = perms.filter(content_type__app_label__in=rule["apps"])
        else:
            perms = perms.filter(
                content_type__app_label__in=OWN_APPS, codename__in=rule["codenames"]
            )
        if group_name == roles.ADMIN:
            perms = perms | Permission.objects.using(using).filter(
                content_type__app_label="accounts", codename="view_user")
        group.permissions.set(perms)


def on_post_migrate(sender, using="default", **kwargs):
    from django.contrib.auth.models import Group, Permission

    sync_role_permissions(Group, Permission, using=using)
