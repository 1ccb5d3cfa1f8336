import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection


def test_the_benchmark_asks_for_postgresql(db):
    if connection.vendor == "postgresql":
        pytest.skip("runs on PostgreSQL here")
    with pytest.raises(CommandError, match="runs on PostgreSQL"):
        call_command("bench")
