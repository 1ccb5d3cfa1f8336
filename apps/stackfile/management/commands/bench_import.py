"""`python manage.py bench_import`: how long a large stack file takes to check and to apply, on
the database of DATABASE_URL (SQLite or PostgreSQL). A benchmark that prints figures, not a
test. Each scenario runs inside a transaction that is rolled back: nothing is kept.

- tools: a 1 MiB file of 13,500 catalogue tools (the file that once held SQLite's write lock
  for minutes);
- stack: pain points, tools and a stack entry under evaluation for each, which puts its pain
  point under evaluation (the most work per record);
- people: a file of people, each with a role;
- moves: existing stack entries that the file moves to evaluating, each by the rules of its page.

For each it prints the seconds spent checking (no transaction, nothing written) and applying
(the one transaction, i.e. how long other writers wait), and the statements applying sends.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from apps.catalog.models import Category, Tool
from apps.catalog.seed import load_seed_catalogue
from apps.lib import yamlio
from apps.stack.models import StackEntry
from apps.stackfile.applying import apply
from apps.stackfile.importer import MAX_MOVES, _Importer


def tools_file(count: int) -> str:
    return "version: 1\ntools:\n" + "".join(
        f"- {{name: T{n:05}, categories: [{['ml-ci-cd', 'monitoring'][n % 2]}], hosting: saas, complexity: low}}\n"
        for n in range(count)
    )


def stack_file(count: int) -> str:
    return (
        "version: 1\npain_points:\n" + "".join(f"- {{title: P{n:05}, evidence: weekly}}\n" for n in range(count))
        + "tools:\n" + "".join(f"- {{name: T{n:05}, categories: [monitoring], hosting: saas, complexity: low}}\n"
                               for n in range(count))
        + "stack:\n" + "".join(f"- {{tool: T{n:05}, status: evaluating, pain_points: [P{n:05}]}}\n" for n in range(count))
    )


def probes_file(count: int) -> str:
    return (
        "version: 1\ntools:\n" + "".join(f"- {{name: T{n:05}, categories: [monitoring], hosting: saas, complexity: low}}\n"
                                       for n in range(count))
        + "stack:\n" + "".join(f"- {{tool: T{n:05}, probe: {{kind: http_json, url: 'http://10.0.0.1/{n}', "
                               "params: {count_path: total}}}\n" for n in range(count))
    )


def changed_tools_file(count: int) -> str:
    return tools_file(count).replace("complexity: low", "complexity: high")


def people_file(count: int) -> str:
    return "version: 1\nusers:\n" + "".join(f"- {{email: u{n:05}@example.com, role: viewer}}\n" for n in range(count))


def moves_file(count: int) -> str:
    return "version: 1\nstack:\n" + "".join(f"- {{tool: T{n:05}, status: evaluating}}\n" for n in range(count))


def existing_tools(count: int) -> list[Tool]:
    """The tools of tools_file, as a first import would have left them."""
    tools = Tool.objects.bulk_create(
        Tool(name=f"T{n:05}", slug=f"t{n:05}", hosting="saas", complexity="low") for n in range(count)
    )
    categories = {c.key: c.pk for c in Category.objects.all()}
    Tool.categories.through.objects.bulk_create(
        Tool.categories.through(tool_id=tool.pk, category_id=categories[["ml-ci-cd", "monitoring"][n % 2]])
        for n, tool in enumerate(tools)
    )
    return tools


def existing_entries(count: int) -> None:
    """`count` tools with a proposed stack entry each, for the moves scenario."""
    StackEntry.objects.bulk_create(StackEntry(tool=tool) for tool in existing_tools(count))


# Each scenario's generator and its default count: as many as 1 MiB holds (moves: as many as a
# file may make).
FILES = {"tools": (tools_file, 13_500), "changes": (changed_tools_file, 13_500), "stack": (stack_file, 6_100),
         "probes": (probes_file, 5_000), "people": (people_file, 23_500), "moves": (moves_file, MAX_MOVES)}
SCENARIOS = list(FILES)


class Command(BaseCommand):
    help = "Time checking and applying large stack files (figures, nothing kept)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("scenarios", nargs="*", metavar="scenario", help=f"any of {', '.join(SCENARIOS)} (default: all)")
        parser.add_argument("--count", type=int, help="records of the scenario's kind (default: its 1 MiB size)")

    def handle(self, *args, scenarios, count, **options):
        self.stdout.write(f"{connection.vendor}: scenario, records, bytes, checking, applying, statements applying")
        for scenario in scenarios or SCENARIOS:
            if scenario not in FILES:
                raise CommandError(f"{scenario}: not one of {', '.join(SCENARIOS)}")
            make, default = FILES[scenario]
            self.run(scenario, make, count or default)

    def run(self, scenario: str, make, count: int) -> None:
        text = make(count)
        if Tool.objects.filter(name__in=["T00000", "T00001"]).exists() or StackEntry.objects.exists():
            raise CommandError("Run it on a fresh database (migrated, nothing imported): it adds tools named T00000 and on.")
        with transaction.atomic():
            if not Category.objects.exists():
                load_seed_catalogue()
            if scenario == "moves":
                existing_entries(count)
            if scenario == "changes":
                existing_tools(count)
            now = timezone.now()
            started = time.monotonic()
            importer = _Importer(by=None, read_credentials=False, now=now)
            document = yamlio.load(text)
            importer.run(document)
            checked = time.monotonic() - started
            records = sum(len(document[section]) for section in document if section != "version")
            if importer.outcome.errors:
                self.stdout.write(f"{scenario}: {importer.outcome.errors[:3]}")
                transaction.set_rollback(True)
                return
            statements = []
            started = time.monotonic()
            with connection.execute_wrapper(lambda execute, sql, *rest: statements.append(sql) or execute(sql, *rest)):
                problem = apply(importer.steps, by=None, now=now)
            applied = time.monotonic() - started
            transaction.set_rollback(True)
        self.stdout.write(
            f"{scenario}: {records:,} records, {len(text.encode()):,} bytes, checked in {checked:.1f} s, "
            f"applied in {applied:.1f} s with {len(statements):,} statements{f' ({problem})' if problem else ''}"
        )
