"""Upcoming, past and cancelled, by time and status: a cancelled consultation is never
"past" (it did not take place), whenever it was planned; for the employee's and the
practitioner's pages and the API's `scope`."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from consultations import selectors, services
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book, completed

pytestmark = pytest.mark.django_db
LATER = paris(2026, 3, 20, 12)


@pytest.fixture
def history(employee_a, p_open):
    """Seen from LATER: one held, one missed, one cancelled in the past, one cancelled
    in the future, one to come."""
    held = completed(employee_a, p_open, at=paris(2026, 3, 3, 9))
    missed = book(employee_a, p_open, at=paris(2026, 3, 4, 9), now=NOW)
    services.consultation_mark_no_show(
        actor=p_open, consultation=missed, now=paris(2026, 3, 4, 9, 20)
    )
    old_cancel = book(employee_a, p_open, at=paris(2026, 3, 5, 9), now=NOW)
    services.consultation_cancel(actor=employee_a, consultation=old_cancel, now=NOW)
    future_cancel = book(employee_a, p_open, at=paris(2026, 3, 25, 9), now=NOW)
    services.consultation_cancel(
        actor=p_open, consultation=future_cancel, reason="Congé", now=LATER - timedelta(days=1)
    )
    coming = book(employee_a, p_open, at=paris(2026, 3, 26, 9), now=NOW)
    return {
        "held": held,
        "missed": missed,
        "old_cancel": old_cancel,
        "future_cancel": future_cancel,
        "coming": coming,
    }


def _ids(rows):
    return [row.pk for row in rows]


@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
def test_the_three_lists(cast, p_open, history, who):
    user = cast[who]
    upcoming = selectors.upcoming_consultations(user, now=LATER)
    past = selectors.past_consultations(user, now=LATER)
    cancelled = selectors.cancelled_consultations(user)
    assert _ids(upcoming) == [history["coming"].pk]
    assert _ids(past) == [history["missed"].pk, history["held"].pk]
    assert _ids(cancelled) == [history["future_cancel"].pk, history["old_cancel"].pk]


@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
def test_the_page_puts_a_cancelled_future_one_under_annulees(client, cast, history, who):
    client.force_login(cast[who])
    with time_machine.travel(LATER, tick=False):
        page = client.get(reverse("consultations:my")).content.decode()
    past = page[page.index('id="past-title"') : page.index('id="cancelled-title"')]
    cancelled = page[page.index('id="cancelled-title"') :]
    upcoming = page[page.index('id="upcoming-title"') : page.index('id="past-title"')]
    future = reverse("consultations:detail", args=[history["future_cancel"].pk])
    assert future in cancelled and future not in past and future not in upcoming
    assert reverse("consultations:detail", args=[history["held"].pk]) in past
    assert reverse("consultations:detail", args=[history["coming"].pk]) in upcoming


def test_the_page_keeps_a_fixed_number_of_queries(
    client, employee_a, p_open, history, django_assert_max_num_queries
):
    client.force_login(employee_a)
    with time_machine.travel(LATER, tick=False):
        client.get(reverse("consultations:my"))  # warm the session
        with django_assert_max_num_queries(12):
            client.get(reverse("consultations:my"))
        for _ in range(3):  # the same slot, booked and cancelled three times
            extra = book(employee_a, p_open, at=paris(2026, 4, 1, 9), now=LATER)
            services.consultation_cancel(actor=employee_a, consultation=extra, now=LATER)
        with django_assert_max_num_queries(12):
            client.get(reverse("consultations:my"))


@pytest.mark.parametrize(
    "scope,expected",
    [
        ("upcoming", ["coming"]),
        ("past", ["missed", "held"]),
        ("cancelled", ["future_cancel", "old_cancel"]),
    ],
)
def test_the_api_scopes(api_client, employee_a, history, scope, expected):
    api_client.force_authenticate(employee_a)
    with time_machine.travel(LATER, tick=False):
        response = api_client.get("/api/v1/consultations/my", {"scope": scope})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [
        str(history[name].pk) for name in expected
    ]


def test_an_unknown_scope_is_400(api_client, employee_a):
    api_client.force_authenticate(employee_a)
    response = api_client.get("/api/v1/consultations/my", {"scope": "soon"})
    assert response.status_code == 400 and "scope" in response.json()["fields"]


def test_the_agenda_strikes_a_cancelled_one_out(client, p_open, history):
    client.force_login(p_open)
    with time_machine.travel(LATER, tick=False):
        page = client.get(reverse("consultations:agenda"), {"day": "2026-03-25"}).content.decode()
    link = reverse("consultations:detail", args=[history["future_cancel"].pk])
    entry = page[page.index(link) :]
    assert entry.index("<s>") < entry.index("</a>")
    assert "Annulée" in entry[: entry.index("</li>")]
