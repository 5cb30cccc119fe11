"""Key rotation: every sealed column of every model, re-encrypted under the newest key.

A model holding medical content registers its sealed columns here (from its app's
``AppConfig.ready()``), so that ``manage.py rotate_encryption_key`` leaves nothing
under an old key::

    from medical.rotation import register

    register("chat.ChatMessage", fields=("body_sealed",),
             aad=lambda message, column: message.aad("body"))

``aad(row, column)`` must return exactly the associated data the value was sealed with.
Rotation walks each table by primary key in batches, each batch in its own transaction
with its rows locked (a concurrent amendment is never overwritten), and selects only
rows that still hold a value under an older key: stopping and running it again resumes.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.db.models import Q

from medical import crypto

# Models known to hold medical content that must be registered once they exist.
EXPECTED_MODELS = (
    "medical.ClinicalNote",
    "medical.ClinicalNoteVersion",
    "medical.JournalEntry",
    "medical.PersonalDataExport",
    "chat.ChatMessage",
    "consultations.Consultation",  # the sealed cancellation reason
)


@dataclass(frozen=True)
class SealedModel:
    label: str
    fields: tuple[str, ...]
    aad: Callable[[object, str], bytes]
    select_related: tuple[str, ...] = ()

    @property
    def model(self):
        return apps.get_model(self.label)


@dataclass
class RotationReport:
    label: str
    rows: int = 0
    values: int = 0
    batches: int = 0
    failed: list[str] = field(default_factory=list)


_registry: dict[str, SealedModel] = {}


def register(label: str, *, fields: tuple[str, ...], aad, select_related: tuple[str, ...] = ()):
    """Declare the sealed columns of a model (idempotent: the last call wins)."""
    _registry[label.lower()] = SealedModel(label, tuple(fields), aad, tuple(select_related))


def registered() -> list[SealedModel]:
    return list(_registry.values())


def unregistered_models() -> list[str]:
    """Expected medical models that exist in this project but were never registered."""
    missing = []
    for label in EXPECTED_MODELS:
        app_label, model_name = label.split(".")
        if not apps.is_installed(app_label):
            continue
        try:
            apps.get_model(app_label, model_name)
        except LookupError:
            continue
        if label.lower() not in _registry:
            missing.append(label)
    return missing


def _stale(entry: SealedModel, key_id: str) -> Q:
    """Rows with at least one non-empty value not sealed under `key_id`."""
    prefix = f"{key_id}:"
    stale = Q()
    for column in entry.fields:
        stale |= (
            ~Q(**{f"{column}__startswith": prefix})
            & ~Q(**{column: ""})
            & Q(**{f"{column}__isnull": False})
        )
    return stale


def pending(entry: SealedModel) -> int:
    """How many rows of this model still hold a value under an older key."""
    return entry.model._default_manager.filter(_stale(entry, crypto.current_key_id())).count()


def rotate(entry: SealedModel, *, batch_size: int = 500) -> Iterator[RotationReport]:
    """Re-seal every stale row of one model; yields the running report after each batch.

    A row that fails to decrypt (unknown key, tampered value) is reported by primary key
    and skipped; it stays under its old key, so the command can say so and fail.
    """
    model = entry.model
    key_id = crypto.current_key_id()
    report = RotationReport(entry.label)
    last_pk = None
    while True:
        with transaction.atomic():
            qs = model._default_manager.select_for_update(of=("self",)).filter(
                _stale(entry, key_id)
            )
            if entry.select_related:
                qs = qs.select_related(*entry.select_related)
            if last_pk is not None:
                qs = qs.filter(pk__gt=last_pk)
            rows = list(qs.order_by("pk")[:batch_size])
            if not rows:
                return
            changed = []
            for row in rows:
                try:
                    count = _reseal_row(entry, row, key_id)
                except crypto.DecryptionError:
                    report.failed.append(str(row.pk))
                    continue
                report.values += count
                changed.append(row)
            if changed:
                model._default_manager.bulk_update(changed, list(entry.fields))
            report.rows += len(changed)
            report.batches += 1
            last_pk = rows[-1].pk
        yield report


def _reseal_row(entry: SealedModel, row, key_id: str) -> int:
    count = 0
    for column in entry.fields:
        value = getattr(row, column)
        if not value or crypto.key_id_of(value) == key_id:
            continue
        setattr(row, column, crypto.reseal(value, aad=entry.aad(row, column)))
        count += 1
    return count
