"""medical.access.can_chat reads the role's chat permission from the auth cache's copy
of the user when that copy is current (accounts.auth_cache: invalidated at once by any
role, group or permission change), with no query; never from the catalogue a user
object carries since it was loaded, which a revocation leaves stale."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.backends import ModelBackend
from accounts.models import Role
from medical import access

pytestmark = pytest.mark.django_db

ROLE_OF = {"employee_a": Role.EMPLOYEE, "practitioner_p": Role.PRACTITIONER}


@pytest.fixture(autouse=True)
def auth_cache_on(settings):
    settings.HUNTZEN_AUTH_CACHE_SECONDS = 60


def _signed_in(user):
    """The user as a request or a socket gets it: through the cached backend, with its
    permission catalogue computed and the cache warm."""
    loaded = ModelBackend().get_user(user.pk)
    assert access.CHAT_ROLE_PERM in loaded._perm_cache
    return loaded


@pytest.mark.parametrize("who", ROLE_OF)
def test_a_current_cached_catalogue_answers_with_no_query(
    who, cast, consultation, django_assert_num_queries
):
    user = _signed_in(cast[who])
    with django_assert_num_queries(1):  # guardian's object permission only
        assert access.can_chat(user, consultation)
    fresh = type(user).objects.get(pk=user.pk)  # no catalogue of its own: the cache's
    with django_assert_num_queries(1):
        assert access.can_chat(fresh, consultation)


def _remove_from_role_group(user):
    user.groups.remove(Group.objects.get(name=user.role))


def _remove_chat_perm_from_role_group(user):
    Group.objects.get(name=user.role).permissions.remove(
        Permission.objects.get(codename="chat_participate")
    )


@pytest.mark.parametrize("revoke", [_remove_from_role_group, _remove_chat_perm_from_role_group])
@pytest.mark.parametrize("who", ROLE_OF)
def test_a_revocation_counts_at_once_for_a_user_object_loaded_before_it(
    who, revoke, cast, consultation
):
    user = _signed_in(cast[who])
    assert access.can_chat(user, consultation)
    revoke(cast[who])
    # The object at hand still carries the old catalogue: answering from it would allow.
    assert access.CHAT_ROLE_PERM in user._perm_cache
    assert not access.can_chat(user, consultation)
    assert not access.can_chat(ModelBackend().get_user(user.pk), consultation)  # reloaded


def test_without_the_auth_cache_the_database_answers(settings, cast, consultation):
    settings.HUNTZEN_AUTH_CACHE_SECONDS = 0
    user = _signed_in(cast["employee_a"])
    _remove_chat_perm_from_role_group(cast["employee_a"])
    assert not access.can_chat(user, consultation)


def test_while_the_shared_cache_is_down_the_database_answers(
    monkeypatch, cast, consultation, django_assert_num_queries
):
    user = _signed_in(cast["employee_a"])
    monkeypatch.setattr(access, "cache", SimpleNamespace(is_down=True))
    with django_assert_num_queries(2):
        assert access.can_chat(user, consultation)


def test_a_superuser_participant_is_still_refused(cast, consultation):
    user = cast["employee_a"]
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    assert access._current_catalogue(_signed_in(user)) is None  # Django's "every permission"
    assert not access.can_chat(_signed_in(user), consultation)
