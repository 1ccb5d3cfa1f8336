"""The API's URLs. Its operations answer scripts with JSON, never with the login page: each
checks its caller itself (apps.api.auth), as does the schema. The docs page is a page like any
other, for someone signed in."""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import re_path, reverse
from django.views.decorators.csrf import csrf_exempt

from apps.api.api import api
from apps.api.auth import reads
from apps.api.errors import UNAUTHORIZED

app_name = "api"


def token_or_session(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not any(auth(request) for auth in reads()):
            response = JsonResponse({"detail": [UNAUTHORIZED]}, status=401)
            response["WWW-Authenticate"] = 'Bearer realm="stackledger"'
            return response
        return view(request, *args, **kwargs)

    return login_not_required(checked)


@token_or_session
def index(request, **kwargs):
    """Where the API's parts are."""
    return JsonResponse({
        "version": api.version, "base": reverse("api:api-root") + "v1/",
        "schema": reverse("api:openapi-json"), "docs": reverse("api:openapi-view"),
    })


def no_nul_in_query(view):
    """A NUL in a query parameter names nothing: refused before any filter reaches the database."""
    @wraps(view)
    def checked(request, *args, **kwargs):
        for name, values in request.GET.lists():
            if any("\x00" in value for value in [name, *values]):
                return JsonResponse({"detail": [{"loc": ["query", name.replace("\x00", "")],
                                                 "msg": "A NUL character is not allowed here.",
                                                 "type": "value_error"}]}, status=422)
        return view(request, *args, **kwargs)

    return checked


def _patterns():
    patterns, _, _ = api.urls
    for pattern in patterns:
        pattern.callback = no_nul_in_query(pattern.callback)
        if pattern.name == "openapi-json":
            pattern.callback = token_or_session(pattern.callback)
        elif pattern.name == "api-root":
            pattern.callback = index
        elif pattern.name != "openapi-view":
            login_not_required(pattern.callback)
        yield pattern


@csrf_exempt  # it changes nothing
@login_not_required
def no_such_path(request):
    """Under /api/, a path that names no operation (a pk that is no number, say) is answered in
    JSON too."""
    return JsonResponse({"detail": [{"loc": ["path"], "msg": "No API operation has this path.", "type": "not_found"}]},
                        status=404)


urlpatterns = [*_patterns(), re_path(r"", no_such_path)]
