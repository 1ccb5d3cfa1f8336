"""Who is trying to log in, as the login rate limit (django-axes) counts them."""

from django.conf import settings


def login_email(request, credentials: dict | None) -> str:
    """The email typed, as the login looks it up: ALICE@… and alice@… are one person."""
    typed = (credentials or {}).get("username") or request.POST.get("username", "")
    return typed.strip().lower()


def client_address(request) -> str:
    """The browser's address: behind the TLS proxy of a production install (an https
    SITE_URL), the last address the proxy appended to X-Forwarded-For; else the socket's."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.SECURE_PROXY_SSL_HEADER and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
