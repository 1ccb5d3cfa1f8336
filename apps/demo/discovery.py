"""The demo's discovery source: the example repositories in fixtures/discovery, where the
recommendations service serves with BentoML, which nobody registered."""

from django.conf import settings

from apps.discovery import services
from apps.discovery.models import DiscoverySource

DEMO_REPOS = settings.BASE_DIR / "fixtures" / "discovery"


def demo_discovery(now) -> None:
    """Add the demo's source and read it, as the worker's daily run would."""
    DiscoverySource.objects.get_or_create(name="demo-repos", defaults={"kind": "requirements", "path": str(DEMO_REPOS)})
    services.discover(now=now, names=["demo-repos"])
