"""The seed catalogue (fixtures/catalog.yaml): categories and tools from the domain text."""

from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.db import transaction

from apps.catalog.models import Category, Tool

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "catalog.yaml"


@transaction.atomic
def load_seed_catalogue() -> int:
    """Create the seed categories and tools that are missing; return how many were added.

    What exists is never overwritten, so edits made by leads survive, and a tool renamed in
    the admin is not created again under its old slug.
    """
    added = 0
    with FIXTURE.open() as fixture:
        for record in serializers.deserialize("yaml", fixture, handle_forward_references=True):
            obj = record.object
            if isinstance(obj, Category):
                exists = Category.objects.filter(key=obj.key).exists()
            else:
                exists = Tool.objects.filter(name=obj.name).exists() or Tool.objects.filter(slug=obj.slug).exists()
            if not exists:
                obj.pk = None
                record.save()
                added += 1
    return added
