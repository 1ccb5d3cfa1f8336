"""Single sign-on with OpenID Connect, through mozilla-django-oidc.

Everything an operator sets is the issuer, the client and which of the provider's groups give
which role: the provider's endpoints come from its discovery document, read once per process.
At every sign-in the person's account is found by email (or created), named as the provider
names them and given the role of their groups; someone in none of the mapped groups loses their
role and is refused. Single sign-on never makes anyone a superuser.
"""

import logging
from urllib.parse import urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from apps.accounts.models import User
from apps.accounts.roles import EVALUATOR, LEAD, VIEWER

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds for each request to the provider
DISCOVERY_PATH = "/.well-known/openid-configuration"
REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
# What mozilla-django-oidc asks for that is Stackledger's choice, not the operator's.
LIBRARY_OPTIONS = {
    "OIDC_AUTHENTICATION_CALLBACK_URL": "oidc-callback",
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_USE_NONCE": True,
    "OIDC_USE_PKCE": True,
    "OIDC_TIMEOUT": TIMEOUT,
    "OIDC_ALLOW_UNSECURED_JWT": False,
    "OIDC_STORE_ACCESS_TOKEN": False,
    "OIDC_STORE_ID_TOKEN": False,
    "OIDC_CREATE_USER": True,
}

NO_GROUP = (
    "Your account at {provider} is in none of the groups that give a role in Stackledger, so "
    "you cannot sign in. Ask whoever runs {provider} to add you to one."
)
INACTIVE = "Your Stackledger account is deactivated: ask a platform lead to reactivate it."
NO_EMAIL = "{provider} did not give Stackledger a verified email address, so you cannot sign in."
FAILED = "Signing in with {provider} did not work. Try again; if it keeps failing, tell whoever runs Stackledger."
SUPERUSER = "A superuser signs in with their password, not with single sign-on."
UNAVAILABLE = "{provider} cannot be reached just now, so you cannot sign in with it. Try again later."


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read, or does not describe this issuer."""


class Refused(Exception):
    """A sign-in the provider vouched for that Stackledger turns down; the message says why."""


def enabled() -> bool:
    return bool(settings.OIDC_ISSUER)


def provider_name() -> str:
    """What the sign-in button calls the provider: OIDC_PROVIDER_NAME, else the issuer's host."""
    return settings.OIDC_PROVIDER_NAME or urlsplit(settings.OIDC_ISSUER).hostname or "single sign-on"


def role_groups() -> dict[str, list[str]]:
    """The provider's groups that give each role, as the settings list them."""
    return {
        LEAD: settings.OIDC_LEAD_GROUPS,
        EVALUATOR: settings.OIDC_EVALUATOR_GROUPS,
        VIEWER: settings.OIDC_VIEWER_GROUPS,
    }


def role_for_groups(groups, mapping: dict[str, list[str]]) -> str | None:
    """The role a person in these groups has: lead beats evaluator beats viewer; None when no
    group of theirs is mapped. Group names match exactly."""
    held = set(groups)
    for role in (LEAD, EVALUATOR, VIEWER):
        if held.intersection(mapping.get(role, ())):
            return role
    return None


def groups_in(claims: dict, claim: str) -> list[str]:
    """The groups a claim lists: a list or one string; a dotted name reaches into nested claims
    (Keycloak's realm_access.roles)."""
    value = claims.get(claim)
    if value is None and "." in claim:
        value = claims
        for part in claim.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return []


def is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def name_in(claims: dict) -> str:
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return str(name).strip()[:150]


def account_for(claims: dict) -> User:
    """The account these claims sign in to, created or brought up to date: named as the provider
    names the person, with the role of their groups. Raises Refused, with what to tell them."""
    provider = provider_name()
    email = str(claims.get("email") or "").strip()
    verified = claims.get("email_verified", True)  # a provider that never says vouches for all
    if not (email.isascii() and is_email(email)) or verified not in (True, "true", "True"):
        raise Refused(NO_EMAIL.format(provider=provider))
    role = role_for_groups(groups_in(claims, settings.OIDC_GROUPS_CLAIM), role_groups())
    # The exact address, lower-cased as accounts store it: no database folding of look-alike
    # letters (a dotless ı) ever matches another person's account.
    matches = [u for u in User.objects.filter(email__iexact=email)[:3] if u.email.lower() == email.lower()]
    if len(matches) > 1:
        raise Refused(FAILED.format(provider=provider))
    user = matches[0] if matches else None
    if user is not None and user.is_superuser:
        raise Refused(SUPERUSER)
    if role is None:
        if user is not None:
            revoke_role(user)
        raise Refused(NO_GROUP.format(provider=provider))
    if user is not None and not user.is_active:
        raise Refused(INACTIVE)
    name = name_in(claims)
    with transaction.atomic():
        if user is None:
            user = User.objects.create_user(email, name=name)
        elif name and user.name != name:
            user.name = name
            user.save(update_fields=["name"])
        user.set_role(role)
    return user


