"""GET /api/v1/auth/me answers a shape built by hand for speed
(`MeSerializer.to_representation`): it must stay exactly what DRF's generic walk over
the declared fields gives, for every role, with and without a company or a last sign-in,
in any time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from accounts.api_views import MeView
from accounts.serializers import MeSerializer

pytestmark = pytest.mark.django_db


def _both(user):
    serializer = MeSerializer(user)
    return serializer.data, serializers.ModelSerializer.to_representation(serializer, user)


def test_every_role_reads_the_same_as_drf_would(cast):
    for user in cast.values():
        fast, generic = _both(user)
        assert fast == generic, user.role
        assert list(fast) == list(generic)  # same keys, same order
    assert any(_both(user)[0]["companyId"] is None for user in cast.values())
    assert any(_both(user)[0]["companyId"] for user in cast.values())


def test_with_a_last_sign_in_in_another_time_zone(employee_a):
    employee_a.last_login = datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("UTC"))
    fast, generic = _both(employee_a)
    assert fast == generic and fast["lastLoginAt"] == "2026-03-29T03:30:00+02:00"
    with timezone.override("UTC"):
        fast, generic = _both(employee_a)
    assert fast == generic and fast["lastLoginAt"] == "2026-03-29T01:30:00Z"


def test_a_deactivated_user(employee_a):
    employee_a.is_active = False
    fast, generic = _both(employee_a)
    assert fast == generic and fast["isActive"] is False


def test_the_api_answers_it(api_client, employee_a):
    api_client.force_authenticate(employee_a)
    assert api_client.get("/api/v1/auth/me").json() == _both(employee_a)[1]


class _DrfMeView(MeView):
    """/auth/me as DRF's generic path answers it: the serializer and a Response."""

    def get(self, request):
        return Response(MeSerializer(request.user).data)


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "application/json; indent=4", "text/html"]
)
def test_the_view_answers_as_drfs_response_would(employee_a, accept):
    employee_a.last_login = datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("UTC"))
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    answers = []
    for view in (MeView.as_view(), _DrfMeView.as_view()):
        request = APIRequestFactory().get("/api/v1/auth/me", **headers)
        force_authenticate(request, user=employee_a)
        response = view(request)
        if hasattr(response, "render"):
            response.render()
        answers.append((response.status_code, dict(response.items()), response.content))
    assert answers[0] == answers[1]
    status, headers, content = answers[0]
    if accept == "text/html":
        assert status == 406
    else:
        assert status == 200 and headers["Content-Type"] == "application/json"
        assert headers["Allow"] == "GET, HEAD, OPTIONS"
        assert (b"\n    " in content) == (accept == "application/json; indent=4")
