"""Single sign-on's rules, backend, pages and checks, without a provider: the role of a
person's groups, their account made or brought up to date, who is refused and why. The real
provider signs people in in tests/browser/test_single_sign_on.py."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import authenticate
from django.core.checks import run_checks
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.urls import reverse

from apps.accounts import oidc
from apps.accounts.models import User
from apps.accounts.oidc import Refused, SignOnBackend, account_for, groups_in, role_for_groups
from apps.accounts.roles import EVALUATOR, LEAD, VIEWER
from tests.conftest import PASSWORD

ISSUER = "https://login.example.com/realms/acme"
MAPPING = {LEAD: ["platform"], EVALUATOR: ["ml-engineers"], VIEWER: ["everyone"]}
METADATA = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/auth",
    "token_endpoint": f"{ISSUER}/token",
    "userinfo_endpoint": f"{ISSUER}/userinfo",
    "jwks_uri": f"{ISSUER}/jwks",
}


@pytest.fixture
def sso(settings, monkeypatch):
    """Single sign-on set up, with the provider's discovery document already read."""
    settings.OIDC_ISSUER = ISSUER
    settings.OIDC_CLIENT_ID = "stackledger"
    settings.OIDC_CLIENT_SECRET = "secret"
    settings.OIDC_SCOPES = ["openid", "email", "profile", "groups"]
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_LEAD_GROUPS = MAPPING[LEAD]
    settings.OIDC_EVALUATOR_GROUPS = MAPPING[EVALUATOR]
    settings.OIDC_VIEWER_GROUPS = MAPPING[VIEWER]
    settings.OIDC_PROVIDER_NAME = "Acme ID"
    monkeypatch.setitem(oidc._discovered, ISSUER, METADATA)
    return settings


def claims(email="ada@example.com", groups=("platform",), **more):
    return {"sub": "ada-1", "email": email, "email_verified": True, "name": "Ada Lovelace", "groups": list(groups),
            **more}


class TestRoleForGroups:
    def test_lead_beats_evaluator_beats_viewer(self):
        assert role_for_groups(["everyone", "ml-engineers", "platform"], MAPPING) == LEAD
        assert role_for_groups(["everyone", "ml-engineers"], MAPPING) == EVALUATOR
        assert role_for_groups(["everyone"], MAPPING) == VIEWER

    def test_no_mapped_group_gives_no_role(self):
        assert role_for_groups(["marketing"], MAPPING) is None
        assert role_for_groups([], MAPPING) is None
        assert role_for_groups(["platform"], {LEAD: [], EVALUATOR: [], VIEWER: []}) is None

    def test_group_names_match_exactly(self):
        assert role_for_groups(["Platform", "platform-old"], MAPPING) is None


class TestGroupsIn:
    def test_a_list_or_one_string(self):
        assert groups_in({"groups": ["a", "b"]}, "groups") == ["a", "b"]
        assert groups_in({"groups": "a"}, "groups") == ["a"]

    def test_none_when_the_claim_is_missing_or_not_groups(self):
        assert groups_in({}, "groups") == []
        assert groups_in({"groups": {"a": 1}}, "groups") == []

    def test_a_dotted_name_reaches_into_nested_claims(self):
        assert groups_in({"realm_access": {"roles": ["platform"]}}, "realm_access.roles") == ["platform"]
        assert groups_in({"realm_access": "x"}, "realm_access.roles") == []


