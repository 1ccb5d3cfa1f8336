"""The demo's discovery source finds the tool nobody registered in its example repositories."""

import pytest
from django.core.management import call_command

from apps.discovery.models import DiscoveredTool
from apps.findings.acceptances import counted
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")


def test_the_demo_finds_bentoml_unregistered_beside_the_adopted_mlflow(db, capsys):
    call_command("seed_demo")
    found = {d.tool.name: d for d in DiscoveredTool.objects.select_related("tool")}
    assert sorted(found) == ["BentoML", "MLflow"]
    assert found["BentoML"].evidence == ["recommendations-service/pyproject.toml:6 bentoml>=1.3,<1.4"]
    assert list(DiscoveredTool.objects.unregistered().values_list("tool__name", flat=True)) == ["BentoML"]
    assert [f.message.split(":")[0] for f in counted(NOW.date()).filter(code="unregistered")] == ["Model serving"]
    capsys.readouterr()
    call_command("discover")
    assert capsys.readouterr().out.splitlines() == [
        "BentoML\tdemo-repos\trecommendations-service/pyproject.toml:6 bentoml>=1.3,<1.4",
        "MLflow\tdemo-repos\tchurn-model/requirements.txt:2 mlflow==2.16.2",
    ]
