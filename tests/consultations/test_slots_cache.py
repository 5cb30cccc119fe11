"""The slots' answers are cached (consultations/slots_cache.py): a warm request reads no
table, and every change that can alter an answer shows on the very next request: each
event below first proves the answer cached (no query), then changes one thing through
the real service and reads again. Time counts too: a slot leaves when it comes within
the notice, the default span moves at midnight, the horizon's edge is never kept. While
Redis is down nothing is believed nor stored."""

import contextlib
import json
from datetime import date, time, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from accounts.models import User
from companies import services as company_services
from companies.models import PractitionerProfile
from consultations import services, slots_cache
from consultations.models import AvailabilityException, Consultation
from huntzen import generations
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book
from tests.redis_commands import redis_commands

pytestmark = pytest.mark.django_db

TUESDAY = "?from=2026-03-03&to=2026-03-03"
TUESDAY_9 = paris(2026, 3, 3, 9)
TUESDAY_10 = paris(2026, 3, 3, 10)


@pytest.fixture
def slots(api_client, employee_a, p_open, frozen, django_assert_num_queries):
    """`slots(query)`: the response for P's slots, as employee A; `slots.starts(query)`:
    the local start times (HH:MM) of a 200; `slots.warm(query)`: read twice, the second
    time from the cache (no query)."""

    def get(query=TUESDAY, user=None):
        api_client.force_authenticate(user or employee_a)
        return api_client.get(f"/api/v1/practitioners/{p_open.pk}/slots{query}")

    def starts(query=TUESDAY):
        response = get(query)
        assert response.status_code == 200, response.content
        return [slot["start"][11:16] for slot in response.json()["slots"]]

    def warm(query=TUESDAY):
        cold = starts(query)
        with django_assert_num_queries(0):
            assert starts(query) == cold
        return cold

    get.starts, get.warm = starts, warm
    return get


@contextlib.contextmanager
def computed():
    """The request inside reads the database: the answer was not taken from the cache."""
    with CaptureQueriesContext(connection) as queries:
        yield
    assert len(queries) > 0


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change in its own transaction, its on-commit work included."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            return change(*args, **kwargs)

    return run


def test_a_warm_answer_reads_no_table(slots):
    assert slots.warm() == ["09:00", "10:00", "11:00"]


def test_the_answer_is_shared_but_the_gate_is_not(
    slots, employee_c, staff_r2, hr_acme, practitioner_q, django_assert_num_queries
):
    """One answer for every company's employees and staff: it says nothing of the
    reader; who may not browse is still refused, warm or not."""
    slots.warm()
    for reader in (employee_c, staff_r2):
        reader.get_all_permissions()  # their role's catalogue, read once (not the slots)
        with django_assert_num_queries(0):
            assert slots(user=reader).status_code == 200
    assert slots(user=hr_acme).status_code == 403
    assert slots(user=practitioner_q).status_code == 403


def test_another_query_is_another_answer(slots):
    slots.warm()
    assert slots.starts("?from=2026-03-03&to=2026-03-04") == ["09:00", "10:00", "11:00"] * 2
    assert slots("?from=2026-03-04&to=2026-03-03").status_code == 400


def test_a_cached_answer_is_the_computed_one_byte_for_byte(slots):
    """Kept rendered, as DRF's Response renders it, headers and all."""
    cold, warm = slots(), slots()
    assert warm.content == cold.content == JSONRenderer().render(cold.json())
    each = [{k: v for k, v in r.headers.items() if k != "X-Request-ID"} for r in (cold, warm)]
    assert each[0] == each[1]
    assert warm["Content-Type"] == "application/json"


def test_each_media_type_has_its_answer(slots, api_client, p_open):
    compact = slots()
    indented = api_client.get(
        f"/api/v1/practitioners/{p_open.pk}/slots{TUESDAY}",
        HTTP_ACCEPT="application/json; indent=4",
    )
    assert indented.content.startswith(b'{\n    "practitionerId"')
    assert json.loads(indented.content) == compact.json()
    assert slots().content == compact.content


