"""The journal page from one statement (medical.selectors.journal_page) and its repeated
markup built in Python (medical.views._entry_items, medical.charts._marks): the same
page, the same entries and the same chart as Paginator.get_page, mood_series and the
template loops they replaced, which are kept here to compare with."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.paginator import Paginator
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from medical import selectors, services
from medical.charts import mood_chart
from medical.models import JournalEntry
from medical.serializers import JournalEntrySerializer
from medical.views import _ANY_ID, CHART_DAYS, JOURNAL_PAGE_SIZE

from .conftest import ROLES

pytestmark = pytest.mark.django_db

# The page's template as it was, its loops and the chart's included inline.
OLD_PAGE = (Path(__file__).parent / "journal_page_before.html").read_text()

TEXTS = [
    "Une journée calme.",
    'Deux lignes\nsur <b>deux</b> & "guillemets" l\'apostrophe',
    "e\u0301" * 150 + " longue " + "x" * 300,  # combining accents, then truncated
    "Ω" * 280,  # exactly the limit
    "trois\r\nlignes\rWindows & <Mac>\n\n",  # newlines as linebreaksbr normalises them
]


def _write(owner, count: int, *, start: int = 0):
    today = timezone.localdate()
    for n in range(count):
        services.journal_entry_create(
            owner=owner,
            mood=1 + n % 5,
            text=TEXTS[n % len(TEXTS)],
            # Two entries a day: the chart's averages are not whole numbers.
            entry_date=today - timedelta(days=start + n // 2),
        )


def _old_page(user, number) -> str:
    """The page as the view built it before: Paginator, mood_series and the loops."""
    entries = JournalEntry.objects.filter(owner=user)
    page = Paginator(entries, JOURNAL_PAGE_SIZE).get_page(number)
    today = timezone.localdate()
    first_day = today - timedelta(days=CHART_DAYS - 1)
    points = selectors.mood_series(entries, days=CHART_DAYS, today=today)
    url = reverse("medical:journal_entry", args=[_ANY_ID])
    rows = [
        (url.replace(str(_ANY_ID), str(e.id)), e)
        for e in selectors.entries_content(page.object_list)
    ]
    request = RequestFactory().get("/journal/", {"page": number} if number is not None else {})
    request.user = user
    context = {
        "page": page,
        "entries": rows,
        "chart": mood_chart(points, first_day=first_day, last_day=today) if points else None,
        "points": points,
    }
    return engines["django"].from_string(OLD_PAGE).render(context, request)


def _same_markup(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", html)
    return re.sub(r">\s+<", "><", html).strip()


def _page(client, number) -> str:
    response = client.get("/journal/", {"page": number} if number is not None else {})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("number", [None, "1", "2", "3", "99", "0", "-1", "abc", "1.0"])
def test_the_page_is_the_one_the_templates_loops_gave(login, employee_a, language, number):
    _write(employee_a, 34)
    _write(employee_a, 6, start=200)  # beyond the chart's days
    broken = JournalEntry.objects.filter(owner=employee_a).order_by("-entry_date")[3]
    JournalEntry.objects.filter(pk=broken.pk).update(text_sealed=broken.mood_sealed)
    client = login(employee_a)
    client.cookies["django_language"] = language
    with translation.override(language):
        old = _old_page(employee_a, number)
        new = _page(client, number)
    assert _same_markup(new) == _same_markup(old)
    assert 'class="mood-dot"' in new


def test_an_empty_journal_and_one_outside_the_chart_read_as_before(login, employee_a):
    client = login(employee_a)
    assert _same_markup(_page(client, None)) == _same_markup(_old_page(employee_a, None))
    _write(employee_a, 3, start=120)
    for number in (None, "2"):
        new = _page(client, number)
        assert _same_markup(new) == _same_markup(_old_page(employee_a, number))
        assert "<svg" not in new


@pytest.mark.parametrize("number", [None, "2", "9", "0", "x"])
def test_the_selector_gives_what_the_paginator_and_mood_series_gave(
    employee_a, employee_b, number, django_assert_num_queries
):
    _write(employee_a, 60)
    _write(employee_b, 5)
    today = timezone.localdate()
    entries = JournalEntry.objects.filter(owner=employee_a)
    old = Paginator(entries, JOURNAL_PAGE_SIZE).get_page(number)
    # One statement; a second only for a page out of range (get_page's fallback).
    with django_assert_num_queries(1 if number in (None, "2", "x") else 2):
        new = selectors.journal_page(
            employee_a, number=number, per_page=JOURNAL_PAGE_SIZE, days=CHART_DAYS, today=today
        )
    assert (new.page.number, new.page.paginator.count) == (old.number, old.paginator.count)
    # The statement's views keep its ids and instants as PostgreSQL's text: the same
    # entries, written out.
    assert _written(new.page.object_list) == _written(selectors.entries_content(old.object_list))
    assert len(new.page.object_list) == len(old.object_list)
    assert new.points == selectors.mood_series(entries, days=CHART_DAYS, today=today)


def _written(views) -> list[dict]:
    return JournalEntrySerializer.represent_many(views)


def test_an_unreadable_mood_is_left_out_of_the_chart_and_logged_once(employee_a, caplog):
    _write(employee_a, 30)
    entries = JournalEntry.objects.filter(owner=employee_a)
    on_page, off_page = entries[0], entries[29]
    for row in (on_page, off_page):
        JournalEntry.objects.filter(pk=row.pk).update(mood_sealed=row.text_sealed)
    today = timezone.localdate()
    new = selectors.journal_page(
        employee_a, number=None, per_page=JOURNAL_PAGE_SIZE, days=CHART_DAYS, today=today
    )
    assert new.points == selectors.mood_series(entries, days=CHART_DAYS, today=today)
    assert [v.unreadable for v in new.page.object_list].count(True) == 1
    assert sum(p.count for p in new.points) == 28


@pytest.mark.parametrize("role", ROLES)
def test_nobody_else_sees_her_entries_or_her_chart(role, cast, login, employee_a):
    _write(employee_a, 30)
    response = login(cast[role]).get("/journal/")
    html = response.content.decode()
    if role == "employee_a":
        assert html.count('class="card journal-entry"') == JOURNAL_PAGE_SIZE
        assert 'class="mood-dot"' in html and "Une journée calme." in html
        return
    assert response.status_code in (200, 403)  # other employees: their own, empty, page
    assert "Une journée calme." not in html and "journal-entry" not in html
    assert "mood-dot" not in html and "<svg" not in html


def test_the_chart_axes_follow_the_days_and_the_language():
    """medical.charts keeps each day range's axes (a calendar's and the mood scale's
    marks, no one's data): another range or language is drawn afresh, the same range
    twice gives the same marks."""
    today = timezone.localdate()
    for shift in (0, 1, 40, 0):
        last = today - timedelta(days=shift)
        first = last - timedelta(days=CHART_DAYS - 1)
        points = [selectors.MoodPoint(last, 3.5, 2)]
        for language in ("fr", "en"):
            with translation.override(language):
                chart = mood_chart(points, first_day=first, last_day=last)
            assert [t.label for t in chart.x_ticks][0] == first.strftime("%d/%m")
            assert f">{first.strftime('%d/%m')}</text>" in chart.x_axis
            assert chart.x_ticks[-1].label == (first + timedelta(days=88)).strftime("%d/%m")
            assert (" : 3,5<" if language == "fr" else " : 3.5<") in chart.dot_marks
            assert [t.label for t in chart.y_ticks] == ["1", "2", "3", "4", "5"]


# The chart's <desc> as the template wrote it (medical.charts._description replaced it).
OLD_DESCRIPTION = re.search(r'<desc id="mood-chart-desc">(.*?)</desc>', OLD_PAGE).group(1)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("days", [1, 2, 90])
def test_the_chart_description_is_the_one_the_template_wrote(language, days):
    today = timezone.localdate()
    first = today - timedelta(days=CHART_DAYS - 1)
    points = [selectors.MoodPoint(today - timedelta(days=n), 4.0, 1) for n in range(days)]
    with translation.override(language):
        chart = mood_chart(points, first_day=first, last_day=today)
        old = engines["django"].from_string("{% load i18n %}" + OLD_DESCRIPTION)
        expected = old.render({"chart": chart, "points": points})
    assert chart.description == expected
    singular = "day with entries." if language == "en" else "jour renseigné."
    assert expected.endswith(singular) == (days == 1)
