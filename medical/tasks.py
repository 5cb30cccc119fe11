"""Celery tasks of the medical app."""

import logging

from celery import shared_task

from medical import rotation

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
