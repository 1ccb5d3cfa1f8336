"""Someone who once knew a heartbeat URL (it leaked, or they owned the tool and handed it over)
keeps feeding the tool's usage with fake pings. The owner or a lead rotates the URL, and a
new owner gets a new URL whatever path changes the owner; pages showing the URL are not kept
by browsers or proxies."""

import pytest
from django.test import Client

from apps.catalog.models import Tool
from apps.probes.models import Probe
from apps.stack.models import Lifecycle, StackEntry
from apps.stackfile.importer import import_stack
from tests.conftest import NOW
from tests.test_admin import change_in_admin


@pytest.fixture
def entry(catalog, bob):
    """MLflow, adopted, owned by bob (an evaluator); alice leads, carol views."""
    return StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=bob)


@pytest.fixture
def probe(entry):
    return Probe.objects.create(entry=entry, kind="heartbeat")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pings(url: str) -> int:
    return Client().post(url).status_code


def heartbeat_url(probe: Probe) -> str:
    return f"/hb/{Probe.objects.get(pk=probe.pk).heartbeat_token}/"


def test_the_owner_rotates_the_url_and_the_old_one_stops_working(entry, probe, bob):
    old = heartbeat_url(probe)
    assert pings(old) == 200
    response = logged_in(bob).post(f"/stack/{entry.pk}/heartbeat/rotate/", {"confirm": "rotate"}, follow=True)
    new = heartbeat_url(probe)
    assert new != old and new in response.content.decode()
    assert pings(old) == 404
    Probe.objects.filter(pk=probe.pk).update(last_ping_at=None)
    assert pings(new) == 200
    assert Probe.objects.get(pk=probe.pk).last_ping_at is not None


def test_rotating_needs_the_confirmation(entry, probe, alice):
    old = heartbeat_url(probe)
    logged_in(alice).post(f"/stack/{entry.pk}/heartbeat/rotate/")
    assert heartbeat_url(probe) == old


def test_a_viewer_cannot_rotate(entry, probe, carol):
    old = heartbeat_url(probe)
    assert logged_in(carol).post(f"/stack/{entry.pk}/heartbeat/rotate/", {"confirm": "rotate"}).status_code == 403
    assert heartbeat_url(probe) == old


def test_a_new_owner_on_the_entry_page_invalidates_the_old_url(entry, probe, alice):
    old = heartbeat_url(probe)
    response = logged_in(alice).post(f"/stack/{entry.pk}/edit/", {
        "owner": alice.pk, "licence_per_month": "0", "ops_hours_per_month": "0",
    })
    assert response.status_code == 302
    assert StackEntry.objects.get(pk=entry.pk).owner == alice
    assert pings(old) == 404 and pings(heartbeat_url(probe)) == 200


def test_a_new_owner_in_the_admin_invalidates_the_old_url(admin_client, entry, probe, alice):
    old = heartbeat_url(probe)
    change_in_admin(admin_client, entry, owner=alice.pk)
    assert entry.owner == alice
    assert pings(old) == 404 and pings(heartbeat_url(probe)) == 200


def test_a_new_owner_from_a_stack_file_invalidates_the_old_url(entry, probe, alice):
    old = heartbeat_url(probe)
    outcome = import_stack(
        "version: 1\nstack:\n  - tool: MLflow\n    status: adopted\n    owner: alice@example.com\n"
        "    probe: {kind: heartbeat, interval_minutes: 30}\n",
        commit=True, now=NOW,
    )
    assert outcome.applied, outcome.errors
    assert pings(old) == 404 and pings(heartbeat_url(probe)) == 200
    assert Probe.objects.get(pk=probe.pk).interval_minutes == 30


def test_the_entry_page_with_the_url_is_not_stored(entry, probe, bob):
    response = logged_in(bob).get(f"/stack/{entry.pk}/")
    assert probe.heartbeat_token in response.content.decode()
    assert "no-store" in response["Cache-Control"]
