"""Gates: the one way to say "may this kind of user use this page or endpoint at all?".

A gate is a named predicate `(user) -> bool` with the French message of its refusal,
written once, in the access.py of the app that owns the rule, and read by three consumers:

- portal views: `@gate_required(may_book)`: sign-in first, then the 403 page saying why;
- API views: `permission_classes = gated(may_book)` (or `gated(GET=..., POST=...)`):
  DRF's default permissions (authentication, MFA enrolment) keep applying first;
- templates: `{% load gates %}{% if user|may:"book" %}`.

Gates answer for a kind of user. Whether this user may reach this object is the object
access functions' job (`get_company_for`, `get_consultation_for`, ...), after the gate: an
object the user must not know of is still a 404.

Where each app's gates live, by registry name (each defined as a `may_...` predicate):

- accounts/access.py: employee_space, practitioner_space, hr_space (the role's own pages),
  invite_employees
- companies/access.py: browse_practitioners, list_companies, create_companies,
  activate_companies
- consultations/access.py: book, read_own_consultations, run_consultations
- metrics/access.py: read_practitioner_metrics, export_practitioner_metrics,
  read_employee_metrics, read_company_metrics, export_company_metrics, read_all_counters
- medical/gates.py: keep_journal, keep_notes (predicates: medical/access.py's
  can_use_journal and can_keep_notes, which also refuse staff and superusers)

Role permissions are data (accounts/roles.py, one Django group per role). A gate asks for
them through `has_role_perm`, which never counts Django's blanket grant to superusers: a
superuser holds what its role holds, so the platform operator's account does not enter the
employee's or the practitioner's pages.
"""

from collections.abc import Callable
from functools import cached_property, update_wrapper, wraps

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Permission, PermissionsMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils.functional import LazyObject, Promise, empty
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings

_REGISTRY: dict[str, "Gate"] = {}


