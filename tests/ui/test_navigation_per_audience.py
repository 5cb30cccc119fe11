"""The menu, the footer and the language list rendered once per audience (huntzen.nav):
what a cached copy shows is what rendering them shows, for every role, page and
language; a change of what a user may do shows on the next page; nothing but the listed
partials is rendered so."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.template import Context, RequestContext, Template, TemplateSyntaxError
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.gates import gate_answers
from accounts.models import Role
from huntzen import nav

pytestmark = pytest.mark.django_db

PAGES = ["accounts:employee_home", "consultations:my", "metrics:my_company", "mfa_index"]


@pytest.fixture(autouse=True)
def _nothing_rendered_yet():
    nav.rendered.clear()


def _part(html: str, start: str, end: str) -> str:
    return html.split(start)[1].split(end)[0]


def _menu(html: str) -> str:
    return _part(html, '<ul class="nav">', "</ul>")


def _footer(html: str) -> str:
    return _part(html, '<footer class="site-footer">', "</footer>")


def _languages(html: str) -> str:
    return _part(html, '<select id="lang-select" name="language">', "</select>")


PARTS = [
    (_menu, "partials/nav.html"),
    (_footer, "partials/footer.html"),
    (_languages, "partials/language_options.html"),
]


def _rendered(response, name: str, language: str) -> str:
    """`name` rendered the plain way, in the page's own context."""
    request = response.wsgi_request
    with translation.override(language):
        return render_to_string(name, {"user": request.user}, request=request).strip()


def test_a_kept_menu_and_footer_are_the_rendered_ones(cast):
    for who, user in cast.items():
        for language in ("fr", "en"):
            client = Client(headers={"accept-language": language})
            client.force_login(user)
            for page in PAGES:
                first, again = (client.get(reverse(page)) for _ in range(2))
                if first.status_code != 200:
                    continue
                assert first.text.count("site-footer") == again.text.count("site-footer")
                for part, name in PARTS:
                    assert part(first.text) == part(again.text), (who, page, language)
                    assert part(again.text).strip() == _rendered(again, name, language), (
                        who,
                        page,
                    )
                assert f'value="{language}" selected' in _languages(again.text)


def test_the_current_page_is_marked_on_each_page(client, hr_acme):
    client.force_login(hr_acme)
    for page in ("metrics:my_company", "companies:hr_employee_list"):
        menu = _menu(client.get(reverse(page)).text)
        assert menu.count('aria-current="page"') == 1
        assert f'href="{reverse(page)}" aria-current="page"' in menu


def test_a_role_losing_a_permission_loses_its_link_on_the_next_page(client, hr_acme):
    client.force_login(hr_acme)
    usage = f'href="{reverse("metrics:my_company")}"'
    assert usage in _menu(client.get(reverse("accounts:hr_home")).text)

    Group.objects.get(name=Role.COMPANY_RH).permissions.remove(
        Permission.objects.get(codename="metrics_company_read")
    )

    assert usage not in _menu(client.get(reverse("accounts:hr_home")).text)


def test_each_user_gets_the_menu_of_their_own_role(client, employee_a, hr_acme):
    client.force_login(hr_acme)
    hr_menu = _menu(client.get(reverse("mfa_index")).text)
    client.force_login(employee_a)
    employee_menu = _menu(client.get(reverse("mfa_index")).text)

    assert hr_menu != employee_menu
    assert f'href="{reverse("medical:journal")}"' in employee_menu
    assert f'href="{reverse("medical:journal")}"' not in hr_menu


def test_anonymous_visitors_get_the_plain_footer(client):
    html = client.get(reverse("account_login")).text
    assert "Mes données" not in _footer(html)
    assert "ni votre employeur" not in _footer(html)


def test_only_the_listed_partials_are_rendered_per_audience():
    template = Template('{% include_per_audience "partials/crisis_help.html" %}')
    with pytest.raises(TemplateSyntaxError):
        template.render(Context({}))


def test_nothing_is_kept_with_debug(client, hr_acme, settings):
    settings.DEBUG = True
    client.force_login(hr_acme)
    client.get(reverse("accounts:hr_home"))
    assert not nav.rendered.entries


def test_the_gates_are_asked_again_for_a_user_signed_in_during_the_request(rf, employee_a, hr_acme):
    request = rf.get("/")
    request.user = employee_a
    assert nav._gate_answers(request, employee_a) == gate_answers(employee_a)
    request.user = hr_acme
    assert nav._gate_answers(request, hr_acme) == gate_answers(hr_acme)
    assert gate_answers(hr_acme) != gate_answers(employee_a)


def test_one_render_works_the_audience_out_again_for_another_user_or_language(
    rf, employee_a, hr_acme
):
    request = rf.get(reverse("mfa_index"))
    request.user = hr_acme
    request.resolver_match = None
    template = Template(
        '{% load i18n %}{% include_per_audience "partials/nav.html" %}|'
        '{% with user=other %}{% include_per_audience "partials/nav.html" %}{% endwith %}|'
        '{% language "en" %}{% include_per_audience "partials/nav.html" %}{% endlanguage %}|'
        '{% include_per_audience "partials/nav.html" %}'
    )
    with translation.override("fr"):
        own, other, english, own_again = template.render(
            RequestContext(request, {"user": hr_acme, "other": employee_a})
        ).split("|")
        nav.rendered.clear()
        assert (
            own
            == own_again
            == render_to_string("partials/nav.html", {"user": hr_acme}, request=request)
        )
        assert other == render_to_string("partials/nav.html", {"user": employee_a}, request=request)
    with translation.override("en"):
        assert english == render_to_string("partials/nav.html", {"user": hr_acme}, request=request)
    assert len({own, other, english}) == 3
