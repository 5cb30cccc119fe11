"""Personal-data exports of large accounts, built by a Celery task outside the request.

`export_is_inline` is the one size rule: an account with at most
HUNTZEN_EXPORT_INLINE_LIMIT rows (journal entries, chat messages she wrote, clinical
notes he wrote, consultations) downloads its ZIP at once (medical.selectors.
personal_data_export); a larger one asks with `export_request`, and
`medical.tasks.build_personal_data_export` builds the same ZIP, seals it like medical
content (medical.crypto, bound to the row and its owner) and emails a neutral notice
through the outbox. The owner downloads it signed in (`export_download`, one EXPORT
row in the access log per download) until it expires (HUNTZEN_EXPORT_KEEP_DAYS); a
beat task deletes it then.

A build first claims its row with one conditional UPDATE and a lease, like the outbox:
a redelivered task, a second worker or the sweep finds nothing to do while another
holds it, and a row whose worker died is taken over once the lease is over. The row
turns ready and the email is queued in one transaction, under a dedup key: one export,
one email, whatever the retries.
"""

import logging
import uuid
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from medical import access, audit, crypto, selectors
from medical.models import AccessLogEntry, PersonalDataExport

logger = logging.getLogger(__name__)

Status = PersonalDataExport.Status
Action = AccessLogEntry.Action
ARCHIVE = "archive"  # the sealed field's name in the associated data

FAILED_MESSAGE = _(
    "La préparation de votre export a échoué. Rien n'a été conservé : vous pouvez en "
    "demander un nouveau."
)


# --- The size rule ----------------------------------------------------------------


def personal_data_size(user, *, cap: int | None = None) -> int:
    """How many rows the export of `user` would read: journal entries, chat messages
    she wrote, clinical notes he wrote, consultations she or he took part in. With
    `cap`, counting stops once past it (each COUNT reads at most the rows still
    needed), so asking about a huge account costs no more than about a small one."""
    from chat.models import ChatMessage
    from consultations.models import Consultation
    from medical.models import ClinicalNote, JournalEntry

    querysets = (
        JournalEntry.objects.filter(owner=user),
        ChatMessage.objects.filter(sender=user),
        ClinicalNote.objects.filter(author=user),
        Consultation.objects.filter(Q(employee=user) | Q(practitioner=user)),
    )
    total = 0
    for queryset in querysets:
        if cap is None:
            total += queryset.count()
            continue
        total += queryset.values("pk")[: cap + 1 - total].count()
        if total > cap:
            break
    return total


def export_is_inline(user) -> bool:
    """Small enough to be built inside the request (HUNTZEN_EXPORT_INLINE_LIMIT)."""
    limit = settings.HUNTZEN_EXPORT_INLINE_LIMIT
    return personal_data_size(user, cap=limit) <= limit


# --- Asking -----------------------------------------------------------------------


@transaction.atomic
def export_request(*, owner) -> PersonalDataExport:
    """Ask for a background export: the pending one if there is one (nothing more is
    queued), else a new pending row whose build is queued after the commit. Earlier
    failed exports are forgotten (she is asking again)."""
    pending = PersonalDataExport.objects.filter(owner=owner, status=Status.PENDING).first()
    if pending is not None:
        return pending
    PersonalDataExport.objects.filter(owner=owner, status=Status.FAILED).delete()
    export = PersonalDataExport(owner=owner)
    try:
        with transaction.atomic():
            export.save(force_insert=True)
    except IntegrityError:
        # A concurrent request inserted hers first (one_pending_export_per_owner).
        return PersonalDataExport.objects.get(owner=owner, status=Status.PENDING)
    transaction.on_commit(partial(dispatch, [export.pk]))
    return export


def dispatch(export_ids) -> None:
    """Hand builds to the workers; with the broker down the rows wait for the sweep."""
    from medical.tasks import build_personal_data_export

    for export_id in export_ids:
        try:
            build_personal_data_export.delay(str(export_id))
        except Exception:
            logger.warning("export: broker unavailable, export %s waits for the sweep", export_id)
            return


# --- Building (the task) ----------------------------------------------------------


def _claimable(now: datetime) -> Q:
    return Q(status=Status.PENDING) & (Q(lease_until__isnull=True) | Q(lease_until__lt=now))


