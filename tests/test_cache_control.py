"""`Cache-Control: no-store, private` by default (huntzen.middleware); static files and
articles opt out explicitly."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control

from huntzen.content.models import Article
from huntzen.middleware import PrivateByDefaultCacheMiddleware
from medical.services import journal_entry_create
from metrics.consent import usage_sharing_set
from tests.chat.conftest import open_consultation
from tests.conftest import PASSWORD
from tests.consultations.factories import completed
from tests.metrics.helpers import paris

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(employee_a, practitioner_p):
    return open_consultation(employee_a, practitioner_p)


@pytest.fixture
def article(db):
    return Article.objects.create(
        slug="for-everyone",
        title="For everyone",
        summary="Résumé",
        body="Texte",
        is_published=True,
        published_at=timezone.now(),
    )


def _assert_private(response, status=200):
    assert response.status_code == status
    # Django's never_cache (the journal, allauth's pages) says more; both forbid storing.
    assert {"no-store", "private"} <= set(response["Cache-Control"].split(", "))


def test_the_chat_history_is_not_cacheable(api_client, employee_a, consultation):
    api_client.force_authenticate(employee_a)
    _assert_private(api_client.get(f"/api/v1/consultations/{consultation.pk}/messages"))


def test_a_chat_ticket_is_not_cacheable(api_client, employee_a, consultation):
    api_client.force_login(employee_a)  # a ticket belongs to a session
    response = api_client.post(f"/api/v1/consultations/{consultation.pk}/chat-ticket")
    _assert_private(response, status=201)


def test_consultation_details_are_not_cacheable(api_client, employee_a, consultation):
    api_client.force_authenticate(employee_a)
    _assert_private(api_client.get(reverse("api-consultation", args=[consultation.pk])))


def test_per_employee_figures_are_not_cacheable(api_client, hr_acme, employee_a, practitioner_p):
    completed(employee_a, practitioner_p, at=paris(2026, 3, 2, 9), minutes=45)
    usage_sharing_set(employee=employee_a, shared=True)  # HR sees her counters only then
    api_client.force_authenticate(hr_acme)
    url = reverse("api-metrics-employee", args=[employee_a.pk])
    _assert_private(api_client.get(url, {"from": "2026-03-01", "to": "2026-03-31"}))


def test_refusals_and_anonymous_api_answers_are_not_cacheable(api_client, cast, consultation):
    _assert_private(api_client.get(reverse("api-consultation", args=[consultation.pk])), 401)
    api_client.force_authenticate(cast["employee_b"])
    _assert_private(api_client.get(reverse("api-consultation", args=[consultation.pk])), 404)


@pytest.mark.parametrize(
    "url_name", ["consultations:detail", "chat:page", "consultations:my", "medical:journal"]
)
def test_signed_in_pages_are_not_cacheable(client, employee_a, consultation, url_name):
    journal_entry_create(owner=employee_a, mood=3, text="x")
    client.force_login(employee_a)
    args = [consultation.pk] if url_name in ("consultations:detail", "chat:page") else []
    _assert_private(client.get(reverse(url_name, args=args)))


def test_api_sign_in_tokens_are_not_cacheable(client, employee_a):
    """allauth says so itself already; this keeps it true."""
    response = client.post(
        "/_allauth/app/v1/auth/login",
        {"email": employee_a.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert "access_token" in response.json()["meta"]
    _assert_private(response)


def test_the_sign_in_page_is_not_cacheable_either(client):
    _assert_private(client.get(reverse("account_login")))


def test_a_view_that_sets_its_own_cache_control_keeps_it():
    @cache_control(public=True, max_age=60)
    def view(request):
        return HttpResponse("ok")

    response = PrivateByDefaultCacheMiddleware(view)(RequestFactory().get("/"))
    assert response["Cache-Control"] == "public, max-age=60"


def test_static_files_stay_cacheable(client):
    response = client.get("/static/consultations/consultations.css")
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert "max-age" in response["Cache-Control"]


@pytest.mark.parametrize("url_name", ["content:article_list", "content:article_detail"])
def test_articles_are_cacheable_briefly_by_the_reader_only(client, employee_a, article, url_name):
    client.force_login(employee_a)
    args = ["for-everyone"] if url_name == "content:article_detail" else []
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 200
    assert sorted(response["Cache-Control"].split(", ")) == ["max-age=300", "private"]
    assert "Cookie" in response["Vary"]


def test_an_article_refused_is_not_cacheable(client, practitioner_p, article):
    client.force_login(practitioner_p)  # practitioners read no articles
    response = client.get(reverse("content:article_detail", args=["for-everyone"]))
    _assert_private(response, status=403)
