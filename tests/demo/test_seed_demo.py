import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import User
from apps.painpoints.models import PainPoint
from apps.probes.models import Probe
from apps.stack.models import Lifecycle, MLModel, StackEntry
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")  # the commands and pages read the clock the test pins


def test_it_fills_an_empty_database_with_a_demo_organisation(db, capsys):
    call_command("seed_demo")
    assert "lead@example.com" in capsys.readouterr().out
    lead = User.objects.get(email="lead@example.com")
    assert lead.role == "lead" and lead.check_password("stackledger-demo")
    assert StackEntry.objects.filter(lifecycle=Lifecycle.ADOPTED).count() >= 5
    assert {e.lifecycle for e in StackEntry.objects.all()} == set(Lifecycle.values)
    assert PainPoint.objects.filter(anticipated=True).exists()
    assert MLModel.objects.filter(stage="production").count() == 2
    mlflow = StackEntry.objects.get(tool__name="MLflow")
    assert [s.to_lifecycle for s in mlflow.transitions.all()] == ["proposed", "evaluating", "adopted"]
    assert not mlflow.adoption_blockers()


def test_it_leaves_a_database_with_people_alone(alice, capsys):
    call_command("seed_demo")
    assert "left it alone" in capsys.readouterr().out
    assert list(User.objects.values_list("email", flat=True)) == ["alice@example.com"]
    assert not StackEntry.objects.exists()


def test_it_leaves_an_organisation_alone(db, capsys):
    call_command("seed_demo")
    counts = (User.objects.count(), StackEntry.objects.count(), PainPoint.objects.count())
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "left it alone" in out and "lead@example.com with password stackledger-demo" in out
    assert (User.objects.count(), StackEntry.objects.count(), PainPoint.objects.count()) == counts


def test_a_larger_organisation_for_benchmarks(db, capsys):
    from apps.findings.models import Finding
    from apps.probes.models import ProbeDay, ProbeResult
    from apps.reviews.models import Review

    call_command("load_catalog", verbosity=0)
    call_command("seed_demo", scale=3)
    out = capsys.readouterr().out
    assert "Scale 3: added 3 teams, 60 entries, 60 probes, 20,100 probe days" in out
    generated = StackEntry.objects.filter(team__name__startswith="Team ")
    assert generated.count() == 60 and generated.filter(lifecycle=Lifecycle.ADOPTED).count() == 42
    assert ProbeDay.objects.filter(probe__entry__in=generated).count() == 60 * 335  # a year, rolled up
    assert ProbeResult.objects.filter(probe__entry__in=generated).count() == 60 * 30 * 4  # 30 days, raw
    from apps.findings.acceptances import counted

    found = counted(NOW.date()).count()  # an overlap once per category, as every page counts it
    assert found and f"The linter found {found:,} findings" in out
    assert Finding.objects.count() > found  # the overlaps' one row per tool
    year = NOW.year
    assert list(Review.objects.values_list("year", "status")) == [(year - 1, "closed"), (year - 2, "closed")]
    # A year ago: the demo's seven tools and, of each generated team, all but the retired and rejected.
    assert [review.items.count() for review in Review.objects.all()] == [7 + 3 * 18, 3]
    assert User.objects.get(email="lead001@example.com").role == "lead"


def cover(page: str, category: str) -> str:
    """The line of the dashboard's minimum stack list about one category."""
    start = page.index(f"<strong>{category}</strong>")
    return page[start:page.index("</li>", start)]


def test_the_past_reviews_show_the_stack_as_it_stood_then(demo, demo_viewer_client):
    from apps.reviews.models import Review

    year = NOW.year
    page = demo_viewer_client.get(f"/reviews/{Review.objects.get(year=year - 1).pk}/").content.decode()
    assert 'aria-label="Radar of 7 tools in 8 categories"' in page
    assert '<span class="stat-value">7</span><span class="stat-label">tools in use</span>' in page
    assert "Uncategorised" not in page
    assert all(name in cover(page, "Experiment tracking") for name in ["MLflow", "Neptune", "Weights &amp; Biases"])
    assert all(name in cover(page, "Model serving") for name in ["FastAPI", "Seldon Core"])
    assert "missing" not in cover(page, "Model serving")
    assert "missing" in cover(page, "Pipeline orchestration")  # Airflow came later in the year
    assert "Kubeflow Pipelines" not in page and "Prefect" not in page

    page = demo_viewer_client.get(f"/reviews/{Review.objects.get(year=year - 2).pk}/").content.decode()
    assert 'aria-label="Radar of 3 tools in 8 categories"' in page
    assert "Uncategorised" not in page
    assert all(name in cover(page, "Experiment tracking") for name in ["Neptune", "Weights &amp; Biases"])
    assert "Seldon Core" in cover(page, "Model serving") and "MLflow" not in page


def meeting_page(client, review, tool: str) -> str:
    item = review.items.get(tool_name=tool)
    return client.get(f"/reviews/{review.pk}/meeting/?n={item.position + 1}").content.decode()


def since_the_last_review(page: str) -> list[str]:
    if "<h2>Since the last review</h2>" not in page:
        return []
    section = page[page.index("<h2>Since the last review</h2>"):]
    section = section[:section.index("</ul>")]
    return [line.split("</li>")[0] for line in section.split("<li>")[1:]]


def test_the_last_review_says_what_changed_since_the_one_before(demo, client):
    from apps.reviews.models import Review

    client.force_login(User.objects.get(email="lead@example.com"))
    last = Review.objects.get(year=NOW.year - 1)
    assert since_the_last_review(meeting_page(client, last, "Seldon Core")) == [
        "Lifecycle: adopted → flagged for removal.", "Usage: active → unused.", "Last review: keep (Still in use).",
    ]
    assert since_the_last_review(meeting_page(client, last, "FastAPI")) == ["New since the last review."]


def test_the_next_review_says_what_changed_since_the_demo_s_last(demo, client):
    from apps.reviews.models import Review

    client.force_login(User.objects.get(email="lead@example.com"))
    this = Review.objects.create(year=NOW.year, held_on=NOW.date())
    client.post(f"/reviews/{this.pk}/open/")
    changes = since_the_last_review(meeting_page(client, this, "Neptune"))
    assert "Lifecycle: adopted → flagged for removal." in changes
    assert not [change for change in changes if change.startswith("Owner:")]  # Former Owner owned it then too
    assert since_the_last_review(meeting_page(client, this, "Airflow")) == ["New since the last review."]


def test_the_demo_probes_have_their_settings(demo, capsys, monkeypatch):
    from apps.probes.drivers import wandb

    class Answer:
        @staticmethod
        def json():
            runs = {"edges": [{"node": {"heartbeatAt": "2026-11-30T08:00:00"}}]}
            return {"data": {"project": {"runs": runs, "recent": {"totalCount": 12}}}}

    asked = []
    monkeypatch.setattr(wandb, "fetch", lambda *args, **kwargs: asked.append(kwargs["json_body"]["variables"]) or Answer())
    with pytest.raises(CommandError, match="demo data"):
        call_command("probe", "--entry", "Weights & Biases")  # no W&B project answers a demo probe
    assert not asked
    Probe.objects.filter(entry__tool__name="Weights & Biases").update(demo=False)  # as a team's own project would
    call_command("probe", "--entry", "Weights & Biases")
    out = capsys.readouterr().out
    assert "Weights & Biases wandb ok last_activity=2026-11-30T08:00:00Z count=12" in out
    assert asked[0]["entity"] == "acme-ds" and asked[0]["project"]
