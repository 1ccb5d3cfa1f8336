import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.accounts.models import User
from apps.demo.discovery import demo_discovery
from apps.demo.scale import grow, past_reviews
from apps.demo.seed import DEMO_LOGIN, DEMO_PASSWORD, has_organisation, seed
from apps.findings.services import refresh


class Command(BaseCommand):
    help = (
        "Fill an empty database with the demo organisation of fixtures/demo-stack.yaml. "
        "A database that already has people or a stack is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, metavar="N",
                            help="1: the demo organisation; N: it and N generated teams of 20 tools each "
                                 "(100 makes about 2,000 stack entries), for benchmarks.")

    def handle(self, *args, scale=1, **options):
        if scale < 1:
            raise CommandError("--scale is 1 or more.")
        if has_organisation():
            self.stdout.write("The database already has an organisation; seed_demo left it alone.")
            if User.objects.filter(email="lead@example.com").exists():
                self.stdout.write(DEMO_LOGIN)
            return
        seed(timezone.now())
        self.stdout.write(f"Demo organisation created. {DEMO_LOGIN}")
        if scale > 1:
            started = time.monotonic()
            made = grow(scale, now=timezone.now(), password=DEMO_PASSWORD)
            summary = ", ".join(f"{count:,} {what}" for what, count in made.items())
            self.stdout.write(f"Scale {scale}: added {summary} in {time.monotonic() - started:.0f} s.")
        past_reviews(timezone.now(), by=User.objects.get(email="lead@example.com"))
        demo_discovery(timezone.now())
        run = refresh(timezone.now())
        self.stdout.write(f"The linter found {run.findings:,} findings in {run.seconds:.1f} s.")
