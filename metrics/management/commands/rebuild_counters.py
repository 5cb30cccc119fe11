"""Recompute the daily counters from the consultations, or only compare (--verify)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from metrics import services, verification


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = (
        "Recompute the metrics rollups from the consultations. With --verify, change "
        "nothing, print every difference and exit with status 1 if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--verify", action="store_true", help="Compare only; change nothing.")
        parser.add_argument("--from", dest="start", type=_date, help="First day (YYYY-MM-DD).")
        parser.add_argument("--to", dest="end", type=_date, help="Last day (YYYY-MM-DD).")

    def handle(self, *args, verify=False, start=None, end=None, **options):
        if start and end and start > end:
            raise CommandError("--from must not be after --to.")
        scope = f"{start or 'the beginning'} to {end or 'today'}"
        if verify:
            differences = verification.counter_differences(start=start, end=end)
            for line in differences:
                self.stdout.write(line)
            if differences:
                raise CommandError(
                    f"{len(differences)} difference(s) between the counters and the "
                    f"consultations ({scope}).",
                    returncode=1,
                )
            self.stdout.write(
                self.style.SUCCESS(f"Counters agree with the consultations ({scope}).")
            )
            return
        result = services.counters_rebuild(start=start, end=end)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {scope}: {result.consultations} consultation(s), "
                f"{result.practitioner_days} practitioner-day(s), {result.employee_days} "
                f"employee-day(s), {result.company_days} company-day(s)."
            )
        )
