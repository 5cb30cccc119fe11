"""Raw-SQL scan of the whole database, for canary tests (reusable by other apps' tests:
`from tests.medical.scan import rows_containing`)."""

from django.db import connection


def rows_containing(needle: str) -> list[tuple[str, str]]:
    """(table, column) of every stored value containing `needle`, read with raw SQL."""
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, memoryview):
                        value = value.tobytes()
                    if isinstance(value, bytes):
                        found = needle.encode() in value
                    else:
                        found = needle in str(value)
                    if found:
                        hits.append((table, column))
    return hits