@pytest.mark.usefixtures("sso")
class TestAccountFor:
    def test_a_first_sign_in_creates_the_account_with_the_mapped_role(self, db):
        user = account_for(claims(email="Ada@Example.com"))
        assert user.email == "ada@example.com"
        assert user.name == "Ada Lovelace"
        assert user.role == LEAD
        assert user.is_staff and not user.is_superuser
        assert not user.has_usable_password()

    def test_each_sign_in_brings_role_and_name_up_to_date(self, alice):
        assert account_for(claims(email="ALICE@example.com", groups=["everyone"], name="Alice Liddell")) == alice
        alice.refresh_from_db()
        assert alice.role == VIEWER
        assert alice.name == "Alice Liddell"
        assert not alice.is_staff
        account_for(claims(email="alice@example.com", groups=["everyone", "platform"], name=""))
        alice.refresh_from_db()
        assert alice.role == LEAD and alice.is_staff
        assert alice.name == "Alice Liddell"  # a provider that gives no name leaves it

    def test_the_name_may_come_in_two_parts(self, db):
        user = account_for(claims(name=None, given_name="Ada", family_name="Lovelace"))
        assert user.name == "Ada Lovelace"

    def test_someone_in_no_mapped_group_is_refused_and_gets_no_account(self, db):
        with pytest.raises(Refused, match="none of the groups"):
            account_for(claims(groups=["marketing"]))
        assert not User.objects.exists()

    def test_an_existing_account_in_no_mapped_group_loses_its_role(self, alice):
        with pytest.raises(Refused, match="none of the groups"):
            account_for(claims(email="alice@example.com", groups=[]))
        alice.refresh_from_db()
        assert alice.role is None
        assert not alice.is_staff

    def test_a_deactivated_account_is_refused_and_left_as_it_is(self, alice):
        alice.is_active = False
        alice.save()
        with pytest.raises(Refused, match="deactivated"):
            account_for(claims(email="alice@example.com", groups=["everyone"]))
        alice.refresh_from_db()
        assert alice.role == LEAD

    @pytest.mark.parametrize("email, verified", [("", True), (None, True), ("ada", True), ("ada@example.com", False),
                                                 ("ada@example.com", "false")])
    def test_no_verified_email_is_refused(self, db, email, verified):
        with pytest.raises(Refused, match="verified email"):
            account_for(claims(email=email, email_verified=verified))
        assert not User.objects.exists()

    def test_it_never_makes_a_superuser_nor_signs_one_in(self, db):
        admin = User.objects.create_superuser("root@example.com", PASSWORD)
        with pytest.raises(Refused, match="A superuser signs in with their password"):
            account_for(claims(email="root@example.com", groups=["platform"]))
        admin.refresh_from_db()
        assert admin.is_superuser and admin.is_staff and admin.role is None
        assert not account_for(claims(groups=["platform"], is_superuser=True)).is_superuser

    def test_the_groups_claim_is_the_configured_one(self, settings, db):
        settings.OIDC_GROUPS_CLAIM = "realm_access.roles"
        user = account_for(claims(groups=[], realm_access={"roles": ["ml-engineers"]}))
        assert user.role == EVALUATOR


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def id_token(key, **overrides):
    now = datetime.now(UTC)
    payload = {"iss": ISSUER, "aud": "stackledger", "sub": "ada-1", "nonce": "n-1", "iat": now,
               "exp": now + timedelta(minutes=5), **overrides}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture
def backend(sso, rf):
    backend = SignOnBackend()
    backend._configure(METADATA)
    backend.request = rf.get("/accounts/oidc/callback/")
    return backend


