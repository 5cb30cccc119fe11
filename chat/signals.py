"""An open chat socket keeps its participant decision (chat.consumers); when one of a
user's object permissions on a consultation goes away, her sockets are told to decide
again at once (the `chat.access_changed` event on her group, accounts.session_end's
user group), after the deletion commits. A role's permission removed from its group
(an administrator's change, for every user of the role) is caught by the sockets'
periodic re-check instead."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models.signals import post_delete

from accounts.session_end import user_group

logger = logging.getLogger(__name__)


def access_changed(user_id) -> None:
    """Have `user_id`'s open chat sockets re-check their access, once the current
    transaction commits."""
    group = user_group(user_id)
    transaction.on_commit(lambda: _broadcast(group))


def _broadcast(group: str) -> None:
    from chat.consumers import ACCESS_CHANGED

    try:
        async_to_sync(get_channel_layer().group_send)(group, {"type": ACCESS_CHANGED})
    except Exception:  # the change itself never fails for the channel layer's sake
        # The sockets' periodic re-check (chat.consumers) still finds the access gone.
        logger.exception("Could not tell open chat sockets that an access changed")


def _on_object_permission_gone(sender, instance, **kwargs):
    access_changed(instance.user_id)


def connect_receivers() -> None:
    from consultations.models import ConsultationUserObjectPermission

    post_delete.connect(
        _on_object_permission_gone,
        sender=ConsultationUserObjectPermission,
        dispatch_uid="chat.signals.object_permission_gone",
    )
