from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.stackfile.importer import import_stack


class Command(BaseCommand):
    help = (
        "Validate a stack file and apply it in one transaction. On any problem, print every "
        "problem with its line, change nothing and exit 1."
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
        outcome = import_stack(text, commit=not dry_run, read_credentials=True)
        for warning in outcome.warnings:
            self.stderr.write(f"warning: {warning}")
        if not outcome.ok:
            for problem in outcome.errors:
                self.stderr.write(problem)
            count = len(outcome.errors)
            raise CommandError(f"{file}: {count} problem{'s' if count != 1 else ''}; nothing was changed")
        for line in outcome.summary_lines():
            self.stdout.write(line)
        self.stdout.write("Dry run: nothing was changed." if dry_run else "Applied.")
