"""Signal receivers: thin, they only hand the consultation to `metrics.services`."""

from consultations.models import Consultation
from metrics import services


def consultation_saved(sender, instance, raw=False, **kwargs):
    """Runs inside the transaction that saved the consultation, so a rolled-back end
    leaves no count. Fixture loads (raw) are skipped: run `rebuild_counters` after them.
    Other statuses return early only to spare the service's savepoint; the service
    itself refuses them too."""
    if raw or instance.status != Consultation.Status.COMPLETED:
        return
    services.consultation_counted(consultation=instance)
