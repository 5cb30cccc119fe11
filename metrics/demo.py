"""Demo counters: they fill from the demo consultations through the signal (consultations'
demo runs first). To be safe, check them against the consultations and rebuild them if
anything differs. Then one Acme employee shares her counters with HR (through the
consent service), so that Acme's per-employee page lists someone. Idempotent."""

from accounts.models import User
from metrics import services, verification
from metrics.consent import usage_sharing_of, usage_sharing_set

SHARES_HER_COUNTERS = "bob@acme.demo"


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
    sharer = User.objects.filter(email=SHARES_HER_COUNTERS).first()
    if sharer is not None and usage_sharing_of(employee=sharer).changed_at is None:
        usage_sharing_set(employee=sharer, shared=True)
        stdout.write(f"  metrics: {SHARES_HER_COUNTERS} shares their counters with Acme's HR.")
