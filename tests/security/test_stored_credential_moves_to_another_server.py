"""A lead (or staff in the admin, or a stack file) sends a probe's stored credential to a server
it was never meant for: by moving the URL to another host, or by changing the kind, which
moves a probe without a URL from one SaaS API to another (a GitHub token to W&B). One rule
decides everywhere (apps.probes.models.credential_stays): the credential is entered again."""

import pytest

from apps.catalog.models import Tool
from apps.probes.models import Probe
from apps.stack.models import Lifecycle, StackEntry
from apps.stackfile.importer import import_stack
from tests.conftest import NOW
from tests.test_admin import change_in_admin

TOKEN = "ghp_stored-github-token"


@pytest.fixture
def entry(catalog, alice):
    return StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=alice)


@pytest.fixture
def github_probe(entry):
    """A GitHub Actions probe on the public API (no URL), with a stored token."""
    probe = Probe(entry=entry, kind="github_actions", params={"repository": "acme/ml"})
    probe.set_credential(TOKEN)
    probe.save()
    return probe


@pytest.fixture
def internal_probe(entry):
    probe = Probe(entry=entry, kind="http_json", url="http://10.1.2.3:8080/status", params={"count_path": "n"})
    probe.set_credential(TOKEN)
    probe.save()
    return probe


def test_the_probe_page_asks_again_when_a_new_kind_sends_the_credential_elsewhere(lead_client, entry, github_probe):
    response = lead_client.post(f"/stack/{entry.pk}/probe/", {
        "kind": "wandb", "url": "", "param_entity": "acme", "param_project": "churn", "interval_minutes": "60",
        "unused_after_days": "90", "failures_before_unknown": "3", "enabled": "on",
    })
    assert response.status_code == 200
    assert "enter the credential again" in response.content.decode()
    github_probe.refresh_from_db()
    assert (github_probe.kind, github_probe.credential()) == ("github_actions", TOKEN)


def test_the_probe_page_keeps_the_credential_on_the_same_server(lead_client, entry, internal_probe):
    response = lead_client.post(f"/stack/{entry.pk}/probe/", {
        "kind": "http_json", "url": "http://10.1.2.3:8080/other", "param_count_path": "n", "interval_minutes": "60",
        "unused_after_days": "90", "failures_before_unknown": "3", "enabled": "on",
    })
    assert response.status_code == 302
    internal_probe.refresh_from_db()
    assert (internal_probe.url, internal_probe.credential()) == ("http://10.1.2.3:8080/other", TOKEN)


def stack_file(probe: str) -> str:
    return f"version: 1\nstack:\n  - tool: MLflow\n    status: adopted\n    probe:\n{probe}"


def test_a_stack_file_that_changes_the_kind_drops_the_credential(entry, github_probe):
    outcome = import_stack(stack_file("      kind: wandb\n      params: {entity: acme, project: churn}\n"),
                           commit=True, now=NOW)
    assert outcome.applied, outcome.errors
    github_probe.refresh_from_db()
    assert github_probe.kind == "wandb"
    assert not github_probe.has_credential


def test_a_stack_file_that_moves_the_url_to_another_host_drops_the_credential(entry, internal_probe):
    outcome = import_stack(stack_file("      kind: http_json\n      url: http://10.9.9.9:8080/status\n"
                                      "      params: {count_path: data.total}\n"), commit=True, now=NOW)
    assert outcome.applied, outcome.errors
    assert "probe.credential: cleared" in outcome.changes["stack"].fields["MLflow"]
    internal_probe.refresh_from_db()
    assert internal_probe.url == "http://10.9.9.9:8080/status" and not internal_probe.has_credential


def test_the_admin_cannot_move_a_probe_or_its_credential(admin_client, internal_probe):
    change_in_admin(admin_client, internal_probe, url="http://10.9.9.9:8080/", kind="prometheus",
                    interval_minutes="30")
    assert (internal_probe.kind, internal_probe.url) == ("http_json", "http://10.1.2.3:8080/status")
    assert internal_probe.credential() == TOKEN and internal_probe.interval_minutes == 30
