"""Celery tasks of consultations."""

from celery import shared_task

from consultations.reminders import queue_due_reminders as _queue_due_reminders


@shared_task
def queue_due_reminders() -> dict:
    """Every minute (beat): queue the 24 h and 1 h reminders that are due."""
    return {str(hours): len(ids) for hours, ids in _queue_due_reminders().items()}
