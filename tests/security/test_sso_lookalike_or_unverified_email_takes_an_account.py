"""Single sign-on matches the provider's email to an account with `email__iexact`, which
PostgreSQL runs as UPPER() = UPPER(): the dotless ı (U+0131) becomes I, so a person whose
*verified* address at the provider is alıce@example.com, or bob@gmaıl.com at a domain of
their own, signs in to alice@example.com's or bob@gmail.com's account, role and all. Django's
validate_email lets both through (its ASCII [A-Z] with IGNORECASE matches ı).

And an email_verified the provider sends as 0, "0" or "no" (Cognito-like and hand-rolled
providers) reads as verified: only the boolean false and the string "false" refuse."""

import pytest
from django.db import connection

from apps.accounts.models import User
from apps.accounts.oidc import Refused, account_for
from tests.accounts.test_oidc import claims, sso  # noqa: F401  (the fixture)
from tests.conftest import needs_service


@pytest.fixture
def on_postgresql(db):
    if connection.vendor != "postgresql":
        needs_service("PostgreSQL's upper() makes the dotless ı an I")


@pytest.mark.usefixtures("sso")
@pytest.mark.parametrize("victim, lookalike", [
    ("alice@example.com", "alıce@example.com"),
    ("bob@gmail.com", "bob@gmaıl.com"),  # an IDN domain anyone may register
])
def test_a_lookalike_verified_email_does_not_sign_in_to_someone_elses_account(on_postgresql, platform, victim, lookalike):
    owner = User.objects.create_user(victim, "pw", team=platform)
    owner.set_role("lead")
    try:
        signed_in = account_for(claims(email=lookalike, groups=["everyone"]))
    except Refused:
        return  # refused: fine too
    assert signed_in != owner, f"{lookalike} signed in to {victim}'s account"


@pytest.mark.usefixtures("sso")
@pytest.mark.parametrize("said", [0, "0", "no"])
def test_an_email_the_provider_calls_unverified_is_refused(alice, said):
    with pytest.raises(Refused, match="verified email"):
        account_for(claims(email="alice@example.com", email_verified=said, groups=["everyone"]))
