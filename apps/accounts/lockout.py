"""Who is trying to log in, as the login rate limit (django-axes) counts them."""

import ipaddress
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model


def login_email(request, credentials: dict | None) -> str:
    """The account the login would sign in to, whatever spelling of its email was typed.

    The login form folds what was typed to NFKC (full-width ａｌｉｃｅ and mathematical 𝐚𝐥𝐢𝐜𝐞
    become alice) and the backend finds the account case-insensitively in the database, where
    upper() also folds letters Python's lower() leaves alone (PostgreSQL makes alıce ALICE).
    Counting failures under the account it resolves the same way gives every spelling that signs
    in to it one count; an email with no account is counted as the form reads it.
    """
    typed = (credentials or {}).get("username") or request.POST.get("username", "")
    email = unicodedata.normalize("NFKC", typed).strip()
    # axes asks several times per attempt: the account is looked up once per request.
    accounts = request.__dict__.setdefault("_lockout_accounts", {})
    if email not in accounts:
        User = get_user_model()
        try:
            accounts[email] = User._default_manager.get_by_natural_key(email).get_username().lower()
        except (User.DoesNotExist, User.MultipleObjectsReturned):
            accounts[email] = email.lower()
    return accounts[email]


def sign_on_attempt(request, credentials: dict | None) -> bool:
    """Whether the attempt is single sign-on's callback (a nonce, no password): the provider
    guards its own sign-ins, and counting a refused one under no account at all would lock out
    everyone behind the same address."""
    return credentials is not None and "nonce" in credentials and "password" not in credentials


def client_address(request) -> str:
    """The browser's address. The socket's peer (REMOTE_ADDR), unless that peer is one of
    TRUSTED_PROXIES: then X-Forwarded-For read from the right, past every trusted proxy, to the
    first address no trusted proxy stands for. What lies further left the client wrote itself."""
    peer = request.META.get("REMOTE_ADDR", "")
    trusted = [ipaddress.ip_network(value, strict=False) for value in settings.TRUSTED_PROXIES]
    if not _within(_address(peer), trusted):
        return peer
    found = peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break  # not an address: the chain cannot be read past it
        found = str(address)
        if not _within(address, trusted):
            break
    return found


def _address(text: str):
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _within(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)
