"""A lead manages any account through a stack-file upload.

Uploading a stack file is a lead's; managing people is not. A file could deactivate or demote a
superuser, take a lead's role away, and reactivate a departed account, which then signs in with
its old password. Now people are added or changed through a file only by someone who may add
or change them (the operator on the command line, a superuser, or whoever holds the
permission), a superuser's account is never changed by one, a staff account only by a
superuser (and made only by one: the lead role gives the admin site), no account is ever
reactivated, and the preview says which people rows it changes.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.roles import LEAD, VIEWER
from apps.stackfile.importer import import_stack
from tests.conftest import NOW, PASSWORD

URL = reverse("stack-import")
pytestmark = pytest.mark.usefixtures("clock", "catalog")


@pytest.fixture
def admin(platform):
    return User.objects.create_superuser("root@example.com", PASSWORD, name="Root", team=platform)


@pytest.fixture
def departed(platform):
    user = User.objects.create_user("dee@example.com", PASSWORD, name="Dee", team=platform)
    user.set_role(VIEWER)
    user.is_active = False
    user.save()
    return user


def people(*rows: str) -> str:
    return "version: 1\nusers:\n" + "".join(f"  - {row}\n" for row in rows)


def signs_in(client, email: str) -> bool:
    client.post(reverse("login"), {"username": email, "password": PASSWORD})
    return client.get(reverse("overview")).status_code == 200


def upload(client, text: str, action: str = "apply") -> str:
    return client.post(URL, {"text": text, "action": action}).content.decode()


def state(*users) -> list:
    return [(u.email, u.is_active, u.is_staff, u.is_superuser, u.role) for u in User.objects.filter(
        pk__in=[u.pk for u in users]).order_by("email")]


def test_a_lead_cannot_deactivate_or_demote_a_superuser(lead_client, admin):
    before = state(admin)
    page = upload(lead_client, people("{email: root@example.com, active: false, role: viewer}"))
    assert "nothing was changed" in page
    assert "line 3: users[root@example.com]: root@example.com is a superuser: a stack file never changes one" in page
    assert state(admin) == before
    lead_client.logout()
    assert signs_in(lead_client, "root@example.com")


def test_a_lead_cannot_take_another_leads_role(lead_client, platform):
    other = User.objects.create_user("lou@example.com", PASSWORD, name="Lou", team=platform)
    other.set_role(LEAD)
    before = state(other)
    page = upload(lead_client, people("{email: lou@example.com, role: viewer}"))
    assert "line 3: users[lou@example.com]: only someone who may change people (accounts.change_user)" in page
    assert state(other) == before


def test_a_lead_cannot_add_people_without_the_permission(lead_client, catalog):
    page = upload(lead_client, people("{email: new@example.com, name: New, role: lead}"))
    assert "line 3: users[new@example.com]: only someone who may add people (accounts.add_user)" in page
    assert not User.objects.filter(email="new@example.com").exists()


def test_a_lead_with_the_permission_manages_people_but_not_staff(lead_client, alice, carol, platform):
    alice.user_permissions.add(*Permission.objects.filter(codename__in=["add_user", "change_user"]))
    other = User.objects.create_user("lou@example.com", PASSWORD, name="Lou", team=platform)
    other.set_role(LEAD)
    text = people("{email: new@example.com, name: New, role: evaluator}", "{email: carol@example.com, role: evaluator}")
    preview = upload(lead_client, text, "preview")
    assert "added: new@example.com (role: evaluator)" in preview
    assert "changed: carol@example.com (role: viewer → evaluator)" in preview
    upload(lead_client, text)
    assert User.objects.get(email="new@example.com").role == "evaluator"
    assert state(User.objects.get(email="carol@example.com"))[0][1:] == (True, False, False, "evaluator")

    page = upload(lead_client, people("{email: lou@example.com, active: false}"))
    assert "lou@example.com is a staff account (as every lead is): only a superuser changes one" in page
    assert User.objects.get(email="lou@example.com").is_active

    # Nor make one: the lead role gives the admin site.
    page = upload(lead_client, people("{email: carol@example.com, role: lead}", "{email: max@example.com, role: lead}"))
    assert page.count("only a superuser makes someone a lead through a stack file") == 2
    assert not User.objects.filter(is_staff=True).exclude(email__in=["alice@example.com", "lou@example.com"]).exists()


def test_a_departed_account_is_never_reactivated(client, departed, admin):
    outcome = import_stack(people("{email: dee@example.com, active: true, role: lead}"), commit=True, now=NOW)
    assert outcome.applied, outcome.errors
    assert "line 3: users[dee@example.com].active: dee@example.com is deactivated and stays so" in outcome.warnings[0]
    departed.refresh_from_db()
    assert not departed.is_active
    assert not signs_in(client, "dee@example.com")

    client.force_login(admin)  # not even a superuser's upload
    upload(client, people("{email: dee@example.com, active: true}"))
    departed.refresh_from_db()
    assert not departed.is_active


def test_the_operator_and_a_superuser_still_manage_people(client, admin, alice):
    outcome = import_stack(people("{email: new@example.com, name: New, role: viewer}"), commit=True, now=NOW)
    assert outcome.applied, outcome.errors
    client.force_login(admin)
    upload(client, people("{email: alice@example.com, role: evaluator}"))
    alice.refresh_from_db()
    assert alice.role == "evaluator" and not alice.is_staff
