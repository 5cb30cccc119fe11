"""Parse an HR's employee CSV (email, first name, last name) into rows to invite.

Accepts what spreadsheets export: UTF-8 (with or without BOM) or Windows-1252, comma,
semicolon or tab separated, with or without a header line (whose columns may then come
in any order). Parsing only: the invitation rules live in accounts.services.
"""

import csv
import io
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.services import ImportRow

MAX_BYTES = 1024 * 1024
MAX_ROWS = 1000

_COLUMNS = {
    "email": {"email", "e-mail", "mail", "courriel", "adresse e-mail", "adresse email"},
    "first_name": {"first name", "firstname", "first_name", "prenom", "given name"},
    "last_name": {
        "last name",
        "lastname",
        "last_name",
        "nom",
        "surname",
        "family name",
        "nom de famille",
    },
}


def _plain(cell: str) -> str:
    cell = unicodedata.normalize("NFKD", cell.strip().lower())
    return "".join(c for c in cell if not unicodedata.combining(c))


def _header_map(cells: list[str]) -> dict[str, int] | None:
    found = {}
    for index, cell in enumerate(cells):
        name = _plain(cell)
        for column, aliases in _COLUMNS.items():
            if name in aliases and column not in found:
                found[column] = index
    return found if "email" in found else None


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _("Le fichier n'est pas un texte lisible (UTF-8 attendu)."), code="encoding"
    )


def parse_employee_csv(data: bytes) -> list[ImportRow]:
    """Rows of the file; a line too short to hold an email comes back already refused."""
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("Le fichier dépasse %(size)d Ko."),
            code="too_big",
            params={"size": MAX_BYTES // 1024},
        )
    text = _decode(data)
    if "\x00" in text:
        raise ValidationError(_("Le fichier n'est pas un fichier CSV."), code="binary")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    columns = {"email": 0, "first_name": 1, "last_name": 2}
    rows: list[ImportRow] = []
    first_line = True
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if first_line:  # only the first non-blank line may be a header
                first_line = False
                header = _header_map(cells)
                if header is not None and "@" not in cells[header["email"]]:
                    columns = header
                    continue
            if len(rows) >= MAX_ROWS:
                raise ValidationError(
                    _("Le fichier dépasse %(max)d lignes : découpez-le."),
                    code="too_many_rows",
                    params={"max": MAX_ROWS},
                )
            rows.append(_row(line, cells, columns))
    except csv.Error as exc:
        raise ValidationError(
            _("Le fichier CSV est mal formé (ligne %(line)d)."),
            code="malformed",
            params={"line": reader.line_num},
        ) from exc
    if not rows:
        raise ValidationError(_("Le fichier ne contient aucune ligne à inviter."), code="empty")
    return rows


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _row(line: int, cells: list[str], columns: dict[str, int]) -> ImportRow:
    row = ImportRow(
        line=line,
        email=_cell(cells, columns.get("email")),
        first_name=_cell(cells, columns.get("first_name")),
        last_name=_cell(cells, columns.get("last_name")),
    )
    if not row.email:
        row.code, row.reason = "invalid_email", str(_("Adresse e-mail manquante."))
    return row
