"""System checks for how people sign in: a configuration that would let nobody in, or that
single sign-on could not use, stops every process with a sentence that says what to set."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@register()
def check_sign_in(app_configs, **kwargs):
    if settings.CODE_ONLY:
        return []
    if not settings.OIDC_ISSUER:
        problems = []
        if not settings.PASSWORD_LOGIN:
            problems.append(Error(
                "PASSWORD_LOGIN is off and single sign-on is not set up, so nobody could sign in.",
                hint="Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, or turn PASSWORD_LOGIN back on.",
                id="accounts.E001",
            ))
        if settings.OIDC_CLIENT_ID or settings.OIDC_CLIENT_SECRET:
            problems.append(Warning(
                "OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is set but OIDC_ISSUER is not, so single sign-on is off.",
                hint="Set OIDC_ISSUER to the provider's issuer URL, e.g. https://login.example.com/realms/acme.",
                id="accounts.W001",
            ))
        return problems
    problems = []
    issuer = urlsplit(settings.OIDC_ISSUER)
    if issuer.scheme not in ("http", "https") or not issuer.hostname:
        problems.append(Error(
            f"OIDC_ISSUER is {settings.OIDC_ISSUER!r}, which is not an http(s) URL.",
            hint="Set it to the provider's issuer, the URL in front of /.well-known/openid-configuration.",
            id="accounts.E002",
        ))
    elif issuer.scheme == "http" and issuer.hostname not in LOOPBACK_HOSTS:
        problems.append(Warning(
            f"OIDC_ISSUER is {settings.OIDC_ISSUER}: without https the sign-in codes and the client "
            "secret cross the network in the clear.",
            hint="Use the provider's https address.",
            id="accounts.W002",
        ))
    missing = [name for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET") if not getattr(settings, name)]
    if missing:
        problems.append(Error(
            f"OIDC_ISSUER is set but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not, "
            "so single sign-on cannot work.",
            hint="Register Stackledger as a confidential client at the provider and set its client id and secret.",
            id="accounts.E003",
        ))
    if not (settings.OIDC_LEAD_GROUPS or settings.OIDC_EVALUATOR_GROUPS or settings.OIDC_VIEWER_GROUPS):
        problems.append(Error(
            "Single sign-on maps no group to a role, so it would refuse everyone.",
            hint="Set OIDC_LEAD_GROUPS, OIDC_EVALUATOR_GROUPS and/or OIDC_VIEWER_GROUPS to group names "
            f"of the provider's {settings.OIDC_GROUPS_CLAIM!r} claim.",
            id="accounts.E004",
        ))
    if "openid" not in settings.OIDC_SCOPES:
        problems.append(Error(
            f"OIDC_SCOPES is {' '.join(settings.OIDC_SCOPES)!r}, without openid: the provider would "
            "not answer with an ID token.",
            hint="Put openid first, e.g. OIDC_SCOPES=openid email profile groups.",
            id="accounts.E005",
        ))
    return problems
