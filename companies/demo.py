"""Demo data of companies and content: practitioner profiles for the demo
practitioners (their accounts come from accounts' seed_demo), Acme's other employees,
and a few articles. Idempotent: rerunning changes nothing that exists."""

from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import user_create
from companies.models import Company, PractitionerProfile
from companies.services import practitioner_create
from huntzen.content.models import Article

PROFILES = [
    {
        "email": "psy1@huntzen.demo",
        "profession": PractitionerProfile.Profession.PSYCHOLOGIST,
        "registration_number": "759312345",
        "specialties": ["stress", "burnout", "anxiety"],
        "languages": ["fr", "en"],
        "bio": "Psychologue clinicienne, quinze ans d'accompagnement des salariés "
        "face au stress et à l'épuisement professionnel.",
    },
    {
        "email": "psy2@huntzen.demo",
        "profession": PractitionerProfile.Profession.PSYCHOTHERAPIST,
        "registration_number": "10001234565",
        "specialties": ["grief", "relationships"],
        "languages": ["fr"],
        "bio": "Psychothérapeute, j'accompagne les périodes de deuil et les difficultés "
        "relationnelles, au travail comme dans la vie personnelle.",
    },
]

# Acme's staff beside alice and bob (seed_demo's accounts): enough people that Acme's
# HR dashboard shows real figures (weeks and months of 5 employees or more) beside
# withheld ones. They sign in with the demo password too.
ACME_STAFF = [
    ("chloe@acme.demo", "Chloé", "Bernard"),
    ("david@acme.demo", "David", "Thomas"),
    ("emma@acme.demo", "Emma", "Robert"),
    ("farid@acme.demo", "Farid", "Richard"),
    ("gabrielle@acme.demo", "Gabrielle", "Dubois"),
    ("hugo@acme.demo", "Hugo", "Moreau"),
    ("ines@acme.demo", "Inès", "Laurent"),
    ("jules@acme.demo", "Jules", "Michel"),
]

ARTICLES = [
    {
        "slug": "bien-demarrer-avec-huntzen-care",
        "title": "Bien démarrer avec HuntZen Care",
        "summary": "Comment choisir un praticien et réserver votre première consultation.",
        "body": "## Votre première consultation\n\n1. Parcourez l'annuaire des praticiens.\n"
        "2. Filtrez par spécialité ou par langue.\n3. Réservez un créneau.\n\n"
        "Vos échanges restent **strictement confidentiels** : votre employeur n'en voit "
        "jamais le contenu.",
        "audience": Article.Audience.EMPLOYEES,
        "days_ago": 10,
    },
    {
        "slug": "cinq-signes-de-stress-chronique",
        "title": "Cinq signes de stress chronique",
        "summary": "Sommeil, irritabilité, fatigue : les signaux qui méritent d'en parler.",
        "body": "Le stress est utile à petite dose. Quand il dure, il se manifeste par :\n\n"
        "- un sommeil qui ne repose plus ;\n- de l'irritabilité ;\n"
        "- une fatigue au réveil ;\n- des difficultés de concentration ;\n"
        "- un repli sur soi.\n\nSi vous vous reconnaissez, un praticien peut vous aider.",
        "audience": Article.Audience.EMPLOYEES,
        "days_ago": 3,
    },
    {
        "slug": "rh-presenter-le-service-a-vos-equipes",
        "title": "RH : présenter le service à vos équipes",
        "summary": "Les messages clés pour lancer HuntZen Care dans votre entreprise.",
        "body": "Insistez sur la **confidentialité** : vous ne voyez que des compteurs "
        "d'usage agrégés, jamais qui consulte ni pourquoi.",
        "audience": Article.Audience.HR,
        "days_ago": 5,
    },
]


@transaction.atomic
def seed(*, stdout, password):
    staff = User.objects.filter(email__iexact="admin@huntzen.demo").first()
    created = 0
    for spec in PROFILES:
        spec = dict(spec)
        user = User.objects.filter(email__iexact=spec["email"]).first()
        if user is None or staff is None:
            stdout.write(f"  skipped practitioner profile for {spec['email']}: no account")
            continue
        if PractitionerProfile.objects.filter(user=user).exists():
            continue
        practitioner_create(actor=staff, **spec)
        created += 1
    staff_created = _acme_staff(password)
    now = timezone.now()
    articles = 0
    for spec in ARTICLES:
        spec = dict(spec)
        days_ago = spec.pop("days_ago")
        _article, was_created = Article.objects.get_or_create(
            slug=spec.pop("slug"),
            defaults={**spec, "is_published": True, "published_at": now - timedelta(days=days_ago)},
        )
        articles += was_created
    stdout.write(
        f"  companies: {created} practitioner profile(s), {staff_created} Acme employee(s), "
        f"{articles} article(s) created"
    )


def _acme_staff(password) -> int:
    acme = Company.objects.filter(name="Acme").first()
    if acme is None:
        return 0
    missing = [s for s in ACME_STAFF if not User.objects.filter(email__iexact=s[0]).exists()]
    # One hash for all: the password hasher is slow on purpose, and the demo's seeding
    # should stay fast.
    hashed = make_password(password) if missing else None
    for email, first_name, last_name in missing:
        user = user_create(
            email=email,
            role=Role.EMPLOYEE,
            company=acme,
            first_name=first_name,
            last_name=last_name,
            email_verified=True,
        )
        user.password = hashed
        user.save(update_fields=["password"])
    return len(missing)