class TestSignOnBackend:
    def test_building_it_and_password_logins_ask_the_provider_nothing(self, sso, alice, monkeypatch, rf):
        monkeypatch.setattr(oidc, "_discovered", {})
        monkeypatch.setattr(oidc.requests, "get", lambda *a, **k: pytest.fail("asked the provider"))
        SignOnBackend()
        request = rf.post(reverse("login"))
        assert authenticate(request, username="alice@example.com", password=PASSWORD) == alice
        assert authenticate(request, username="alice@example.com", password="wrong") is None

    def test_it_checks_who_the_id_token_is_from_and_for(self, backend):
        key = rsa_key()
        backend.OIDC_RP_IDP_SIGN_KEY = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        assert backend.verify_token(id_token(key), nonce="n-1")["sub"] == "ada-1"
        assert backend.verify_token(id_token(key, aud=["other", "stackledger"]), nonce="n-1")
        for wrong in ({"aud": "another-client"}, {"iss": "https://evil.example.com"}):
            with pytest.raises(SuspiciousOperation):
                backend.verify_token(id_token(key, **wrong), nonce="n-1")
        with pytest.raises(SuspiciousOperation):
            backend.verify_token(id_token(key), nonce="another-nonce")
        with pytest.raises(SuspiciousOperation):
            backend.verify_token(id_token(rsa_key()), nonce="n-1")

    def test_userinfo_adds_to_the_id_token_about_the_same_person(self, backend, monkeypatch):
        userinfo = {"sub": "ada-1", "groups": ["platform"]}
        monkeypatch.setattr(oidc.OIDCAuthenticationBackend, "get_userinfo", lambda *args: userinfo)
        assert backend.get_userinfo("at", "it", {"sub": "ada-1", "email": "a@x"}) == {
            "sub": "ada-1", "email": "a@x", "groups": ["platform"]}
        userinfo["sub"] = "someone-else"
        with pytest.raises(SuspiciousOperation):
            backend.get_userinfo("at", "it", {"sub": "ada-1"})

    def test_without_a_userinfo_endpoint_the_id_token_says_it_all(self, backend):
        backend.OIDC_OP_USER_ENDPOINT = None
        assert backend.get_userinfo("at", "it", {"sub": "ada-1"}) == {"sub": "ada-1"}

    def test_a_refusal_is_kept_for_the_login_page(self, backend, monkeypatch, db):
        monkeypatch.setattr(SignOnBackend, "get_userinfo", lambda *args: claims(groups=["marketing"]))
        assert backend.get_or_create_user("at", "it", {}) is None
        assert "none of the groups" in backend.request.sign_on_refused

    def test_a_deactivated_person_signed_in_before_is_signed_out(self, alice):
        assert SignOnBackend().get_user(alice.pk) == alice
        alice.is_active = False
        alice.save()
        assert SignOnBackend().get_user(alice.pk) is None


class TestDiscovery:
    class Answer:
        def __init__(self, document):
            self.document = document

        def raise_for_status(self):
            pass

        def json(self):
            return self.document

    def test_it_reads_the_document_once(self, sso, monkeypatch):
        asked = []
        monkeypatch.setattr(oidc, "_discovered", {})
        monkeypatch.setattr(oidc.requests, "get", lambda url, **kw: asked.append((url, kw)) or self.Answer(METADATA))
        assert oidc.provider_metadata() == oidc.provider_metadata() == METADATA
        assert asked == [(f"{ISSUER}/.well-known/openid-configuration", {"timeout": oidc.TIMEOUT})]

    @pytest.mark.parametrize("document", [{**METADATA, "issuer": "https://elsewhere.example.com"},
                                          {**METADATA, "token_endpoint": ""}, ["not", "a", "document"]])
    def test_it_refuses_a_document_for_another_issuer_or_missing_endpoints(self, sso, monkeypatch, document):
        monkeypatch.setattr(oidc, "_discovered", {})
        monkeypatch.setattr(oidc.requests, "get", lambda url, **kw: self.Answer(document))
        with pytest.raises(oidc.ProviderUnavailable):
            oidc.provider_metadata()
        assert oidc._discovered == {}

    def test_an_unreachable_provider(self, sso, monkeypatch):
        monkeypatch.setattr(oidc, "_discovered", {})
        sso.OIDC_ISSUER = "http://127.0.0.1:9"  # the discard port: nothing listens
        with pytest.raises(oidc.ProviderUnavailable):
            oidc.provider_metadata()


