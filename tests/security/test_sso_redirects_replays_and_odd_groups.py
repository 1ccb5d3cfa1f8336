"""Defences of single sign-on checked: `next` never leaves Stackledger, a state is good once,
a groups claim of an odd type gives no role, and a password can not sign in with
PASSWORD_LOGIN off, on the admin's login either."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from apps.accounts.oidc import SignOnBackend
from tests.accounts.test_oidc import claims, come_back_from_the_provider, sso  # noqa: F401  (the fixture)
from tests.conftest import PASSWORD


def signed_in_as(client):
    response = client.get(reverse("overview"))
    return response.context["user"].email if response.status_code == 200 else None


@pytest.mark.parametrize("next_url", ["//evil.com/", "https://evil.com/", "/\\evil.com", "\\\\evil.com",
                                      "http:evil.com", "javascript:alert(1)", "///evil.com", " //evil.com"])
def test_next_never_leaves_stackledger(client, sso, monkeypatch, db, next_url):  # noqa: F811
    response = come_back_from_the_provider(client, monkeypatch, claims(), next_url=quote(next_url, safe=""))
    assert response.status_code == 302 and response.url == "/"


def test_a_state_is_good_once(client, sso, monkeypatch, db):  # noqa: F811
    monkeypatch.setattr(SignOnBackend, "get_token", lambda self, payload: {"id_token": "it", "access_token": "at"})
    monkeypatch.setattr(SignOnBackend, "verify_token", lambda self, token, **kwargs: {"sub": "ada-1"})
    monkeypatch.setattr(SignOnBackend, "get_userinfo", lambda self, *args: claims())
    client.get(reverse("oidc-authenticate"))
    state = list(client.session["oidc_states"])[-1]
    assert client.get(reverse("oidc-callback") + f"?code=c&state={state}").url == "/"
    client.post(reverse("logout"))
    assert client.get(reverse("oidc-callback") + f"?code=c&state={state}").url == reverse("login")
    assert signed_in_as(client) is None


@pytest.mark.parametrize("groups", [{"platform": True}, 7, None, [None, 1], ["platform "], [["platform"]], True, "Platform"])
def test_a_groups_claim_of_an_odd_type_gives_no_role(client, sso, monkeypatch, db, groups):  # noqa: F811
    response = come_back_from_the_provider(client, monkeypatch, {**claims(), "groups": groups})
    assert response.url == reverse("login") and signed_in_as(client) is None


def test_password_login_off_holds_on_the_admin_login(client, sso, settings, alice):  # noqa: F811
    alice.is_superuser = True
    alice.save()
    settings.PASSWORD_LOGIN = False
    client.post("/admin/login/", {"username": "alice@example.com", "password": PASSWORD})
    assert client.get("/admin/").status_code == 302
    assert "_auth_user_id" not in client.session
