from django.core.management.base import BaseCommand, CommandError

from medical import crypto, rotation


class Command(BaseCommand):
    help = (
        "Re-encrypt every medical field under the newest key (the first of "
        "HUNTZEN_ENCRYPTION_KEYS), in batches. Safe to stop and run again: it resumes "
        "with the rows still under an older key. Afterwards the old key can be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the rows still under an old key."
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the rotation for a Celery worker instead of running it here "
            "(check afterwards with --dry-run).",
        )

    def handle(self, *args, batch_size, dry_run, background=False, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        missing = rotation.unregistered_models()
        if missing:
            raise CommandError(
                "These models hold medical content but are not registered with "
                f"medical.rotation, so rotation would leave them behind: {', '.join(missing)}."
            )
        key_id = crypto.current_key_id()
        self.stdout.write(f"Newest key: {key_id}")
        if background and not dry_run:
            from medical.tasks import rotate_encryption_key

            rotate_encryption_key.delay(batch_size=batch_size)
            self.stdout.write("Rotation queued for a worker; `--dry-run` shows what is left.")
            return
        failures = 0
        for entry in rotation.registered():
            if dry_run:
                self.stdout.write(f"{entry.label}: {rotation.pending(entry)} rows to re-encrypt")
                continue
            report = rotation.RotationReport(entry.label)
            for report in rotation.rotate(entry, batch_size=batch_size):
                self.stdout.write(
                    f"  {entry.label}: batch {report.batches}, {report.rows} rows so far",
                    ending="\n",
                )
            self.stdout.write(
                f"{entry.label}: {report.rows} rows re-encrypted ({report.values} values) "
                f"in {report.batches} batches"
            )
            if report.failed:
                failures += len(report.failed)
                self.stderr.write(
                    f"{entry.label}: {len(report.failed)} rows could not be decrypted "
                    f"(unknown key or tampered), left as they are: {', '.join(report.failed)}"
                )
        if failures:
            raise CommandError(
                f"{failures} rows could not be re-encrypted; keep the old keys until fixed."
            )
        if not dry_run:
            left = sum(rotation.pending(entry) for entry in rotation.registered())
            if left:
                raise CommandError(f"{left} rows are still under an older key; run again.")
            self.stdout.write(self.style.SUCCESS(f"Every medical field is under key {key_id}."))
