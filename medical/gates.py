"""The medical features as gates (accounts.gates), for templates and pages: the journal
and the clinical notes. The predicates are medical/access.py's, the one place of the
medical rule (it refuses staff, HR and superusers before any permission)."""

from django.utils.translation import gettext_lazy as _

from accounts.gates import Gate
from medical.access import can_keep_notes, can_use_journal

may_keep_journal = Gate(
    "keep_journal", can_use_journal, _("Le journal personnel est réservé aux salariés.")
)
may_keep_notes = Gate(
    "keep_notes", can_keep_notes, _("Les notes cliniques sont réservées aux praticiens.")
)
