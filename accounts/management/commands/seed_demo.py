"""Demo data for `make demo`: two companies and one account per role, idempotent.

Each app adds its own demo data through `<app>/demo.py: seed(stdout=..., password=...)`.
"""

import importlib

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Role, User
from accounts.services import user_create
from companies.models import Company
from companies.services import company_activate, company_create

DEFAULT_PASSWORD = "demo-password-2026"

COMPANIES = [
    # (name, SIRET with a valid Luhn key, contact, seats)
    ("Acme", "73282932000074", "contact@acme.demo", 50),
    ("Globex", "55212032000015", "contact@globex.demo", 50),
]

ACCOUNTS = [
    # (email, role, company name, first name, last name)
    ("super@huntzen.demo", Role.PSG_SUPER, None, "Sophie", "Opératrice"),
    ("admin@huntzen.demo", Role.HUNTZEN_ADMIN, None, "Adam", "Admin"),
    ("rh@acme.demo", Role.COMPANY_RH, "Acme", "Rachel", "Hernandez"),
    ("rh@globex.demo", Role.COMPANY_RH, "Globex", "Romain", "Girard"),
    ("psy1@huntzen.demo", Role.PRACTITIONER, None, "Pauline", "Sylvestre"),
    ("psy2@huntzen.demo", Role.PRACTITIONER, None, "Pierre", "Simon"),
    ("alice@acme.demo", Role.EMPLOYEE, "Acme", "Alice", "Martin"),
    ("bob@acme.demo", Role.EMPLOYEE, "Acme", "Bob", "Durand"),
    ("carol@globex.demo", Role.EMPLOYEE, "Globex", "Carol", "Petit"),
]

DEMO_MODULES = ["companies.demo", "consultations.demo", "medical.demo", "metrics.demo", "chat.demo"]


class Command(BaseCommand):
    help = "Create the demo companies and accounts (idempotent), then each app's demo data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"password of every demo account (default {DEFAULT_PASSWORD})",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even with DEBUG off (never on a real deployment)",
        )

    def handle(self, *args, password, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a known password: it refuses to run with "
                "DEBUG off. Use --force only on a throw-away database."
            )
        if len(password) < 12:
            raise CommandError("--password must be at least 12 characters.")
        with transaction.atomic():
            companies = {
                name: self._company(name, siret, contact, seats)
                for name, siret, contact, seats in COMPANIES
            }
            for email, role, company, first_name, last_name in ACCOUNTS:
                self._account(email, role, companies.get(company), first_name, last_name, password)
        for module_name in DEMO_MODULES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise  # the module exists but one of its imports is missing
                continue
            module.seed(stdout=self.stdout, password=password)
        self._print_accounts(password)

    def _company(self, name, siret, contact, seats) -> Company:
        company = Company.objects.filter(siret=siret).first()
        if company is None:
            company = company_create(name=name, siret=siret, contact_email=contact, seats=seats)
        return company_activate(company=company)

    def _account(self, email, role, company, first_name, last_name, password) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            return user_create(
                email=email,
                role=role,
                company=company,
                password=password,
                first_name=first_name,
                last_name=last_name,
                email_verified=True,
            )
        # Rerun: the password given now works, the email stays verified.
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user

    def _print_accounts(self, password):
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password: {password})"))
        for email, role, company, _first, _last in ACCOUNTS:
            where = f" · {company}" if company else ""
            self.stdout.write(f"  {email:<22} {Role(role).label}{where}")
