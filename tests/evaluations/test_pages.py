import io
import zipfile
from datetime import date

import pytest

from apps.catalog.models import Category, Tool
from apps.evaluations.models import DecisionRecord, Evaluation, Trial
from apps.evaluations.services import evaluation_start
from apps.painpoints.models import PainPoint
from tests.conftest import NOW


@pytest.fixture
def evaluation(catalog, alice):
    pain = PainPoint.objects.create(title="Retraining by hand", evidence="weekly",
                                    category=Category.objects.get(key="pipeline-orchestration"))
    return evaluation_start(title="Orchestrator", category=pain.category, use_case="Retrain churn", pain_points=[pain],
                            tools=[Tool.objects.get(name="Airflow"), Tool.objects.get(name="Prefect")], by=alice,
                            start_on=date(2026, 3, 2), now=NOW)


def test_an_evaluator_starts_an_evaluation_from_the_form(evaluator_client, catalog):
    pain = PainPoint.objects.create(title="Retraining by hand", evidence="weekly")
    tools = [Tool.objects.get(name=n).pk for n in ("Airflow", "Prefect")]
    response = evaluator_client.post("/evaluations/new/", {
        "title": "Orchestrator", "category": Category.objects.get(key="pipeline-orchestration").pk,
        "pain_points": [pain.pk], "use_case": "Retrain churn weekly", "tools": tools, "time_box_days": 7,
    })
    assert response.status_code == 302
    assert Evaluation.objects.get().trials.count() == 2


def test_a_one_tool_shortlist_is_refused_with_the_reason(evaluator_client, catalog):
    pain = PainPoint.objects.create(title="Retraining by hand", evidence="weekly")
    page = evaluator_client.post("/evaluations/new/", {
        "title": "Orchestrator", "category": Category.objects.get(key="pipeline-orchestration").pk,
        "pain_points": [pain.pk], "use_case": "x", "tools": [Tool.objects.get(name="Airflow").pk], "time_box_days": 7,
    }).content.decode()
    assert "A shortlist has two or three tools, not 1" in page
    assert not Evaluation.objects.exists()


def test_the_daily_log_appends_in_place(evaluator_client, evaluation):
    trial = evaluation.trials.first()
    page = evaluator_client.post(f"/trials/{trial.pk}/log/", {"day": "2026-03-03", "text": "Docker compose up in 20 min"},
                                 headers={"HX-Request": "true"}).content.decode()
    assert page.lstrip().startswith('<section class="card" id="trial-log">')
    assert "Docker compose up in 20 min" in page
    assert trial.log.get().author.email == "bob@example.com"


def test_the_comparison_marks_the_best_fit_only_among_those_passing_every_filter(viewer_client, evaluation, alice):
    airflow = evaluation.trials.get(entry__tool__name="Airflow")
    prefect = evaluation.trials.get(entry__tool__name="Prefect")
    Trial.objects.filter(pk=airflow.pk).update(integration_friction=3, documentation_quality=3, operational_overhead=3)
    Trial.objects.filter(pk=prefect.pk).update(integration_friction=5, documentation_quality=5, operational_overhead=5)
    for trial, verdict in [(airflow, "pass"), (prefect, "fail")]:
        entry = trial.entry
        entry.capability = entry.integration = entry.operational_cost = verdict
        entry.save()
    response = viewer_client.get(f"/evaluations/{evaluation.pk}/compare/")
    assert response.context["best"] == airflow  # Prefect scores higher but failed a filter
    assert "best fit" in response.content.decode()


def test_decisions_are_listed_searchable_and_exported_as_markdown(viewer_client, evaluation):
    trial = evaluation.trials.first()
    record = DecisionRecord.objects.create(evaluation=evaluation, title="Use Airflow", context="c", outcome="next door", chosen=trial)
    DecisionRecord.objects.create(evaluation=evaluation, title="Something else", context="c", outcome="o")
    page = viewer_client.get("/decisions/?q=airflow").content.decode()
    assert "Use Airflow" in page and "Something else" not in page
    markdown = viewer_client.get(f"/decisions/{record.pk}.md")
    assert markdown["Content-Disposition"] == f'attachment; filename="{record.number}-use-airflow.md"'
    archive = zipfile.ZipFile(io.BytesIO(viewer_client.get("/decisions/export.zip").content))
    names = archive.namelist()
    assert f"decisions/{record.number}-use-airflow.md" in names and len(names) == 2
    assert archive.read(f"decisions/{record.number}-use-airflow.md").decode().startswith(f"# {record.number}. Use Airflow")


def test_a_lead_accepts_a_decision_on_its_page(lead_client, evaluation, alice):
    trial = evaluation.trials.get(entry__tool__name="Airflow")
    entry = trial.entry
    entry.capability = entry.integration = entry.operational_cost = "pass"
    entry.capability_rationale = entry.integration_rationale = entry.operational_cost_rationale = "fine"
    entry.owner = alice
    entry.save()
    record = DecisionRecord.objects.create(evaluation=evaluation, title="Use Airflow", context="c", outcome="o", chosen=trial)
    response = lead_client.post(f"/decisions/{record.pk}/accept/", follow=True)
    assert "is accepted" in response.content.decode()
    entry.refresh_from_db()
    assert entry.lifecycle == "adopted"


@pytest.mark.parametrize("url", ["/evaluations/", "/decisions/"])
def test_lists_stay_within_25_queries(viewer_client, evaluation, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        assert viewer_client.get(url).status_code == 200


def test_details_stay_within_25_queries(viewer_client, evaluation, django_assert_max_num_queries):
    record = DecisionRecord.objects.create(evaluation=evaluation, title="Use Airflow", context="c", outcome="o",
                                           chosen=evaluation.trials.first())
    for url in [f"/evaluations/{evaluation.pk}/", f"/evaluations/{evaluation.pk}/compare/",
                f"/trials/{evaluation.trials.first().pk}/", f"/decisions/{record.pk}/"]:
        with django_assert_max_num_queries(25):
            assert viewer_client.get(url).status_code == 200, url


@pytest.mark.parametrize("path", ["/evaluations/", "/decisions/", "/evaluations/{e}/", "/evaluations/{e}/compare/",
                                  "/trials/{t}/", "/decisions/{d}/"])
def test_pages_stay_within_25_queries_on_the_demo(demo_viewer_client, path, django_assert_max_num_queries):
    evaluation = Evaluation.objects.get(title="An orchestrator for retraining")
    url = path.format(e=evaluation.pk, t=evaluation.trials.first().pk, d=DecisionRecord.objects.get().pk)
    with django_assert_max_num_queries(25):
        assert demo_viewer_client.get(url).status_code == 200


def test_the_decision_markdown_lists_each_pain_point_once(lead_client, evaluation):
    form = lead_client.get(f"/evaluations/{evaluation.pk}/decide/").context["form"]
    airflow = evaluation.trials.get(entry__tool__name="Airflow")
    lead_client.post(f"/evaluations/{evaluation.pk}/decide/", {
        "title": form.initial["title"], "context": form.initial["context"] + "\nThe trials ran the retraining end to end.",
        "chosen": airflow.pk, "outcome": "Airflow already runs next door.",
    })
    record = DecisionRecord.objects.get()
    markdown = lead_client.get(f"/decisions/{record.pk}.md").content.decode()
    assert markdown.count("Retraining by hand") == 1
    assert "## Context and pain points\n\nThe trials ran the retraining end to end.\n\n* Retraining by hand — weekly\n" in markdown
