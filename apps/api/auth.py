"""Who calls the API: a script with an API token (`Authorization: Bearer <token>`), acting as
the lead who made it, or a person signed in to Stackledger (the docs page tries the API so),
whose writes carry the CSRF token as the pages' forms do.

Reads need either. A write needs what the same write on the pages needs, the role's
permission, and from a token also its write scope: a read token is refused with 403."""

from django.conf import settings
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from apps.accounts.models import ApiToken
from apps.api.errors import ApiError


def _may(user, permission: str | None) -> None:
    if permission and not user.has_perm(permission):
        raise ApiError(403, "Your role may not do this.", type="forbidden")


class Token(HttpBearer):
    """A live API token. For a write it needs the write scope, and its maker the permission."""

    def __init__(self, *, write: bool = False, permission: str | None = None):
        super().__init__()
        self.write, self.permission = write, permission

    def authenticate(self, request, token):
        api_token = ApiToken.authenticate(token.strip(), timezone.now())
        if api_token is None:
            return None  # no such live token: 401, unless the caller is signed in too
        if self.write and not api_token.may_write:
            raise ApiError(403, "This token may only read: writes need a read and write token.",
                           loc=["header", "Authorization"], type="read_only_token")
        _may(api_token.created_by, self.permission)
        request.user = api_token.created_by  # the token acts as its maker
        return api_token


class Session(APIKeyCookie):
    """A person signed in to Stackledger; a write also needs the CSRF token (header
    X-CSRFToken), as on the pages."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, *, permission: str | None = None):
        super().__init__(csrf=True)
        self.permission = permission

    def __call__(self, request):
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        if check_csrf(request) is not None:
            raise ApiError(403, "A signed-in write needs the CSRF token in the header X-CSRFToken.",
                           loc=["header", "X-CSRFToken"], type="csrf")
        _may(user, self.permission)
        return user

    def authenticate(self, request, key):  # the session middleware has read the cookie already
        return None


def reads() -> list:
    return [Token(), Session()]


def writes(permission: str | None = None) -> list:
    """What a write asks: a write token or a signed-in person, with `permission` if given (an
    owner-or-lead write checks the thing itself, in its operation)."""
    return [Token(write=True, permission=permission), Session(permission=permission)]