class TestLoginPage:
    def test_without_single_sign_on_it_is_the_password_form(self, client, db):
        page = client.get(reverse("login")).content.decode()
        assert 'name="password"' in page
        assert "Sign in with" not in page

    def test_with_single_sign_on_it_offers_the_provider(self, client, sso, db):
        page = client.get(reverse("login") + "?next=/stack/").content.decode()
        assert "Sign in with Acme ID" in page
        assert f'href="{reverse("oidc-authenticate")}?next=/stack/"' in page
        assert 'name="password"' in page

    def test_the_button_names_the_issuers_host_by_default(self, client, sso, db):
        sso.OIDC_PROVIDER_NAME = ""
        assert "Sign in with login.example.com" in client.get(reverse("login")).content.decode()

    def test_with_password_login_off_only_the_button_remains(self, client, sso, alice):
        sso.PASSWORD_LOGIN = False
        page = client.get(reverse("login")).content.decode()
        assert "Sign in with Acme ID" in page
        assert 'name="password"' not in page
        response = client.post(reverse("login"), {"username": "alice@example.com", "password": PASSWORD})
        assert response.status_code == 403
        assert "turned off" in response.content.decode()
        assert "_auth_user_id" not in client.session
        assert client.get(reverse("overview")).status_code == 302

    def test_with_password_login_off_no_password_signs_in_anywhere(self, client, settings, alice, rf):
        alice.is_superuser = True
        alice.save()
        signed_in = Client()
        signed_in.force_login(alice)
        settings.PASSWORD_LOGIN = False
        assert signed_in.get(reverse("overview")).status_code == 302  # a password session ends
        assert authenticate(rf.post("/"), username="alice@example.com", password=PASSWORD) is None
        response = client.post("/admin/login/", {"username": "alice@example.com", "password": PASSWORD})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    def test_password_login_failures_still_lock_out(self, client, sso, alice):
        for _ in range(5):
            client.post(reverse("login"), {"username": "alice@example.com", "password": "wrong"})
        response = client.post(reverse("login"), {"username": "alice@example.com", "password": PASSWORD})
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session


class TestSignOnPages:
    def test_they_are_not_there_without_single_sign_on(self, client, db):
        assert client.get(reverse("oidc-authenticate")).status_code == 404
        assert client.get(reverse("oidc-callback") + "?code=c&state=s").status_code == 404

    def test_the_start_sends_the_browser_to_the_provider(self, client, sso, db):
        response = client.get(reverse("oidc-authenticate") + "?next=/stack/")
        assert response.status_code == 302
        url = urlsplit(response.url)
        assert f"{url.scheme}://{url.netloc}{url.path}" == METADATA["authorization_endpoint"]
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        assert query["client_id"] == "stackledger"
        assert query["redirect_uri"] == "http://testserver/accounts/oidc/callback/"
        assert query["scope"] == "openid email profile groups"
        assert query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        assert {"state", "nonce", "code_challenge"} <= set(query)
        assert client.session["oidc_states"][query["state"]]["nonce"] == query["nonce"]
        assert client.session["oidc_login_next"] == "/stack/"

    def test_an_unreachable_provider_is_said_on_the_login_page(self, client, sso, monkeypatch, db):
        monkeypatch.setattr(oidc, "_discovered", {})
        sso.OIDC_ISSUER = "http://127.0.0.1:9"
        response = client.get(reverse("oidc-authenticate"), follow=True)
        assert response.redirect_chain == [(reverse("login"), 302)]
        assert "cannot be reached" in response.content.decode()

    def test_a_provider_that_says_no_comes_back_to_the_login_page(self, client, sso, db):
        response = client.get(reverse("oidc-callback") + "?error=access_denied&state=s", follow=True)
        assert response.redirect_chain == [(reverse("login"), 302)]
        assert "Signing in with Acme ID did not work" in response.content.decode()

    def test_a_callback_this_browser_did_not_start_goes_back_to_the_login_page(self, client, sso, db):
        client.get(reverse("oidc-authenticate"))
        response = client.get(reverse("oidc-callback") + "?code=c&state=not-ours", follow=True)
        assert response.redirect_chain == [(reverse("login"), 302)]
        assert "did not work" in response.content.decode()

    def test_a_token_exchange_that_fails_is_said_on_the_login_page(self, client, sso, monkeypatch, db):
        client.get(reverse("oidc-authenticate"))
        state = next(iter(client.session["oidc_states"]))
        monkeypatch.setitem(oidc._discovered, ISSUER, {**METADATA, "token_endpoint": "http://127.0.0.1:9/token"})
        response = client.get(reverse("oidc-callback") + f"?code=c&state={state}", follow=True)
        assert response.redirect_chain == [(reverse("login"), 302)]
        assert "did not work" in response.content.decode()
        assert "_auth_user_id" not in client.session


