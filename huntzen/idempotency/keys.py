"""`Idempotency-Key` on API writes (booking, transitions, journal writes).

A client that got no answer (a timeout, a 5xx after the commit) sends the same request
again with the same key: the write is not done twice, the first answer (status and
body) comes back, with `Idempotent-Replayed: true`. The key is the user's own (another
user's identical key is unrelated); the same key with another method, path or body is
refused with 422. The key row is inserted before the write, in the same transaction: a
concurrent retry waits on its unique index and then reads the committed answer, and a
request that fails leaves no key, so its retry runs it again. A refusal (4xx) commits
what its service kept on purpose (the access log's "denied" row); an unexpected error
rolls everything back.

Without the header the handler still runs in one transaction with the building of its
answer (F11: no answer read from the database after a commit that can then fail).
"""

import functools
import hashlib
import json
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from huntzen.exceptions import Refusal
from huntzen.idempotency.models import IdempotencyKey
from huntzen.transactions import whole_transaction
from medical import crypto

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as in the IETF draft

PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string of 1 to 255 visible ASCII characters (a UUID, say). A retry "
        "with the same key by the same user within 24 hours does not redo the write: it "
        "answers the first answer again, with `Idempotent-Replayed: true`. The same key "
        "with a different request answers 422 `idempotency_key_reused`."
    ),
)
REUSED_RESPONSE = OpenApiResponse(
    description="Idempotency-Key already used for a different request (`idempotency_key_reused`)."
)


class InvalidIdempotencyKey(Refusal):
    http_status = 400
    code = "invalid_idempotency_key"
    message = _("L'en-tête Idempotency-Key doit compter 1 à 255 caractères ASCII visibles.")


class IdempotencyKeyReused(Refusal):
    http_status = 422
    code = "idempotency_key_reused"
    message = _("Cette clé Idempotency-Key a déjà servi pour une autre requête.")


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    raw = f"{request.method}\n{request.path}\n{body}".encode()
    return hashlib.sha256(raw).hexdigest()


def _replay(record: IdempotencyKey) -> Response:
    body = json.loads(crypto.unseal(record.response_sealed, aad=record.response_aad()))
    response = Response(body, status=record.status_code)
    response[REPLAYED_HEADER] = "true"
    return response


def _claim(request, key: str, fingerprint: str) -> IdempotencyKey | Response:
    """Insert this request's key row, or return the first answer if the key is known.
    Blocks while a concurrent request with the same key is running (unique index)."""
    now = timezone.now()
    record = IdempotencyKey(
        user=request.user,
        key=key,
        fingerprint=fingerprint,
        status_code=0,
        response_sealed="",
        created_at=now,
    )
    if _insert_unless_known(record):
        return record
    first = IdempotencyKey.objects.select_for_update().get(user=request.user, key=key)
    if first.created_at <= now - settings.HUNTZEN_IDEMPOTENCY_TTL:
        first.delete()  # expired: this is a new request
        record.save(force_insert=True)
        return record
    if first.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return _replay(first)


def _insert_unless_known(record: IdempotencyKey) -> bool:
    """INSERT the row unless its (user, key) exists: True when it was inserted. One
    statement, no savepoint around an error: `ON CONFLICT DO NOTHING` waits, like the
    unique index, for a concurrent insert of the same key to commit (then inserts
    nothing) or roll back (then inserts). PostgreSQL and SQLite (>= 3.35) alike."""
    fields = IdempotencyKey._meta.concrete_fields
    params = [f.get_db_prep_save(f.pre_save(record, True), connection) for f in fields]
    # Prepared once per connection on PostgreSQL (huntzen/postgresql `prepared_cursor`).
    prepared = getattr(connection, "prepared_cursor", None)
    with prepared() if prepared is not None else connection.cursor() as cursor:
        cursor.execute(_insert_unless_known_sql(connection.vendor), params)
        inserted = cursor.fetchone() is not None
    if inserted:
        record._state.adding = False
        record._state.db = connection.alias
    return inserted


@functools.cache
def _insert_unless_known_sql(vendor: str) -> str:
    """`_insert_unless_known`'s statement, written once per process and vendor."""
    meta = IdempotencyKey._meta
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in meta.concrete_fields)
    conflict = ", ".join(qn(meta.get_field(name).column) for name in ("user", "key"))
    return (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) "  # noqa: S608 # nosec B608
        f"VALUES ({', '.join(['%s'] * len(meta.concrete_fields))}) "
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING 1"
    )


def _is_refusal(error: Exception) -> bool:
    """An error the API answers with a 4xx (huntzen/api.py `exception_handler`)."""
    if isinstance(error, APIException):
        return error.status_code < 500
    return isinstance(error, Http404 | DjangoPermissionDenied | DjangoValidationError | Refusal)


def idempotent(handler=None, *, whole: bool = False):
    """Wrap a DRF handler method (`post`, `patch`, `delete`) as described above.

    `whole=True`: the handler keeps nothing of a refusal of its service, so the services
    it calls join its transaction without a savepoint (`huntzen.transactions`): their
    refusal rolls back everything, the key included."""
    if handler is None:
        return functools.partial(idempotent, whole=whole)

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is not None and not _VALID_KEY.fullmatch(key):
            raise InvalidIdempotencyKey()
        refusal = None
        with whole_transaction() if whole else transaction.atomic():
            claim = _claim(request, key, _fingerprint(request)) if key is not None else None
            if isinstance(claim, Response):
                return claim
            try:
                response = _rendered(handler(view, request, *args, **kwargs))
            except Exception as error:
                if not _is_refusal(error):
                    raise  # unexpected: everything rolls back
                # A refusal: the services rolled their own writes back already; what
                # was kept on purpose (the access log's "denied" row) commits. No key.
                refusal = error
                if claim is not None and not transaction.get_rollback():
                    claim.delete()  # (a service that joined the block: all rolls back)
            else:
                if claim is not None:
                    _keep(claim, response)
        if refusal is not None:
            raise refusal
        return response

    return wrapper


def _keep(claim: IdempotencyKey, response) -> None:
    if not 200 <= response.status_code < 300:
        claim.delete()  # not an answer to keep: a retry runs the request again
        return
    body = "null" if response.data is None else JSONRenderer().render(response.data).decode()
    claim.status_code = response.status_code
    claim.response_sealed = crypto.seal(body, aad=claim.response_aad())
    claim.save(update_fields=["status_code", "response_sealed"])


def _rendered(response):
    """The answer's body is complete before the transaction ends (F11)."""
    if isinstance(response, Response):
        _ = response.data
    return response


def purge_expired() -> int:
    cutoff = timezone.now() - settings.HUNTZEN_IDEMPOTENCY_TTL
    deleted, _ = IdempotencyKey.objects.filter(created_at__lte=cutoff).delete()
    return deleted


def forget_user(user) -> None:
    """Erasure: the kept answers may quote what the user wrote."""
    IdempotencyKey.objects.filter(user=user).delete()
