"""`notify:` in a stack file written carelessly, and the export -> import round trip."""

import pytest

from apps.accounts.models import Team
from apps.catalog.models import Category
from apps.lib import yamlio
from apps.notifications.models import Channel
from apps.notifications.services import add_channel
from apps.stackfile.exporter import export_stack
from apps.stackfile.importer import import_stack
from tests.conftest import NOW

SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"


def team_file(notify: str, name: str = "Platform") -> str:
    return f"version: 1\nteams:\n  - name: {name}\n    notify: {notify}\n"


def urls(team_name="Platform"):
    return sorted(c.url() for c in Channel.objects.filter(team__name=team_name))


# The defences that hold ------------------------------------------------------------------

@pytest.mark.parametrize("notify", ["[null]", "[5]", "[true]", "[[json://a/b]]", "[{url_env: X, extra: 1}]",
                                    "[{url_env: [A]}]", "[{url_env: null}]", "[{}]", "{url_env: X}", "json://a/b",
                                    '[""]', '["   "]', "[{url_env: lower}]", "[{url_env: SECRET_KEY_FILE}]",
                                    "[{url_env: " + "A" * 101 + "}]", '["ＪＳＯＮ://x/y"]'])
def test_a_notify_entry_of_the_wrong_kind_is_an_error_not_a_crash(catalog, notify):
    outcome = import_stack(team_file(notify), commit=True, now=NOW, read_credentials=True)
    assert not outcome.applied and outcome.errors
    assert not Team.objects.exists()


def test_a_first_import_into_an_empty_database_adds_the_team_and_its_channels(db):
    assert not Category.objects.exists()
    outcome = import_stack(team_file(f"['json://hooks.example.com:9/a', '{SLACK}']"), commit=True, now=NOW)
    assert outcome.applied, outcome.errors
    assert urls() == sorted(["json://hooks.example.com:9/a", SLACK])


def test_a_url_in_a_file_whose_stored_channel_it_names_twice_is_an_error(platform, catalog):
    add_channel(platform, SLACK, now=NOW)
    outcome = import_stack(team_file(f"['{SLACK}', '{SLACK}']"), commit=True, now=NOW)
    assert not outcome.applied and any("listed twice" in error for error in outcome.errors)


# The problems ----------------------------------------------------------------------------

def test_notify_null_is_an_error_not_a_crash(catalog):
    """`notify:` with nothing after it (or `~`) passes the shape check (None is let through for
    every field) and then plan_channels iterates None: TypeError, a 500 on the import page."""
    outcome = import_stack(team_file(""), commit=True, now=NOW)
    assert not outcome.applied or not Channel.objects.exists()


def test_the_same_secret_url_twice_in_a_new_file_is_listed_twice(catalog):
    """Each copy is given its own made-up variable (NOTIFY_PLATFORM_SLACK, ..._2), so the
    duplicate check on `url_env or url` never sees them equal: every alert is posted twice."""
    outcome = import_stack(team_file(f"['{SLACK}', '  {SLACK}  ']"), commit=True, now=NOW)
    assert not outcome.applied and any("listed twice" in error for error in outcome.errors), urls()


@pytest.mark.parametrize("first, second", [
    ("json://hooks.example.com/alerts", "json://hooks.example.com/alerts/"),
    ("json://hooks.example.com/alerts", "JSON://HOOKS.EXAMPLE.COM/alerts"),
])
def test_the_same_channel_spelled_differently_is_refused_on_the_page(platform, first, second):
    from apps.notifications.channels import BadChannel

    add_channel(platform, first, now=NOW)
    with pytest.raises(BadChannel, match="already has"):
        add_channel(platform, second, now=NOW)


def test_a_secret_channel_of_a_team_with_an_accented_name_survives_the_round_trip(catalog):
    """env_name keeps letters that are not A-Z (str.isalnum), so the export names a variable
    (NOTIFY_ÉQUIPE_DONNÉES_SLACK) that the import's own ENV_NAME rule then refuses."""
    team = Team.objects.create(name="Équipe données")
    add_channel(team, SLACK, now=NOW)
    outcome = import_stack(export_stack(), commit=True, now=NOW)
    assert outcome.applied, outcome.errors


def test_two_teams_never_share_a_made_up_variable(catalog):
    """"Data Platform" and "Data-Platform" both export {url_env: NOTIFY_DATA_PLATFORM_SLACK}:
    imported elsewhere from one environment, both teams get the one URL."""
    a, b = Team.objects.create(name="Data Platform"), Team.objects.create(name="Data-Platform")
    add_channel(a, SLACK, now=NOW)
    add_channel(b, "slack://T2JJ3T3L2/B1BRTD4JD/XXiajkdnlazkcOXrIdevi7FQ", now=NOW)
    names = [item["notify"][0]["url_env"] for item in yamlio.load(export_stack())["teams"]]
    assert len(set(names)) == 2, names


def test_a_long_url_survives_the_round_trip(catalog, platform):
    """The export writes `label` for a URL without a secret, and set_url cuts the label at 300
    characters: the import then replaces the channel with a cut-off URL."""
    long_url = "json://hooks.example.com/alerts?" + "&".join(f":field{n}=value" for n in range(40))
    assert len(long_url) > 300
    import_stack(team_file(f"['{long_url}']"), commit=True, now=NOW)
    assert urls() == [long_url]
    outcome = import_stack(export_stack(), commit=True, now=NOW)
    assert outcome.applied and urls() == [long_url], outcome.changes["teams"].fields


def test_a_control_character_in_a_pasted_url_is_an_error_not_a_crash(catalog):
    """yamlio.load builds StrictLoader(text) outside its try: PyYAML's Reader refuses a NUL
    (or \\x01, \\x7f...) in its constructor, so ReaderError escapes as a 500 on the import page."""
    outcome = import_stack(team_file('["json://hooks.example.com/a\x00b"]'), commit=False, now=NOW)
    assert outcome.errors and not outcome.applied
