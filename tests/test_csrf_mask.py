"""huntzen/csrf.py: the portal's CSRF token is Django's, masked from one random read.

Django's property: every response carries the cookie's secret under a fresh, uniformly
drawn mask (BREACH), and Django's middleware accepts it."""

import random
import re
import string
from unittest import mock

import pytest
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    _mask_cipher_secret,
    _unmask_cipher_token,
)
from django.template import Context, Engine
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.html import format_html

from huntzen import csrf

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def _secrets(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    edges = ["a" * 32, "9" * 32, "A" * 32, "Z" * 32, "z" * 32, "0" * 32, CSRF_ALLOWED_CHARS[:32]]
    return edges + ["".join(rng.choices(CSRF_ALLOWED_CHARS, k=32)) for _ in range(count)]


@pytest.mark.parametrize("seed", range(5))
def test_the_token_is_djangos_mask_of_the_secret(seed):
    rng = random.Random(seed)
    for secret in _secrets(200, seed):
        digits = [rng.randrange(62) for _ in range(CSRF_SECRET_LENGTH)]
        mask = "".join(CSRF_ALLOWED_CHARS[d] for d in digits)
        with mock.patch("django.middleware.csrf._get_new_csrf_string", return_value=mask):
            assert csrf.masked(secret, digits) == _mask_cipher_secret(secret)
        assert _unmask_cipher_token(csrf.masked(secret, digits)) == secret


def test_the_mask_takes_bytes_under_248_modulo_62():
    every_byte = bytes(range(256))
    reads = iter([every_byte[:48], every_byte[48:96]])
    digits = csrf.mask_digits(lambda n: next(reads))
    assert digits == [b % 62 for b in range(32)]
    # Bytes 248-255 are dropped (else 0-7 would come up more often); a read left with
    # fewer than 32 is dropped whole and another made.
    reads = iter([bytes([248, 255] * 24), bytes([255, 1] * 24), bytes([61] * 48)])
    assert csrf.mask_digits(lambda n: next(reads)) == [61] * 32


def test_a_read_short_of_kept_bytes_is_read_again():
    reads = iter([bytes([250] * 17 + [5] * 31), bytes(range(48))])
    assert csrf.mask_digits(lambda n: next(reads)) == list(range(32))


def test_every_draw_is_a_new_mask_over_the_whole_alphabet():
    masks = {tuple(csrf.mask_digits()) for _ in range(200)}
    assert len(masks) == 200
    seen = {d for mask in masks for d in mask}
    assert seen == set(range(62))


def test_without_a_valid_secret_it_is_djangos_get_token():
    request = RequestFactory().get("/")
    token = csrf.token_for(request)
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    for odd in ["short", "é" * 32, "a" * 31 + "-"]:
        request = RequestFactory().get("/")
        request.META["CSRF_COOKIE"] = odd
        with mock.patch("huntzen.csrf.get_token", return_value="django") as django_get_token:
            assert csrf.token_for(request) == "django"
        django_get_token.assert_called_once_with(request)


def test_with_the_cookie_it_flags_the_cookie_for_renewal():
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = secret = "".join(random.choices(string.ascii_letters, k=32))
    token = csrf.token_for(request)
    assert len(token) == 64 and set(token) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == secret
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True


def _page_tokens(client, path) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    return TOKEN.findall(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_pages_carry_a_fresh_token_that_django_accepts(employee_a, language):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee_a)
    client.cookies["django_language"] = language
    path = reverse("medical:journal")
    first = _page_tokens(client, path)
    secret = client.cookies["csrftoken"].value
    second = _page_tokens(client, path)
    # One token per response (both forms of a page share it), a new one each time.
    assert len(set(first)) == 1 and len(set(second)) == 1 and first[0] != second[0]
    assert client.cookies["csrftoken"].value == secret
    assert _unmask_cipher_token(first[0]) == _unmask_cipher_token(second[0]) == secret
    response = client.post(
        reverse("set_language"), {"language": language, "csrfmiddlewaretoken": second[0]}
    )
    assert response.status_code == 302
    tampered = second[0][:-1] + ("a" if second[0][-1] != "a" else "b")
    response = client.post(
        reverse("set_language"), {"language": language, "csrfmiddlewaretoken": tampered}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_first_visit_gets_the_cookie_its_token_masks(employee_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee_a)
    assert "csrftoken" not in client.cookies
    (token,) = set(_page_tokens(client, reverse("medical:journal")))
    assert _unmask_cipher_token(token) == client.cookies["csrftoken"].value


@pytest.mark.django_db
def test_the_page_token_is_this_modules(employee_a):
    client = Client()
    client.force_login(employee_a)
    client.get(reverse("medical:journal"))
    secret = client.cookies["csrftoken"].value
    with mock.patch("huntzen.csrf.mask_digits", return_value=list(range(32))):
        tokens = set(_page_tokens(client, reverse("medical:journal")))
    assert tokens == {csrf.masked(secret, list(range(32)))}


def _three_forms(builtins):
    return Engine(builtins=builtins).from_string(
        "{% csrf_token %}|{% if on %}{% csrf_token %}{% endif %}|"
        "{% for i in two %}{% csrf_token %}{% endfor %}"
    )


@pytest.mark.parametrize("token", ["abc123", "NOTPROVIDED", "", None])
def test_the_tag_writes_djangos_input_once_per_render(token):
    ours, djangos = _three_forms(["huntzen.csrf"]), _three_forms([])
    context = {"csrf_token": token, "on": True, "two": [1, 2]}
    assert ours.render(Context(context)) == djangos.render(Context(context))
    with mock.patch("django.template.defaulttags.format_html", wraps=format_html) as made:
        ours.render(Context(context))
    assert made.call_count == (1 if token else 0)


def test_each_render_and_each_token_gets_its_own_input():
    page = _three_forms(["huntzen.csrf"])
    first = page.render(Context({"csrf_token": "first", "on": True, "two": [1]}))
    second = page.render(Context({"csrf_token": "second", "on": True, "two": [1]}))
    assert first.count('value="first"') == 3 and "second" not in first
    assert second.count('value="second"') == 3 and "first" not in second
    # A {% with %} giving another token within a render (none of ours does) is followed.
    nested = Engine(builtins=["huntzen.csrf"]).from_string(
        "{% csrf_token %}{% with csrf_token=other %}{% csrf_token %}{% endwith %}"
    )
    html = nested.render(Context({"csrf_token": "one", "other": "two"}))
    assert 'value="one"' in html and 'value="two"' in html
