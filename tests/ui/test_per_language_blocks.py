"""The fixed text of a page rendered once per language (huntzen.nav `per_language`): a
page served from the kept blocks is byte for byte the page rendered in full, for every
role, in French and in English and in several time zones; a block takes nothing but
constants (refused when the template is parsed); nothing is kept with DEBUG."""

import re
from datetime import timedelta

import pytest
from django.template import Context, Template, TemplateSyntaxError, engines
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from huntzen import nav
from medical import services as medical_services

pytestmark = pytest.mark.django_db

PAGES = [
    "medical:journal",
    "metrics:my_company",
    "accounts:employee_home",
    "accounts:hr_home",
    "consultations:my",
    "mfa_index",
    "account_login",
]


@pytest.fixture(autouse=True)
def _nothing_rendered_yet():
    nav.rendered.clear()
    nav.fixed.clear()
    yield
    nav.fixed.clear()


def _without_csrf(html: bytes) -> bytes:
    """The page with its CSRF tokens blanked: each render masks the token afresh."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"csrf", html)


def _in_full(monkeypatch):
    """Every per_language block rendered each time, as if the tag were not there."""
    monkeypatch.setattr(nav.PerLanguageNode, "render", lambda self, c: self.nodelist.render(c))


def _journal(owner, count: int = 8):
    today = timezone.localdate()
    for n in range(count):
        medical_services.journal_entry_create(
            owner=owner, mood=1 + n % 5, text=f"Jour {n} <b>&</b>", entry_date=today - timedelta(n)
        )


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Asia/Tokyo"])
def test_a_page_from_the_kept_blocks_is_the_page_rendered_in_full(
    cast, employee_a, monkeypatch, settings, zone
):
    settings.TIME_ZONE = zone
    _journal(employee_a)
    users = [("anonymous", None), *cast.items()]
    if zone != "Europe/Paris":  # every role once; the two pages' owners in other zones
        users = [(who, user) for who, user in users if who in ("employee_a", "hr_acme")]
    for who, user in users:
        for language in ("fr", "en"):
            client = Client(headers={"accept-language": language})
            client.cookies["django_language"] = language
            if user is not None:
                client.force_login(user)
            for page in PAGES:
                with monkeypatch.context() as patch:
                    _in_full(patch)
                    full = client.get(reverse(page))
                first, kept = (client.get(reverse(page)) for _ in range(2))
                assert first.status_code == kept.status_code == full.status_code, (who, page)
                if full.status_code != 200:
                    continue
                assert _without_csrf(kept.content) == _without_csrf(full.content), (
                    who,
                    page,
                    language,
                )
                assert _without_csrf(first.content) == _without_csrf(full.content)


def test_each_language_gets_its_own_text(client, employee_a):
    client.force_login(employee_a)
    client.cookies["django_language"] = "fr"
    assert "Mon journal" in client.get(reverse("medical:journal")).text
    client.cookies["django_language"] = "en"
    english = client.get(reverse("medical:journal")).text
    assert "Mon journal" not in english
    assert "My journal" in english


def test_the_block_is_the_template_without_the_tag():
    source = (
        "{% load i18n static %}{% per_language %}<a href=\"{% url 'home' %}\">"
        '{% translate "Mon journal" %}</a><link href="{% static \'css/app.css\' %}">'
        "{% comment %}x{% endcomment %}{% end_per_language %}"
    )
    plain = source.replace("{% per_language %}", "").replace("{% end_per_language %}", "")
    engine = engines["django"]
    for language in ("fr", "en"):
        with translation.override(language):
            for _ in range(2):
                assert engine.from_string(source).render({}) == engine.from_string(plain).render({})


@pytest.mark.parametrize(
    "inside",
    [
        "{{ user }}",
        "{% translate title %}",
        '{% translate "x"|upper %}',
        '{% translate "x" as y %}',
        "{% url 'medical:journal_entry' pk %}",
        "{% url view_name %}",
        "{% url 'home' as home %}",
        "{% static path %}",
        "{% csrf_token %}",
        "{% if user.is_authenticated %}x{% endif %}",
        "{% blocktranslate %}x{% endblocktranslate %}",
        '{% include "partials/crisis_help.html" %}',
    ],
)
def test_a_block_takes_constants_only(inside):
    with pytest.raises(TemplateSyntaxError):
        Template("{% load i18n static %}{% per_language %}" + inside + "{% end_per_language %}")


def test_nothing_is_kept_with_debug(settings):
    settings.DEBUG = True
    block = '{% load i18n %}{% per_language %}{% translate "Menu" %}{% end_per_language %}'
    Template(block).render(Context({}))
    assert not nav.fixed.entries


def test_a_language_switched_within_a_page_is_followed():
    """The page's shared part of the key is found once per render; the language is read
    at each block ({% language %} switches it in the middle of a page)."""
    block = '{% per_language %}{% translate "Mon journal" %}{% end_per_language %}'
    english = "{% language 'en' %}" + block + "{% endlanguage %}"
    source = "{% load i18n %}" + block + "|" + english + "|" + block
    engine = engines["django"]
    with translation.override("fr"):
        for _ in range(2):
            assert engine.from_string(source).render({}) == "Mon journal|My journal|Mon journal"


@pytest.mark.parametrize("known_layout", [True, False])
def test_a_language_activated_anywhere_within_a_render_is_followed(monkeypatch, known_layout):
    """The language is read once per render while asgiref's storage of it stays the same
    object (huntzen.nav `_language`): an activate from a value the render resolves, or a
    deactivate, is followed as a {% language %} switch is; and so without that reading
    (an asgiref of another layout: get_language() at each block)."""
    if not known_layout:
        monkeypatch.setattr(nav, "_ACTIVE_STORAGE", None)
    block = '{% per_language %}{% translate "Mon journal" %}{% end_per_language %}'
    source = "{% load i18n %}" + block + "{{ to_english }}" + block + "{{ to_default }}" + block
    engine = engines["django"]
    with translation.override("fr"):
        for _ in range(2):
            html = engine.from_string(source).render(
                {
                    "to_english": lambda: translation.activate("en") or "|",
                    "to_default": lambda: translation.deactivate() or "|",
                }
            )
            assert html == "Mon journal|My journal|Mon journal"  # LANGUAGE_CODE: fr
            translation.activate("fr")


def test_asgiref_sets_a_new_storage_on_each_change():
    """What `_language` stands on: Django's active translation lives in an asgiref Local
    whose context variable gets a new storage object on every activate and deactivate,
    the same language again included, and keeps it while nothing is set. An asgiref
    that no longer does so must not pass unnoticed."""
    assert nav._ACTIVE_STORAGE is not None
    seen = []
    with translation.override("fr"):
        seen.append(nav._ACTIVE_STORAGE.get(None))
        assert nav._ACTIVE_STORAGE.get(None) is seen[-1]
        translation.get_language()
        assert nav._ACTIVE_STORAGE.get(None) is seen[-1]
        for change in (
            lambda: translation.activate("fr"),
            lambda: translation.activate("en"),
            translation.deactivate,
            translation.deactivate_all,
        ):
            change()
            assert all(nav._ACTIVE_STORAGE.get(None) is not storage for storage in seen)
            seen.append(nav._ACTIVE_STORAGE.get(None))


def test_a_page_reads_the_language_once(client, employee_a, monkeypatch):
    """A page's dozen blocks and three menus read the active language once between them
    (each read through asgiref's Local costs 15 K instructions: bench/profiles/tc/)."""
    _journal(employee_a)
    client.force_login(employee_a)
    client.get(reverse("medical:journal"))
    reads = []
    monkeypatch.setattr(nav, "get_language", lambda: reads.append(1) or translation.get_language())
    html = client.get(reverse("medical:journal")).text
    assert html.count('class="nav') and "Mon journal" in html
    assert len(reads) == 1
