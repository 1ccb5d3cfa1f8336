"""Text typed into the app smuggles HTML and script links into the Markdown downloads.

The review minutes (`/reviews/<pk>/minutes.md`) and the decision records (`/decisions/<pk>.md`
and the zip of them all) are files meant to be rendered elsewhere: a wiki, a code host, a docs
site. Every value people typed reaches them as text: no raw HTML, no `javascript:` link. The
document's own headings and lists stay as they are.
"""

import importlib.util
import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from apps.accounts.models import User
from apps.catalog.models import Category, Tool
from apps.evaluations.models import DecisionRecord, Evaluation, Trial
from apps.painpoints.models import PainPoint
from apps.reviews.models import Review, ReviewItem
from apps.stack.models import Lifecycle, StackEntry, UsageState
from tests.conftest import NOW

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = "[click](javascript:alert(1))"
PAYLOAD = f"{SCRIPT} {IMG} {LINK}"
ESCAPED = ["&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
           "\\[click\\](javascript:alert(1))"]
RAW = ["<script", "<img"]
LINK_SYNTAX = re.compile(r"(?<!\\)\[click|(?<!\\)\]\(javascript:")  # a bracket not backslash-escaped


def assert_inert(markdown: str) -> None:
    """The payload is in the file only escaped, and a Markdown renderer (when one is installed)
    turns it into text, not into tags or a script link."""
    for bad in RAW:
        assert bad not in markdown, f"{bad!r} reached the Markdown unescaped"
    assert not LINK_SYNTAX.search(markdown), "the javascript: link reached the Markdown as a link"
    for escaped in ESCAPED:
        assert escaped in markdown
    if importlib.util.find_spec("markdown"):
        import markdown as renderer

        html = renderer.markdown(markdown).lower()
        assert "<script" not in html and "<img" not in html and "href=\"javascript" not in html


@pytest.fixture
def hostile_tool(catalog):
    tool = Tool.objects.create(name=f"Evil {IMG}", slug="evil", hosting="saas", complexity="low")
    tool.categories.add(Category.objects.get(key="pipeline-orchestration"))
    return tool


@pytest.fixture
def hostile_user(platform):
    return User.objects.create_user("mallory@example.com", "x" * 20, name=f"Mallory {SCRIPT}", team=platform)


@pytest.fixture
def review(hostile_tool, hostile_user, alice):
    entry = StackEntry.objects.create(tool=hostile_tool, lifecycle=Lifecycle.ADOPTED, owner=hostile_user)
    replacement = Evaluation.objects.create(title=f"Replace {PAYLOAD}", category=hostile_tool.categories.get(),
                                            use_case=PAYLOAD, created_by=alice, created_at=NOW)
    review = Review.objects.create(year=2026, held_on=date(2026, 11, 20), status=Review.Status.CLOSED)
    review.attendees.set([alice, hostile_user])
    ReviewItem.objects.create(
        review=review, entry=entry, position=1, tool_name=hostile_tool.name, lifecycle=Lifecycle.ADOPTED,
        usage_state=UsageState.UNUSED, licence_per_month=Decimal(100), ops_hours_per_month=Decimal(1),
        monthly_cost=Decimal(200), owner=hostile_user, owner_name=str(hostile_user),
        decision="replace", rationale=f"Nobody uses it.\n{PAYLOAD}", action_owner=hostile_user,
        due_on=date(2027, 1, 31), decided_by=alice, decided_at=NOW, evaluation=replacement,
    )
    return review


@pytest.fixture
def record(hostile_tool, alice):
    pain = PainPoint.objects.create(title=f"Retraining by hand {SCRIPT}", evidence=PAYLOAD,
                                    category=hostile_tool.categories.get())
    evaluation = Evaluation.objects.create(title="Orchestrator", category=pain.category, use_case=PAYLOAD,
                                           created_by=alice, created_at=NOW)
    evaluation.pain_points.set([pain])
    entry = StackEntry.objects.create(tool=hostile_tool, lifecycle=Lifecycle.EVALUATING)
    trial = Trial.objects.create(evaluation=evaluation, entry=entry, owner=alice)
    return DecisionRecord.objects.create(evaluation=evaluation, title=f"Use it {PAYLOAD}", context=f"Why:\n{PAYLOAD}",
                                         chosen=trial, outcome=f"Chosen. {PAYLOAD}", consequences=PAYLOAD,
                                         created_by=alice, created_at=NOW)


def test_the_review_minutes_download_carries_no_html_from_what_was_typed(viewer_client, review):
    markdown = viewer_client.get(f"/reviews/{review.pk}/minutes.md").content.decode()
    assert_inert(markdown)
    assert markdown.startswith("# Stack review 2026 — minutes\n\n* Date: 20 November 2026\n")
    assert "* Attendees: Alice, Mallory &lt;script&gt;alert(1)&lt;/script&gt;\n" in markdown
    assert "\n### Evil &lt;img src=x onerror=alert(1)&gt;: Replace\n" in markdown
    assert f"\n* Rationale: Nobody uses it.\n{' '.join(ESCAPED)}\n" in markdown


def test_a_decision_record_download_carries_no_html_from_what_was_typed(viewer_client, record):
    markdown = viewer_client.get(f"/decisions/{record.pk}.md").content.decode()
    assert_inert(markdown)
    assert markdown.startswith(f"# {record.number}. Use it {' '.join(ESCAPED)}\n\n* Status: proposed\n")
    assert "\n## Decision outcome\n\nChosen: Evil &lt;img src=x onerror=alert(1)&gt;.\n" in markdown


def test_the_decision_records_zip_carries_no_html_from_what_was_typed(viewer_client, record):
    archive = zipfile.ZipFile(io.BytesIO(viewer_client.get("/decisions/export.zip").content))
    (name,) = archive.namelist()
    assert_inert(archive.read(name).decode())


def test_a_backslash_in_the_text_cannot_undo_the_escape_of_a_bracket():
    from apps.lib.markdown import markdown_text

    assert markdown_text("\\[x](javascript:alert(1))") == "\\\\\\[x\\](javascript:alert(1))"
    assert markdown_text("&lt;script&gt;") == "&amp;lt;script&amp;gt;"
    assert markdown_text("Plain text: a, b; c.") == "Plain text: a, b; c."
