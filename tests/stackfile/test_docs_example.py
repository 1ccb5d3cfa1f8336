from pathlib import Path

from apps.stack.models import MLModel, StackEntry
from apps.stackfile.importer import import_stack
from tests.conftest import NOW

DOC = Path(__file__).resolve().parents[2] / "docs" / "stack-file.md"


def the_complete_example() -> str:
    text = DOC.read_text()
    section = text.split("## A complete example", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_documented_example_imports_as_described(catalog, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "s3cret")
    outcome = import_stack(the_complete_example(), commit=True, read_credentials=True, now=NOW)
    assert outcome.applied, outcome.errors
    assert outcome.warnings == []
    assert dict(StackEntry.objects.values_list("tool__name", "lifecycle")) == {
        "MLflow": "adopted", "Kubeflow Pipelines": "rejected", "Label Studio": "proposed",
    }
    assert MLModel.objects.get().registry.tool.name == "MLflow"
