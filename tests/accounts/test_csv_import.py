"""accounts.csv_import (parsing) and accounts.services.invitation_import (the rules)."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.csv_import import MAX_ROWS, parse_employee_csv
from accounts.models import Invitation, Role
from accounts.services import invitation_import


def test_it_reads_rows_without_header():
    rows = parse_employee_csv(b"ana@acme.test,Ana,Lopez\nben@acme.test,Ben,Roy\n")
    assert [(r.line, r.email, r.first_name, r.last_name) for r in rows] == [
        (1, "ana@acme.test", "Ana", "Lopez"),
        (2, "ben@acme.test", "Ben", "Roy"),
    ]


def test_it_skips_a_header_and_maps_its_columns_in_any_order():
    rows = parse_employee_csv("Nom;Prénom;E-mail\nLopez;Ana;ana@acme.test\n".encode())
    assert [(r.line, r.email, r.first_name, r.last_name) for r in rows] == [
        (2, "ana@acme.test", "Ana", "Lopez")
    ]


def test_it_reads_excel_exports_bom_and_windows_1252():
    assert (
        parse_employee_csv("\ufeffemail,first name,last name\na@x.test,Zoé,Ng\n".encode())[
            0
        ].first_name
        == "Zoé"
    )
    assert parse_employee_csv("a@x.test;Zoé;Ng\n".encode("cp1252"))[0].first_name == "Zoé"


def test_blank_lines_are_ignored_and_short_lines_kept_for_the_report():
    rows = parse_employee_csv(b"a@x.test,A,B\n\n,,\nlonely\n")
    assert [(r.line, r.email, r.code) for r in rows] == [(1, "a@x.test", ""), (4, "lonely", "")]
    missing = parse_employee_csv(b"a@x.test,A,B\n,Only,Names\n")[1]
    assert missing.code == "invalid_email"


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "empty"),
        (b"email,first name,last name\n", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"a@x.test,A,B\n" * (MAX_ROWS + 1), "too_many_rows"),
        (b"x" * (1024 * 1024 + 1), "too_big"),
    ],
)
def test_unusable_files_are_refused_whole(data, code):
    with pytest.raises(ValidationError) as exc:
        parse_employee_csv(data)
    assert exc.value.code == code


@pytest.mark.django_db
def test_it_invites_good_rows_and_reports_each_bad_one_with_its_reason(
    hr_acme, acme, employee_a, invite, django_capture_on_commit_callbacks
):
    invite("pending@acme.test")
    acme.seats = 4  # alice + pending + 2 free seats
    acme.save()
    data = (
        "email;prénom;nom\n"
        "good1@acme.test;Good;One\n"
        "not-an-email;Bad;Email\n"
        "GOOD1@acme.test;Dup;Licate\n"
        "alice@acme.test;Alice;Again\n"
        "pending@acme.test;Pen;Ding\n"
        "good2@acme.test;Good;Two\n"
        "good3@acme.test;Over;Limit\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        report = invitation_import(inviter=hr_acme, company=acme, rows=parse_employee_csv(data))
    assert [(r.line, r.email) for r in report.accepted] == [
        (2, "good1@acme.test"),
        (7, "good2@acme.test"),
    ]
    assert [(r.line, r.code) for r in report.rejected] == [
        (3, "invalid_email"),
        (4, "duplicate_in_file"),
        (5, "already_user"),
        (6, "already_invited"),
        (8, "seat_limit"),
    ]
    assert all(r.reason for r in report.rejected)
    assert sorted(m.to[0] for m in mail.outbox) == ["good1@acme.test", "good2@acme.test"]
    created = Invitation.objects.filter(email__in=["good1@acme.test", "good2@acme.test"])
    assert {(i.role, i.company_id, i.invited_by_id) for i in created} == {
        (Role.EMPLOYEE, acme.pk, hr_acme.pk)
    }


@pytest.mark.django_db
def test_a_name_too_long_is_reported(hr_acme, acme):
    rows = parse_employee_csv(f"a@acme.test,{'x' * 151},B\n".encode())
    report = invitation_import(inviter=hr_acme, company=acme, rows=rows)
    assert [r.code for r in report.rejected] == ["name_too_long"]


@pytest.mark.django_db
def test_hr_cannot_import_into_another_company(hr_acme, globex):
    with pytest.raises(PermissionDenied):
        invitation_import(
            inviter=hr_acme,
            company=globex,
            rows=parse_employee_csv(b"a@globex.test,A,B\n"),
        )
    assert not Invitation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
def test_other_roles_cannot_import(cast, acme, who):
    with pytest.raises(PermissionDenied):
        invitation_import(
            inviter=cast[who],
            company=acme,
            rows=parse_employee_csv(b"a@acme.test,A,B\n"),
        )


@pytest.mark.django_db
def test_import_queries_do_not_grow_with_rejected_rows(
    hr_acme, acme, employee_a, django_assert_max_num_queries
):
    rows = parse_employee_csv(("alice@acme.test,A,B\nbad\n" * 100).encode())
    with django_assert_max_num_queries(12):
        report = invitation_import(inviter=hr_acme, company=acme, rows=rows)
    assert len(report.rejected) == 200
