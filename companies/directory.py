"""The practitioner directory's answers, cached: the directory is the same for every
employee of every company (nothing in it says who consults whom), so each answer of
`GET /api/v1/practitioners` is computed once per generation and kept, rendered, under
what else it depends on: the whole URL (filters, page, and the host its links name), the
language (the professions' labels) and the negotiated media type. Every change that can
alter a card starts a new generation once its transaction commits (huntzen.generations:
answers computed before are never believed again, and nothing is believed or stored
while Redis is down).

The generation's token is kept without expiry; the answers expire after
DIRECTORY_CACHE_SECONDS as well, which bounds what a write that skips the model signals
(queryset.update) or a bump lost while Redis was unreachable could leave stale."""

import hashlib

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import translation

from companies.selectors import card_rows_of, practitioner_list
from huntzen import generations

GENERATION_KEY = "directory:generation"
DIRECTORY_CACHE_SECONDS = 60


def generation() -> str | None:
    """The current token (None while the cache cannot vouch for one)."""
    return generations.current(GENERATION_KEY)


def card_rows(
    *, specialty: str | None = None, language: str | None = None, profession: str | None = None
) -> list[tuple]:
    """Every directory row (`CARD_FIELDS`) for the filters, in the directory's order (the
    page is sliced from the list): two queries."""
    return card_rows_of(
        practitioner_list(specialty=specialty, language=language, profession=profession)
    )


# What Django's `build_absolute_uri()` (the page links' base) is made of, as the request
# carries it: its scheme, every header and server variable `get_host()` may read, the
# path (with the script's prefix) and the raw query string.
_URI_PARTS = (
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "QUERY_STRING",
)


def _uri_inputs(request) -> str:
    """What the answer's absolute URI is built from, without building it: equal inputs
    build equal URIs, so an answer kept under them is the one computed for that URI
    (unequal inputs that build one URI only keep it twice). `build_absolute_uri()`
    validated the host again (CommonMiddleware already refused a disallowed one with a
    400) and escaped the path and query: a third of the directory's own cost per request.
    tests/companies/test_directory_key.py holds the equality over hostile requests."""
    meta = request.META
    forwarded = (settings.USE_X_FORWARDED_HOST, settings.USE_X_FORWARDED_PORT)
    # repr: one text per tuple of texts (no separator a part could contain).
    return repr((request.scheme, request.path, forwarded, *[meta.get(name) for name in _URI_PARTS]))


def _answer_key(request) -> str:
    """The answer's key, computed once per request (its media type and language
    compared again): a bearer token's request asks for it twice, with its user
    (`read_ahead`) and in the view (`cached_answer`)."""
    asked_in = (request.accepted_media_type, translation.get_language())
    memo = getattr(request, "_huntzen_directory_key", None)
    if memo is not None and memo[0] == asked_in:
        return memo[1]
    asked = repr((asked_in[0], _uri_inputs(request)))
    digest = hashlib.sha256(asked.encode()).hexdigest()[:32]
    key = f"directory:answer:{asked_in[1]}:{digest}"
    request._huntzen_directory_key = (asked_in, key)
    return key


def cached_answer(request) -> generations.Read:
    """The answer to this request, rendered (huntzen.api.render), if one was stored
    under the current generation (`.value`), else what `store_answer` needs."""
    return generations.read(_answer_key(request), [GENERATION_KEY], request=request)


def read_ahead(request) -> generations.Ahead | None:
    """What `cached_answer(request)` reads, to be fetched with the signed-in user (None
    before the media type is negotiated)."""
    if getattr(request, "accepted_media_type", None) is None:
        return None
    return generations.ahead(_answer_key(request), [GENERATION_KEY])


def store_answer(found: generations.Read, content: bytes) -> None:
    generations.store(found, content, seconds=DIRECTORY_CACHE_SECONDS)


def directory_changed() -> None:
    """A new generation once the current transaction commits (none if it rolls back)."""
    generations.bump_on_commit(GENERATION_KEY)


def _on_change(sender, raw=False, **kwargs):
    if not raw:
        directory_changed()


def _on_user(sender, instance, raw=False, update_fields=None, **kwargs):
    from accounts.models import Role

    # A practitioner's name or active flag is on their card; a sign-in's last_login is not.
    if raw or instance.role != Role.PRACTITIONER or update_fields == frozenset({"last_login"}):
        return
    directory_changed()


def connect_receivers() -> None:
    from accounts.models import User
    from companies.models import Language, PractitionerProfile, Specialty
    from consultations.models import Availability, AvailabilityException, WeeklyOpening

    uid = "companies.directory."
    for model in (
        PractitionerProfile,
        Specialty,
        Language,
        Availability,
        WeeklyOpening,
        AvailabilityException,
    ):
        name = model._meta.label_lower
        post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}{name}.save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}{name}.delete")
    for through in (PractitionerProfile.specialties.through, PractitionerProfile.languages.through):
        m2m_changed.connect(_on_change, sender=through, dispatch_uid=f"{uid}{through.__name__}")
    post_save.connect(_on_user, sender=User, dispatch_uid=uid + "user.save")
    post_delete.connect(_on_user, sender=User, dispatch_uid=uid + "user.delete")
