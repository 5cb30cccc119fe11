from rest_framework import serializers

from accounts.models import User
from companies.models import Company, PractitionerProfile
from companies.seats import company_seats_used
from huntzen.api import CamelModelSerializer, CamelSerializer

MAX_INT = 2147483647  # the database's integer columns


class CompanySerializer(CamelModelSerializer):
    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "siret",
            "contact_email",
            "contact_phone",
            "address",
            "seats",
            "yearly_allowance_per_employee",
            "is_active",
            "activated_at",
            "created_at",
        ]
        read_only_fields = fields


class CompanyDetailSerializer(CompanySerializer):
    """One company, with its seats in use (active employees + pending invitations)."""

    seats_used = serializers.SerializerMethodField(method_name="get_seats_used")

    class Meta(CompanySerializer.Meta):
        fields = [*CompanySerializer.Meta.fields, "seats_used"]
        read_only_fields = fields

    def get_seats_used(self, company) -> int:
        return company_seats_used(company)


class CompanyCreateSerializer(CamelModelSerializer):
    class Meta:
        model = Company
        fields = [
            "name",
            "siret",
            "contact_email",
            "contact_phone",
            "address",
            "seats",
            "yearly_allowance_per_employee",
        ]


class CompanyUpdateSerializer(CamelSerializer):
    """Every field a PATCH may name. Which of them the caller may change is the
    service's rule (HR: contact fields only), so the answer is a clear 403."""

    name = serializers.CharField(max_length=200)
    siret = serializers.CharField(max_length=14)
    contact_email = serializers.EmailField()
    contact_phone = serializers.CharField(max_length=30, allow_blank=True)
    address = serializers.CharField(allow_blank=True)
    seats = serializers.IntegerField(min_value=0, max_value=MAX_INT)
    yearly_allowance_per_employee = serializers.IntegerField(
        min_value=0, max_value=MAX_INT, allow_null=True
    )


class EmployeeSerializer(CamelModelSerializer):
    status = serializers.ChoiceField(
        choices=[("active", "active"), ("deactivated", "deactivated")], read_only=True
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "status",
            "date_joined",
            "deactivated_at",
        ]
        read_only_fields = fields


class PractitionerSerializer(CamelModelSerializer):
    id = serializers.UUIDField(source="user_id", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    profession_label = serializers.CharField(source="get_profession_display", read_only=True)
    specialties = serializers.SerializerMethodField(method_name="get_specialties")
    languages = serializers.SerializerMethodField(method_name="get_languages")

    class Meta:
        model = PractitionerProfile
        fields = [
            "id",
            "first_name",
            "last_name",
            "profession",
            "profession_label",
            "specialties",
            "languages",
            "bio",
            "registration_number",
        ]
        read_only_fields = fields

    def get_specialties(self, profile) -> list[str]:
        return [item.code for item in profile.specialties.all()]

    def get_languages(self, profile) -> list[str]:
        return [item.code for item in profile.languages.all()]

    @staticmethod
    def row_of(profile) -> tuple:
        """`companies.selectors.CARD_FIELDS` of one instance."""
        return (
            profile.user_id,
            profile.user.first_name,
            profile.user.last_name,
            profile.profession,
            [item.code for item in profile.specialties.all()],
            [item.code for item in profile.languages.all()],
            profile.bio,
            profile.registration_number,
        )

    @staticmethod
    def represent_rows(rows) -> list[dict]:
        """The representation of each `CARD_FIELDS` row, built directly (DRF's
        field-by-field walk, model instances and a translated label per row were most
        of the directory's time); tests/companies/test_practitioner_representation.py
        holds it equal to the generic walk, field by field."""
        labels = profession_labels()
        return [_card(row, labels) for row in rows]

    def to_representation(self, profile):
        return _card(self.row_of(profile), profession_labels())


def profession_labels() -> dict[str, str]:
    """get_profession_display for every profession, translated once (current language)."""
    return {value: str(label) for value, label in PractitionerProfile.Profession.choices}


def _card(row: tuple, labels: dict[str, str]) -> dict:
    user_id, first_name, last_name, profession, specialties, languages, bio, number = row
    return {
        "id": str(user_id),
        "firstName": first_name,
        "lastName": last_name,
        "profession": profession,
        "professionLabel": labels.get(profession, profession),
        "specialties": list(specialties),
        "languages": list(languages),
        "bio": bio,
        "registrationNumber": number,
    }
