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
