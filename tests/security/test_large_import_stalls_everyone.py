"""A large stack file stalls everyone.

A 1 MiB file of about 13,500 tools was checked and applied record by record inside one
transaction: on SQLite it held the database's write lock for a minute, and every other write
failed with "database is locked". Now checking writes nothing and opens no transaction, in the
same few queries whatever the file's size; applying is one transaction of bulk statements whose
number does not grow with the records; and a file too large to be checked within the web
server's timeout is refused whole. `manage.py bench_import` prints the times (docs/stack-file.md).
"""

import pytest
from django.db import connection

from apps.catalog.models import Tool
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, StackEntry
from apps.stackfile.importer import MAX_MOVES, MAX_RECORDS, import_stack
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock", "catalog")
WRITES = ("INSERT", "UPDATE", "DELETE", "SAVEPOINT", "BEGIN")


def stack_file(count: int) -> str:
    """`count` pain points, tools and a stack entry under evaluation for each."""
    return (
        "version: 1\npain_points:\n" + "".join(f"- {{title: P{n:05}, evidence: weekly}}\n" for n in range(count))
        + "tools:\n" + "".join(f"- {{name: T{n:05}, categories: [monitoring], hosting: saas, complexity: low}}\n"
                               for n in range(count))
        + "stack:\n" + "".join(f"- {{tool: T{n:05}, status: evaluating, pain_points: [P{n:05}]}}\n"
                               for n in range(count))
    )


def statements(text: str, *, commit: bool):
    sent = []
    with connection.execute_wrapper(lambda execute, sql, *rest: sent.append(sql) or execute(sql, *rest)):
        outcome = import_stack(text, commit=commit, now=NOW)
    return outcome, sent


def test_checking_writes_nothing_and_holds_no_transaction():
    outcome, sent = statements(stack_file(300), commit=False)
    assert outcome.ok and not outcome.applied, outcome.errors
    assert [sql for sql in sent if sql.lstrip().upper().startswith(WRITES)] == []


def test_checking_reads_as_much_for_ten_records_as_for_a_thousand():
    _, small = statements(stack_file(10), commit=False)
    _, large = statements(stack_file(1000), commit=False)
    assert len(large) == len(small) < 20


def writes(sent: list) -> list:
    return [sql for sql in sent if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_applying_is_a_few_bulk_statements_whatever_the_size():
    outcome, small = statements(stack_file(10), commit=True)
    assert outcome.applied, outcome.errors
    outcome, large = statements(stack_file(1000).replace("T0", "U0").replace("P0", "Q0"), commit=True)
    assert outcome.applied, outcome.errors
    assert StackEntry.objects.filter(lifecycle=Lifecycle.EVALUATING).count() == 1010
    assert PainPoint.objects.filter(status="evaluating").count() == 1010  # each followed its entry
    assert len(writes(small)) < 30
    assert len(writes(large)) <= len(writes(small)) + 5  # ids in chunks of 500 at most


def test_a_file_beyond_the_cap_is_refused_whole():
    text = "version: 1\nteams:\n" + "".join(f"- {{name: team {n}}}\n" for n in range(MAX_RECORDS + 1))
    outcome = import_stack(text, commit=True, now=NOW)
    assert outcome.errors == [f"line 1: file: {MAX_RECORDS + 1:,} records; a stack file holds at most "
                              f"{MAX_RECORDS:,}: split it in two"]
    assert not outcome.applied


def test_moving_too_many_entries_at_once_is_refused_at_the_first_beyond():
    tools = Tool.objects.bulk_create(Tool(name=f"T{n:04}", slug=f"t{n:04}", hosting="saas", complexity="low")
                                     for n in range(MAX_MOVES + 1))
    StackEntry.objects.bulk_create(StackEntry(tool=tool) for tool in tools)
    text = "version: 1\nstack:\n" + "".join(f"- {{tool: T{n:04}, status: evaluating}}\n" for n in range(MAX_MOVES + 1))
    outcome = import_stack(text, commit=True, now=NOW)
    assert outcome.errors == [f"line {MAX_MOVES + 3}: stack[T{MAX_MOVES:04}].status: a file moves at most "
                              f"{MAX_MOVES:,} existing stack entries to another status, each by the rules of its "
                              "page: split the file"]
    assert not StackEntry.objects.exclude(lifecycle=Lifecycle.PROPOSED).exists()
