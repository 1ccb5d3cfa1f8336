from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.findings.services import refresh
from apps.stackfile.backstage import import_backstage


class Command(BaseCommand):
    help = (
        "Read Backstage catalog files (catalog-info.yaml, several documents each) and add a stack "
        "entry for each Component, Resource or System that is a catalogue tool (by name, title or "
        "tag), with its owner (user: refs as people, group: refs as teams) and a status from its "
        "lifecycle. Checked as a stack file is, all or nothing: on any problem, print each with "
        "its file and line, change nothing and exit 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="Backstage catalog files (YAML)")
        parser.add_argument("--dry-run", action="store_true", help="show the entries it proposes, add nothing")

    def handle(self, *args, files, dry_run, **options):
        read = []
        for name in files:
            try:
                read.append((name, Path(name).read_bytes()))
            except OSError as error:
                raise CommandError(f"{name}: {error.strerror}") from None
        now = timezone.now()
        outcome = import_backstage(read, commit=not dry_run, now=now)
        for warning in outcome.warnings:
            self.stderr.write(f"warning: {warning}")
        if not outcome.ok:
            for problem in outcome.errors:
                self.stderr.write(problem)
            count = len(outcome.errors)
            raise CommandError(f"{count} problem{'s' if count != 1 else ''}; nothing was changed")
        for proposal in outcome.proposals:
            owner = ", ".join(filter(None, [proposal.owner and f"owner {proposal.owner}",
                                            proposal.team and f"team {proposal.team}"])) or "no owner"
            self.stdout.write(f"{proposal.entity.where}: {proposal.tool.name} ({proposal.status}, {owner}) "
                              f"from {proposal.entity.kind}:{proposal.entity.name}")
        for proposal in outcome.in_stack:
            self.stdout.write(f"{proposal.entity.where}: {proposal.tool.name} is in the stack already: left as it is")
        if outcome.not_tools:
            many = len(outcome.not_tools) != 1
            self.stdout.write(f"{len(outcome.not_tools)} entit{'ies that are' if many else 'y that is'} "
                              "no catalogue tool, left out: "
                              + ", ".join(f"{e.kind}:{e.name}" for e in outcome.not_tools[:10])
                              + (" …" if len(outcome.not_tools) > 10 else ""))
        added = len(outcome.proposals)
        if dry_run or not added:
            self.stdout.write(f"{added} stack entr{'ies' if added != 1 else 'y'} proposed"
                              + ("; dry run: nothing was changed." if dry_run else "; nothing to add."))
            return
        self.stdout.write(f"{added} stack entr{'ies' if added != 1 else 'y'} added.")
        run = refresh(now=now)
        self.stdout.write(f"The linter found {run.findings:,} finding{'s' if run.findings != 1 else ''}.")
