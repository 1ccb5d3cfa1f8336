"""A team's `notify:` channels in the stack file: added, kept, replaced and removed as the file
says; a URL with a secret is stored encrypted and exported as an environment variable."""

import pytest

from apps.accounts.models import Team
from apps.lib import yamlio
from apps.notifications.models import Channel
from apps.notifications.services import add_channel
from apps.stackfile.applying import apply
from apps.stackfile.exporter import export_stack
from apps.stackfile.importer import _Importer, import_stack
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("catalog")
SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"
HOOK = "json://hooks.example.com:8080/alerts"


def team_file(notify: str) -> str:
    return f"version: 1\nteams:\n  - name: Platform\n    notify: {notify}\n"


def channels():
    return sorted((c.label, c.url_env, c.url()) for c in Channel.objects.filter(team__name="Platform"))


def test_a_file_adds_channels_and_its_export_names_the_secret_by_variable(db):
    outcome = import_stack(team_file(f'["{HOOK}", "{SLACK}"]'), commit=True, now=NOW)
    assert outcome.applied, outcome.errors
    assert outcome.changes["teams"].details["Platform"] == [f"notify: + {HOOK}", "notify: + slack://T...2/A...D/T...Q"]
    assert any("carries a secret" in w and "NOTIFY_PLATFORM_SLACK" in w for w in outcome.warnings)
    assert channels() == [(HOOK, "", HOOK), ("slack://T...2/A...D/T...Q", "NOTIFY_PLATFORM_SLACK", SLACK)]
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in str(Channel.objects.values_list("url_token", flat=True))

    exported = export_stack()
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in exported
    team = yamlio.load(exported)["teams"][0]
    assert team["notify"] == [HOOK, {"url_env": "NOTIFY_PLATFORM_SLACK"}]
    again = import_stack(exported, commit=True, now=NOW)  # the round trip changes nothing
    assert again.applied and again.changes["teams"].unchanged == ["Platform"]
    assert len(channels()) == 2


def test_the_command_line_reads_a_url_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("PLATFORM_SLACK_URL", SLACK)
    text = team_file("[{url_env: PLATFORM_SLACK_URL}]")
    web = import_stack(text, commit=True, now=NOW)  # an upload never reads the environment
    assert web.applied and not Channel.objects.exists()
    assert any("only by `python manage.py import_stack`" in w for w in web.warnings)
    outcome = import_stack(text, commit=True, now=NOW, read_credentials=True)
    assert outcome.applied, outcome.errors
    assert channels() == [("slack://T...2/A...D/T...Q", "PLATFORM_SLACK_URL", SLACK)]
    assert yamlio.load(export_stack())["teams"][0]["notify"] == [{"url_env": "PLATFORM_SLACK_URL"}]
    # Later, on a machine without the variable, the stored URL stays.
    monkeypatch.delenv("PLATFORM_SLACK_URL")
    kept = import_stack(text, commit=True, now=NOW, read_credentials=True)
    assert kept.applied and kept.changes["teams"].unchanged == ["Platform"] and len(channels()) == 1
    # A new URL in the variable replaces the stored one.
    monkeypatch.setenv("PLATFORM_SLACK_URL", HOOK)
    replaced = import_stack(text, commit=True, now=NOW, read_credentials=True)
    assert replaced.changes["teams"].fields["Platform"] == [f"notify: {HOOK} (URL from PLATFORM_SLACK_URL replaced)"]
    assert channels() == [(HOOK, "PLATFORM_SLACK_URL", HOOK)]


def test_the_list_is_the_set_and_a_file_without_it_leaves_channels_alone(platform):
    add_channel(platform, HOOK, now=NOW)
    add_channel(platform, SLACK, now=NOW)
    assert import_stack("version: 1\nteams:\n  - {name: Platform, description: Runs it}\n", commit=True, now=NOW).applied
    assert len(channels()) == 2
    outcome = import_stack(team_file(f'["{HOOK}"]'), commit=True, now=NOW)
    assert outcome.changes["teams"].fields["Platform"] == ["notify: − slack://T...2/A...D/T...Q"]
    assert [label for label, _, _ in channels()] == [HOOK]
    assert import_stack(team_file("[]"), commit=True, now=NOW).applied
    assert not Channel.objects.exists()


@pytest.mark.parametrize(("notify", "message"), [
    ('["hooks.example.com/alerts"]', "line 4: teams[Platform].notify[0]: 'hooks.example.com/alerts' is not a URL"),
    ('["gopher://x/y"]', "line 4: teams[Platform].notify[0]: gopher:// is not a channel Stackledger posts to"),
    ('["slack://onlyone"]', "line 4: teams[Platform].notify[0]: Apprise cannot use 'slack://onlyone'"),
    (f'["{HOOK}", "{HOOK}"]', f"line 4: teams[Platform].notify[1]: {HOOK} is listed twice"),
    ("[{url_env: lower_case}]", "teams[Platform].notify[0].url_env: 'lower_case' is not an environment variable"),
    ("[{url_env: SECRET_KEY}]", "teams[Platform].notify[0].url_env: 'SECRET_KEY' is not an environment variable"),
    ("[{url: x}]", "teams[Platform].notify[0]: must be an Apprise URL as text or {url_env: NAME}"),
    ('"json://x/y"', "line 4: teams[Platform].notify: must be a list of Apprise URLs"),
])
def test_a_bad_channel_is_refused_with_its_line_and_nothing_is_written(platform, notify, message):
    add_channel(platform, SLACK, now=NOW)
    outcome = import_stack(team_file(notify) + "  - name: Data\n", commit=True, now=NOW)
    assert not outcome.applied
    assert any(error.startswith(message) or message in error for error in outcome.errors), outcome.errors
    assert [label for label, _, _ in channels()] == ["slack://T...2/A...D/T...Q"]
    assert not Team.objects.filter(name="Data").exists()


def test_channels_changed_on_the_page_meanwhile_refuse_the_file(platform):
    importer = _Importer(by=None, read_credentials=False, now=NOW)
    importer.run(yamlio.load(team_file(f'["{HOOK}"]')))
    assert importer.outcome.ok
    add_channel(platform, SLACK, now=NOW)  # a lead adds one on the team's page
    assert "the channels of team Platform were changed meanwhile" in apply(importer.steps, by=None, now=NOW)
    assert [label for label, _, _ in channels()] == ["slack://T...2/A...D/T...Q"]
