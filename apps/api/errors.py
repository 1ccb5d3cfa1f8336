"""Every error the API answers is JSON of one shape: `{"detail": [{"loc", "msg", "type"}]}`,
where `loc` says what is wrong, e.g. `["body", "evidence"]`, `["query", "limit"]`,
`["path", "pk"]` or `["header", "Authorization"]`."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class Error(Schema):
    detail: list[ErrorItem]


class ApiError(HttpError):
    """An answer other than success, naming what is wrong."""

    def __init__(self, status: int, msg: str = "", *, loc=(), type: str = "invalid", errors: list | None = None):
        super().__init__(status, msg)
        self.errors = errors or [{"loc": list(loc), "msg": msg, "type": type}]


def not_found(what: str, loc) -> ApiError:
    return ApiError(404, f"No {what} has this {loc[-1]}.", loc=loc, type="not_found")


def form_errors(form, status: int = 422) -> ApiError:
    """A Django form's errors, each under the body field it concerns (the body itself for an
    error of the whole form)."""
    errors = [
        {"loc": ["body"] if field == "__all__" else ["body", field], "msg": message, "type": error.code or "invalid"}
        for field, field_errors in form.errors.as_data().items()
        for error in field_errors
        for message in error.messages
    ]
    return ApiError(status, errors=errors)


# The errors an operation may answer, for its schema: reads are refused without a live token
# or a session (401), and name a missing object (404) or a bad parameter (422); writes may
# also send a body that is no JSON (400), be forbidden (403) or break a rule of the domain (409).
READ_ERRORS = {401: Error, 404: Error, 422: Error}
WRITE_ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}

UNAUTHORIZED = {"loc": ["header", "Authorization"], "type": "unauthorized",
                "msg": "Log in, or send a live API token as 'Authorization: Bearer <token>'."}


def install(api) -> None:
    """Answer every error in the one shape above."""

    def answer(request, errors: list, status: int):
        return api.create_response(request, {"detail": errors}, status=status)

    @api.exception_handler(ApiError)
    def api_error(request, exc):
        return answer(request, exc.errors, exc.status_code)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request, exc):
        response = answer(request, [UNAUTHORIZED], 401)
        response["WWW-Authenticate"] = 'Bearer realm="stackledger"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        if exc.status_code == 400:  # the only one: a request body that does not parse
            return answer(request, [{"loc": ["body"], "msg": str(exc), "type": "malformed"}], 400)
        return answer(request, [{"loc": [], "msg": str(exc), "type": "error"}], exc.status_code)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return answer(request, [{"loc": [], "msg": str(exc) or "Your role may not do this.", "type": "forbidden"}], 403)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return answer(request, [{"loc": ["body"], "msg": "The body is too large.", "type": "too_large"}], 413)

    @api.exception_handler(Http404)
    def missing(request, exc):
        return answer(request, [{"loc": ["path"], "msg": "Not found.", "type": "not_found"}], 404)

    @api.exception_handler(ValidationError)
    def invalid(request, exc):
        return answer(request, [_item(error) for error in exc.errors], 422)


def _item(error: dict) -> dict:
    """A parameter's validation error, located as `[source, field, ...]`: the body's fields
    directly under "body", without the name of the operation's body parameter (always `data`)."""
    loc = list(error.get("loc", []))
    if loc[:1] == ["body"] and len(loc) > 2 and loc[1] == "data":
        del loc[1]
    return {"loc": loc, "msg": error.get("msg", "Invalid."), "type": error.get("type", "invalid")}
