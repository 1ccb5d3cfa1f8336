import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import Team, User


@pytest.fixture
def password_env(monkeypatch):
    monkeypatch.setenv("STACKLEDGER_PASSWORD", "a long enough password")


def test_it_creates_a_user_with_a_role_and_a_team(db, password_env, capsys):
    call_command("createuser", "Dana@Example.com", "--role", "evaluator", "--team", "Data Science")
    user = User.objects.get(email="dana@example.com")
    assert user.role == "evaluator"
    assert user.team.name == "Data Science"
    assert user.check_password("a long enough password")
    assert "Created dana@example.com as evaluator in team Data Science" in capsys.readouterr().out


def test_it_updates_an_existing_user(db, password_env, alice):
    call_command("createuser", "alice@example.com", "--role", "viewer")
    alice.refresh_from_db()
    assert alice.role == "viewer"
    assert alice.team.name == "Platform"  # kept: no --team given
    assert alice.check_password("a long enough password")
    assert User.objects.count() == 1


def test_it_reuses_an_existing_team(db, password_env, platform):
    call_command("createuser", "erin@example.com", "--role", "lead", "--team", "Platform")
    assert Team.objects.count() == 1


def test_it_refuses_a_role_that_does_not_exist(db, password_env):
    with pytest.raises(CommandError, match="invalid choice: 'admin'"):
        call_command("createuser", "x@example.com", "--role", "admin")


def test_it_refuses_a_bad_email(db, password_env):
    with pytest.raises(CommandError, match="not an email address"):
        call_command("createuser", "not-an-email", "--role", "viewer")
    assert not User.objects.exists()


def test_without_a_password_or_a_terminal_it_says_what_to_set(db, monkeypatch):
    monkeypatch.delenv("STACKLEDGER_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="Set STACKLEDGER_PASSWORD"):
        call_command("createuser", "x@example.com", "--role", "viewer")
    assert not User.objects.exists()


def test_it_refuses_a_weak_password(db, monkeypatch):
    monkeypatch.setenv("STACKLEDGER_PASSWORD", "12345")
    with pytest.raises(CommandError, match="too weak"):
        call_command("createuser", "x@example.com", "--role", "viewer")
    assert not User.objects.exists()


def test_leads_get_the_admin_site_and_lose_it_with_the_role(db, password_env):
    call_command("createuser", "lee@example.com", "--role", "lead")
    assert User.objects.get(email="lee@example.com").is_staff
    call_command("createuser", "lee@example.com", "--role", "viewer")
    assert not User.objects.get(email="lee@example.com").is_staff
