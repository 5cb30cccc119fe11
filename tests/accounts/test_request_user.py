"""`request.user` once signed in: the user instance itself, not Django's lazy object
around it (accounts.middleware.MfaEnrollmentRequiredMiddleware evaluates it and puts the
instance in its place), so a page's fifty-odd reads of it skip the proxy. Who is signed
in, and when nobody is, is unchanged."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils.functional import LazyObject

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_gets_the_user_instance_itself(employee_a):
    client = Client()
    client.force_login(employee_a)
    response = client.get("/journal/")
    assert response.status_code == 200
    user = response.wsgi_request.user
    assert type(user) is User
    assert not isinstance(user, LazyObject)
    assert user.pk == employee_a.pk
    # The templates' `user` (Django's auth context processor) is that same instance.
    assert response.context["user"] is user


def test_an_anonymous_request_gets_the_anonymous_user_itself():
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert type(response.wsgi_request.user) is AnonymousUser


def test_a_signed_out_session_reads_as_anonymous_at_once(employee_a):
    client = Client()
    client.force_login(employee_a)
    assert client.get("/journal/").status_code == 200
    client.post("/accounts/logout/")
    response = client.get("/journal/")
    assert response.status_code == 302
    assert type(response.wsgi_request.user) is AnonymousUser
