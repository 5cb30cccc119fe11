"""The practitioner directory is cached (companies/directory.py): a warm request reads no
table, and every change that can alter a card (profile, codes, the practitioner's name
or account, a new practitioner, their availability) shows on the next request once its
transaction commits; a rolled-back change starts no new generation."""

from datetime import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from companies import directory, services
from companies.models import PractitionerProfile
from consultations import services as consultation_services
from huntzen import generations

pytestmark = pytest.mark.django_db


@pytest.fixture
def browse(api_client, employee_a, practitioner_p, practitioner_q):
    api_client.force_authenticate(employee_a)

    def get(query=""):
        response = api_client.get(f"/api/v1/practitioners{query}")
        assert response.status_code == 200, response.content
        return {card["id"]: card for card in response.json()["results"]}

    return get


def test_a_warm_directory_reads_no_table(browse, django_assert_num_queries):
    cold = browse()
    with django_assert_num_queries(0):
        assert browse() == cold
    assert len(cold) == 2


def test_filters_are_cached_apart(browse, practitioner_p, practitioner_q):
    assert set(browse("?specialty=burnout")) == {str(practitioner_p.pk)}
    assert set(browse("?specialty=sleep")) == {str(practitioner_q.pk)}
    assert set(browse("?profession=psychiatrist")) == {str(practitioner_q.pk)}
    assert set(browse()) == {str(practitioner_p.pk), str(practitioner_q.pk)}


def _bio(p, staff):
    services.practitioner_update_own(
        practitioner=p, bio="Nouvelle présentation.", specialties=["stress"], languages=["fr"]
    )
    return lambda card: card["bio"] == "Nouvelle présentation." and card["specialties"] == [
        "stress"
    ]


def _hidden(p, staff):
    services.practitioner_set_active(
        actor=staff, profile=PractitionerProfile.objects.get(user=p), is_active=False
    )
    return lambda card: card is None


def _renamed(p, staff):
    user = User.objects.get(pk=p.pk)
    user.last_name = "Renommée"
    user.save()
    return lambda card: card["lastName"] == "Renommée"


def _deactivated(p, staff):
    services.user_deactivate(user=p)
    return lambda card: card is None


def _codes_only(p, staff):
    PractitionerProfile.objects.get(user=p).languages.remove("en")
    return lambda card: card["languages"] == ["fr"]


CHANGES = [_bio, _hidden, _renamed, _deactivated, _codes_only]


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__.strip("_"))
def test_a_change_shows_on_the_next_request(
    change, browse, practitioner_p, staff_r2, django_capture_on_commit_callbacks
):
    assert browse()[str(practitioner_p.pk)]  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            shows = change(practitioner_p, staff_r2)
    assert shows(browse().get(str(practitioner_p.pk)))


def test_a_new_practitioner_shows(browse, staff_r2, django_capture_on_commit_callbacks):
    assert len(browse()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        profile = services.practitioner_create(
            actor=staff_r2, email="coach.c@huntzen.test", profession="coach", languages=["en"]
        )
    assert str(profile.pk) in browse()


def test_availability_changes_start_a_generation(
    practitioner_p, django_capture_on_commit_callbacks
):
    before = directory.generation()
    with django_capture_on_commit_callbacks(execute=True):
        consultation_services.weekly_hours_set(
            actor=practitioner_p, openings=[(0, time(9), time(12))]
        )
    assert directory.generation() != before


def test_a_rolled_back_change_starts_no_generation(
    browse, practitioner_p, django_capture_on_commit_callbacks
):
    browse()
    before = directory.generation()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            _renamed(practitioner_p, None)
            raise RuntimeError
    assert directory.generation() == before


def test_a_sign_in_or_another_role_starts_no_generation(
    practitioner_p, employee_a, django_capture_on_commit_callbacks
):
    before = directory.generation()
    with django_capture_on_commit_callbacks(execute=True):
        practitioner_p.save(update_fields=["last_login"])
        employee_a.last_name = "Autre"
        employee_a.save()
    assert employee_a.role == Role.EMPLOYEE
    assert directory.generation() == before


def test_each_language_has_its_answer(api_client, employee_a, practitioner_p):
    """The professions' labels are translated: the language is part of the answer."""
    api_client.force_authenticate(employee_a)
    french = api_client.get("/api/v1/practitioners").json()["results"][0]
    english = api_client.get("/api/v1/practitioners", HTTP_ACCEPT_LANGUAGE="en").json()
    assert french["professionLabel"] == "Psychologue"
    assert english["results"][0]["professionLabel"] == "Psychologist"


def test_each_page_and_host_has_its_answer(
    api_client, employee_a, practitioner_p, practitioner_q, settings
):
    settings.ALLOWED_HOSTS = ["testserver", "other.test"]
    api_client.force_authenticate(employee_a)
    first = api_client.get("/api/v1/practitioners?pageSize=1").json()
    second = api_client.get("/api/v1/practitioners?pageSize=1&page=2").json()
    assert first["results"] != second["results"] and first["count"] == 2
    elsewhere = api_client.get("/api/v1/practitioners?pageSize=1", HTTP_HOST="other.test").json()
    assert first["next"].startswith("http://testserver/")
    assert elsewhere["next"].startswith("http://other.test/")


def test_who_may_not_browse_is_refused_warm_or_not(browse, api_client, hr_acme, practitioner_q):
    browse()
    for user in (hr_acme, practitioner_q):
        api_client.force_authenticate(user)
        assert api_client.get("/api/v1/practitioners").status_code == 403


def test_bad_filters_are_refused_warm_or_not(browse, api_client):
    browse()
    assert api_client.get("/api/v1/practitioners?specialty=astrology").status_code == 400


def test_while_redis_is_down_the_directory_is_read(
    browse, monkeypatch, practitioner_p, django_assert_num_queries
):
    """The fallback memory is this process's own, where another process's new generation
    never arrives: nothing cached is believed, nothing computed meanwhile is stored."""
    real = generations.cache

    class DownCache:
        is_down = True

        def __getattr__(self, name):
            return getattr(real, name)

    cold = browse()
    monkeypatch.setattr(generations, "cache", DownCache())
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert browse() == cold
        assert len(queries) > 0  # the profiles with their codes
    monkeypatch.setattr(generations, "cache", real)
    with django_assert_num_queries(0):
        assert browse() == cold
