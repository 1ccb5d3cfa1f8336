from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.lib import crypto
from apps.probes.models import Probe


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored probe credential with the newest key of FIELD_ENCRYPTION_KEYS "
        "(the first). Run it after putting a new key in front; then the old key can go."
    )

    def handle(self, *args, **options):
        probes = Probe.objects.exclude(credential_token="")
        rotated = 0
        try:
            with transaction.atomic():
                for probe in probes.select_for_update():
                    probe.credential_token = crypto.rotate(probe.credential_token)
                    probe.save(update_fields=["credential_token"])
                    rotated += 1
        except crypto.WrongKey as wrong:
            raise CommandError(f"Nothing was changed: {wrong}") from None
        self.stdout.write(f"Re-encrypted {rotated} credential{'s' if rotated != 1 else ''} with the newest key.")
