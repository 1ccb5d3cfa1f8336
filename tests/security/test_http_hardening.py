"""What every response carries and every form demands: a Content-Security-Policy the pages
keep to, CSRF tokens, login rate limiting, and secure cookies in production."""

import re
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import ApiToken, User
from apps.catalog.models import Tool
from apps.stack.services import entry_propose
from tests.conftest import NOW, PASSWORD

pytestmark = pytest.mark.usefixtures("clock")  # the commands and pages read the clock the test pins
from tests.test_access import WRITES, named_routes, sample_kwargs

PAGES = ["/", "/stack/", "/pain-points/", "/tools/", "/findings/", "/models/", "/evaluations/", "/decisions/",
         "/reviews/", "/profile/", "/stack/import/"]


@pytest.fixture
def demo_lead_client(client, demo):
    client.force_login(User.objects.get(email="lead@example.com"))
    return client


def test_every_page_sends_a_strict_content_security_policy(demo_lead_client):
    policy = demo_lead_client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def detail_pages():
    from apps.evaluations.models import Evaluation
    from apps.reviews.models import Review
    from apps.reviews.services import review_open
    from apps.stack.models import StackEntry

    today = NOW.date()  # the demo holds the reviews of the two years before this one
    review = review_open(Review.objects.create(year=today.year, held_on=today), now=NOW)
    return [f"/stack/{StackEntry.objects.get(tool__name='MLflow').pk}/", f"/reviews/{review.pk}/",
            f"/reviews/{review.pk}/meeting/", f"/evaluations/{Evaluation.objects.first().pk}/", "/admin/",
            "/admin/stack/stackentry/"]


@pytest.mark.parametrize("page", PAGES + ["details"])
def test_the_pages_keep_to_the_policy(demo_lead_client, page):
    """No inline script, no inline style: what the policy would block is not there to block."""
    for url in detail_pages() if page == "details" else [page]:
        response = demo_lead_client.get(url)
        assert response.status_code == 200, url
        _keeps_to_the_policy(response.content.decode())


def _keeps_to_the_policy(page: str) -> None:
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert re.findall(r"\sstyle=\"", page) == []
    assert re.findall(r"\son[a-z]+=\"", page) == []  # no inline event handlers either


def test_a_post_without_the_csrf_token_is_refused(alice, catalog):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    entry = entry_propose(tool=Tool.objects.get(name="MLflow"), by=alice, now=NOW)[0]
    token = ApiToken.issue(name="dashboard", by=alice)[0]
    refused = []
    for name, route in named_routes():
        if name not in WRITES:
            continue
        url = reverse(name, kwargs=sample_kwargs(route, entry, token))
        response = client.post(url, {"title": "x"}, headers={"HX-Request": "true"})
        if response.status_code == 403 and b"CSRF" in response.content:
            refused.append(name)
    assert sorted(refused) == sorted(WRITES)


def test_logins_are_rate_limited_per_email_and_address(client, alice, bob):
    statuses = [client.post(reverse("login"), {"username": alice.email, "password": "wrong"}).status_code
                for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks the pair out
    response = client.post(reverse("login"), {"username": alice.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    # Nor can the same person get five more tries by writing the email otherwise.
    response = client.post(reverse("login"), {"username": " ALICE@Example.com", "password": PASSWORD})
    assert response.status_code == 429
    # Another person from the same address is not locked out.
    response = client.post(reverse("login"), {"username": bob.email, "password": PASSWORD})
    assert response.status_code == 302


def test_production_cookies_are_secure():
    code = ("from django.conf import settings; "
            "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, "
            "settings.SECURE_HSTS_SECONDS > 0, settings.SECURE_SSL_REDIRECT)")
    env = {"DJANGO_SETTINGS_MODULE": "apps.settings", "SITE_URL": "https://stackledger.example.com",
           "SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEYS": "Hv1Lb2mR0nQfYd6o1wqkG8mZ5o3F9rS8tUv2xYz4aB0=",
           "ALLOWED_HOSTS": "stackledger.example.com", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], env=env,
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True", "True", "True", "True"]


def test_the_lockout_counts_the_browser_s_address_behind_the_proxy(rf, settings):
    from apps.accounts.lockout import client_address

    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    settings.TRUSTED_PROXIES = []
    assert client_address(request) == "10.0.0.2"  # no proxy in front: the header is anyone's to write
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_address(request) == "198.51.100.7"  # the address our proxy saw and appended
    chained = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7, 10.0.0.7")
    assert client_address(chained) == "198.51.100.7"  # past a second proxy of ours
