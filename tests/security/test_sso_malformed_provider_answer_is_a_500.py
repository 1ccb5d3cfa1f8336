"""A provider answer mozilla-django-oidc does not expect escapes SignOnBackend's except clause
(KeyError, AttributeError) and the callback is a 500, not the login page's "did not work".
The first is standard OIDC: `kid` is optional in the ID token's header and in a JWKS with one
key (RFC 7515 4.1.4, RFC 7517 4.5), so such a provider makes every sign-in a 500."""

import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from django.urls import reverse

from tests.accounts.test_oidc import ISSUER, rsa_key, sso  # noqa: F401  (the fixture)


class Answer:
    def __init__(self, document):
        self.document, self.status_code, self.headers, self.url = document, 200, {"content-type": "application/json"}, "u"
        self.text = json.dumps(document)

    def raise_for_status(self):
        pass

    def json(self):
        return self.document


@pytest.mark.parametrize("case", ["no kid anywhere", "jwks without keys", "token answer not an object",
                                  "userinfo not an object"])
def test_an_odd_provider_answer_comes_back_to_the_login_page(client, sso, monkeypatch, db, case):  # noqa: F811
    import mozilla_django_oidc.auth as library

    key = rsa_key()
    public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"alg": "RS256", "use": "sig"}
    client.get(reverse("oidc-authenticate"))
    state, stored = next(iter(client.session["oidc_states"].items()))
    now = datetime.now(UTC)
    payload = {"iss": ISSUER, "aud": "stackledger", "sub": "ada-1", "nonce": stored["nonce"], "iat": now,
               "exp": now + timedelta(minutes=5), "email": "ada@example.com", "groups": ["platform"]}
    headers = {} if case == "no kid anywhere" else {"kid": "k1"}
    if case != "no kid anywhere":
        public["kid"] = "k1"
    token = jwt.encode(payload, key, algorithm="RS256", headers=headers)
    jwks = {} if case == "jwks without keys" else {"keys": [public]}
    token_answer = [] if case == "token answer not an object" else {"id_token": token, "access_token": "at"}
    userinfo = [] if case == "userinfo not an object" else {"sub": "ada-1"}
    monkeypatch.setattr(library.requests, "get",
                        lambda url, **kwargs: Answer(jwks if url.endswith("/jwks") else userinfo))
    monkeypatch.setattr(library.requests, "post", lambda url, **kwargs: Answer(token_answer))
    client.raise_request_exception = False
    response = client.get(reverse("oidc-callback") + f"?code=c&state={state}")
    assert response.status_code == 302, response.status_code
    assert response.url in (reverse("login"), reverse("overview"))
