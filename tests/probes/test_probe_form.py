from apps.probes.models import Probe


def test_a_lead_adds_a_probe_and_the_credential_is_never_shown_again(lead_client, entry):
    response = lead_client.post(f"/stack/{entry.pk}/probe/", {
        "kind": "mlflow", "url": "http://mlflow.internal:5000", "interval_minutes": "30",
        "unused_after_days": "60", "failures_before_unknown": "3", "enabled": "on", "credential": "tok-s3cret-123",
        "param_experiment_ids": "1, 2",
    })
    assert response.status_code == 302
    probe = Probe.objects.get()
    assert probe.params == {"experiment_ids": ["1", "2"]}
    assert probe.credential() == "tok-s3cret-123" and "tok-s3cret-123" not in probe.credential_token
    for url in [f"/stack/{entry.pk}/", f"/stack/{entry.pk}/probe/", "/stack/export.yaml", "/api/stack.json"]:
        assert "tok-s3cret-123" not in lead_client.get(url).content.decode(), url


def test_an_empty_credential_keeps_the_stored_one(lead_client, entry):
    probe = Probe.objects.create(entry=entry, kind="mlflow", url="http://mlflow.internal:5000")
    probe.set_credential("old-secret")
    probe.save()
    lead_client.post(f"/stack/{entry.pk}/probe/", {
        "kind": "mlflow", "url": "http://mlflow.internal:5000/", "interval_minutes": "30", "unused_after_days": "90", "failures_before_unknown": "3",
        "enabled": "on", "credential": "",
    })
    probe.refresh_from_db()
    assert probe.interval_minutes == 30 and probe.credential() == "old-secret"


def test_a_stored_credential_never_follows_the_url_to_another_server(lead_client, entry):
    probe = Probe.objects.create(entry=entry, kind="mlflow", url="http://mlflow.internal:5000")
    probe.set_credential("old-secret")
    probe.save()
    page = lead_client.post(f"/stack/{entry.pk}/probe/", {
        "kind": "mlflow", "url": "http://elsewhere.example:5000", "interval_minutes": "60", "unused_after_days": "90",
        "enabled": "on", "credential": "",
    }).content.decode()
    assert "enter the credential again" in page
    probe.refresh_from_db()
    assert probe.url == "http://mlflow.internal:5000"


def test_changing_the_kind_swaps_its_settings_in_place(lead_client, entry):
    response = lead_client.get(f"/stack/{entry.pk}/probe/?kind=prometheus", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<form id="probe-form"')
    assert 'name="param_preset"' in page and 'name="param_query"' in page
    assert 'name="param_experiment_ids"' not in page


def test_choosing_another_kind_swaps_in_only_its_settings(lead_client, entry):
    Probe.objects.create(entry=entry, kind="mlflow", url="http://mlflow.internal:5000")
    page = lead_client.get(f"/stack/{entry.pk}/probe/?kind=prometheus", headers={"HX-Request": "true"}).content.decode()
    assert '<option value="prometheus" selected>' in page and '<option value="mlflow" selected>' not in page
    assert '<div id="probe-params">' in page and 'name="param_query"' in page
    kind = page.split('<select name="kind"')[1].split(">")[0]
    assert 'hx-target="#probe-params"' in kind and 'hx-select="#probe-params"' in kind  # the rest stays as typed


def test_a_new_probe_shows_the_kind_whose_settings_it_asks_for(lead_client, entry):
    page = lead_client.get(f"/stack/{entry.pk}/probe/").content.decode()
    assert '<option value="mlflow" selected>' in page and 'name="param_experiment_ids"' in page


def test_a_metadata_url_is_refused_with_a_reason(lead_client, entry):
    page = lead_client.post(f"/stack/{entry.pk}/probe/", {
        "kind": "http_json", "url": "http://0xA9FEA9FE/latest", "interval_minutes": "60", "unused_after_days": "90",
        "param_timestamp_path": "a",
    }).content.decode()
    assert "169.254.169.254 is a cloud metadata address" in page
    assert not Probe.objects.exists()


def test_a_prometheus_probe_needs_a_query_or_preset(lead_client, entry):
    page = lead_client.post(f"/stack/{entry.pk}/probe/", {
        "kind": "prometheus", "url": "http://prometheus.internal:9090", "interval_minutes": "60",
        "unused_after_days": "90",
    }).content.decode()
    assert "Write a query, or choose a preset." in page


def test_a_wandb_probe_needs_its_entity_and_project(lead_client, entry):
    page = lead_client.post(f"/stack/{entry.pk}/probe/", {
        "kind": "wandb", "interval_minutes": "1440", "unused_after_days": "90", "failures_before_unknown": "3",
        "enabled": "on", "param_entity": "acme-ds",
    }).content.decode()
    assert "project is missing: a Weights &amp; Biases runs probe reads nothing without it." in page
    assert "entity is missing" not in page
    assert not Probe.objects.exists()


def test_evaluators_cannot_change_probes(evaluator_client, entry):
    assert evaluator_client.get(f"/stack/{entry.pk}/probe/").status_code == 403
