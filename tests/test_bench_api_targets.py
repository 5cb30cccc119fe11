"""bench/api.py plans its start/end targets inside the start window
(consultations/room.py) with the grace its own settings give: every start of a run
that lasts up to RUN_WINDOW_HOURS is allowed, from the first request to the last, and
there are enough of them for every start phase of the run at WRITE_RATE_BOUND (a fast
machine once used them all up in the full-load rounds: the half-load start phase sent
nothing)."""

import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from bench import api as bench
from consultations import room
from consultations.models import Consultation


def _run_args(monkeypatch, *argv):
    monkeypatch.setattr(sys, "argv", ["bench/api.py", *argv])
    return bench.parse_args()


ARGS = {
    "framework_cost.py's": lambda monkeypatch: SimpleNamespace(
        database_url="postgres://x/bench", redis_url="redis://"
    ),
    "a full run's": lambda monkeypatch: _run_args(monkeypatch, "--half-load"),
    "a long run's": lambda monkeypatch: _run_args(
        monkeypatch, "--half-load", "--seconds", "5", "--rounds", "5", "--repeat", "100"
    ),
    "a long half-load's": lambda monkeypatch: _run_args(
        monkeypatch, "--servers", "gthread", "--half-load", "--half-load-seconds", "10"
    ),
    "an in-process run's": lambda monkeypatch: _run_args(monkeypatch, "--no-server"),
}


@pytest.mark.parametrize("args", ARGS)
def test_every_planned_start_is_allowed_throughout_the_run(settings, monkeypatch, args):
    args = ARGS[args](monkeypatch)
    env = bench.bench_env(args)
    settings.HUNTZEN_START_GRACE_MINUTES = int(env["HUNTZEN_START_GRACE_MINUTES"])
    now = timezone.now()
    starts = bench.run_starts(now)
    assert len(starts) >= bench.run_targets_per_practitioner(args)
    assert len(starts) >= bench.RUN_TARGETS_PER_PRACTITIONER
    assert len(starts) * bench.PRACTITIONERS >= bench.start_requests_bound(args)
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


def test_a_full_run_has_starts_for_every_phase_at_the_rate_bound(monkeypatch):
    """Two servers, three full-load rounds and one at half load, 2 s each: even if every
    one of them ran at WRITE_RATE_BOUND (this machine's fastest write ran at ~280
    req/s), the half-load start phase still finds targets."""
    args = _run_args(monkeypatch, "--half-load")
    rate, seconds = bench.WRITE_RATE_BOUND, args.seconds
    full_load = rate * seconds * len(args.servers) * args.rounds
    half_load = rate * seconds * len(args.servers)
    in_process = args.repeat + 3
    assert bench.start_requests_bound(args) >= full_load + half_load + in_process
    assert rate >= 3 * 280
    # Without --half-load, or without servers, fewer.
    assert bench.start_requests_bound(_run_args(monkeypatch)) < bench.start_requests_bound(args)
    assert bench.start_requests_bound(_run_args(monkeypatch, "--no-server")) == in_process


def test_a_longer_half_load_phase_has_its_starts(monkeypatch):
    """`--half-load-seconds` lengthens the half-load phases alone: the bound covers them
    at WRITE_RATE_BOUND too, and grows by exactly their extra seconds."""
    args = _run_args(monkeypatch, "--half-load", "--half-load-seconds", "10")
    rate = bench.WRITE_RATE_BOUND
    full_load = rate * args.seconds * len(args.servers) * args.rounds
    half_load = rate * 10 * len(args.servers)
    assert bench.start_requests_bound(args) >= full_load + half_load + args.repeat + 3
    default = bench.start_requests_bound(_run_args(monkeypatch, "--half-load"))
    extra = rate * (10 - args.seconds) * len(args.servers)
    assert bench.start_requests_bound(args) - default == extra
