"""System checks for settings that would silently break the product in production."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


@register()
def check_production_settings(app_configs, **kwargs):
    if settings.DEBUG or settings.CODE_ONLY:
        return []
    problems = []
    if not settings.EMAIL_HOST:
        problems.append(
            Warning(
                "EMAIL_HOST is not set, so emails to tool owners are printed to the console "
                "instead of being sent.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD).",
                id="stackledger.W001",
            )
        )
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        problems.append(
            Warning(
                "CELERY_BROKER_URL is not set, so background jobs use the embedded file broker, "
                "which only works when the web server and the workers share one disk.",
                hint="Set CELERY_BROKER_URL to a Redis URL, e.g. redis://redis:6379/0.",
                id="stackledger.W002",
            )
        )
    if not settings.PROBE_ALLOWED_NETWORKS:
        problems.append(
            Error(
                "PROBE_ALLOWED_NETWORKS is not set: with DEBUG off there is no default, since "
                "which networks usage probes may reach is for the operator to say.",
                hint="Set PROBE_ALLOWED_NETWORKS to the networks where the tools run, e.g. "
                "10.20.0.0/16,10.30.4.0/24.",
                id="stackledger.E002",
            )
        )
    if urlsplit(settings.SITE_URL).hostname in LOCAL_HOSTS:
        problems.append(
            Warning(
                f"SITE_URL is {settings.SITE_URL}, so links in emails point at this machine "
                "itself rather than where people reach Stackledger.",
                hint="Set SITE_URL to the public address, e.g. https://stackledger.example.com.",
                id="stackledger.W003",
            )
        )
    return problems


@register(deploy=True)
def check_secret_key(app_configs, **kwargs):
    """An error for `check --deploy`, which the web container runs before it starts."""
    if settings.SECRET_KEY != settings.DEFAULT_SECRET_KEY:
        return []
    return [
        Error(
            "SECRET_KEY is not set, so sessions would be signed with a key anyone can read in "
            "Stackledger's source.",
            hint="Set SECRET_KEY to a long random string, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'.",
            id="stackledger.E001",
        )
    ]


@register()
def check_network_lists(app_configs, **kwargs):
    """The settings that list networks: a typo would otherwise surface only when a probe runs or
    someone logs in."""
    problems = []
    for name in ("PROBE_ALLOWED_NETWORKS", "TRUSTED_PROXIES", "METRICS_ALLOWED_NETWORKS", "NOTIFY_ALLOWED_NETWORKS"):
        for value in getattr(settings, name):
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                problems.append(
                    Error(
                        f"{name} holds {value!r}, which is not a network.",
                        hint="Write each one as an address or in CIDR notation, e.g. 10.0.0.5 or 10.0.0.0/24.",
                        id="stackledger.E003",
                    )
                )
    return problems
