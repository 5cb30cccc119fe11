"""The API's content negotiation (huntzen.negotiation.ContentNegotiation) answers what DRF's
own answers, for the common Accept headers it shortcuts and for the rest."""

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from huntzen.negotiation import ContentNegotiation

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "application/*",
    "text/html",
    "text/html, application/json;q=0.9",
    "application/xml",
    "",
]
QUERIES = ["", "?format=json", "?format=api", "?page=2", "?format=xml"]
RENDERER_SETS = [
    [JSONRenderer],
    [JSONRenderer, BrowsableAPIRenderer],
    [BrowsableAPIRenderer, JSONRenderer],
]


def _answer(negotiator, accept, query, renderer_classes, suffix):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get("/api/v1/auth/me" + query, **headers))
    try:
        renderer, media_type = negotiator.select_renderer(
            request, [cls() for cls in renderer_classes], suffix
        )
    except (NotAcceptable, Http404) as exc:  # the same refusal is the answer
        return type(exc)
    return type(renderer), media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("renderer_classes", RENDERER_SETS)
@pytest.mark.parametrize("suffix", [None, "json"])
def test_it_answers_as_drf_does(accept, query, renderer_classes, suffix):
    ours = _answer(ContentNegotiation(), accept, query, renderer_classes, suffix)
    drfs = _answer(DefaultContentNegotiation(), accept, query, renderer_classes, suffix)
    assert ours == drfs


def test_it_is_the_apis(settings):
    assert (
        settings.REST_FRAMEWORK["DEFAULT_CONTENT_NEGOTIATION_CLASS"]
        == "huntzen.negotiation.ContentNegotiation"
    )


@pytest.mark.django_db
def test_a_json_client_gets_json_and_an_html_only_client_406(client):
    assert client.get("/api/v1/auth/me", HTTP_ACCEPT="*/*").status_code == 401
    assert client.get("/api/v1/auth/me", HTTP_ACCEPT="text/html").status_code == 406
