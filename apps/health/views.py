import hmac
import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from apps.accounts.lockout import client_address
from apps.health.metrics import exposition


def may_scrape(request) -> bool:
    """A scrape with the metrics token (`Authorization: Bearer …`), or from one of
    METRICS_ALLOWED_NETWORKS; nobody else, logged in or not."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given.removeprefix("Bearer ").encode(),
                                                                      token.encode()):
        return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_NETWORKS)


@login_not_required  # Prometheus has no session: the token or the network is the check
@require_GET
@never_cache
def metrics(request):
    if not may_scrape(request):
        return HttpResponseForbidden("Metrics need the metrics token or an address in METRICS_ALLOWED_NETWORKS.\n",
                                     content_type="text/plain")
    return HttpResponse(exposition(timezone.now()), content_type=CONTENT_TYPE_PLAIN_0_0_4)
