from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.notifications.services import send_due
from apps.probes.models import Probe
from apps.probes.sweep import sweep


class Command(BaseCommand):
    help = (
        "Run the due probes (or all, or one tool's) now, in-process, exactly as the scheduled "
        "job does, usage states and emails included. One line per probe."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="every probe, due or not")
        which.add_argument("--entry", metavar="TOOL", help="the probe of one stack entry, by tool name")

    def handle(self, *args, all, entry, **options):
        runs = sweep(now=timezone.now(), force=all or bool(entry), tool=entry)
        if entry and not runs:
            if Probe.objects.filter(entry__tool__name__iexact=entry, demo=True).exists():
                raise CommandError(f"The probe of {entry!r} is demo data: no server answers it, so it is not run")
            raise CommandError(f"No enabled probe on a stack entry for the tool {entry!r}")
        for run in runs:
            result = run.result
            last = result.last_activity_at.isoformat().replace("+00:00", "Z") if result.last_activity_at else "none"
            count = "none" if result.activity_count is None else result.activity_count
            line = (f"{run.probe.entry.tool.name} {run.probe.kind} {'ok' if result.ok else 'error'} "
                    f"last_activity={last} count={count} state={run.state}")
            self.stdout.write(line + (f" {result.error}" if result.error else ""))
        send_due(now=timezone.now())
