from django.urls import reverse

from tests.conftest import PASSWORD


def test_it_logs_in_with_email_and_password(client, alice):
    response = client.post(
        reverse("login"), {"username": "alice@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("overview")
    assert client.get(reverse("overview")).context["user"] == alice


def test_it_accepts_the_email_in_any_case(client, alice):
    response = client.post(reverse("login"), {"username": "Alice@Example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_it_refuses_a_wrong_password_with_a_message(client, alice):
    response = client.post(reverse("login"), {"username": "alice@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct email and password" in response.content.decode()


def test_it_refuses_an_inactive_user(client, alice):
    alice.is_active = False
    alice.save()
    response = client.post(reverse("login"), {"username": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_it_logs_out_with_a_post(lead_client):
    response = lead_client.post(reverse("logout"))
    assert response.status_code == 302
    assert lead_client.get(reverse("overview")).status_code == 302
