"""accounts.gates: one predicate per gate, read by the view decorator, the DRF permission
class and the template filter alike. Every gate's audience, role by role, on its pages,
endpoints and links: test_gate_audiences.py."""

import importlib
import re
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from accounts import gates
from accounts.gates import Gate, gate_required, gated, has_role_perm
from accounts.models import Role, User

pytestmark = pytest.mark.django_db

MESSAGE = gettext_lazy("Seuls les salariés peuvent réserver une consultation.")


@pytest.fixture
def scratch_gates():
    """Gates made by a test leave the registry as it was."""
    before = dict(gates._REGISTRY)
    yield
    gates._REGISTRY.clear()
    gates._REGISTRY.update(before)


@pytest.fixture
def employees_only(scratch_gates):
    return Gate(
        "test_employees_only", lambda user: has_role_perm(user, "accounts.booking_create"), MESSAGE
    )


# --- has_role_perm: the role's permission, never the superuser's blanket grant -------------


def test_a_role_permission_counts_for_its_role(employee_a, staff_r2):
    assert has_role_perm(employee_a, "accounts.booking_create")
    assert not has_role_perm(staff_r2, "accounts.booking_create")
    assert has_role_perm(staff_r2, "accounts.companies_list_all")


def test_a_superuser_holds_its_roles_permissions_not_every_permission(superuser):
    assert superuser.has_perm("accounts.booking_create")  # Django's blanket grant ...
    assert not has_role_perm(superuser, "accounts.booking_create")  # ... does not count
    assert not has_role_perm(superuser, "accounts.journal_own_read")
    assert has_role_perm(superuser, "accounts.companies_list_all")  # R1's catalogue
    assert has_role_perm(superuser, "accounts.metrics_company_read")


def test_an_inactive_or_anonymous_user_holds_nothing(employee_a):
    employee_a.is_active = False
    assert not has_role_perm(employee_a, "accounts.booking_create")
    assert not has_role_perm(AnonymousUser(), "accounts.booking_create")
    assert not has_role_perm(None, "accounts.booking_create")


def test_it_answers_what_has_perm_answers_for_every_permission(cast):
    """Kept once per instance, the catalogue still answers exactly as `has_perm` (every
    backend) does, for each role and each permission there is."""
    perms = [
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    ]
    for who, user in cast.items():
        if user.is_superuser:
            continue
        for perm in perms:
            assert has_role_perm(user, perm) == user.has_perm(perm), (who, perm)


def test_a_new_instance_sees_a_role_change(employee_a):
    assert has_role_perm(employee_a, "accounts.booking_create")
    Group.objects.get(name=employee_a.role).permissions.remove(
        Permission.objects.get(codename="booking_create")
    )

    assert not has_role_perm(User.objects.get(pk=employee_a.pk), "accounts.booking_create")


def test_request_users_lazy_object_and_its_user_share_one_permission_set(employee_a, hr_acme):
    for user in (employee_a, hr_acme):
        user = User.objects.get(pk=user.pk)
        lazy = SimpleLazyObject(lambda user=user: user)
        with mock.patch.object(
            User, "get_all_permissions", autospec=True, side_effect=User.get_all_permissions
        ) as asked:
            answers = [has_role_perm(lazy, "accounts.booking_create")]
            answers += [has_role_perm(user, "accounts.booking_create"), *gates.gate_answers(lazy)]
        assert asked.call_count == 1
        assert answers[0] == answers[1] == (user.role == Role.EMPLOYEE)


def test_every_gates_answer_in_the_registrys_order(employee_a, hr_acme):
    for user in (employee_a, hr_acme, AnonymousUser()):
        expected = tuple(gate(user) for gate in gates.registered_gates().values())
        assert gates.gate_answers(user) == expected
        assert gates.gate_answers(SimpleLazyObject(lambda user=user: user)) == expected
    assert gates.gate_answers(employee_a) != gates.gate_answers(hr_acme)


# --- Gate and registry ------------------------------------------------------------------


def test_a_gate_is_its_predicate(employees_only, employee_a, hr_acme):
    assert employees_only(employee_a) is True
    assert employees_only(hr_acme) is False
    employees_only.check(employee_a)
    with pytest.raises(PermissionDenied) as refused:
        employees_only.check(hr_acme)
    assert str(refused.value) == str(MESSAGE)


def test_the_decorator_form_keeps_the_predicates_name_and_doc(scratch_gates):
    @gates.gate("test_decorated", MESSAGE)
    def may_do_something(user) -> bool:
        """Why."""
        return True

    assert isinstance(may_do_something, Gate)
    assert may_do_something.__name__ == "may_do_something"
    assert may_do_something.__doc__ == "Why."
    assert gates.get_gate("test_decorated") is may_do_something


def test_two_gates_cannot_share_a_name(employees_only):
    with pytest.raises(ImproperlyConfigured):
        Gate("test_employees_only", lambda user: True, MESSAGE)


def test_an_unknown_gate_name_is_an_error():
    with pytest.raises(ImproperlyConfigured):
        gates.get_gate("no_such_gate")


