from django.utils.translation import gettext_lazy as _


class InvitationUnusable(Exception):
    """An invitation link that cannot be used (any more). `reason` says why, for the page."""

    INVALID = "invalid"
    EXPIRED = "expired"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    ALREADY_USER = "already_user"
    SEAT_LIMIT = "seat_limit"
    COMPANY_INACTIVE = "company_inactive"

    MESSAGES = {
        INVALID: _(
            "Ce lien d'invitation n'est pas valide. Vérifiez qu'il est complet, "
            "ou demandez une nouvelle invitation."
        ),
        EXPIRED: _(
            "Cette invitation a expiré. Demandez à la personne qui vous a invité(e) "
            "de vous la renvoyer."
        ),
        ACCEPTED: _(
            "Cette invitation a déjà été utilisée. Connectez-vous avec votre adresse e-mail "
            "et votre mot de passe."
        ),
        REVOKED: _("Cette invitation a été annulée."),
        ALREADY_USER: _(
            "Un compte existe déjà pour cette adresse e-mail. Connectez-vous avec votre "
            "mot de passe, ou réinitialisez-le."
        ),
        SEAT_LIMIT: _("Votre entreprise n'a plus de place disponible. Contactez votre service RH."),
        COMPANY_INACTIVE: _(
            "L'abonnement de votre entreprise n'est pas actif. Contactez votre service RH."
        ),
    }

    # HTTP status of the page that explains it: gone for dead links, 404 for unknown ones.
    STATUS = {INVALID: 404, EXPIRED: 410, ACCEPTED: 410, REVOKED: 410}

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self):
        return self.MESSAGES[self.reason]

    @property
    def status(self) -> int:
        return self.STATUS.get(self.reason, 409)


class InvitationStateError(Exception):
    """A revoke or re-send that the invitation's state does not allow."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message
