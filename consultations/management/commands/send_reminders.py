from django.core.management.base import BaseCommand

from consultations.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        "Send the 24 h and 1 h consultation reminders that are due, each exactly once. "
        "Safe to run every minute from cron, and concurrently."
    )

    def handle(self, *args, **options):
        sent = send_due_reminders()
        self.stdout.write(f"reminders sent: 24h={sent[24]} 1h={sent[1]}")
