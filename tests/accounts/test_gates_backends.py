"""accounts.gates asks every backend's get_all_permissions from backends loaded once per
AUTHENTICATION_BACKENDS: the same set as Django's user.get_all_permissions(), for every
role, after a role change, and under another backend setting."""

from unittest import mock

import pytest
from django.contrib import auth
from django.contrib.auth.models import Group, Permission
from django.test import override_settings

from accounts import gates
from accounts.models import User
from tests.medical.conftest import ROLES

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as a new request reads it (no permission cached on the instance)."""
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_holds_what_django_says(request, role):
    user = fresh(request.getfixturevalue(role))
    assert gates._all_permissions(user) == frozenset(fresh(user).get_all_permissions())
    assert gates._all_permissions(user), "every role of the cast holds a permission"


def test_a_permission_given_to_the_users_group_counts_on_the_next_read(employee_a):
    group = Group.objects.get(name=employee_a.role)
    extra = Permission.objects.get(codename="view_group")
    assert "auth.view_group" not in gates._all_permissions(fresh(employee_a))
    group.permissions.add(extra)
    assert "auth.view_group" in gates._all_permissions(fresh(employee_a))
    assert gates._all_permissions(fresh(employee_a)) == frozenset(
        fresh(employee_a).get_all_permissions()
    )


def test_the_backends_are_loaded_once_per_setting(employee_a):
    gates._PERMISSION_BACKENDS.clear()
    with mock.patch.object(auth, "get_backends", wraps=auth.get_backends) as loaded:
        for _ in range(3):
            gates._all_permissions(fresh(employee_a))
    assert loaded.call_count == 1


@override_settings(AUTHENTICATION_BACKENDS=["guardian.backends.ObjectPermissionBackend"])
def test_another_backend_setting_is_asked_of_its_own_backends(employee_a):
    # guardian alone grants no permission without an object: Django's answer is empty.
    assert fresh(employee_a).get_all_permissions() == set()
    assert gates._all_permissions(fresh(employee_a)) == frozenset()


def test_a_user_model_with_its_own_answer_is_asked_itself(employee_a):
    def own_answer(self, obj=None):
        return {"special.perm"}

    with mock.patch.object(User, "get_all_permissions", own_answer):
        assert gates._all_permissions(fresh(employee_a)) == frozenset({"special.perm"})
