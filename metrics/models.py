"""Daily rollups of completed consultations, and the marker that makes counting idempotent.

Written only by `metrics.services` (the signal path and `rebuild_counters`); read by
`metrics.selectors`. Nothing here says who saw whom: a practitioner's row has no
employee, an employee's row no practitioner.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CountedConsultation(models.Model):
    """One row per consultation already added to the rollups: inserted first, in the same
    transaction as the increments, so a consultation can never be counted twice."""

    consultation = models.OneToOneField(
        "consultations.Consultation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("consultation"),
    )
    day = models.DateField(_("jour"), db_index=True)

    class Meta:
        verbose_name = _("consultation comptée")
        verbose_name_plural = _("consultations comptées")

    def __str__(self):
        return f"{self.consultation_id} @ {self.day}"


class _DayCounters(models.Model):
    day = models.DateField(_("jour"))
    consultations = models.PositiveIntegerField(_("consultations"), default=0)
    total_duration_seconds = models.PositiveBigIntegerField(_("durée totale (secondes)"), default=0)

    class Meta:
        abstract = True


class PractitionerDay(_DayCounters):
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("praticien"),
    )

    class Meta:
        verbose_name = _("activité praticien (jour)")
        verbose_name_plural = _("activité praticiens (jours)")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["practitioner", "day"], name="practitionerday_unique")
        ]
        indexes = [models.Index(fields=["day"], name="practitionerday_day")]

    def __str__(self):
        return f"{self.practitioner_id} {self.day}: {self.consultations}"


class EmployeeDay(_DayCounters):
    """Also the presence of an employee in their company on a day: the row's creation is
    what adds one to CompanyDay.active_employees."""

    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entreprise"),
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("salarié"),
    )

    class Meta:
        verbose_name = _("activité salarié (jour)")
        verbose_name_plural = _("activité salariés (jours)")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "day", "employee"], name="employeeday_unique"
            )
        ]
        # Serves the employee counters (employee, days) and the company's distinct active
        # employees (one probe per member: employee, company, days).
        indexes = [
            models.Index(fields=["employee", "company", "day"], name="employeeday_employee_co_day")
        ]

    def __str__(self):
        return f"{self.employee_id} {self.day}: {self.consultations}"


class CompanyDay(_DayCounters):
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entreprise"),
    )
    active_employees = models.PositiveIntegerField(_("salariés actifs"), default=0)

    class Meta:
        verbose_name = _("activité entreprise (jour)")
        verbose_name_plural = _("activité entreprises (jours)")
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["company", "day"], name="companyday_unique")]

    def __str__(self):
        return f"{self.company_id} {self.day}: {self.consultations}"


class CompanyGeneration(models.Model):
    """How many times a company's day rows (company/day, employee/day) have changed: one
    more in the very transaction that changes them (metrics.services), so a change and
    its new generation commit together. HR's figures are cached under it
    (metrics.report_cache): a committed change is a new key, whether Redis was up or not
    when it happened."""

    company = models.OneToOneField(
        "companies.Company",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("entreprise"),
    )
    generation = models.PositiveBigIntegerField(_("génération"), default=0)

    class Meta:
        verbose_name = _("génération des compteurs")
        verbose_name_plural = _("générations des compteurs")

    def __str__(self):
        return f"{self.company_id}: {self.generation}"


class UsageSharing(models.Model):
    """An employee's choice to let her company's HR see her own usage counts.

    No row means she never chose: not shared (off by default). Written only by
    `metrics.consent.usage_sharing_set`, which also dates each change in the access log.
    """

    employee = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="usage_sharing",
        verbose_name=_("salarié"),
    )
    shared = models.BooleanField(_("compteurs partagés avec les RH"), default=False)
    changed_at = models.DateTimeField(_("modifié le"))

    class Meta:
        verbose_name = _("partage des compteurs")
        verbose_name_plural = _("partages des compteurs")

    def __str__(self):
        return f"{self.employee_id}: {'shared' if self.shared else 'not shared'}"
