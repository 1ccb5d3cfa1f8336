"""The review pages: scheduling, the agenda, meeting mode over htmx, closing, minutes, CSV."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils.text import slugify

from apps.reviews.dashboard import frozen_evidence
from apps.reviews.models import Review
from apps.reviews.services import item_decide, review_open
from apps.reviews.views import BAND_ROWS
from apps.stack.models import Lifecycle, StackEntry, UsageState
from tests.conftest import NOW
from tests.reviews.test_review_flow import add

pytestmark = pytest.mark.usefixtures("clock")  # the pages read the clock the test pins

HTMX = {"HX-Request": "true"}


@pytest.fixture
def opened(catalog, alice, bob):
    add("Neptune", owner=bob, usage=UsageState.UNUSED)
    add("Prometheus", owner=alice, ops_hours_per_month=Decimal("2"))
    review = Review.objects.create(year=2026, held_on=NOW.date())
    review.attendees.set([alice])
    return review_open(review, by=alice, now=NOW)


def test_a_lead_schedules_a_review(lead_client, alice, bob):
    day = NOW.date() + timedelta(days=30)
    response = lead_client.post("/reviews/schedule/", {"year": day.year, "held_on": day.isoformat(), "attendees": [alice.pk, bob.pk]})
    review = Review.objects.get()
    assert response.url == f"/reviews/{review.pk}/"
    assert (review.held_on, review.status, set(review.attendees.all())) == (day, "scheduled", {alice, bob})
    page = lead_client.get(response.url).content.decode()
    assert "Open the review" in page and "Not opened yet" in page


def test_scheduling_says_what_is_wrong(lead_client, alice):
    Review.objects.create(year=2026, held_on=date(2026, 12, 1))
    past = NOW.date() - timedelta(days=1)
    page = lead_client.post("/reviews/schedule/", {"year": 2026, "held_on": past.isoformat()}).content.decode()
    assert "There is a review for this year already." in page
    assert "The date is in the past" in page
    assert Review.objects.count() == 1


def test_viewers_read_reviews_but_change_nothing(viewer_client, opened):
    assert viewer_client.get(f"/reviews/{opened.pk}/").status_code == 200
    assert viewer_client.get(f"/reviews/{opened.pk}/minutes/").status_code == 200
    assert viewer_client.post("/reviews/schedule/", {"year": 2030, "held_on": "2030-01-01"}).status_code == 403
    assert viewer_client.get(f"/reviews/{opened.pk}/meeting/").status_code == 403
    item = opened.items.first()
    response = viewer_client.post(f"/reviews/items/{item.pk}/decide/", {"decision": "keep", "rationale": "x"}, headers=HTMX)
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.decision == ""


def test_opening_shows_the_agenda_and_the_dashboard(lead_client, catalog, alice, bob):
    add("Neptune", owner=bob, usage=UsageState.UNUSED)
    add("Prometheus", owner=alice)
    review = Review.objects.create(year=2026, held_on=NOW.date())
    response = lead_client.post(f"/reviews/{review.pk}/open/", follow=True)
    page = response.content.decode()
    assert "the evidence on 2 tools is frozen as of now" in page
    agenda = page[page.index('id="agenda-title"'):]
    assert agenda.index("<strong>Unused</strong>") < agenda.index("Neptune") < agenda.index("<strong>Healthy</strong>") < agenda.index("Prometheus")
    assert '<svg class="radar"' in page and '<svg class="bars"' in page
    assert "Meeting mode" in page


def test_meeting_mode_walks_the_agenda_one_tool_at_a_time(lead_client, opened):
    page = lead_client.get(f"/reviews/{opened.pk}/meeting/").content.decode()
    assert "<h1>Neptune</h1>" in page and "Tool 1 of 2" in page
    assert 'rel="next" href="/reviews/%d/meeting/?n=2"' % opened.pk in page and 'rel="prev"' not in page
    assert "js/meeting.js" in page
    page = lead_client.get(f"/reviews/{opened.pk}/meeting/?n=2").content.decode()
    assert "<h1>Prometheus</h1>" in page and 'rel="prev"' in page and "Close the review" in page


def test_a_decision_is_saved_inline(lead_client, opened, bob):
    item = opened.items.get(tool_name="Neptune")
    url = f"/reviews/items/{item.pk}/decide/"
    page = lead_client.post(url, {"decision": "remove", "rationale": "Nobody logs runs"}, headers=HTMX).content.decode()
    assert "“Remove” needs an action owner and a due date." in page
    item.refresh_from_db()
    assert item.decision == ""

    due = (NOW.date() + timedelta(days=30)).isoformat()
    page = lead_client.post(url, {"decision": "remove", "rationale": "Nobody logs runs", "action_owner": bob.pk,
                                  "due_on": due}, headers=HTMX).content.decode()
    assert "Saved: remove." in page
    assert 'id="meeting-progress" class="meeting-progress" hx-swap-oob="true"' in page and "1 of 2 decided" in page
    assert "<html" not in page
    item.refresh_from_db()
    assert (item.decision, item.action_owner, item.rationale) == ("remove", bob, "Nobody logs runs")


def test_a_filter_run_again_in_the_meeting_can_flag_the_tool(lead_client, opened):
    item = opened.items.get(tool_name="Prometheus")
    page = lead_client.post(f"/reviews/items/{item.pk}/filters/integration/",
                            {"verdict": "fail", "rationale": "No longer scrapes the new serving cluster"},
                            headers=HTMX).content.decode()
    assert 'id="meeting-filters"' in page and "No longer scrapes" in page
    assert StackEntry.objects.get(pk=item.entry_id).lifecycle == Lifecycle.FLAGGED
    item.refresh_from_db()
    assert item.lifecycle == Lifecycle.ADOPTED  # the evidence stays as it was when the review opened


def test_closing_asks_first_then_applies_and_offers_the_minutes(lead_client, opened, alice, bob):
    neptune, prometheus = opened.items.get(tool_name="Neptune"), opened.items.get(tool_name="Prometheus")
    item_decide(neptune, decision="remove", rationale="unused", action_owner=bob, due_on=date(2027, 1, 15), by=alice, now=NOW)
    page = lead_client.get(f"/reviews/{opened.pk}/close/").content.decode()
    assert "1 tool has no decision yet" in page and "Prometheus" in page
    assert lead_client.post(f"/reviews/{opened.pk}/close/", follow=True).status_code == 200
    assert Review.objects.get(pk=opened.pk).status == Review.Status.OPEN

    item_decide(prometheus, decision="keep", rationale="in daily use", by=alice, now=NOW)
    page = lead_client.get(f"/reviews/{opened.pk}/close/").content.decode()
    assert "Close the review and apply the decisions" in page
    page = lead_client.post(f"/reviews/{opened.pk}/close/", follow=True).content.decode()
    assert "is closed: the decisions are applied and the minutes sent" in page
    assert StackEntry.objects.get(pk=neptune.entry_id).removal_planned_on == date(2027, 1, 15)

    minutes = lead_client.get(f"/reviews/{opened.pk}/minutes/").content.decode()
    assert "Minutes of the Stack review 2026" in minutes and "15 Jan 2027" in minutes
    download = lead_client.get(f"/reviews/{opened.pk}/minutes.md")
    assert download["Content-Disposition"] == 'attachment; filename="stack-review-2026.md"'
    assert "* Remove Neptune — Bob, due 15 January 2027" in download.content.decode()


def test_the_stack_as_csv_for_finance(viewer_client, catalog, alice):
    add("Prometheus", owner=alice, licence_per_month=Decimal("120"), ops_hours_per_month=Decimal("2.5"))
    add("Grafana", owner=None, usage=UsageState.UNUSED)
    add("Qdrant", owner=alice, lifecycle=Lifecycle.PROPOSED)  # a candidate costs nothing yet
    alice.name = "=HYPERLINK(\"http://evil\")"
    alice.save()
    response = viewer_client.get("/stack/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["Tool"] for row in rows] == ["Grafana", "Prometheus"]
    prometheus = rows[1]
    assert (prometheus["Upkeep cost a month"], prometheus["Total a month"], prometheus["Total a year"]) == ("250.00", "370.00", "4440.00")
    assert prometheus["Owner"].startswith("'=")  # not a formula when finance opens it
    assert rows[0]["Usage"] == "Unused"


@pytest.mark.parametrize("path", ["", "meeting/", "meeting/?n=150", "minutes/", "close/"])
def test_review_pages_stay_within_25_queries_with_200_entries(lead_client, big_stack, alice, path,
                                                               django_assert_max_num_queries):
    review = review_open(Review.objects.create(year=2026, held_on=NOW.date()), by=alice, now=NOW)
    assert review.items.count() > 100
    with django_assert_max_num_queries(25):
        response = lead_client.get(f"/reviews/{review.pk}/{path}")
    assert response.status_code == 200


def test_the_review_list_stays_within_25_queries(lead_client, big_stack, alice, django_assert_max_num_queries):
    for year in (2024, 2025):
        review_open(Review.objects.create(year=year, held_on=date(year, 11, 1)), by=alice, now=NOW)
    with django_assert_max_num_queries(25):
        assert lead_client.get("/reviews/").status_code == 200


def test_a_long_agenda_band_shows_its_first_rows_and_pages_the_rest(lead_client, big_stack, alice):
    review = review_open(Review.objects.create(year=2026, held_on=NOW.date()), by=alice, now=NOW)
    page = lead_client.get(f"/reviews/{review.pk}/").content.decode()
    label, ids = max(frozen_evidence(review).bands, key=lambda band: len(band[1]))
    rows = [review.items.get(pk=pk) for pk in ids[:50]] + [None] * (len(ids) - 50)
    assert len(rows) > BAND_ROWS
    assert f'All {len(rows)} {label.lower()} tools' in page
    agenda = page[page.index('id="agenda-title"'):]
    shown, hidden = rows[BAND_ROWS - 1], rows[BAND_ROWS]  # the first rows; the rest a click away
    assert shown.tool_name in agenda and hidden.tool_name not in agenda
    band = lead_client.get(f"/reviews/{review.pk}/?band={slugify(label)}").content.decode()
    assert f"Page 1 of {(len(rows) + 49) // 50}" in band and rows[49].tool_name in band
    assert lead_client.get(f"/reviews/{review.pk}/?band=nonsense").status_code == 404


def test_a_closed_review_meeting_is_read_only_and_shows_its_task(lead_client, client, opened, alice, bob):
    from apps.reviews.services import review_close

    neptune, prometheus = opened.items.get(tool_name="Neptune"), opened.items.get(tool_name="Prometheus")
    item_decide(neptune, decision="investigate", rationale="who still logs runs there?", action_owner=bob,
                due_on=date(2027, 1, 15), by=alice, now=NOW)
    item_decide(prometheus, decision="keep", rationale="in daily use", by=alice, now=NOW)
    review_close(opened, by=alice, now=NOW)
    page = lead_client.get(f"/reviews/{opened.pk}/meeting/?n={neptune.position + 1}").content.decode()
    assert "Save the decision" not in page and "Nothing changes until the review closes" not in page
    assert "review-item-decide" not in page and f"/reviews/items/{neptune.pk}/decide/" not in page
    assert "read-only" in page and "Investigate Neptune: who still logs runs there?" in page
    task_line = "Investigate Neptune: who still logs runs there?"
    assert task_line in lead_client.get(f"/reviews/{opened.pk}/").content.decode()
    assert task_line in lead_client.get(f"/stack/{neptune.entry_id}/").content.decode()
    client.force_login(bob)
    assert task_line in client.get("/").content.decode()  # the action owner's own tasks
