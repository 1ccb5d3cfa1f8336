from decimal import Decimal

from apps.catalog.models import Tool
from apps.stack.models import OrganisationProfile


def test_kubernetes_is_not_operated_until_a_lead_says_so(db):
    profile = OrganisationProfile.load()
    assert not profile.kubernetes_operated
    assert profile.cloud == "none"


def test_a_lead_edits_the_profile(lead_client, catalog, alice):
    airflow = Tool.objects.get(name="Airflow")
    response = lead_client.post("/profile/", {
        "cloud": "aws", "kubernetes_operated": "on", "data_orchestrator": airflow.pk, "engineer_hourly_cost": "85.50",
    })
    assert response.status_code == 302
    profile = OrganisationProfile.load()
    assert (profile.cloud, profile.kubernetes_operated, profile.data_orchestrator, profile.engineer_hourly_cost) == (
        "aws", True, airflow, Decimal("85.50"))
    assert profile.updated_by == alice


def test_the_orchestrator_must_be_an_orchestrator(lead_client, catalog):
    response = lead_client.post("/profile/", {
        "cloud": "none", "data_orchestrator": Tool.objects.get(name="MLflow").pk, "engineer_hourly_cost": "80",
    })
    assert "Select a valid choice" in response.content.decode()
    assert OrganisationProfile.load().data_orchestrator is None


def test_a_viewer_reads_the_profile_without_a_form(viewer_client, db):
    page = viewer_client.get("/profile/").content.decode()
    assert "Not operated" in page and "<form method=\"post\" class=\"card" not in page
