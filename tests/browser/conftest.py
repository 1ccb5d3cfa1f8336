"""Browser tests: Debian's Chromium, driven by Playwright, against the live test server."""

import os
import shutil

import pytest

from apps.catalog.seed import load_seed_catalogue
from tests.conftest import PASSWORD, needs_service

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        needs_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests still use the ORM
    # synchronously between browser steps, which is safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(chromium, live_server, request):
    """A fresh browser tab on the live server. Any console error, uncaught script error or
    failed request on it fails the test, unless the test is marked `console_errors_expected`."""
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", lambda failed: problems.append(f"request failed: {failed.url} {failed.failure}")
            if "ERR_ABORTED" not in (failed.failure or "") else None)
    yield page
    context.close()
    if not request.node.get_closest_marker("console_errors_expected"):
        assert not problems, "\n".join(problems)


def snap(page, name: str) -> None:
    """A full-page screenshot into $BROWSER_SCREENSHOTS, when it is set, to look at."""
    folder = os.environ.get("BROWSER_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        # caret="initial": hiding the caret would inject a style the Content-Security-Policy refuses.
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True, caret="initial")


@pytest.fixture
def catalog(transactional_db):
    load_seed_catalogue()


def log_in(page, email):
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def mark_page(page):
    """Mark this page load; `same_page` tells later whether the page was reloaded since."""
    page.evaluate("window.__stackledger_mark = 'unchanged'")


def same_page(page) -> bool:
    return page.evaluate("window.__stackledger_mark") == "unchanged"
