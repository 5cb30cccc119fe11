"""The practitioner's home: the next consultation, its room one click away, and the
notes still to write (completed consultations without a note); nobody else's."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations import services
from medical.services import note_create
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book, completed

pytestmark = pytest.mark.django_db
HOME = reverse("accounts:practitioner_home")
TUESDAY_9 = paris(2026, 3, 3, 9)


def _home(client, user, at):
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_next_consultation_and_its_room(client, employee_a, employee_b, p_open):
    first = book(employee_a, p_open, at=TUESDAY_9, now=NOW)
    book(employee_b, p_open, at=TUESDAY_9 + timedelta(hours=1), now=NOW)
    page = _home(client, p_open, paris(2026, 3, 3, 8))
    assert "Prochaine consultation" in page
    assert "Alice Test" in page and "La salle ouvre à 08:45." in page
    assert reverse("consultations:room", args=[first.pk]) in page
    page = _home(client, p_open, paris(2026, 3, 3, 8, 50))
    assert "La salle est ouverte." in page and "Entrer dans la salle" in page


def test_a_started_consultation_stays_the_next_one(client, employee_a, p_open):
    consultation = book(employee_a, p_open, at=TUESDAY_9, now=NOW)
    services.consultation_start(actor=p_open, consultation=consultation, now=TUESDAY_9)
    page = _home(client, p_open, TUESDAY_9 + timedelta(minutes=20))
    assert "En cours." in page
    assert reverse("consultations:room", args=[consultation.pk]) in page


def test_without_any_it_says_so(client, p_open):
    page = _home(client, p_open, NOW)
    assert "Aucune consultation à venir." in page
    assert "Toutes vos consultations terminées ont leur note." in page


def test_notes_still_to_write_are_listed_until_written(
    client, employee_a, employee_b, p_open, practitioner_q
):
    one = completed(employee_a, p_open, at=paris(2026, 2, 23, 9))
    two = completed(employee_b, p_open, at=paris(2026, 2, 24, 10))
    others = completed(employee_a, practitioner_q, at=paris(2026, 2, 25, 9))
    cancelled = book(employee_b, p_open, at=paris(2026, 3, 4, 9), now=NOW)
    services.consultation_cancel(actor=employee_b, consultation=cancelled, now=NOW)
    page = _home(client, p_open, NOW)
    assert "Notes à rédiger" in page
    for consultation in (one, two):
        assert reverse("medical:note", args=[consultation.pk]) in page
    assert reverse("medical:note", args=[others.pk]) not in page  # another practitioner's
    assert reverse("medical:note", args=[cancelled.pk]) not in page
    note_create(author=p_open, consultation=one, reason="Stress", observations="", plan="")
    page = _home(client, p_open, NOW)
    assert reverse("medical:note", args=[one.pk]) not in page
    assert reverse("medical:note", args=[two.pk]) in page


def test_the_card_costs_the_same_with_3_or_30_consultations(client, employee_a, p_open):
    def count():
        client.force_login(p_open)
        with time_machine.travel(NOW, tick=False):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(HOME).status_code == 200
        return len(queries)

    for day in range(3):
        completed(employee_a, p_open, at=paris(2026, 2, 2 + day, 9))
    few = count()
    for day in range(27):
        completed(employee_a, p_open, at=paris(2026, 1, 5, 9) + timedelta(days=day))
    assert count() == few


@pytest.mark.parametrize("who", ["employee_a", "hr_acme", "staff_r2"])
def test_other_roles_do_not_get_the_practitioner_home(cast, client, who):
    client.force_login(cast[who])
    assert client.get(HOME).status_code in (403, 404)
