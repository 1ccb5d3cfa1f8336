from django.core.management.base import BaseCommand

from apps.catalog.seed import load_seed_catalogue


class Command(BaseCommand):
    help = (
        "Add the seed catalogue's categories and tools that are missing. Rows already in the "
        "database, edited or not, are left as they are."
    )

    def handle(self, *args, **options):
        added = load_seed_catalogue()
        self.stdout.write(f"Seed catalogue: {added} added, the rest already present.")
