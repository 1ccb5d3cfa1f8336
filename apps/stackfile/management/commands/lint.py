from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.findings import embedded
from apps.findings.rules import SEVERITIES
from apps.stackfile.lint import FORMATS, Item, Place, Report, lint_files, lint_stack, render


class Command(BaseCommand):
    help = (
        "Run the stack linter. With stack files, lint the stack as it would be once they were "
        "applied, in order (each checked as import_stack --dry-run checks it), writing nothing; "
        "without, lint the stack as it is. Each finding names the file and line of its record. "
        "Exit 0 when nothing at or above --fail-on stands, 1 when something does, 2 when a file "
        "is not valid. With no DATABASE_URL it runs on an in-memory database with the seed "
        "catalogue, so it needs no server and no keys."
    )
    requires_system_checks = []  # it serves nothing: a production setting it does not use stops nothing

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE", help="stack files (YAML), applied in order")
        parser.add_argument("--format", choices=FORMATS, default="text", help="text (default), json, sarif or junit")
        parser.add_argument(
            "--fail-on", choices=list(reversed(SEVERITIES)), default="error",
            help="the least severe finding that fails the run (default: error)",
        )

    def handle(self, *args, files, format, fail_on, **options):
        now = timezone.now()
        embedded.prepare()
        read, unreadable = [], []
        for name in files:
            try:
                read.append((name, Path(name).read_bytes()))
            except OSError as error:
                unreadable.append(Item("stack-file", "error", f"file: {error.strerror}", place=Place(name, 1)))
        if unreadable:
            report = Report(files=files, items=unreadable, invalid=True)
        else:
            report = lint_files(read, now=now) if files else lint_stack(now=now)
        self.stdout.write(render(report, format, fail_on=fail_on))
        code = report.exit_code(fail_on)
        if code:
            raise SystemExit(code)
