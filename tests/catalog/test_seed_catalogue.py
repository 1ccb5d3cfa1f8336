from apps.catalog.models import Category, Tool
from apps.catalog.seed import load_seed_catalogue

CATEGORY_KEYS = [
    "experiment-tracking", "model-registry", "pipeline-orchestration", "model-serving",
    "monitoring", "feature-store", "vector-database", "ml-ci-cd",
]
SEED_TOOLS = [
    "MLflow", "Weights & Biases", "Neptune", "Plain file logging", "Airflow",
    "Kubeflow Pipelines", "Prefect", "Metaflow", "GitHub Actions or cron", "BentoML",
    "Seldon Core", "FastAPI", "Triton Inference Server", "SageMaker", "Vertex AI", "Azure ML",
    "Prometheus", "Grafana",
]


def test_it_loads_the_eight_categories_in_order(catalog):
    assert list(Category.objects.values_list("key", flat=True)) == CATEGORY_KEYS


def test_the_minimum_stack_is_five_categories(catalog):
    minimum = Category.objects.filter(in_minimum_stack=True).values_list("key", flat=True)
    assert list(minimum) == CATEGORY_KEYS[:5]


def test_one_tool_categories_allow_one(catalog):
    for key in ["experiment-tracking", "model-registry", "pipeline-orchestration", "model-serving"]:
        assert Category.objects.get(key=key).max_adopted == 1, key


def test_categories_beyond_the_minimum_carry_their_trigger(catalog):
    triggers = dict(Category.objects.filter(in_minimum_stack=False).values_list("key", "trigger"))
    assert "incident" in triggers["feature-store"]
    assert "millions of embeddings" in triggers["vector-database"]
    assert "orchestrator" in triggers["ml-ci-cd"]


def test_it_loads_every_tool_the_seed_names(catalog):
    names = set(Tool.objects.values_list("name", flat=True))
    assert set(SEED_TOOLS) <= names
    for key in ["feature-store", "vector-database"]:
        assert Tool.objects.filter(categories__key=key).exists(), key


def test_every_tool_has_what_the_seed_says_of_it(catalog):
    for tool in Tool.objects.prefetch_related("categories"):
        assert tool.categories.exists(), tool.name
        assert tool.best_for and tool.strengths, tool.name
        assert tool.hosting in Tool.Hosting.values, tool.name
        assert tool.complexity in Tool.Complexity.values, tool.name


def test_mlflow_covers_tracking_and_registry(catalog):
    keys = set(Tool.objects.get(name="MLflow").categories.values_list("key", flat=True))
    assert keys == {"experiment-tracking", "model-registry"}


def test_kubernetes_native_tools_are_marked(catalog):
    native = set(Tool.objects.filter(kubernetes_native=True).values_list("name", flat=True))
    assert native == {"Kubeflow Pipelines", "Seldon Core"}


def test_neptune_is_discontinued(catalog):
    assert list(Tool.objects.filter(discontinued=True).values_list("name", flat=True)) == ["Neptune"]
    assert "2026" in Tool.objects.get(name="Neptune").discontinued_note


def test_loading_again_adds_nothing_and_keeps_edits(catalog):
    before = (Category.objects.count(), Tool.objects.count())
    Tool.objects.filter(name="MLflow").update(best_for="Our tracker and registry")
    Tool.objects.filter(name="Grafana").update(name="Grafana OSS")
    assert load_seed_catalogue() == 0
    assert (Category.objects.count(), Tool.objects.count()) == before
    assert Tool.objects.get(name="MLflow").best_for == "Our tracker and registry"
    assert not Tool.objects.filter(name="Grafana").exists()


def test_loading_restores_a_deleted_tool(catalog):
    Tool.objects.filter(name="Qdrant").delete()
    assert load_seed_catalogue() == 1
    assert list(Tool.objects.get(name="Qdrant").categories.values_list("key", flat=True)) == ["vector-database"]
