from django.core.management.base import BaseCommand

from huntzen.keys import generate_key


class Command(BaseCommand):
    help = "Print a new key (32 random bytes, URL-safe base64) for HUNTZEN_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--id", default="k1", help="Key id to print before the key.")

    def handle(self, *args, id, **options):
        self.stdout.write(f"{id}:{generate_key()}")