def _gates_listed_in_the_docstring() -> dict[str, set[str]]:
    """{"companies.access": {"browse_practitioners", ...}} from accounts/gates.py's doc."""
    listing = gates.__doc__.split("Where each app's gates live", 1)[1].split("\n\n", 2)[1]
    listed = {}
    for item in re.split(r"^- ", listing, flags=re.MULTILINE)[1:]:
        path, names = item.split(":", 1)
        names = re.sub(r"\([^)]*\)", "", names)
        listed[path.removesuffix(".py").replace("/", ".")] = set(re.findall(r"[a-z_]+", names))
    return listed


def test_the_module_docstring_names_every_gate_and_where_it_lives():
    """Discoverability: accounts/gates.py lists each gate under the module defining it."""
    listed = _gates_listed_in_the_docstring()
    for module_name, names in listed.items():
        module = importlib.import_module(module_name)
        defined = {g.name for g in vars(module).values() if isinstance(g, Gate)}
        assert names == defined, module_name
    assert set().union(*listed.values()) == set(gates.registered_gates())


# --- The portal decorator ---------------------------------------------------------------


def _portal_view(gate):
    @gate_required(gate)
    def view(request):
        return HttpResponse("in")

    return view


def test_the_decorator_sends_anonymous_visitors_to_sign_in(employees_only):
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    response = _portal_view(employees_only)(request)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/somewhere/")


def test_the_decorator_lets_the_audience_in(employees_only, employee_a):
    request = RequestFactory().get("/")
    request.user = employee_a
    assert _portal_view(employees_only)(request).content == b"in"


def test_the_decorator_refuses_others_with_the_gates_message(employees_only, hr_acme):
    request = RequestFactory().get("/")
    request.user = hr_acme
    with pytest.raises(PermissionDenied, match="Seuls les salariés"):
        _portal_view(employees_only)(request)


def test_a_refusal_is_the_403_page_saying_why(client, hr_acme):
    client.force_login(hr_acme)
    response = client.get("/consultations/")  # gate_required(may_read_own_consultations)
    assert response.status_code == 403
    assert "Accès refusé" in response.text
    assert "réservée à un autre rôle" in response.text


# --- The DRF permission class -----------------------------------------------------------


def _api_view(**attrs):
    def get(self, request):
        return Response({"ok": True})

    return type("Probe", (APIView,), {"get": get, "post": get, **attrs}).as_view()


def _call(view, user, method="get"):
    request = getattr(APIRequestFactory(), method)("/probe", {}, format="json")
    if user is not None:
        force_authenticate(request, user=user)
    response = view(request)
    response.render()
    return response


def test_the_api_class_lets_the_audience_in(employees_only, employee_a):
    view = _api_view(permission_classes=gated(employees_only))
    assert _call(view, employee_a).status_code == 200


def test_the_api_class_refuses_others_with_the_gates_message(employees_only, hr_acme):
    response = _call(_api_view(permission_classes=gated(employees_only)), hr_acme)
    assert response.status_code == 403
    assert response.data["message"] == str(MESSAGE)


def test_the_api_class_keeps_the_default_sign_in_requirement(employees_only):
    response = _call(_api_view(permission_classes=gated(employees_only)), None)
    assert response.status_code in (401, 403)
    assert response.data["message"] != str(MESSAGE)


def test_the_api_class_composes_with_mfa_enrolment(employees_only, employee_a, settings):
    """MfaEnrolled (a DRF default) still holds a user the gate would let in."""
    settings.HUNTZEN_MFA_REQUIRED_ROLES = ["R5_EMPLOYEE"]
    response = _call(_api_view(permission_classes=gated(employees_only)), employee_a)
    assert response.status_code == 403
    assert "double authentification" in response.data["message"]


def test_gated_starts_with_the_drf_defaults(employees_only):
    from rest_framework.settings import api_settings

    classes = gated(employees_only)
    assert classes[:-1] == list(api_settings.DEFAULT_PERMISSION_CLASSES)
    assert "accounts.permissions.MfaEnrolled" in {f"{c.__module__}.{c.__name__}" for c in classes}
    assert classes[-1] is employees_only.drf


def test_a_gate_can_hold_one_method_only(employees_only, hr_acme, employee_a):
    view = _api_view(permission_classes=gated(POST=employees_only))
    assert _call(view, hr_acme, "get").status_code == 200
    assert _call(view, hr_acme, "post").status_code == 403
    assert _call(view, employee_a, "post").status_code == 200


# --- The template filter ----------------------------------------------------------------


def _render(text, user):
    return Template("{% load gates %}" + text).render(Context({"user": user}))


def test_the_template_filter_asks_the_same_predicate(employee_a, hr_acme):
    text = '{% if user|may:"book" %}book{% else %}no{% endif %}'
    assert _render(text, employee_a) == "book"
    assert _render(text, hr_acme) == "no"
    assert _render(text, AnonymousUser()) == "no"


def test_the_template_filter_refuses_an_unknown_name(employee_a):
    with pytest.raises(ImproperlyConfigured):
        _render('{% if user|may:"boook" %}x{% endif %}', employee_a)
