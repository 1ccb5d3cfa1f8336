def test_it_lists_the_catalogue(viewer_client, catalog):
    page = viewer_client.get("/tools/").content.decode()
    assert "Triton Inference Server" in page
    assert "<nav" in page


def test_the_category_filter_narrows_the_list(viewer_client, catalog):
    page = viewer_client.get("/tools/?category=model-serving").content.decode()
    assert "Triton Inference Server" in page
    assert "Prometheus" not in page


def test_htmx_gets_only_the_results_fragment(viewer_client, catalog):
    response = viewer_client.get("/tools/?category=monitoring", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="tool-results"')
    assert "Grafana" in page and "MLflow" not in page
    assert "HX-Request" in response.headers["Vary"]


def test_an_unknown_category_shows_every_tool(viewer_client, catalog):
    page = viewer_client.get("/tools/?category=astrology").content.decode()
    assert "MLflow" in page and "Grafana" in page


def test_the_tool_page_says_a_discontinued_tool_is_discontinued(viewer_client, catalog):
    page = viewer_client.get("/tools/neptune/").content.decode()
    assert "wound down in 2026" in page


def test_the_catalogue_page_uses_few_queries(viewer_client, catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        assert viewer_client.get("/tools/").status_code == 200


def complexity(page: str) -> str:
    start = page.index("<dt>Complexity</dt><dd>") + len("<dt>Complexity</dt><dd>")
    return page[start:page.index("</dd>", start)]


def test_the_tool_page_gives_the_complexity_once(viewer_client, catalog):
    from apps.catalog.models import Tool

    assert complexity(viewer_client.get("/tools/bentoml/").content.decode()) == "Medium"
    assert complexity(viewer_client.get("/tools/fastapi/").content.decode()) == "Low — DIY"
    assert complexity(viewer_client.get("/tools/prefect/").content.decode()) == "Medium — Lower overhead than Airflow"
    # A note written before, or by a lead, that repeats the level says only what it adds.
    Tool.objects.filter(slug="triton-inference-server").update(complexity_note="High; needs a GPU")
    Tool.objects.filter(slug="sagemaker").update(complexity_note="Medium")
    assert complexity(viewer_client.get("/tools/triton-inference-server/").content.decode()) == "High — needs a GPU"
    assert complexity(viewer_client.get("/tools/sagemaker/").content.decode()) == "Medium"
