import pytest

from apps.catalog.models import Category
from apps.stack.models import MLModel, StackEntry
from apps.stack.stages import stage_advice


def keys(categories):
    return [c.key for c in categories]


@pytest.mark.parametrize(
    "in_production, today, ahead",
    [
        (0, ["experiment-tracking", "model-registry"], ["model-serving", "monitoring"]),
        (1, ["experiment-tracking", "model-registry", "model-serving", "monitoring"], ["pipeline-orchestration"]),
        (4, ["experiment-tracking", "model-registry", "model-serving", "monitoring", "pipeline-orchestration"], []),
    ],
)
def test_the_stage_justifies_today_plus_one_level(catalog, in_production, today, ahead):
    advice = stage_advice(in_production, list(Category.objects.all()))
    assert keys(advice.today) == today
    assert keys(advice.ahead) == ahead
    assert {"feature-store", "vector-database", "ml-ci-cd"} <= set(keys(advice.on_trigger))


def test_the_overview_shows_the_stage(viewer_client, catalog):
    MLModel.objects.create(name="churn", stage="production")
    page = viewer_client.get("/").content.decode()
    assert "Stage: first model in production" in page
    assert "One level ahead</dt><dd>Pipeline orchestration" in page


def test_the_models_page_marks_gaps_in_the_deployment_path(viewer_client, catalog):
    from apps.catalog.models import Tool

    mlflow = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle="adopted")
    MLModel.objects.create(name="churn", stage="production", tracker=mlflow, registry=mlflow)
    MLModel.objects.create(name="forecast", stage="development")
    page = viewer_client.get("/models/").content.decode()
    churn = page.split("churn")[1].split("</tr>")[0]
    assert churn.count(">missing<") == 2  # serving and monitoring
    forecast = page.split("forecast")[1].split("</tr>")[0]
    assert ">missing<" not in forecast  # not live yet: nothing is missing
    assert MLModel.objects.get(name="churn").gaps == ["serving", "monitoring"]
