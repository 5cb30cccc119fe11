"""Demo counters: they fill from the demo consultations through the signal (consultations'
demo runs first). To be safe, check them against the consultations and rebuild them if
anything differs; idempotent."""

from metrics import services, verification


def seed(*, stdout, password=None, **kwargs):
    differences = verification.counter_differences()
    if differences:
        result = services.counters_rebuild()
        stdout.write(
            f"metrics: {len(differences)} difference(s) found, counters rebuilt "
            f"({result.consultations} consultation(s))."
        )
    else:
        stdout.write("metrics: counters agree with the consultations.")
