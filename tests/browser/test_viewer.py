import pytest

from apps.catalog.models import Tool
from apps.findings.services import refresh
from apps.painpoints.models import PainPoint
from apps.stack.models import Lifecycle, MLModel, StackEntry
from tests.browser.conftest import log_in
from tests.conftest import NOW

pytestmark = pytest.mark.slow


def test_a_viewer_sees_everything_and_no_form(page, catalog, carol):
    pain = PainPoint.objects.create(title="Nobody knows which model is live", evidence="rolled back the wrong one")
    entry = StackEntry.objects.create(
        tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED,
        capability="pass", capability_rationale="answers which model runs where",
    )
    entry.pain_points.add(pain)
    MLModel.objects.create(name="churn-predictor", stage="production", registry=entry)
    refresh(now=NOW)  # the linter run these changes ask of the worker
    log_in(page, carol.email)

    expectations = {
        "/": "MLflow",
        "/stack/": "MLflow",
        f"/stack/{entry.pk}/": "answers which model runs where",
        "/pain-points/": "Nobody knows which model is live",
        f"/pain-points/{pain.pk}/": "What addresses it",
        "/findings/": "no-owner",
        "/models/": "churn-predictor",
        "/tools/": "Triton Inference Server",
        "/tools/mlflow/": "Teams wanting self-hosted OSS",
        "/profile/": "Not operated",
    }
    for url, text in expectations.items():
        page.goto(url)
        assert text in page.locator("main").inner_text(), url
        forms = page.locator("main form[method=post]")
        assert forms.count() == 0, f"{url} shows a form to a viewer"
        assert page.locator("main select, main textarea").count() == 0 or url in ("/pain-points/",), url