# --- Consultations -------------------------------------------------------------------


def test_a_booking_shows_on_the_next_request(slots, committed, p_open, employee_b):
    slots.warm()
    committed(book, employee_b, p_open, at=TUESDAY_10, now=NOW)
    assert slots.starts() == ["09:00", "11:00"]


def test_a_cancellation_shows_on_the_next_request(slots, committed, p_open, employee_b):
    consultation = book(employee_b, p_open, at=TUESDAY_10, now=NOW)
    assert slots.warm() == ["09:00", "11:00"]
    committed(services.consultation_cancel, actor=employee_b, consultation=consultation, now=NOW)
    assert slots.starts() == ["09:00", "10:00", "11:00"]


def test_a_reschedule_shows_on_the_next_request(slots, committed, p_open, employee_b):
    consultation = book(employee_b, p_open, at=TUESDAY_10, now=NOW)
    assert slots.warm() == ["09:00", "11:00"]
    committed(
        services.consultation_reschedule,
        actor=employee_b,
        consultation=consultation,
        scheduled_at=paris(2026, 3, 3, 11),
        now=NOW,
    )
    assert slots.starts() == ["09:00", "10:00"]


def test_a_no_show_shows_on_the_next_request(slots, committed, p_open, employee_b):
    """Its time is free again (not a blocking status): the answer read now offers it."""
    consultation = book(employee_b, p_open, at=TUESDAY_9, now=NOW)
    assert slots.warm() == ["10:00", "11:00"]
    committed(
        services.consultation_mark_no_show,
        actor=p_open,
        consultation=consultation,
        now=TUESDAY_9 + timedelta(minutes=20),
    )
    assert slots.starts() == ["09:00", "10:00", "11:00"]


def test_a_status_changed_by_hand_shows_on_the_next_request(slots, committed, p_open, employee_b):
    """Staff's admin saves the row: no service, the model's signal still counts."""
    consultation = book(employee_b, p_open, at=TUESDAY_10, now=NOW)
    assert slots.warm() == ["09:00", "11:00"]

    def cancel_by_hand():
        row = Consultation.objects.get(pk=consultation.pk)
        row.status = Consultation.Status.CANCELLED
        row.save(update_fields=["status"])

    committed(cancel_by_hand)
    assert slots.starts() == ["09:00", "10:00", "11:00"]


def test_a_start_and_an_end_keep_the_answer(
    slots, committed, p_open, employee_b, django_assert_num_queries
):
    """Scheduled, in progress and completed all hold the time: the kept answer is still
    the right one and still believed (no new generation, no query); computed again, it
    is the same."""
    consultation = book(employee_b, p_open, at=TUESDAY_9, now=NOW)
    assert slots.warm() == ["10:00", "11:00"]
    consultation = committed(
        services.consultation_start, actor=p_open, consultation=consultation, now=TUESDAY_9
    )
    with django_assert_num_queries(0):
        assert slots.starts() == ["10:00", "11:00"]
    committed(
        services.consultation_end,
        actor=p_open,
        consultation=consultation,
        now=TUESDAY_9 + timedelta(minutes=45),
    )
    with django_assert_num_queries(0):
        assert slots.starts() == ["10:00", "11:00"]
    assert Consultation.objects.get(pk=consultation.pk).status == Consultation.Status.COMPLETED
    slots_cache.slots_changed(p_open.pk)
    with computed():
        assert slots.starts() == ["10:00", "11:00"]


def test_a_reminders_stamp_keeps_the_answer(slots, committed, p_open, employee_b):
    consultation = book(employee_b, p_open, at=TUESDAY_10, now=NOW)
    assert slots.warm() == ["09:00", "11:00"]
    row = Consultation.objects.get(pk=consultation.pk)
    row.reminder_24h_sent_at = NOW
    committed(row.save, update_fields=["reminder_24h_sent_at"])
    slots.warm()


