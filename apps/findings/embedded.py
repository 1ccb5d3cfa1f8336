"""The database `manage.py lint` runs on where no server is: with no DATABASE_URL the settings
give it an in-memory SQLite database, which this migrates; the linter loads the seed catalogue
into it in the transaction it rolls back. It lives as long as the command, never on disk."""

from django.core.management import call_command
from django.db import connection


def is_embedded() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


def prepare() -> None:
    """Make the in-memory database ready for linting; any other database is used as it is."""
    if not is_embedded():
        return
    call_command("migrate", verbosity=0, interactive=False)
