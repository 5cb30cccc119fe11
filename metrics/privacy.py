"""The employee's privacy page (issue 11): what HR sees, what she shares, who accessed
her data, where her appointment emails go.

It lives in `metrics` because it composes the layers below it without creating a
cycle: the access log (`medical.audit`), her consent (`metrics.consent`, which already
writes to that log), her notification address (`accounts`) and the company figures HR
sees, read by the very function that serves HR (`metrics.selectors.company_report`).
`medical` cannot hold it (it would import `metrics`, which imports `medical`), nor can
`accounts` (the lowest of them).

Who accessed her data is told by role only, never a name: "your practitioner" (the
practitioner of that very consultation), "HuntZen staff", "an HR user", "another
practitioner", "another employee", "someone not signed in". Refused attempts are listed
too: an attempt by someone else is a disclosure attempt she has a right to know of.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ROLES, Role, User
from consultations.models import Consultation
from medical.audit import CONSULTATION_TYPES, disclosures_about
from medical.models import AccessLogEntry
from metrics import selectors
from metrics.consent import may_choose_usage_sharing
from metrics.periods import Granularity

DISCLOSURES_PER_PAGE = 20

YOUR_PRACTITIONER = _("Votre praticien(ne)")
HUNTZEN_STAFF = _("L'équipe HuntZen")
OTHER_PRACTITIONER = _("Un(e) autre praticien(ne)")
HR = _("Un service RH")
OTHER_EMPLOYEE = _("Un(e) autre salarié(e)")
ANONYMOUS = _("Une personne non connectée")

WHAT = {
    "chat": _("la messagerie de votre consultation"),
    "clinical_note": _("la note clinique de votre consultation"),
    "consultation": _("les informations de votre rendez-vous (qui, quand, statut)"),
    "journal_entry": _("une entrée de votre journal"),
    "journal": _("votre journal"),
    "usage_sharing": _("le partage de vos compteurs"),
}
SOMETHING = _("vos données")


@dataclass(frozen=True)
class Disclosure:
    """One row of her accounting of disclosures: no name, no id, no content."""

    at: datetime
    who: str
    action: str
    what: str
    consultation_at: datetime | None
    allowed: bool


def require_owner(user: User) -> None:
    """The page is the employee's own (the person who decides about her counters)."""
    if not may_choose_usage_sharing(user):
        raise PermissionDenied(_("Cette page est réservée aux salariés."))


@dataclass(frozen=True)
class HrView:
    """The last month published to her company's HR, as a month and as weeks."""

    month: selectors.CompanyReport
    weeks: selectors.CompanyReport


def what_hr_sees(*, employee: User) -> HrView | None:
    """Her company's figures of the last month published, exactly as its HR reads them:
    same read, same withheld figures."""
    if employee.company_id is None:
        return None
    month = selectors.latest_month(protect=True)

    def read(granularity):
        return selectors.company_report(
            company=employee.company, period=month, granularity=granularity, protect=True
        )

    return HrView(month=read(Granularity.MONTH), weeks=read(Granularity.WEEK))


def _who(row: AccessLogEntry, consultation: Consultation | None) -> str:
    if not row.user_id:
        return ANONYMOUS
    if row.role in STAFF_ROLES:
        return HUNTZEN_STAFF
    if row.role == Role.PRACTITIONER:
        if consultation is not None and row.user_id == consultation.practitioner_id:
            return YOUR_PRACTITIONER
        return OTHER_PRACTITIONER
    if row.role == Role.COMPANY_RH:
        return HR
    return OTHER_EMPLOYEE


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def disclosures_page(*, employee: User, number=1) -> tuple[Page, list[Disclosure]]:
    """One page (newest first) of the reads, writes and attempts on `employee`'s data by
    anyone but herself, and the rows to show for it. Three queries, whatever the page."""
    page = Paginator(disclosures_about(subject=employee), DISCLOSURES_PER_PAGE).get_page(number)
    rows = list(page)
    consultation_ids = {_uuid(r.object_id) for r in rows if r.object_type in CONSULTATION_TYPES} - {
        None
    }
    consultations = {
        str(c.pk): c
        for c in Consultation.objects.filter(pk__in=consultation_ids, employee=employee).only(
            "pk", "scheduled_at", "practitioner_id"
        )
    }
    labels = dict(AccessLogEntry.Action.choices)
    out = []
    for row in rows:
        consultation = consultations.get(row.object_id)
        out.append(
            Disclosure(
                at=row.at,
                who=_who(row, consultation),
                action=labels.get(row.action, row.action),
                what=WHAT.get(row.object_type, SOMETHING),
                consultation_at=consultation.scheduled_at if consultation else None,
                allowed=row.allowed,
            )
        )
    return page, out
