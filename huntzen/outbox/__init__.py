"""The email outbox: every email is a row, committed with the change that causes it,
then delivered by a Celery task (huntzen/outbox/services.py)."""
