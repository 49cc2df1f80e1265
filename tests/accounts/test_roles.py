"""The role groups exist after migrate and hold the intended permissions."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from accounts import roles
from tests import factories as f


def perms_of(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.django_db
def test_the_role_groups_exist():
    # The three business roles, the security and audit admins of 三权分立, and schools' own accounts.
    assert set(Group.objects.filter(name__in=roles.ALL_ROLES).values_list("name", flat=True)) == {
        "管理员", "督导专家", "教育局", "安全管理员", "审计管理员", "学校（填报）",
    }


@pytest.mark.django_db
def test_admin_can_change_schools_rubrics_and_rounds():
    perms = perms_of(roles.ADMIN)
    for perm in (
        "schools.add_school", "schools.change_school", "schools.delete_school", "schools.change_district",
        "rubric.change_rubricversion", "rubric.change_element",
        "evaluation.add_round", "evaluation.change_round", "accounts.view_user",
    ):
        assert perm in perms, perm
    # 三权分立: accounts are the security admin's; the system admin only looks at them.
    assert not {"accounts.add_user", "accounts.change_user", "accounts.delete_user"} & perms


@pytest.mark.django_db
def test_inspector_can_change_scores_but_not_schools_rubrics_or_rounds():
    perms = perms_of(roles.INSPECTOR)
    assert {"evaluation.change_score", "evaluation.add_score", "evaluation.add_evidence"} <= perms
    for perm in (
        "schools.change_school", "schools.add_school", "rubric.change_element", "rubric.change_rubricversion",
        "evaluation.change_round", "evaluation.change_finalscore", "accounts.change_user",
    ):
        assert perm not in perms, perm


@pytest.mark.django_db
def test_official_can_only_view():
    perms = perms_of(roles.OFFICIAL)
    assert {"schools.view_school", "evaluation.view_finalscore", "rubric.view_element"} <= perms
    assert all(p.split(".", 1)[1].startswith("view_") for p in perms), sorted(perms)


@pytest.mark.django_db
def test_user_permissions_follow_the_group(world):
    assert world.admin.has_perm("schools.change_school")
    assert world.alice.has_perm("evaluation.change_score")
    assert not world.alice.has_perm("schools.change_school")
    assert world.official.has_perm("schools.view_school")
    assert not world.official.has_perm("evaluation.change_score")
    assert not world.nobody.has_perm("schools.view_school")


@pytest.mark.django_db
def test_role_helpers_name_each_role(world):
    assert roles.is_admin(world.admin) and not roles.is_inspector(world.admin)
    assert roles.is_inspector(world.lead) and not roles.is_admin(world.lead)
    assert roles.is_official(world.city_official) and roles.can_view_results(world.city_official)
    assert not roles.can_view_results(world.alice)
    assert roles.role_labels(world.official) == ["教育局"]
    assert roles.role_labels(world.nobody) == []


@pytest.mark.django_db
def test_inactive_and_anonymous_users_have_no_role(world):
    world.admin.is_active = False
    world.admin.save()
    fresh = type(world.admin).objects.get(pk=world.admin.pk)
    assert not roles.is_admin(fresh)
    assert not roles.is_admin(AnonymousUser())
    assert not roles.is_official(AnonymousUser())


@pytest.mark.django_db
def test_a_superuser_counts_as_admin_without_the_group():
    boss = f.user("boss", is_superuser=True)
    assert roles.is_admin(boss)
