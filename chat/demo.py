"""Demo chat: a short exchange in the last completed consultations of each demo pair,
written through message_send at the time of the consultation. Idempotent: the client
message ids make a second run store nothing."""

from datetime import timedelta

from chat.access import ChatRefused
from chat.services import message_send
from consultations.models import Consultation

EXCHANGE = [
    ("employee", "Bonjour, je suis bien connecté(e). Je vous entends mal, on passe à l'écrit ?"),
    ("practitioner", "Bonjour, bien sûr. Comment s'est passée votre semaine ?"),
    ("employee", "Plus calme que la précédente. J'ai essayé l'exercice de respiration."),
    ("practitioner", "Très bien. Nous en reparlerons à la prochaine séance."),
]
PER_PAIR = 2


def seed(*, stdout, password):
    consultations = (
        Consultation.objects.filter(status=Consultation.Status.COMPLETED)
        .select_related("employee", "practitioner")
        .order_by("-scheduled_at")
    )
    seen: dict[tuple, int] = {}
    stored = 0
    for consultation in consultations:
        pair = (consultation.employee_id, consultation.practitioner_id)
        if seen.get(pair, 0) >= PER_PAIR:
            continue
        seen[pair] = seen.get(pair, 0) + 1
        for n, (who, body) in enumerate(EXCHANGE):
            sender = getattr(consultation, who)
            try:
                _message, created = message_send(
                    sender=sender,
                    consultation=consultation,
                    body=body,
                    client_message_id=f"demo-{n}",
                    now=consultation.scheduled_at + timedelta(minutes=2 + 3 * n),
                )
            except ChatRefused:
                break
            stored += created
    stdout.write(f"  chat: {stored} message(s) stored in {sum(seen.values())} consultation(s)")
