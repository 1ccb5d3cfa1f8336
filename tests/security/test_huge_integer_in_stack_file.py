"""A 5,000-digit integer in a stack file.

Python refuses to turn a string of more than 4,300 digits into an int, so such a number made
the import page answer 500, and a long one is slow to read even under the limit. Now any number
longer than a hand-written value can be is a problem with its line, like every other bad value.
"""

import pytest
from django.urls import reverse

from apps.stack.models import StackEntry
from apps.stackfile.importer import import_stack
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock", "catalog")

HUGE = "9" * 5000


def file_with(value: str) -> str:
    return ("version: 1\nstack:\n  - tool: MLflow\n    status: proposed\n"
            f"    cost: {{licence_per_month: {value}, ops_hours_per_month: 2}}\n")


def test_the_upload_page_names_the_line(lead_client):
    response = lead_client.post(reverse("stack-import"), {"text": file_with(HUGE), "action": "apply"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "line 5: 999999999999… is a number of 5,000 digits; a number here has at most 30" in page
    assert not StackEntry.objects.exists()


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, HUGE + ".5", "0." + HUGE, "1" * 31])
def test_every_spelling_of_a_long_number_is_refused(value):
    outcome = import_stack(file_with(value), commit=True, now=NOW)
    assert not outcome.applied
    assert outcome.errors[0].startswith("line 5: ") and "digits; a number here has at most 30" in outcome.errors[0]


def test_numbers_people_write_still_read(lead_client):
    outcome = import_stack(file_with("1234567.50"), commit=True, now=NOW)
    assert outcome.applied, outcome.errors
    assert StackEntry.objects.get().licence_per_month == 1234567.5


def test_quoted_it_is_text():
    outcome = import_stack(f"version: 1\nteams:\n  - name: '{'7' * 40}'\n", commit=True, now=NOW)
    assert outcome.applied, outcome.errors
