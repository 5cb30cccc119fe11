from django.core.management.base import BaseCommand, CommandError

from huntzen.outbox.models import OutboxMessage
from huntzen.outbox.services import due_message_ids, message_deliver


class Command(BaseCommand):
    help = (
        "Deliver, in this process, every queued email whose attempt is due (what the "
        "beat sweep hands to the workers). For a deployment without a Celery worker; "
        "exits 1 when an email could not be delivered (it stays queued)."
    )

    def handle(self, *args, **options):
        results = [message_deliver(pk) for pk in due_message_ids()]
        sent = results.count(OutboxMessage.State.SENT)
        failed = len([r for r in results if r in ("pending", "failed")])
        self.stdout.write(f"emails due: {len(results)}; sent={sent} not delivered={failed}")
        if failed:
            raise CommandError(f"{failed} email(s) could not be delivered; see the log")
