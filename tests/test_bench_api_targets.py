"""bench/api.py plans its start/end targets inside the start window
(consultations/room.py) with the grace its own settings give: every start of a run
that lasts up to RUN_WINDOW_HOURS is allowed, from the first request to the last."""

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from bench import api as bench
from consultations import room
from consultations.models import Consultation


def test_every_planned_start_is_allowed_throughout_the_run(settings):
    env = bench.bench_env(SimpleNamespace(database_url="postgres://x/bench", redis_url="redis://"))
    settings.HUNTZEN_START_GRACE_MINUTES = int(env["HUNTZEN_START_GRACE_MINUTES"])
    now = timezone.now()
    starts = bench.run_starts(now)
    assert len(starts) >= bench.RUN_TARGETS_PER_PRACTITIONER
    for start in starts:
        consultation = Consultation(
            status=Consultation.Status.SCHEDULED,
            scheduled_at=start,
            scheduled_end=start + timedelta(minutes=15),
        )
        for at in (now, now + timedelta(hours=bench.RUN_WINDOW_HOURS)):
            assert room.may_start_at(consultation, at), (start, at)
    # Quarter-hours apart: a practitioner's targets never overlap.
    assert all(b - a == timedelta(minutes=15) for a, b in zip(starts, starts[1:], strict=False))


def test_with_the_default_grace_the_window_is_too_short_for_a_run(settings):
    """Why the bench widens the grace: with the product's 15 minutes, no quarter-hour
    stays startable for the whole run."""
    settings.HUNTZEN_START_GRACE_MINUTES = 15
    assert bench.run_starts(timezone.now()) == []
