from decimal import Decimal

import pytest

from apps.catalog.models import Tool
from apps.stack.models import Lifecycle, OrganisationProfile, StackEntry
from tests.conftest import NOW


def adopt(tool_name, **fields):
    return StackEntry.objects.create(
        tool=Tool.objects.get(name=tool_name), lifecycle=Lifecycle.ADOPTED, **fields
    )


def test_it_shows_the_stack_by_category_with_owner_and_cost(viewer_client, catalog, alice):
    adopt("MLflow", owner=alice, licence_per_month=Decimal("0"), ops_hours_per_month=Decimal("4"))
    adopt("Weights & Biases", licence_per_month=Decimal("1200"))
    response = viewer_client.get("/")
    page = response.content.decode()
    assert "Experiment tracking" in page
    assert "Alice" in page
    assert "no owner" in page
    assert "1,200" in page
    rows = {row.category.key: row for row, _ in response.context["rows"]}
    assert [row.name for row in rows["experiment-tracking"].entries] == ["MLflow", "Weights & Biases"]
    assert rows["model-serving"].entries == []


def test_it_highlights_an_overlap_in_a_one_tool_category(viewer_client, catalog):
    adopt("MLflow")
    adopt("Weights & Biases")
    page = viewer_client.get("/").content.decode()
    assert "overlap: 2 tools, 1 allowed" in page


def test_it_marks_an_empty_minimum_stack_category(viewer_client, catalog):
    adopt("MLflow")
    rows = {row.category.key: row for row, _ in viewer_client.get("/").context["rows"]}
    assert rows["model-serving"].is_gap
    assert not rows["experiment-tracking"].is_gap
    assert not rows["feature-store"].is_gap  # beyond the minimum: empty is right


def test_retired_and_rejected_tools_are_not_on_the_overview(viewer_client, catalog):
    StackEntry.objects.create(tool=Tool.objects.get(name="Seldon Core"), lifecycle=Lifecycle.RETIRED)
    StackEntry.objects.create(tool=Tool.objects.get(name="Kubeflow Pipelines"), lifecycle=Lifecycle.REJECTED)
    page = viewer_client.get("/").content.decode()
    assert "Seldon Core" not in page and "Kubeflow Pipelines" not in page


def test_it_warns_when_background_jobs_have_not_run(viewer_client, catalog):
    assert "is the worker running?" in viewer_client.get("/").content.decode()


def test_it_sums_the_monthly_cost_of_tools_in_use(viewer_client, catalog):
    adopt("MLflow", licence_per_month=Decimal("100"), ops_hours_per_month=Decimal("4"))
    adopt("Grafana", licence_per_month=Decimal("50"), ops_hours_per_month=Decimal("1.5"))
    StackEntry.objects.create(
        tool=Tool.objects.get(name="Prefect"), lifecycle=Lifecycle.EVALUATING,
        licence_per_month=Decimal("999"),
    )
    OrganisationProfile.objects.update_or_create(pk=1, defaults={"engineer_hourly_cost": Decimal("80")})
    response = viewer_client.get("/")
    assert response.context["cost"] == {"licence": Decimal("150"), "hours": Decimal("5.5"), "total": Decimal("590")}
    assert "150 licences + 5.5 h upkeep" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/", "/stack/", "/pain-points/", "/tools/", "/tools/mlflow/", "/stack/export.yaml", "/api/stack.json"]
)
def test_pages_use_a_fixed_number_of_queries_on_the_demo(
    demo_viewer_client, url, django_assert_max_num_queries
):
    with django_assert_max_num_queries(23):  # the overview also lists the reader's own tasks, counts the findings that stand and the tools found unregistered
        assert demo_viewer_client.get(url).status_code == 200


def test_the_entry_page_uses_a_fixed_number_of_queries(demo_viewer_client, django_assert_max_num_queries):
    entry = StackEntry.objects.get(tool__name="MLflow")
    with django_assert_max_num_queries(25):
        page = demo_viewer_client.get(f"/stack/{entry.pk}/")
    assert "Trial logged every churn run end to end." in page.content.decode()


def test_the_stack_list_filters_by_lifecycle(viewer_client, catalog):
    adopt("MLflow")
    StackEntry.objects.create(tool=Tool.objects.get(name="Prefect"), lifecycle=Lifecycle.EVALUATING)
    page = viewer_client.get("/stack/?lifecycle=evaluating").content.decode()
    assert "Prefect" in page and "MLflow" not in page


def test_the_stack_list_paginates(viewer_client, db):
    for n in range(30):
        StackEntry.objects.create(
            tool=Tool.objects.create(name=f"Tool {n:02}", slug=f"tool-{n:02}", hosting="saas", complexity="low")
        )
    first = viewer_client.get("/stack/")
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = viewer_client.get("/stack/?page=2").context["page"]
    assert [e.tool.name for e in second] == [f"Tool {n}" for n in range(25, 30)]


def test_the_overview_shows_a_change_once_it_commits(viewer_client, catalog, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mlflow = adopt("MLflow", owner=alice)
    assert "Weights &amp; Biases" not in viewer_client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        adopt("Weights & Biases")
        mlflow.move_to(Lifecycle.FLAGGED, by=alice, note="replaced", now=NOW)
    page = viewer_client.get("/").content.decode()
    assert "Weights &amp; Biases" in page and "overlap: 2 tools, 1 allowed" in page


def test_a_probe_run_leaves_the_overview_as_it_was(catalog, alice, django_capture_on_commit_callbacks):
    from apps.probes.models import Probe
    from apps.stack.models import StackVersion

    with django_capture_on_commit_callbacks(execute=True):
        probe = Probe.objects.create(entry=adopt("MLflow", owner=alice), kind="heartbeat")
    version = StackVersion.current()
    with django_capture_on_commit_callbacks(execute=True):
        probe.consecutive_failures = 1
        probe.save()
    assert StackVersion.current() == version


def test_a_crowded_category_shows_its_tools_in_use_first_and_links_to_the_rest(viewer_client, catalog):
    from apps.catalog.models import Category

    monitoring = Category.objects.get(key="monitoring")
    for n, lifecycle in enumerate([Lifecycle.PROPOSED, Lifecycle.EVALUATING, Lifecycle.ADOPTED, Lifecycle.ADOPTED, Lifecycle.FLAGGED]):
        tool = Tool.objects.create(name=f"Watcher {n}", slug=f"watcher-{n}", hosting="saas", complexity="low")
        tool.categories.set([monitoring])
        StackEntry.objects.create(tool=tool, lifecycle=lifecycle)
    page = viewer_client.get("/").content.decode()
    section = page[page.index('id="cat-monitoring"'):]
    section = section[:section.index("</section>")]
    assert [n for n in range(5) if f"Watcher {n}<" in section] == [2, 3, 4]  # adopted and flagged before the rest
    assert '<a href="/stack/?category=monitoring">All 5 monitoring tools</a>' in section


def test_the_overview_says_when_the_linter_has_not_run(viewer_client, catalog):
    from apps.findings.services import refresh

    adopt("MLflow")
    assert "findings: the linter has not run yet" in viewer_client.get("/").content.decode()
    refresh(now=NOW)
    page = viewer_client.get("/").content.decode()
    assert "the linter has not run yet" not in page and '<span class="stat-label">findings</span>' in page
