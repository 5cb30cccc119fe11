"""Celery tasks of the medical app."""

import logging

from celery import shared_task

from medical import exports, rotation

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def rotate_encryption_key(batch_size: int = 500) -> dict:
    """Re-seal every registered medical column under the newest key, in batches (each
    its own transaction, so a worker that dies leaves the done batches done and a
    second run resumes). Queued by `manage.py rotate_encryption_key --background`."""
    summary = {}
    for entry in rotation.registered():
        # The generator yields its running report after each batch; keep the last.
        reports = list(rotation.rotate(entry, batch_size=batch_size))
        report = reports[-1] if reports else rotation.RotationReport(entry.label)
        summary[entry.label] = {"rows": report.rows, "failed": len(report.failed)}
        if report.failed:
            logger.error(
                "key rotation: %s rows of %s could not be decrypted: %s",
                len(report.failed),
                entry.label,
                ", ".join(report.failed),
            )
    logger.info("key rotation done: %s", summary)
    return summary


@shared_task(bind=True, acks_late=True)
def build_personal_data_export(self, export_id: str) -> str | None:
    """Build, seal and announce one large account's export (medical.exports). A failed
    attempt is retried after 1, 2, 4… minutes up to HUNTZEN_EXPORT_MAX_ATTEMPTS (the
    sweep would find it too); run in process (no broker), it fails at once instead."""
    status = exports.export_build(export_id, may_retry=not self.request.is_eager)
    if status == exports.Status.PENDING:
        attempts = exports.PersonalDataExport.objects.filter(pk=export_id).values_list(
            "attempts", flat=True
        )
        countdown = 60 * 2 ** max((attempts.first() or 1) - 1, 0)
        raise self.retry(countdown=countdown, max_retries=None)
    return status


@shared_task
def personal_data_exports_sweep() -> int:
    """Every five minutes (beat): queue again the builds that are due (broker down at
    request time, worker died); fail those that used up their attempts."""
    return exports.exports_sweep()


@shared_task
def personal_data_exports_purge() -> int:
    """Every hour (beat): delete expired exports."""
    return exports.exports_purge()
