from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import ApiToken, User

URL = reverse("stack-json")


def test_a_logged_in_viewer_reads_the_stack_as_json(client, catalog):
    call_command("seed_demo", verbosity=0)
    client.force_login(User.objects.get(email="vic@example.com"))
    data = client.get(URL).json()
    assert data["version"] == 1
    assert "MLflow" in [entry["tool"] for entry in data["stack"]]


def test_a_script_reads_it_with_a_token(client, alice, catalog):
    token, secret = ApiToken.issue(name="grafana", by=alice)
    response = client.get(URL, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json()["version"] == 1
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_wrong_or_revoked_token_is_refused(client, alice, db):
    token, secret = ApiToken.issue(name="grafana", by=alice)
    assert client.get(URL, headers={"Authorization": "Bearer sl_wrong"}).status_code == 401
    assert client.get(URL, headers={"Authorization": secret}).status_code == 401
    token.revoked_at = token.created_at
    token.save()
    assert client.get(URL, headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_a_token_opens_no_page_but_the_json(client, alice, catalog):
    _, secret = ApiToken.issue(name="grafana", by=alice)
    headers = {"Authorization": f"Bearer {secret}"}
    for url in [reverse("overview"), reverse("stack-export"), reverse("stack-import"), reverse("token-list")]:
        assert client.get(url, headers=headers).status_code == 302, url


def test_a_token_dies_with_its_creators_right_to_make_tokens(client, alice, catalog):
    _, secret = ApiToken.issue(name="grafana", by=alice)
    headers = {"Authorization": f"Bearer {secret}"}
    alice.set_role("viewer")
    assert client.get(URL, headers=headers).status_code == 401
    alice.set_role("lead")
    assert client.get(URL, headers=headers).status_code == 200
    alice.is_active = False
    alice.save()
    assert client.get(URL, headers=headers).status_code == 401


def test_a_lead_creates_a_token_and_sees_it_once(lead_client):
    page = lead_client.post(reverse("token-list"), {"name": "grafana"}).content.decode()
    token = ApiToken.objects.get()
    secret = page.split('<code class="copyable">')[1].split("</code>")[0]
    assert secret.startswith("sl_") and token.digest == ApiToken.hash(secret)
    assert secret not in lead_client.get(reverse("token-list")).content.decode()


def test_revoking_asks_first(lead_client, alice):
    token, _ = ApiToken.issue(name="grafana", by=alice)
    url = reverse("token-revoke", kwargs={"pk": token.pk})
    assert "This cannot be undone" in lead_client.get(url).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    lead_client.post(url)
    token.refresh_from_db()
    assert token.revoked_at is not None
