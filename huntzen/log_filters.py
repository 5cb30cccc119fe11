"""Logging filters (settings.LOGGING)."""

import logging

EXPECTED_REFUSALS = frozenset({403, 404})


class ExpectedRefusalFilter(logging.Filter):
    """A refusal the portal meant to give (403, 404) is one line in the log, not a
    traceback: the exception is the answer, not a fault. Other statuses keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in EXPECTED_REFUSALS:
            record.exc_info = None
            record.exc_text = None
        return True


class UnavailableFilter(logging.Filter):
    """A 503 (the database or Redis out, huntzen.errors) is one line per request, not a
    traceback each: during an outage the log stays readable. The outage itself is logged
    where it is noticed (huntzen.cache, the pool)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 503:
            record.exc_info = None
            record.exc_text = None
        return True
