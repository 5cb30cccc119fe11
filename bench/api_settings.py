"""Bench only: the production settings plus /bench/hello (bench/booking_urls.py), with
access tokens that outlive a whole run. Never used outside bench/api.py and
bench/growth.py."""

from bench.booking_settings import *  # noqa: F403

HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = 4 * 3600