def export_claim(export_id, *, now: datetime | None = None) -> PersonalDataExport | None:
    """Take the row for one build, or None if it is not pending or another worker
    holds it. One UPDATE decides: two claims cannot both win."""
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = (
        PersonalDataExport.objects.filter(pk=export_id)
        .filter(_claimable(now))
        .update(
            claim=token,
            lease_until=now + timedelta(seconds=settings.HUNTZEN_EXPORT_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    return PersonalDataExport.objects.select_related("owner").get(pk=export_id)


def _archive(owner) -> bytes:
    """The inline export's ZIP, in her language and the site's time zone (a task has
    no request to take them from)."""
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        with timezone.override(settings.TIME_ZONE):
            return selectors.personal_data_export(user=owner)


def export_build(export_id, *, may_retry: bool = False) -> str | None:
    """One build of a claimed export; returns its new status, or None when there was
    nothing to do (done, deleted, or held by another worker). A failure leaves the row
    pending for a retry (`may_retry`, up to HUNTZEN_EXPORT_MAX_ATTEMPTS) or marks it
    failed and tells the person."""
    export = export_claim(export_id)
    if export is None:
        return None
    owner = export.owner
    mine = PersonalDataExport.objects.filter(pk=export.pk, claim=export.claim)
    if not owner.is_active:
        mine.delete()  # closed meanwhile: she can no longer sign in to download it
        return None
    try:
        archive = _archive(owner)
        sealed = crypto.seal_bytes(archive, aad=export.aad(ARCHIVE))
    except Exception as error:
        given_up = not may_retry or export.attempts >= settings.HUNTZEN_EXPORT_MAX_ATTEMPTS
        # The type only: a message could quote what was being exported.
        logger.error(
            "export %s: attempt %d failed%s: %s",
            export.pk,
            export.attempts,
            ", given up" if given_up else "",
            type(error).__name__,
        )
        if not given_up:
            mine.update(lease_until=None, claim=None)
            return Status.PENDING
        return Status.FAILED if _fail(mine, export) else None
    now = timezone.now()
    keep = timedelta(days=settings.HUNTZEN_EXPORT_KEEP_DAYS)
    with transaction.atomic():
        done = mine.update(
            status=Status.READY,
            archive_sealed=sealed,
            size=len(archive),
            ready_at=now,
            expires_at=now + keep,
            lease_until=None,
            claim=None,
        )
        if not done:
            # Deleted (by her, or by the erasure of her account) or taken over meanwhile.
            logger.warning("export %s: finished after its lease or deletion, dropped", export.pk)
            return None
        # One export to download: the newest.
        PersonalDataExport.objects.filter(owner=owner).exclude(pk=export.pk).exclude(
            status=Status.PENDING
        ).delete()
        _notify(export, template="medical/email/export_ready", expires_at=now + keep)
    return Status.READY


@transaction.atomic
def _fail(mine, export: PersonalDataExport) -> bool:
    if not mine.update(status=Status.FAILED, archive_sealed="", lease_until=None, claim=None):
        return False
    _notify(export, template="medical/email/export_failed")
    return True


def _notify(export: PersonalDataExport, *, template: str, expires_at=None) -> None:
    """A neutral email (no content, no detail): what she asked for is ready, or not;
    the link is the "Mes données" page, where she signs in. Once per export and kind."""
    from accounts.selectors import notification_address
    from huntzen.emails import send_templated_email
    from huntzen.links import absolute_url

    owner = export.owner
    send_templated_email(
        template_prefix=template,
        to=notification_address(owner),
        language=owner.language or settings.LANGUAGE_CODE,
        context={"url": absolute_url(reverse("accounts:my_data")), "expires_at": expires_at},
        dedup_key=f"{template}|{export.pk}",
    )


def due_export_ids(*, now: datetime | None = None, grace_seconds: int = 120) -> list:
    """Pending builds to hand to a worker again: never claimed a while after their
    request (the broker was down), or claimed by a worker that died (lease over)."""
    now = now or timezone.now()
    return list(
        PersonalDataExport.objects.filter(status=Status.PENDING)
        .filter(
            Q(lease_until__isnull=True, created_at__lt=now - timedelta(seconds=grace_seconds))
            | Q(lease_until__lt=now)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:100]
    )


def exports_sweep(*, now: datetime | None = None) -> int:
    """Builds that used up their attempts (a worker killed each time) are failed and
    the person told; the other due builds are queued again."""
    now = now or timezone.now()
    worn = PersonalDataExport.objects.filter(
        status=Status.PENDING,
        lease_until__lt=now,
        attempts__gte=settings.HUNTZEN_EXPORT_MAX_ATTEMPTS,
    ).select_related("owner")
    for export in worn:
        _fail(PersonalDataExport.objects.filter(pk=export.pk, claim=export.claim), export)
    ids = due_export_ids(now=now)
    dispatch(ids)
    return len(ids)


def exports_purge(*, now: datetime | None = None) -> int:
    """Delete expired exports, and failed ones as old as an export's lifetime."""
    now = now or timezone.now()
    keep = timedelta(days=settings.HUNTZEN_EXPORT_KEEP_DAYS)
    deleted, _ = PersonalDataExport.objects.filter(
        Q(status=Status.READY, expires_at__lte=now)
        | Q(status=Status.FAILED, created_at__lte=now - keep)
    ).delete()
    return deleted


# --- Reading, downloading, deleting (the owner only) ------------------------------


def exports_of(*, user) -> list[PersonalDataExport]:
    """Her exports for the "Mes données" page: metadata only (the archive is deferred),
    expired ones left out before the purge runs."""
    if not user.is_authenticated:
        return []
    return list(
        PersonalDataExport.objects.filter(owner=user)
        .exclude(status=Status.READY, expires_at__lte=timezone.now())
        .defer("archive_sealed")
        .order_by("-created_at")
    )


def export_download(*, user, export_id) -> bytes:
    """The owner's ZIP, unsealed, with one EXPORT row in the access log."""
    export = access.get_export_for(user, export_id, action=Action.EXPORT, ready=True)
    try:
        archive = crypto.unseal_bytes(export.archive_sealed, aad=export.aad(ARCHIVE))
    except crypto.DecryptionError:
        selectors.integrity_failure(
            object_type=selectors.PERSONAL_DATA, object_id=user.pk, row=export
        )
        PersonalDataExport.objects.filter(pk=export.pk).update(
            status=Status.FAILED, archive_sealed=""
        )
        raise Http404(_("Cet export n'existe pas ou n'est plus disponible.")) from None
    audit.log_access(
        user=user,
        object_type=selectors.PERSONAL_DATA,
        object_id=user.pk,
        action=Action.EXPORT,
        allowed=True,
        subject=user,
    )
    return archive


def export_delete(*, user, export_id) -> None:
    """The owner deletes her export (whatever its state; a build under way is dropped
    when it finishes)."""
    export = access.get_export_for(user, export_id, action=Action.DELETE)
    export.delete()


def exports_erase(*, owner) -> int:
    """Every export of `owner` (account erasure)."""
    deleted, _ = PersonalDataExport.objects.filter(owner=owner).delete()
    return deleted