@transaction.atomic
def revoke_role(user: User) -> None:
    """Take away the user's role, and with it the admin site (a superuser keeps the admin)."""
    user.groups.clear()
    is_staff = user.is_staff_as(None)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


_discovered: dict[str, dict] = {}


def provider_metadata() -> dict:
    """The issuer's discovery document, read once per process (a failure is not remembered)."""
    issuer = settings.OIDC_ISSUER
    if issuer not in _discovered:
        url = issuer.rstrip("/") + DISCOVERY_PATH
        try:
            response = requests.get(url, timeout=TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnavailable(f"{url}: {error}") from error
        if not isinstance(document, dict) or any(not document.get(key) for key in REQUIRED_METADATA):
            raise ProviderUnavailable(f"{url} is not an OpenID Connect discovery document")
        if document["issuer"].rstrip("/") != issuer.rstrip("/"):
            raise ProviderUnavailable(f"{url} describes the issuer {document['issuer']}, not {issuer}")
        _discovered[issuer] = document
    return _discovered[issuer]


def setting(name: str, *default):
    """What mozilla-django-oidc asks for: Stackledger's choices, the operator's OIDC_* settings
    under the library's names, and the rest from the settings as usual."""
    if name in LIBRARY_OPTIONS:
        return LIBRARY_OPTIONS[name]
    if name == "OIDC_RP_SCOPES":
        return " ".join(settings.OIDC_SCOPES)
    if name == "OIDC_TOKEN_USE_BASIC_AUTH":
        # client_secret_basic is the default where the provider names no method.
        methods = provider_metadata().get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        return "client_secret_basic" in methods
    return import_from_settings(name, *default)


class SignOnBackend(OIDCAuthenticationBackend):
    """The authentication backend of the sign-on callback. It answers only the callback's
    call (a password login's credentials never reach it), and reads the provider's endpoints
    only then, so building it costs nothing."""

    get_settings = staticmethod(setting)

    def __init__(self, *args, **kwargs):
        self.UserModel = User

    def authenticate(self, request, *, nonce, code_verifier=None):
        if request is None or not enabled():
            return None
        try:
            self._configure(provider_metadata())
            return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        except (ProviderUnavailable, requests.RequestException, SuspiciousOperation, jwt.PyJWTError,
                KeyError, TypeError, AttributeError, ValueError) as error:  # an answer of the wrong shape
            logger.warning("Single sign-on with %s failed: %s", settings.OIDC_ISSUER, error)
            request.sign_on_refused = (UNAVAILABLE if isinstance(error, ProviderUnavailable) else FAILED).format(
                provider=provider_name())
            return None

    def _configure(self, provider: dict) -> None:
        self.issuer = provider["issuer"]
        self.OIDC_OP_TOKEN_ENDPOINT = provider["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = provider.get("userinfo_endpoint")
        self.OIDC_OP_JWKS_ENDPOINT = provider["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = settings.OIDC_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = LIBRARY_OPTIONS["OIDC_RP_SIGN_ALGO"]
        self.OIDC_RP_IDP_SIGN_KEY = None

    def verify_token(self, token, **kwargs):
        """The library checks the signature, the expiry and the nonce; this adds who the token
        is from and for."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if payload.get("iss") != self.issuer or self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is not from the issuer, or not for this client")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, with the userinfo endpoint's on top (where the provider has
        one): some providers put the groups in only one of them."""
        if not self.OIDC_OP_USER_ENDPOINT:
            return payload
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo is about someone other than the ID token")
        return {**payload, **userinfo}

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        try:
            return account_for(claims)
        except Refused as refusal:
            logger.info("Single sign-on refused %s: %s", claims.get("email") or claims.get("sub"), refusal)
            self.request.sign_on_refused = str(refusal)
            return None

    def get_user(self, user_id):
        # The library's own version would keep a deactivated person signed in.
        return ModelBackend.get_user(self, user_id)
