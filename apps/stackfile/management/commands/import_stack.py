from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.findings.services import refresh
from apps.stackfile.importer import import_stack


class Command(BaseCommand):
    help = (
        "Validate a stack file and apply it in one transaction. On any problem, print every "
        "problem with its line, change nothing and exit 1. Once applied, the stack linter runs "
        "here and then, so the findings are current without a worker; the count is printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the stack file (YAML); - reads standard input")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and show what would change, apply nothing"
        )

    def handle(self, *args, file, dry_run, **options):
        try:
            text = self.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        now = timezone.now()
        outcome = import_stack(text, commit=not dry_run, read_credentials=True, now=now)
        for warning in outcome.warnings:
            self.stderr.write(f"warning: {warning}")
        if not outcome.ok:
            for problem in outcome.errors:
                self.stderr.write(problem)
            count = len(outcome.errors)
            raise CommandError(f"{file}: {count} problem{'s' if count != 1 else ''}; nothing was changed")
        for line in outcome.summary_lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
            return
        self.stdout.write("Applied.")
        run = refresh(now=now)
        self.stdout.write(f"The linter found {run.findings:,} finding{'s' if run.findings != 1 else ''}.")
