import pytest

from tests.consultations.conftest import frozen, open_weekdays  # noqa: F401
from tests.outbox.smtp_sink import SmtpSink


@pytest.fixture
def p_open(practitioner_p):
    open_weekdays(practitioner_p)
    return practitioner_p


@pytest.fixture
def smtp(settings):
    """Emails go over SMTP to a real server on loopback (accepting until told not to)."""
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    yield sink
    sink.stop()