def test_a_row_saved_again_is_compared_with_what_it_last_wrote(
    slots, committed, p_open, employee_b
):
    """The same instance cancelled by hand, then scheduled again: two changes."""
    consultation = book(employee_b, p_open, at=TUESDAY_10, now=NOW)
    assert slots.warm() == ["09:00", "11:00"]
    row = Consultation.objects.get(pk=consultation.pk)
    row.status = Consultation.Status.CANCELLED
    committed(row.save, update_fields=["status"])
    assert slots.warm() == ["09:00", "10:00", "11:00"]
    row.status = Consultation.Status.SCHEDULED
    committed(row.save, update_fields=["status"])
    assert slots.starts() == ["09:00", "11:00"]


def test_a_row_not_loaded_whole_counts_as_a_change(slots, committed, p_open, employee_b):
    """What it held before cannot be compared: a new generation, to be safe."""
    consultation = book(employee_b, p_open, at=TUESDAY_10, now=NOW)
    assert slots.warm() == ["09:00", "11:00"]
    row = Consultation.objects.only("pk", "status").get(pk=consultation.pk)
    row.status = Consultation.Status.IN_PROGRESS
    committed(row.save, update_fields=["status"])
    with computed():
        assert slots.starts() == ["09:00", "11:00"]


def test_a_rolled_back_booking_changes_nothing(slots, p_open, employee_b):
    slots.warm()
    with pytest.raises(RuntimeError), transaction.atomic():
        book(employee_b, p_open, at=TUESDAY_10, now=NOW)
        raise RuntimeError
    assert slots.starts() == ["09:00", "10:00", "11:00"]


# --- Availability, hours, exceptions ------------------------------------------------


def test_a_new_length_shows_on_the_next_request(slots, committed, p_open):
    slots.warm()
    committed(services.availability_update, actor=p_open, length_minutes=30)
    assert slots.starts() == ["09:00", "09:40", "10:20", "11:00"]


def test_a_new_buffer_shows_on_the_next_request(slots, committed, p_open):
    slots.warm()
    committed(services.availability_update, actor=p_open, buffer_minutes=0)
    assert slots.starts() == ["09:00", "09:50", "10:40"]


def test_a_new_time_zone_shows_on_the_next_request(slots, committed, p_open):
    slots.warm()
    committed(services.availability_update, actor=p_open, time_zone="America/New_York")
    body = slots(TUESDAY).json()
    assert body["timeZone"] == "America/New_York"
    assert body["slots"][0]["start"] == "2026-03-03T15:00:00+01:00"  # 09:00 in New York


def test_new_weekly_hours_show_on_the_next_request(slots, committed, p_open):
    slots.warm()
    committed(services.weekly_hours_set, actor=p_open, openings=[(1, time(14), time(16))])
    assert slots.starts() == ["14:00", "15:00"]


def test_first_weekly_hours_show_on_the_next_request(slots, committed, p_open):
    """No row deleted, only bulk-created ones (no model signal): the service says so."""
    services.weekly_hours_set(actor=p_open, openings=[])
    assert slots.warm() == []
    committed(services.weekly_hours_set, actor=p_open, openings=[(1, time(9), time(10))])
    assert slots.starts() == ["09:00"]


def test_a_day_off_shows_on_the_next_request(slots, committed, p_open):
    slots.warm()
    committed(
        services.availability_exception_add, actor=p_open, kind="closed", day=date(2026, 3, 3)
    )
    assert slots.starts() == []


def test_closed_hours_show_on_the_next_request(slots, committed, p_open):
    slots.warm()
    committed(
        services.availability_exception_add,
        actor=p_open,
        kind="closed",
        day=date(2026, 3, 3),
        start_time=time(10),
        end_time=time(11),
    )
    assert slots.starts() == ["09:00", "11:00"]


