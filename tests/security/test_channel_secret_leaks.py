"""A channel URL's secret stays out of everything a viewer, the export, the admin and the
import's messages show. The failing tests show secrets Stackledger does not recognise as such
(so the whole URL becomes the label everyone reads and the export carries) and an environment
variable's value printed by the command-line import."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.notifications.models import Notification
from apps.notifications.services import add_channel
from apps.stackfile.importer import import_stack
from tests.conftest import NOW

SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"
SLACK_SECRET = "TIiajkdnlazkcOXrIdevi7FQ"


def everything_a_reader_sees(client, team) -> str:
    return "\n".join([
        client.get(reverse("team-detail", args=[team.pk])).content.decode(),
        client.get(reverse("team-list")).content.decode(),
        client.get(reverse("stack-export")).content.decode(),
        client.get(reverse("stack-json")).content.decode(),
    ])


# The defences that hold ------------------------------------------------------------------

def viewer(carol):
    client = Client()
    client.force_login(carol)
    return client


def test_a_slack_token_stays_out_of_pages_fragments_export_and_admin(catalog, lead_client, carol, platform):
    response = lead_client.post(reverse("channel-add", args=[platform.pk]), {"url": SLACK}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and SLACK_SECRET not in response.content.decode()
    assert SLACK_SECRET not in everything_a_reader_sees(viewer(carol), platform)
    channel = platform.channels.get()
    Notification.objects.create(key="k", channel=channel, to=[], subject="s", text="t", last_error="NotDelivered: x")
    admin = User.objects.create_superuser("root@example.com", "pw-pw-pw-pw-1")
    lead_client.force_login(admin)
    for url in [reverse("admin:notifications_channel_changelist"), reverse("admin:notifications_channel_change", args=[channel.pk]),
                reverse("admin:notifications_channel_delete", args=[channel.pk]),
                reverse("admin:notifications_notification_changelist"),
                reverse("admin:notifications_notification_change", args=[Notification.objects.get().pk])]:
        page = lead_client.get(url)
        assert page.status_code == 200, (url, page.content.decode()[:300])
        assert SLACK_SECRET not in page.content.decode() and "gAAAAA" not in page.content.decode(), url


def test_the_import_preview_names_a_secret_url_masked(catalog, lead_client):
    text = f"version: 1\nteams:\n  - name: Platform\n    notify: ['{SLACK}']\n"
    page = lead_client.post(reverse("stack-import"), {"text": text, "action": "check"}).content.decode()
    assert "slack://T...2/A...D/T...Q" in page
    assert page.count(SLACK_SECRET) <= 2  # only in the two textareas that echo the file back


def test_a_web_upload_never_reads_the_environment(catalog, lead_client, monkeypatch):
    monkeypatch.setenv("SOME_SECRET", "json://hooks.example.com/x?:k=THE-ENV-SECRET")
    text = "version: 1\nteams:\n  - name: Platform\n    notify: [{url_env: SOME_SECRET}]\n"
    page = lead_client.post(reverse("stack-import"), {"text": text, "action": "apply"}, follow=True).content.decode()
    assert "THE-ENV-SECRET" not in page


@pytest.mark.parametrize("name", ["SECRET_KEY", "DATABASE_URL", "FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_KEYS_FILE",
                                  "EMAIL_HOST_PASSWORD", "OIDC_CLIENT_SECRET", "METRICS_TOKEN", "SECRET_KEY_FILE"])
def test_stackledgers_own_settings_are_never_read_as_channel_urls(catalog, name, monkeypatch):
    monkeypatch.setenv(name, "postgres://stackledger:THE-DB-PASSWORD@db/x")
    text = f"version: 1\nteams:\n  - name: Platform\n    notify: [{{url_env: {name}}}]\n"
    outcome = import_stack(text, commit=True, now=NOW, read_credentials=True)
    assert not outcome.applied and "THE-DB-PASSWORD" not in str(outcome.errors + outcome.warnings)


# The leaks -------------------------------------------------------------------------------

@pytest.mark.parametrize("url, secret", [
    ("json://hooks.example.com/alerts?:apikey=QUERYSECRET123", "QUERYSECRET123"),  # a key in the posted body
    ("form://hooks.example.com/alerts?:token=QUERYSECRET123", "QUERYSECRET123"),
    ("json://hooks.example.com/alerts?token=QUERYSECRET123", "QUERYSECRET123"),
    ("json://hooks.example.com/hooks/wkqzvbnmhjtrplsxcdfgyuie", "wkqzvbnmhjtrplsxcdfgyuie"),  # a key without digits
])
def test_a_secret_apprise_does_not_mask_stays_from_readers(catalog, viewer_client, platform, url, secret):
    add_channel(platform, url, now=NOW)
    assert secret not in everything_a_reader_sees(viewer_client, platform)


def test_the_command_line_prints_no_value_of_a_variable_it_could_not_use(catalog, monkeypatch):
    """A stack file (reviewed in a repository, applied by CI) names any variable of the
    importing process that is not one of Stackledger's own: its value is printed in the error."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY")
    text = "version: 1\nteams:\n  - name: Platform\n    notify: [{url_env: AWS_SECRET_ACCESS_KEY}]\n"
    outcome = import_stack(text, commit=True, now=NOW, read_credentials=True)
    assert not outcome.applied
    assert "wJalrXUtnFEMI" not in str(outcome.errors + outcome.warnings), outcome.errors
