"""One URL serves a page or, for an htmx request, only the fragment the page includes."""

from django.shortcuts import render


def render_page_or_fragment(request, page: str, fragment: str, context: dict):
    template = fragment if request.htmx and not request.htmx.boosted else page
    response = render(request, template, context)
    response.headers["Vary"] = "HX-Request"
    return response
