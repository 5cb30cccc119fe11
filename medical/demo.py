"""Demo data of the medical app, through the real services: a few weeks of journal for
alice, and clinical notes by psy1 on some of their completed consultations (made by
consultations/demo.py, which runs first; without them, no notes). Idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from consultations.models import Consultation
from medical import services
from medical.models import ClinicalNote, JournalEntry

JOURNAL_OWNER = "alice@acme.demo"
NOTE_AUTHOR = "psy1@huntzen.demo"
DEMO_NOTES = 3

# (days ago, mood, text)
JOURNAL = [
    (27, 2, "Réunion difficile ce matin. J'ai eu du mal à me concentrer le reste de la journée."),
    (24, 2, "Mal dormi. Beaucoup de mails en retard, impression de ne jamais en voir le bout."),
    (20, 3, "Première séance avec la psychologue. Ça m'a fait du bien de poser les choses."),
    (17, 3, "J'ai essayé l'exercice de respiration avant la réunion d'équipe."),
    (13, 4, "Week-end au calme, balade en forêt. Je me sens plus reposée."),
    (10, 3, "Retour au bureau un peu tendu, mais j'ai osé dire non à un dossier de plus."),
    (6, 4, "Bonne journée. J'ai pris une vraie pause déjeuner, loin de l'écran."),
    (3, 5, "Je me suis sentie écoutée en réunion. Fière d'avoir pris la parole."),
    (1, 4, "Journée chargée mais sous contrôle. Je garde le rythme du coucher plus tôt."),
]

NOTES = [
    (
        "Épuisement professionnel, surcharge de travail ressentie.",
        "Troubles du sommeil depuis un mois, ruminations le soir. Pas d'idées noires.",
        "Exercices de respiration, journal de sommeil. Revoir dans une semaine.",
    ),
    (
        "Suivi : sommeil et charge de travail.",
        "Sommeil un peu meilleur. Difficulté persistante à refuser des tâches.",
        "Travail sur l'affirmation de soi. Revoir dans une semaine.",
    ),
    (
        "Suivi : affirmation de soi.",
        "A refusé un dossier supplémentaire sans culpabilité excessive. Humeur plus stable.",
        "Espacer les séances : revoir dans deux semaines.",
    ),
]


def seed(*, stdout, password):
    with transaction.atomic():
        entries = _journal(stdout)
        notes = _notes(stdout)
    if entries is not None or notes is not None:
        stdout.write(f"  medical: {entries or 0} journal entrie(s), {notes or 0} note(s) created")


def _journal(stdout):
    owner = User.objects.filter(email=JOURNAL_OWNER).first()
    if owner is None:
        stdout.write(f"  skipped journal: {JOURNAL_OWNER} missing")
        return None
    if JournalEntry.objects.filter(owner=owner).exists():
        return 0
    today = timezone.localdate()
    for days_ago, mood, text in JOURNAL:
        services.journal_entry_create(
            owner=owner, mood=mood, text=text, entry_date=today - timedelta(days=days_ago)
        )
    return len(JOURNAL)


def _notes(stdout):
    author = User.objects.filter(email=NOTE_AUTHOR).first()
    if author is None:
        stdout.write(f"  skipped clinical notes: {NOTE_AUTHOR} missing")
        return None
    written = ClinicalNote.objects.filter(author=author).count()
    if written >= DEMO_NOTES:
        return 0
    consultations = Consultation.objects.filter(
        practitioner=author, status=Consultation.Status.COMPLETED, clinical_note__isnull=True
    ).order_by("scheduled_at")[: DEMO_NOTES - written]
    made = 0
    for consultation, (reason, observations, plan) in zip(
        consultations, NOTES[written:], strict=False
    ):
        services.note_create(
            author=author,
            consultation=consultation,
            reason=reason,
            observations=observations,
            plan=plan,
        )
        made += 1
    return made
