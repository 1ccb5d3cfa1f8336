from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.stackfile.exporter import export_stack


class Command(BaseCommand):
    help = "Write the whole stack as a stack file that import_stack takes back unchanged."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="the file to write; standard output if left out")

    def handle(self, *args, output, **options):
        text = export_stack()
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"{output}: {error.strerror}") from None
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text, ending="")
