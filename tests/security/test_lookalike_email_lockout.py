"""Guessing a password past the login lockout by spelling the email another way: every spelling
that signs in to an account counts against that account's one lockout."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.conftest import PASSWORD, needs_service

# Each of these signs in to alice@example.com: the login form folds full-width and mathematical
# letters to plain ones (NFKC), and PostgreSQL's upper() makes the dotless ı an I.
LOOKALIKES = [
    "alıce@example.com",
    "ａｌıｃｅ@example.com",
    "𝐚𝐥ı𝐜𝐞@EXAMPLE.com",
    "ALıCE@ｅｘａｍｐｌｅ.com",
    "ａｌｉｃｅ@example.com",
]


@pytest.fixture
def on_postgresql(db):
    if connection.vendor != "postgresql":
        needs_service("the dotless ı signs in where the database folds it, as PostgreSQL does")


def log_in(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_lookalike_spellings_share_the_account_s_lockout(client, alice, bob, on_postgresql):
    for spelling in LOOKALIKES:  # each one really is alice's email to the login
        assert log_in(client, spelling, PASSWORD).status_code == 302, spelling
        client.logout()

    for spelling in LOOKALIKES:  # five failures, each spelt its own way
        log_in(client, spelling, "wrong")

    response = log_in(client, "alice@example.com", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    for spelling in LOOKALIKES:
        assert log_in(client, spelling, PASSWORD).status_code == 429, spelling
    assert log_in(client, bob.email, PASSWORD).status_code == 302  # another account is not locked
