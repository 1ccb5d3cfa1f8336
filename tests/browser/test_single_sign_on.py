"""Single sign-on in Chromium against a real OpenID provider on loopback (npm's oidc-provider,
tests/accounts/oidc_provider): a person clicks "Sign in with …", signs in at the provider and
is in Stackledger with the role of their groups, at every sign-in anew."""

import pytest

from apps.accounts.models import User
from apps.accounts.roles import LEAD, VIEWER
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider
from tests.browser.conftest import snap

pytestmark = pytest.mark.slow

LEADS, EVALUATORS, VIEWERS = "stackledger-leads", "stackledger-evaluators", "stackledger-viewers"


@pytest.fixture(scope="module")
def provider(live_server):
    with oidc_provider(f"{live_server.url}/accounts/oidc/callback/", {}) as provider:
        yield provider


@pytest.fixture
def sso(settings, provider, catalog, page):
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_SCOPES = ["openid", "email", "profile", "groups"]
    settings.OIDC_LEAD_GROUPS = [LEADS]
    settings.OIDC_EVALUATOR_GROUPS = [EVALUATORS]
    settings.OIDC_VIEWER_GROUPS = [VIEWERS]
    settings.OIDC_PROVIDER_NAME = "Acme ID"
    # The provider's own sign-in page imports a web font; on a machine without the internet the
    # browser is handed an empty stylesheet instead.
    page.route("https://fonts.googleapis.com/**", lambda route: route.fulfill(content_type="text/css", body=""))
    return provider


def sign_in_at_the_provider(page, provider, account):
    """From the login page, through the provider's own sign-in and consent pages."""
    page.goto("/accounts/login/")
    page.click("text=Sign in with Acme ID")
    page.wait_for_url(f"{provider.issuer}/**")
    page.fill("input[name=login]", account)
    page.fill("input[name=password]", "whatever the provider asks")
    page.click("button:has-text('Sign-in')")
    page.click("button:has-text('Continue')")


def test_a_lead_signs_in_and_a_removed_group_demotes_them_at_the_next_sign_in(page, sso, live_server):
    sso.set_people({"ada": {"email": "Ada@Example.com", "name": "Ada Lovelace", "groups": [LEADS, VIEWERS]}})
    page.goto("/accounts/login/")
    snap(page, "login-single-sign-on")
    sign_in_at_the_provider(page, sso, "ada")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".whoami .role").inner_text() == LEAD
    assert page.locator(".whoami").get_by_text("Ada Lovelace").count() == 1
    ada = User.objects.get(email="ada@example.com")
    assert (ada.role, ada.name, ada.is_superuser) == (LEAD, "Ada Lovelace", False)

    # Taken out of the leads' group at the provider, still a viewer there.
    sso.set_people({"ada": {"email": "ada@example.com", "name": "Ada Lovelace", "groups": [VIEWERS]}})
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/accounts/login/")
    page.click("text=Sign in with Acme ID")  # the provider remembers her: no pages of its own this time
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".whoami .role").inner_text() == VIEWER
    assert User.objects.get(email="ada@example.com").role == VIEWER
    assert User.objects.count() == 1


def test_someone_in_no_mapped_group_is_refused_with_a_message(page, sso, live_server):
    sso.set_people({"eve": {"email": "eve@example.com", "name": "Eve", "groups": ["marketing"]}})
    sign_in_at_the_provider(page, sso, "eve")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    message = page.locator(".message-error").inner_text()
    assert "Your account at Acme ID is in none of the groups that give a role in Stackledger" in message
    snap(page, "login-single-sign-on-refused")
    assert not User.objects.filter(email="eve@example.com").exists()
    assert page.locator(".whoami").count() == 0


def test_with_password_login_off_the_provider_is_the_only_way_in(page, sso, settings, live_server):
    settings.PASSWORD_LOGIN = False
    sso.set_people({"bob": {"email": "bob@example.com", "name": "Bob", "groups": [EVALUATORS]}})
    page.goto("/accounts/login/")
    assert page.locator("input[name=password]").count() == 0
    snap(page, "login-single-sign-on-only")
    sign_in_at_the_provider(page, sso, "bob")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".whoami .role").inner_text() == "evaluator"
