"""manage.py seed_demo: the demo companies and one account per role, idempotent."""

import io
import sys
import types

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from accounts.management.commands import seed_demo
from accounts.models import Role, User
from companies.models import Company

pytestmark = pytest.mark.django_db

EXPECTED = {
    "super@huntzen.demo": (Role.PSG_SUPER, None),
    "admin@huntzen.demo": (Role.HUNTZEN_ADMIN, None),
    "rh@acme.demo": (Role.COMPANY_RH, "Acme"),
    "rh@globex.demo": (Role.COMPANY_RH, "Globex"),
    "psy1@huntzen.demo": (Role.PRACTITIONER, None),
    "psy2@huntzen.demo": (Role.PRACTITIONER, None),
    "alice@acme.demo": (Role.EMPLOYEE, "Acme"),
    "bob@acme.demo": (Role.EMPLOYEE, "Acme"),
    "carol@globex.demo": (Role.EMPLOYEE, "Globex"),
}


def _run(*args, **options):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def accounts_only(monkeypatch):
    monkeypatch.setattr(seed_demo, "DEMO_MODULES", [])


def test_it_creates_the_companies_and_accounts(settings, accounts_only):
    settings.DEBUG = True
    out = _run()
    assert set(Company.objects.filter(is_active=True).values_list("name", flat=True)) == {
        "Acme",
        "Globex",
    }
    users = {
        u.email: (u.role, u.company.name if u.company else None)
        for u in User.objects.select_related("company")
    }
    assert users == EXPECTED
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == len(EXPECTED)
    assert all(u.check_password("demo-password-2026") for u in User.objects.all())
    for email in EXPECTED:
        assert email in out
    assert "demo-password-2026" in out


def test_the_accounts_sign_in(client, settings, accounts_only):
    settings.DEBUG = True
    _run()
    response = client.post(
        "/accounts/login/", {"login": "alice@acme.demo", "password": "demo-password-2026"}
    )
    assert response.status_code == 302
    assert client.get("/employee/").status_code == 200


def test_it_is_idempotent_and_takes_the_new_password(settings, accounts_only):
    settings.DEBUG = True
    _run()
    _run("--password", "another-demo-password")
    assert User.objects.count() == len(EXPECTED)
    assert Company.objects.count() == 2
    assert EmailAddress.objects.count() == len(EXPECTED)
    assert User.objects.get(email="bob@acme.demo").check_password("another-demo-password")


def test_the_whole_seed_with_every_app_runs_twice(settings):
    settings.DEBUG = True
    _run()
    counts = _model_counts()
    _run()
    assert _model_counts() == counts


def _model_counts():
    from django.apps import apps

    # The medical access log is append-only by design: every run's reads are logged.
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label
        in {"accounts", "companies", "consultations", "medical", "metrics", "chat", "content"}
        and m._meta.label != "medical.AccessLogEntry"
    }


def test_it_refuses_to_run_with_debug_off(settings, accounts_only):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        _run()
    assert not User.objects.exists()


def test_force_runs_it_with_debug_off(settings, accounts_only):
    settings.DEBUG = False
    _run("--force")
    assert User.objects.count() == len(EXPECTED)


def test_a_short_password_is_refused(settings, accounts_only):
    settings.DEBUG = True
    with pytest.raises(CommandError):
        _run("--password", "short")


def test_app_demo_modules_are_called_in_order(settings, monkeypatch):
    settings.DEBUG = True
    calls = []
    for name in ("fake_demo_one", "fake_demo_two"):
        module = types.ModuleType(name)
        module.seed = lambda stdout, password, name=name: calls.append((name, password))
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(
        seed_demo, "DEMO_MODULES", ["fake_demo_one", "no_such_demo_module", "fake_demo_two"]
    )
    _run("--password", "a-password-for-demo")
    assert calls == [
        ("fake_demo_one", "a-password-for-demo"),
        ("fake_demo_two", "a-password-for-demo"),
    ]


def test_a_broken_import_inside_a_demo_module_is_not_hidden(settings, monkeypatch, tmp_path):
    settings.DEBUG = True
    (tmp_path / "broken_demo_mod.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(seed_demo, "DEMO_MODULES", ["broken_demo_mod"])
    with pytest.raises(ModuleNotFoundError):
        _run()