def test_an_extra_opening_shows_on_the_next_request(slots, committed, p_open):
    slots.warm()
    committed(
        services.availability_exception_add,
        actor=p_open,
        kind="open",
        day=date(2026, 3, 3),
        start_time=time(14),
        end_time=time(15),
    )
    assert slots.starts() == ["09:00", "10:00", "11:00", "14:00"]


def test_a_closing_that_cancels_bookings_shows_on_the_next_request(
    slots, committed, p_open, employee_b
):
    book(employee_b, p_open, at=TUESDAY_10, now=NOW)
    slots.warm()
    committed(
        services.availability_exception_add,
        actor=p_open,
        kind="closed",
        day=date(2026, 3, 3),
        start_time=time(11),
        end_time=time(12),
    )
    assert slots.starts() == ["09:00"]
    committed(
        services.availability_exception_add,
        actor=p_open,
        kind="closed",
        day=date(2026, 3, 3),
        start_time=time(9),
        end_time=time(11),
        cancel_bookings=True,
        message="Formation.",
        now=NOW,
    )
    assert slots.starts() == []
    assert not Consultation.objects.filter(status=Consultation.Status.SCHEDULED).exists()


def test_a_removed_exception_shows_on_the_next_request(slots, committed, p_open):
    (day_off,) = services.availability_exception_add(
        actor=p_open, kind="closed", day=date(2026, 3, 3)
    )
    assert slots.warm() == []
    committed(services.availability_exception_remove, actor=p_open, exception_id=day_off.pk)
    assert slots.starts() == ["09:00", "10:00", "11:00"]
    assert not AvailabilityException.objects.exists()


# --- The practitioner ----------------------------------------------------------------


def test_a_hidden_practitioner_is_404_on_the_next_request(slots, committed, p_open, staff_r2):
    slots.warm()
    committed(
        company_services.practitioner_set_active,
        actor=staff_r2,
        profile=PractitionerProfile.objects.get(user=p_open),
        is_active=False,
    )
    assert slots().status_code == 404


def test_a_closed_account_is_404_on_the_next_request(slots, committed, p_open):
    slots.warm()
    committed(company_services.user_deactivate, user=User.objects.get(pk=p_open.pk))
    assert slots().status_code == 404


def test_a_sign_in_keeps_the_answer(slots, p_open, django_assert_num_queries):
    slots.warm()
    p_open.save(update_fields=["last_login"])
    with django_assert_num_queries(0):
        slots.starts()


# --- Time and settings -------------------------------------------------------------


def test_a_slot_leaves_when_it_comes_within_the_notice(slots, frozen):
    # Half a minute earlier: the answer is not yet at its cache's own expiry either.
    frozen.move_to(TUESDAY_9 - timedelta(hours=2, seconds=30))
    slots.warm()
    frozen.move_to(TUESDAY_9 - timedelta(hours=2))  # the booking notice: 120 minutes
    assert slots.starts() == ["09:00", "10:00", "11:00"]
    frozen.move_to(TUESDAY_9 - timedelta(hours=2) + timedelta(microseconds=1))
    assert slots.starts() == ["10:00", "11:00"]


def test_the_default_span_moves_at_midnight(slots, frozen):
    frozen.move_to(paris(2026, 3, 2, 23, 59, 59))
    assert "09:00" in slots.warm("")
    sunday = [s["start"] for s in slots("").json()["slots"]]
    assert not [s for s in sunday if s.startswith("2026-03-09")]
    frozen.move_to(paris(2026, 3, 3, 0, 0, 0))
    monday = [s["start"] for s in slots("").json()["slots"]]
    assert monday[-1] == "2026-03-09T11:00:00+01:00"


def test_the_horizons_edge_is_never_kept(slots, frozen):
    """Slots beyond the horizon join as it moves: such an answer is computed each time."""
    query = "?from=2026-04-27&to=2026-04-28"  # the horizon (8 weeks) ends on the 27th
    assert slots.starts(query) == ["09:00", "10:00"]  # the horizon: 11:00 on the 27th
    with computed():
        slots.starts(query)
    frozen.move_to(NOW + timedelta(days=1))
    assert slots.starts(query) == ["09:00", "10:00", "11:00", "09:00", "10:00"]


