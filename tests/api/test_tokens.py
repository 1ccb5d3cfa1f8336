"""API tokens have a scope (read, or read and write) and may expire: a lead chooses both on the
tokens page. A read token is refused every write with 403; an expired or revoked token, or one
whose maker is no longer a lead, is refused everything with 401, /api/stack.json included."""

from datetime import UTC, date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.painpoints.models import PainPoint
from tests.api.conftest import bearer

PAIN = {"title": "Nobody knows which model is live", "evidence": "Rolled back the wrong model on 2 March"}


def log_pain(client, secret, **fields):
    return client.post("/api/v1/pain-points/", {**PAIN, **fields}, content_type="application/json",
                       headers=bearer(secret))


def test_a_lead_makes_a_write_token_that_expires(lead_client):
    expires_on = timezone.now().date() + timedelta(days=30)
    page = lead_client.post(reverse("token-list"), {"name": "incident bot", "scope": "write",
                                                    "expires_on": expires_on.isoformat()}).content.decode()
    token = ApiToken.objects.get()
    assert token.scope == ApiToken.Scope.WRITE and token.may_write
    assert token.expires_at == datetime.combine(expires_on, datetime.min.time(), tzinfo=UTC)
    assert "read and write" in page and f"{expires_on:%-d %b %Y}" in page


def test_a_token_is_read_only_unless_chosen_otherwise(lead_client):
    lead_client.post(reverse("token-list"), {"name": "grafana"})
    token = ApiToken.objects.get()
    assert token.scope == ApiToken.Scope.READ and token.expires_at is None


def test_a_token_cannot_expire_today_or_before(lead_client):
    for day in (timezone.now().date(), date(2020, 1, 1)):
        response = lead_client.post(reverse("token-list"), {"name": "x", "scope": "read", "expires_on": day.isoformat()})
        assert "Choose a day after today" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_scope_that_does_not_exist_is_refused(lead_client):
    lead_client.post(reverse("token-list"), {"name": "x", "scope": "admin"})
    assert not ApiToken.objects.exists()


def test_a_read_token_reads_but_is_refused_the_write(client, read_token, catalog):
    assert client.get("/api/v1/pain-points/", headers=bearer(read_token)).status_code == 200
    response = log_pain(client, read_token)
    assert response.status_code == 403
    assert response.json()["detail"] == [{
        "loc": ["header", "Authorization"], "type": "read_only_token",
        "msg": "This token may only read: writes need a read and write token.",
    }]
    assert not PainPoint.objects.exists()


def test_a_write_token_writes(client, write_token, catalog):
    assert log_pain(client, write_token).status_code == 201


def test_an_expired_token_is_refused(client, alice, catalog):
    _, secret = ApiToken.issue(name="old", by=alice, scope="write", expires_at=timezone.now() - timedelta(seconds=1))
    for response in (client.get("/api/v1/stack/", headers=bearer(secret)), log_pain(client, secret),
                     client.get(reverse("stack-json"), headers=bearer(secret))):
        assert response.status_code == 401
    assert client.get("/api/v1/stack/", headers=bearer(secret)).json()["detail"][0]["loc"] == ["header", "Authorization"]
    assert not PainPoint.objects.exists()


def test_a_token_works_until_it_expires(client, alice, db):
    _, secret = ApiToken.issue(name="soon", by=alice, expires_at=timezone.now() + timedelta(minutes=5))
    assert client.get("/api/v1/stack/", headers=bearer(secret)).status_code == 200


def test_a_revoked_token_is_refused(client, alice, write_token, db):
    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.get("/api/v1/stack/", headers=bearer(write_token)).status_code == 401
    assert log_pain(client, write_token).status_code == 401


def test_a_lead_demoted_to_viewer_takes_the_tokens_along(client, alice, write_token, catalog):
    alice.set_role("viewer")
    assert client.get("/api/v1/stack/", headers=bearer(write_token)).status_code == 401
    assert log_pain(client, write_token).status_code == 401
    alice.set_role("lead")
    assert log_pain(client, write_token).status_code == 201


def test_the_stack_json_takes_either_scope(client, read_token, write_token, db):
    for secret in (read_token, write_token):
        response = client.get(reverse("stack-json"), headers=bearer(secret))
        assert response.status_code == 200 and response.json()["version"] == 1


def test_the_admin_shows_scope_and_expiry_and_changes_neither(admin_client, alice):
    token, _ = ApiToken.issue(name="incident bot", by=alice, scope="write", expires_at=datetime(2027, 1, 1, tzinfo=UTC))
    listing = admin_client.get("/admin/accounts/apitoken/").content.decode()
    assert "Read and write" in listing and "1 Jan 2027" in listing
    admin_client.post(f"/admin/accounts/apitoken/{token.pk}/change/", {"name": "renamed", "scope": "read", "expires_at": ""})
    token.refresh_from_db()
    assert (token.name, token.scope, token.expires_at) == ("renamed", "write", datetime(2027, 1, 1, tzinfo=UTC))
