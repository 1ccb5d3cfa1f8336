from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.discovery.models import DiscoverySource
from apps.discovery.services import discover


class Command(BaseCommand):
    help = ("Read the discovery sources for the catalogue's tools and print one line per tool found: "
            "TOOL SOURCE EVIDENCE. A source that cannot be read is said so on stderr (exit 1); a file it "
            "cannot read is a warning, and the rest is read.")

    def add_arguments(self, parser):
        parser.add_argument("--source", action="append", metavar="NAME",
                            help="Read only this source (again for more), even one that is turned off.")

    def handle(self, *args, source=None, **options):
        if source:
            unknown = sorted(set(source) - set(DiscoverySource.objects.filter(name__in=source).values_list("name", flat=True)))
            if unknown:
                raise CommandError(f"No discovery source {', '.join(unknown)}; the stack file's discovery: section or "
                                   "the sources page adds one.")
        outcomes = discover(now=timezone.now(), names=source)
        if not outcomes:
            self.stderr.write("No discovery source is enabled.")
        failed = False
        for outcome in outcomes:
            for problem in outcome.problems:
                self.stderr.write(f"warning: {outcome.source}: {problem}")
            if outcome.error:
                failed = True
                self.stderr.write(f"error: {outcome.source}: {outcome.error}")
            for tool, places in sorted(outcome.found.items(), key=lambda item: item[0].name.lower()):
                for place in sorted(set(places)):
                    self.stdout.write(f"{tool.name}\t{outcome.source}\t{place}")
        if failed:
            raise SystemExit(1)
