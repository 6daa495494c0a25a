import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from console.tenancy.models import Membership, Project, Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_a_project_gets_a_32_hex_id(project_a):
    assert len(project_a.pk) == 32
    int(project_a.pk, 16)
    project_a.full_clean()


def test_a_malformed_project_id_does_not_validate(region):
    with pytest.raises(ValidationError):
        Project(id="XYZ", name="bad", region=region).full_clean()


def test_project_names_are_unique(region, project_a):
    with pytest.raises(IntegrityError):
        Project.objects.create(name=project_a.name, region=region)


def test_the_default_project_is_named_after_its_region(region, project_a):
    staging = Project.objects.create(name="cn-north-4_staging", region=region)
    assert project_a.is_region_default
    assert not staging.is_region_default


def test_one_role_per_user_and_project(operator, project_a):
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=operator, project=project_a, role=Role.VIEWER)


def test_an_unknown_role_is_refused_by_the_database(project_a):
    user = make_user("eve")
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=user, project=project_a, role="owner")


def test_visible_to(project_a, project_b, operator, superuser):
    assert list(Project.objects.visible_to(operator)) == [project_a]
    assert set(Project.objects.visible_to(superuser)) == {project_a, project_b}


@pytest.mark.parametrize("role, required, allowed", [
    (Role.VIEWER, Role.VIEWER, True), (Role.VIEWER, Role.OPERATOR, False),
    (Role.VIEWER, Role.ADMIN, False), (Role.OPERATOR, Role.VIEWER, True),
    (Role.OPERATOR, Role.OPERATOR, True), (Role.OPERATOR, Role.ADMIN, False),
    (Role.ADMIN, Role.VIEWER, True), (Role.ADMIN, Role.OPERATOR, True),
    (Role.ADMIN, Role.ADMIN, True),
])
def test_each_role_allows_what_the_roles_below_it_allow(role, required, allowed):
    assert Role(role).allows(required) is allowed
    assert Role(str(role.value)).allows(str(required.value)) is allowed  # as stored
