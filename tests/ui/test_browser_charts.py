"""In chromium, in French and in English: every chart's SVG parses (no console error,
every coordinate a plain number) and draws its points. A French decimal comma in an
attribute ("cx="448,4"") once made the browser drop the mood chart's dots and grid."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from medical import services as medical_services
from tests.consultations.factories import completed
from tests.metrics.helpers import make_employees, paris

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LANGUAGES = ["fr", "en"]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
COORDINATES = ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height")


def _watch_console(page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _use_language(page, live_server, language):
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )


def _bad_attributes(page, selector):
    """Every coordinate attribute of the chart that is not a plain number."""
    values = page.eval_on_selector_all(
        f"{selector} *",
        """(nodes, names) => nodes.flatMap(n => names
              .filter(a => n.hasAttribute(a)).map(a => [n.tagName, a, n.getAttribute(a)]))
             .concat(nodes.filter(n => n.hasAttribute('points'))
              .flatMap(n => n.getAttribute('points').split(/[\\s,]+/)
                .map(v => [n.tagName, 'points', v])))""",
        list(COORDINATES),
    )
    return [v for v in values if not NUMBER.match(v[2])]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_mood_chart_parses_and_draws_its_dots(page, sign_in, live_server, employee_a, language):
    today = timezone.localdate()
    for mood, days in ((1, 40), (3, 17), (4, 17), (5, 3)):
        medical_services.journal_entry_create(
            owner=employee_a, mood=mood, text="x", entry_date=today - timedelta(days=days)
        )
    errors = _watch_console(page)
    sign_in(employee_a)
    _use_language(page, live_server, language)
    page.goto(reverse("medical:journal"))

    chart = page.locator("svg.mood-svg")
    assert chart.locator("circle.mood-dot").count() == 3
    assert chart.locator("line.mood-grid").count() == 5
    assert chart.locator("polyline.mood-line").count() == 1
    assert chart.locator("circle.mood-dot").first.bounding_box()["width"] > 0
    assert _bad_attributes(page, "svg.mood-svg") == []
    assert errors == []


def _consultations(acme, practitioner_p, practitioner_q):
    for i, person in enumerate(make_employees(acme, 5)):
        practitioner = practitioner_p if i % 2 == 0 else practitioner_q
        completed(person, practitioner, at=paris(2026, 3, 3, 8 + i), minutes=37)


PERIOD = "?from=2026-03-01&to=2026-03-31"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_practitioner_charts_parse_and_draw_their_bars(
    page, sign_in, live_server, acme, practitioner_p, practitioner_q, language
):
    _consultations(acme, practitioner_p, practitioner_q)
    errors = _watch_console(page)
    sign_in(practitioner_p)
    _use_language(page, live_server, language)
    page.goto(reverse("metrics:my_practitioner") + PERIOD)

    charts = page.locator("svg.bar-chart")
    assert charts.count() == 2
    assert charts.first.locator("rect.bar").count() == 31
    assert _bad_attributes(page, "svg.bar-chart") == []
    assert errors == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewer", ["hr_acme", "staff_r2"])
def test_the_company_charts_parse_and_draw_their_bars(
    request, page, sign_in, live_server, acme, practitioner_p, practitioner_q, viewer, language
):
    _consultations(acme, practitioner_p, practitioner_q)
    errors = _watch_console(page)
    sign_in(request.getfixturevalue(viewer))
    _use_language(page, live_server, language)
    page.goto(reverse("metrics:company", args=[acme.pk]) + PERIOD)

    chart = page.locator("svg.bar-chart").first
    if viewer == "staff_r2":  # staff read days (billing); HR reads whole months only
        assert chart.locator("rect.bar").count() == 31
    else:
        assert chart.locator("rect.bar, rect.withheld").count() == 1  # March: shown or withheld
    assert _bad_attributes(page, "svg.bar-chart") == []
    assert errors == []


def test_the_language_menu_switches_on_selection(page, sign_in, employee_a):
    sign_in(employee_a)
    page.locator("#lang-select").select_option("en")
    page.wait_for_load_state()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("#lang-select option:checked").inner_text() == "English"