def has_role_perm(user, perm: str) -> bool:
    """`perm` as the user's role grants it: never for an inactive or anonymous user, and
    a superuser holds its role group's permissions only, not every permission."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return perm in _role_group_permissions(user)
    return perm in _permissions(user)


def _permissions(user) -> frozenset[str]:
    """What `user.has_perm` answers from (every backend's `get_all_permissions`, which
    our backends, Django's and guardian's, answer `has_perm` from when no object is
    given), asked once and kept on the instance as Django keeps its `_perm_cache`: a page
    asks a dozen gates, and each `has_perm` imported every backend again
    (bench/profiles/hd/)."""
    user = unwrapped(user)  # request.user's own dict would be another cache
    permissions = user.__dict__.get("_role_permissions")
    if permissions is None:
        permissions = user.__dict__["_role_permissions"] = _all_permissions(user)
    return permissions


# The backends that answer get_all_permissions, by AUTHENTICATION_BACKENDS: Django's
# user.get_all_permissions() imports and instantiates every backend by its dotted path
# on each call (auth.get_backends), 2.5 % of a directory request (bench/profiles/nb/).
# The backends are stateless; a changed setting (override_settings) is a new key.
_PERMISSION_BACKENDS: dict[tuple[str, ...], tuple] = {}


def _all_permissions(user) -> frozenset[str]:
    """`frozenset(user.get_all_permissions())`, from backends loaded once per setting
    (tests/accounts/test_gates_backends.py holds both equal for every role)."""
    if type(user).get_all_permissions is not PermissionsMixin.get_all_permissions:
        return frozenset(user.get_all_permissions())  # a model of its own: its own answer
    paths = tuple(settings.AUTHENTICATION_BACKENDS)
    backends = _PERMISSION_BACKENDS.get(paths)
    if backends is None:
        backends = tuple(b for b in auth.get_backends() if hasattr(b, "get_all_permissions"))
        _PERMISSION_BACKENDS[paths] = backends
    permissions = set()
    for backend in backends:
        permissions.update(backend.get_all_permissions(user, None))
    return frozenset(permissions)


def _role_group_permissions(user) -> frozenset[str]:
    """The permissions of the user's role group, cached on the user as Django caches its
    own (`_perm_cache`)."""
    if not hasattr(user, "_role_perm_cache"):
        user._role_perm_cache = frozenset(
            f"{app_label}.{codename}"
            for app_label, codename in Permission.objects.filter(group__name=user.role).values_list(
                "content_type__app_label", "codename"
            )
        )
    return user._role_perm_cache


def has_role(user, role: str) -> bool:
    """The user's role is `role`: for the pages that are a role's own (its home)."""
    return user is not None and user.is_authenticated and user.is_active and user.role == role


class Gate:
    """A named predicate `(user) -> bool` and the message of its refusal. Calling the
    gate answers the predicate; `check` raises the 403 with the message."""

    def __init__(self, name: str, predicate: Callable[..., bool], message: str | Promise):
        if name in _REGISTRY:
            raise ImproperlyConfigured(f"Two gates are named {name!r}.")
        self.name = name
        self.predicate = predicate
        self.message = message
        update_wrapper(self, predicate)
        _REGISTRY[name] = self

    def __call__(self, user) -> bool:
        return bool(self.predicate(user))

    def __repr__(self) -> str:
        return f"<Gate {self.name}>"

    def check(self, user) -> None:
        if not self(user):
            raise PermissionDenied(self.message)

    @cached_property
    def drf(self) -> type[BasePermission]:
        """This gate as a DRF permission class, for every method."""
        return drf_permission(self)


def gate(name: str, message: str | Promise) -> Callable[[Callable[..., bool]], Gate]:
    """Decorator: make the predicate below a gate registered under `name`."""

    def decorator(predicate: Callable[..., bool]) -> Gate:
        return Gate(name, predicate, message)

    return decorator


def get_gate(name: str) -> Gate:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ImproperlyConfigured(f"No gate is named {name!r}.") from None


def registered_gates() -> dict[str, Gate]:
    return dict(_REGISTRY)


def gate_answers(user) -> tuple[bool, ...]:
    """Every gate's answer for `user`, in the registry's order: what a template that asks
    gates can show this user (huntzen.nav keys the navigation's rendering on it)."""
    user = unwrapped(user)
    return tuple(gate(user) for gate in _REGISTRY.values())


def unwrapped(user):
    """The user behind request.user's lazy object (each attribute read goes through
    it), or `user` itself."""
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def gate_required(gate: Gate):
    """Portal view decorator: anonymous visitors sign in first; a user the gate refuses
    gets the 403 page with the gate's message."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            gate.check(request.user)
            return view(request, *args, **kwargs)

        wrapper.gate = gate  # outer decorators copy it: tests list every gated page
        return wrapper

    return decorator


def drf_permission(gate: Gate, *, methods: tuple[str, ...] | None = None) -> type[BasePermission]:
    """A DRF permission class that asks `gate` (for `methods` only, when given)."""
    if methods is not None and "GET" in methods:
        methods = (*methods, "HEAD")

    class Passes(BasePermission):
        @property
        def message(self):
            return gate.message

        def has_permission(self, request, view):
            if methods is not None and request.method not in methods:
                return True
            return gate(request.user)

    Passes.__name__ = Passes.__qualname__ = f"Passes[{gate.name}]"
    return Passes


def gated(*gates: Gate, **gates_by_method: Gate) -> list[type[BasePermission]]:
    """`permission_classes` of an API view: DRF's defaults (authentication, MFA
    enrolment) first, then the gates, e.g. `gated(may_book)` or
    `gated(GET=may_list_companies, POST=may_create_companies)`."""
    return [
        *api_settings.DEFAULT_PERMISSION_CLASSES,
        *(g.drf for g in gates),
        *(drf_permission(g, methods=(m.upper(),)) for m, g in gates_by_method.items()),
    ]
