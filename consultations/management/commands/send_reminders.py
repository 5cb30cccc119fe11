from django.core.management.base import BaseCommand, CommandError

from consultations.reminders import deliver_reminders, queue_due_reminders
from huntzen.outbox.models import OutboxMessage


class Command(BaseCommand):
    help = (
        "Queue the 24 h and 1 h consultation reminders that are due, each once per "
        "recipient, and deliver them now. Celery beat queues the same every minute (for "
        "the workers to deliver); safe to run beside it. Exits 1 when an email could not "
        "be delivered: it stays queued, retried later for that recipient only."
    )

    def handle(self, *args, **options):
        queued = queue_due_reminders()
        rows = deliver_reminders(queued)
        states = {state: 0 for state in OutboxMessage.State.values}
        for row in rows:
            states[row.state] += 1
        self.stdout.write(
            f"reminders queued: 24h={len(queued[24])} 1h={len(queued[1])}; emails: "
            + " ".join(f"{state}={count}" for state, count in states.items())
        )
        not_sent = [row for row in rows if row.last_error and row.state != "sent"]
        for row in not_sent:
            retry = "given up" if row.state == "failed" else f"retried at {row.next_attempt_at}"
            self.stderr.write(
                f"not delivered: {row.kind} to {row.recipient} "
                f"(attempt {row.attempts}: {row.last_error}); {retry}"
            )
        if not_sent:
            raise CommandError(f"{len(not_sent)} reminder email(s) could not be delivered")