def test_a_new_notice_is_another_answer(slots, settings):
    slots.warm()
    settings.HUNTZEN_BOOKING_NOTICE_MINUTES = 24 * 60
    assert slots.starts() == ["10:00", "11:00"]


# --- Redis down ------------------------------------------------------------------------


class _DownCache:
    """The shared cache answering from this process's memory (Redis down)."""

    is_down = True

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_while_redis_is_down_no_answer_is_believed(slots, monkeypatch):
    """The fallback memory is this process's own, where another process's bump never
    arrives: a cached answer is not believed meanwhile."""
    slots.warm()
    monkeypatch.setattr(generations, "cache", _DownCache(generations.cache))
    for _ in range(2):
        with computed():
            assert slots.starts() == ["09:00", "10:00", "11:00"]


def test_while_redis_is_down_no_answer_is_stored(slots, monkeypatch):
    real = generations.cache
    monkeypatch.setattr(generations, "cache", _DownCache(real))
    slots.starts()
    monkeypatch.setattr(generations, "cache", real)
    with computed():
        slots.starts()


def test_each_practitioner_has_a_generation(slots, committed, p_open, practitioner_q):
    slots.warm()
    before = generations.current(slots_cache._generation(p_open.pk))
    committed(slots_cache.slots_changed, practitioner_q.pk)
    assert generations.current(slots_cache._generation(p_open.pk)) == before
    committed(slots_cache.slots_changed, p_open.pk)
    assert generations.current(slots_cache._generation(p_open.pk)) != before


def test_a_change_starts_its_generation_at_the_commit_in_one_write(
    slots, p_open, employee_b, django_capture_on_commit_callbacks, monkeypatch
):
    """One Redis write per change, once it commits: other transactions read the rows
    as they were until then, so an answer they keep meanwhile is under the old token."""
    slots.warm()
    generation = slots_cache._generation(p_open.pk)
    before = generations.current(generation)
    sent = redis_commands(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        book(employee_b, p_open, at=TUESDAY_10, now=NOW)
        assert generations.current(generation) == before  # not yet: not committed
        del sent[:]
    assert sent == ["SET"]  # the new generation (the emails: eager tasks here, no push)
    assert generations.current(generation) != before
    assert slots.starts() == ["09:00", "11:00"]


def test_a_rolled_back_change_starts_no_generation(slots, p_open, django_assert_num_queries):
    cold = slots.warm()
    generation = slots_cache._generation(p_open.pk)
    before = generations.current(generation)
    with pytest.raises(RuntimeError), transaction.atomic():
        slots_cache.slots_changed(p_open.pk)
        raise RuntimeError
    assert generations.current(generation) == before
    with django_assert_num_queries(0):
        assert slots.starts() == cold


def test_a_read_inside_the_changing_transaction_believes_no_kept_answer(
    slots, p_open, employee_b, django_capture_on_commit_callbacks
):
    """The transaction sees its own booking: the answer kept before it is not believed
    (a new generation at once, for this reader), and the commit starts another."""
    assert slots.warm() == ["09:00", "10:00", "11:00"]
    generation = slots_cache._generation(p_open.pk)
    before = generations.current(generation)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        book(employee_b, p_open, at=TUESDAY_10, now=NOW)
        with computed():
            assert slots.starts() == ["09:00", "11:00"]
        early = generations.current(generation)
        assert early != before
    assert generations.current(generation) not in (before, early)


def test_an_answer_is_never_believed_before_it_was_computed(slots, frozen):
    """A clock put back (tests, a host's clock corrected) reads the answer again."""
    frozen.move_to(TUESDAY_9 - timedelta(hours=1, minutes=1))
    assert slots.warm() == ["10:00", "11:00"]
    frozen.move_to(NOW)
    assert slots.starts() == ["09:00", "10:00", "11:00"]
