"""One URL serves a page or, for an htmx request, only the fragment the page includes.

Whichever view asks `wants_fragment` answers differently to htmx, so its response says so
(`Vary: HX-Request`, added by `VaryOnHtmx`): a browser's or a proxy's cache never hands the
fragment to a full page load, or the page to an htmx swap."""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_fragment(request) -> bool:
    request.varies_on_htmx = True
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page_or_fragment(request, page: str, fragment: str, context: dict):
    return render(request, fragment if wants_fragment(request) else page, context)


class VaryOnHtmx:
    """Middleware: a response to a request that was asked `wants_fragment` varies on HX-Request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "varies_on_htmx", False):
            patch_vary_headers(response, ["HX-Request"])
        return response
