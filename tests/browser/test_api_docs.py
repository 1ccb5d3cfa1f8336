"""The API's docs page renders its schema in Chromium under the Content-Security-Policy (no
script error, nothing refused), and tries a read with the reader's own session."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, snap

pytestmark = pytest.mark.slow


def test_a_signed_in_reader_sees_the_api_docs(page, catalog, carol):
    log_in(page, carol.email)
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .title")).to_contain_text("Stackledger API")
    expect(page.locator("[id$=-painpoint_log]")).to_be_visible()
    snap(page, "api-docs")

    operation = page.locator("#operations-catalogue-tool_list")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table td.response-col_status:not(.col_header)")).to_have_text("200")
    expect(operation.locator(".live-responses-table .microlight").first).to_contain_text("MLflow")
    snap(page, "api-docs-try-it-out")


def test_the_docs_need_a_login(page, catalog):
    page.goto("/api/docs/")
    expect(page).to_have_url("/accounts/login/?next=/api/docs/")
