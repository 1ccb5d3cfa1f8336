from django.urls import reverse

from apps.stack.models import StackEntry
from tests.conftest import NOW
from tests.stackfile.conftest import LEADS_FILE, STACK_FILE

URL = reverse("stack-import")


def test_a_lead_previews_then_applies_a_pasted_file(lead_client, catalog, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "s3cret")
    page = lead_client.post(URL, {"text": LEADS_FILE, "action": "preview"}).content.decode()
    assert "What the import will change" in page
    assert "Stack entries" in page and "added: MLflow" in page
    assert "Apply the import" in page
    assert not StackEntry.objects.exists()

    response = lead_client.post(URL, {"text": LEADS_FILE, "action": "apply"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("entry-list")
    assert "The stack file is applied." in response.content.decode()
    assert StackEntry.objects.get().tool.name == "MLflow"


def test_an_uploaded_file_works_too(lead_client, catalog):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("stack.yaml", LEADS_FILE.encode(), content_type="application/yaml")
    page = lead_client.post(URL, {"file": upload, "action": "preview"}).content.decode()
    assert "added: MLflow" in page


def test_problems_are_listed_with_their_lines_and_nothing_is_written(lead_client, catalog):
    text = STACK_FILE.replace("status: adopted", "status: live").replace("role: lead", "role: boss")
    page = lead_client.post(URL, {"text": text, "action": "apply"}).content.decode()
    assert "2 problems: nothing was changed" in page
    assert "line 5: users[lead@example.com].role: &#x27;boss&#x27; is not one of" in page
    assert "line 14: stack[MLflow].status:" in page
    assert "Apply the import" not in page
    assert not StackEntry.objects.exists()


def test_htmx_gets_the_result_panel_only(lead_client, catalog):
    response = lead_client.post(URL, {"text": STACK_FILE, "action": "preview"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="import-result"')
    assert "<nav" not in page


def test_an_empty_form_says_what_to_do(lead_client, db):
    page = lead_client.post(URL, {"text": "  ", "action": "preview"}).content.decode()
    assert "Choose a stack file or paste one." in page


def test_viewers_cannot_import(viewer_client, catalog):
    assert viewer_client.get(URL).status_code == 403
    assert viewer_client.post(URL, {"text": STACK_FILE, "action": "apply"}).status_code == 403
    assert not StackEntry.objects.exists()


def test_evaluators_cannot_import(evaluator_client, catalog):
    assert evaluator_client.post(URL, {"text": STACK_FILE, "action": "apply"}).status_code == 403
    assert not StackEntry.objects.exists()


def test_anyone_logged_in_downloads_the_export(viewer_client, catalog):
    response = viewer_client.get(reverse("stack-export"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="stack.yaml"'
    assert response.content.decode().startswith("# Stackledger stack file")


def test_the_preview_names_what_changes(lead_client, alice, catalog, monkeypatch):
    from django.contrib.auth.models import Permission

    from apps.stackfile.importer import import_stack

    alice.user_permissions.add(Permission.objects.get(codename="change_user"))
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "s3cret")
    people = "  - {email: eva@example.com, name: Eva Evaluator, role: evaluator}\n"
    assert import_stack(STACK_FILE.replace("pain_points:\n", people + "pain_points:\n", 1), commit=True,
                        read_credentials=True, now=NOW).applied
    monkeypatch.setenv("MLFLOW_TOKEN", "an0ther-s3cret")
    text = (STACK_FILE.replace("ops_hours_per_month: 4", "ops_hours_per_month: 6")
            .replace("status: adopted", "status: flagged")
            .replace("operational_cost: {verdict: pass, rationale: half a day a month}",
                     "operational_cost: {verdict: pass, rationale: half a day a month; more since the upgrade to 3.0 "
                     "moved the artefact store}")
            .replace("credential_env: MLFLOW_TRACKING_TOKEN", "credential_env: MLFLOW_TOKEN")
            .replace("interval_minutes: 60", "interval_minutes: 30")
            .replace("pain_points:\n", people.replace("role: evaluator", "role: viewer") + "pain_points:\n", 1))
    page = lead_client.post(URL, {"text": text, "action": "preview"}).content.decode()
    changed = page[page.index("<strong>Stack entries</strong>"):]
    changed = changed[:changed.index("</p>")]
    assert changed == (
        "<strong>Stack entries</strong> — changed: MLflow (status: adopted → flagged; "
        "filters.operational_cost.rationale; cost.ops_hours_per_month: 4 → 6; probe.interval_minutes: 60 → 30; "
        "probe.credential_env: MLFLOW_TRACKING_TOKEN → MLFLOW_TOKEN)"
    )
    assert "<strong>People</strong> — changed: eva@example.com (role: evaluator → viewer)" in page
    assert "s3cret" not in page