def come_back_from_the_provider(client, monkeypatch, person: dict, next_url=""):
    """The start, then the callback, with the provider's answers (token, ID token, userinfo)
    made up: the pages, the session's state and the sign-in around them are the real ones."""
    monkeypatch.setattr(SignOnBackend, "get_token", lambda self, payload: {"id_token": "it", "access_token": "at"})
    monkeypatch.setattr(SignOnBackend, "verify_token", lambda self, token, **kwargs: {"sub": person["sub"]})
    monkeypatch.setattr(SignOnBackend, "get_userinfo", lambda self, *args: person)
    client.get(reverse("oidc-authenticate") + (f"?next={next_url}" if next_url else ""))
    state = list(client.session["oidc_states"])[-1]
    return client.get(reverse("oidc-callback") + f"?code=c&state={state}")


class TestComingBack:
    def test_the_callback_signs_the_person_in_and_goes_on_to_next(self, client, sso, monkeypatch, db):
        response = come_back_from_the_provider(client, monkeypatch, claims(), next_url="/stack/")
        assert response.status_code == 302 and response.url == "/stack/"
        user = client.get(reverse("overview")).context["user"]
        assert (user.email, user.role) == ("ada@example.com", LEAD)

    def test_a_refused_person_is_told_why_and_signed_out(self, client, sso, monkeypatch, alice):
        client.force_login(alice)
        response = come_back_from_the_provider(client, monkeypatch, claims(email="alice@example.com", groups=[]))
        assert response.url == reverse("login")
        assert "none of the groups" in client.get(reverse("login")).content.decode()
        assert client.get(reverse("overview")).status_code == 302

    def test_refused_sign_ins_lock_nobody_out(self, client, sso, monkeypatch, alice):
        for _ in range(6):
            come_back_from_the_provider(client, monkeypatch, claims(email="eve@example.com", groups=["marketing"]))
        response = come_back_from_the_provider(client, monkeypatch, claims())
        assert response.status_code == 302 and response.url == reverse("overview")
        client.post(reverse("logout"))
        response = client.post(reverse("login"), {"username": "alice@example.com", "password": PASSWORD})
        assert response.status_code == 302


def problems(settings, **values):
    for name, value in values.items():
        setattr(settings, name, value)
    return {problem.id for problem in run_checks() if problem.id.startswith("accounts.")}


class TestChecks:
    def test_password_login_alone_is_fine(self, settings):
        assert problems(settings) == set()

    def test_single_sign_on_with_or_without_password_login_is_fine(self, sso, settings):
        assert problems(settings) == set()
        assert problems(settings, PASSWORD_LOGIN=False) == set()

    def test_no_way_to_sign_in(self, settings):
        assert problems(settings, OIDC_ISSUER="", PASSWORD_LOGIN=False) == {"accounts.E001"}

    def test_a_client_without_an_issuer(self, settings):
        assert problems(settings, OIDC_ISSUER="", OIDC_CLIENT_ID="stackledger") == {"accounts.W001"}

    def test_an_issuer_without_its_client(self, sso, settings):
        assert problems(settings, OIDC_CLIENT_SECRET="") == {"accounts.E003"}

    def test_an_issuer_that_is_not_a_url_or_not_https(self, sso, settings):
        assert problems(settings, OIDC_ISSUER="login.example.com") == {"accounts.E002"}
        assert problems(settings, OIDC_ISSUER="http://login.example.com") == {"accounts.W002"}
        assert problems(settings, OIDC_ISSUER="http://127.0.0.1:8080") == set()

    def test_no_group_mapped(self, sso, settings):
        assert problems(settings, OIDC_LEAD_GROUPS=[], OIDC_EVALUATOR_GROUPS=[], OIDC_VIEWER_GROUPS=[]) == {
            "accounts.E004"}

    def test_no_openid_scope(self, sso, settings):
        assert problems(settings, OIDC_SCOPES=["email"]) == {"accounts.E005"}
