"""Bench only: the production settings plus a hello-world JSON view (bench/booking_urls.py),
so that bookings and the hello view run through the same daphne, middleware and
database in one run. Never used outside bench/booking.py."""

from huntzen.settings import *  # noqa: F403

ROOT_URLCONF = "bench.booking_urls"
