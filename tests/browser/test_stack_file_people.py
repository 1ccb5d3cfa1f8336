"""Importing people through a stack file, in Chromium: a lead who does not manage people is
told which rows they may not write and nothing changes; an administrator previews the same
file, sees each person it adds with their role and each change, applies it, and finds them."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import User
from tests.browser.conftest import log_in, snap
from tests.conftest import PASSWORD

pytestmark = pytest.mark.slow

FILE = """version: 1
users:
  - {email: nia@example.com, name: Nia, role: evaluator, team: Platform}
  - {email: carol@example.com, role: lead}
"""


def paste_and_preview(page):
    page.goto("/stack/import/")
    page.get_by_label("…or paste it").fill(FILE)
    page.get_by_role("button", name="Check and preview").click()


def test_people_rows_need_someone_who_manages_people(page, catalog, alice, carol, platform):
    log_in(page, alice.email)
    paste_and_preview(page)
    problems = page.locator(".problems")
    expect(problems).to_contain_text("2 problems: nothing was changed")
    expect(problems).to_contain_text("line 3: users[nia@example.com]: only someone who may add people")
    expect(problems).to_contain_text("line 4: users[carol@example.com]: only someone who may change people")
    expect(page.get_by_role("button", name="Apply the import")).to_have_count(0)
    snap(page, "import-people-refused")
    assert not User.objects.filter(email="nia@example.com").exists()

    page.context.clear_cookies()
    root = User.objects.create_superuser("root@example.com", PASSWORD, name="Root", team=platform)
    log_in(page, root.email)
    paste_and_preview(page)
    result = page.locator("#import-result")
    expect(result).to_contain_text("added: nia@example.com (role: evaluator)")
    expect(result).to_contain_text("changed: carol@example.com (role: viewer → lead)")
    snap(page, "import-people-preview")
    page.get_by_role("button", name="Apply the import").click()
    expect(page.locator("main")).to_contain_text("The stack file is applied.")

    assert User.objects.get(email="nia@example.com").role == "evaluator"
    assert User.objects.get(email="carol@example.com").role == "lead"
    page.goto("/stack/import/")  # reopened: the file is applied, nothing left to change
    paste_and_preview(page)
    expect(result).to_contain_text("What the import will change")
    expect(result).not_to_contain_text("added: nia@example.com")
