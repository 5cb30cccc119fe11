"""The paginated pages' "Page n sur total" (huntzen.nav `page_of`): what Django's
`{% blocktranslate %}` of the same message writes, in French and English, with or
without thousands grouped, autoescaping or localisation."""

import pytest
from django.core.paginator import Paginator
from django.template import engines
from django.utils import translation

BLOCK = (
    "{% blocktranslate with n=page.number total=page.paginator.num_pages %}"
    "Page {{ n }} sur {{ total }}{% endblocktranslate %}"
)
AROUND = [
    "{}",
    "{{% autoescape off %}}{}{{% endautoescape %}}",
    "{{% localize off %}}{}{{% endlocalize %}}",
]


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("around", AROUND)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_label_is_blocktranslates(settings, grouped, around, language):
    settings.USE_THOUSAND_SEPARATOR = grouped
    engine = engines["django"]
    ours = engine.from_string("{% load l10n %}" + around.format("{% page_of page %}"))
    django = engine.from_string("{% load i18n l10n %}" + around.format(BLOCK))
    with translation.override(language):
        for count, number in [(1, 1), (30, 2), (25 * 1234, 1234), (0, 1)]:
            page = Paginator(range(count), 25).get_page(number)
            assert ours.render({"page": page}) == django.render({"page": page})


@pytest.mark.django_db
def test_the_journal_page_shows_it(client, employee_a):
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from medical import services

    today = timezone.localdate()
    for n in range(26):
        services.journal_entry_create(
            owner=employee_a, mood=3, text="x", entry_date=today - timedelta(n)
        )
    client.force_login(employee_a)
    client.cookies["django_language"] = "en"
    assert "<span>Page 1 of 2</span>" in client.get(reverse("medical:journal")).text
