"""The stack as radars others read: `/stack/radar.json` loaded by Backstage's tech radar's own
parser (npm's @backstage-community/plugin-tech-radar-common), and `/stack/radar.csv` read with
d3's CSV parser, as build-your-own-radar reads it, then checked as its loader checks it."""

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client

from apps.accounts.models import ApiToken
from apps.catalog.models import Tool
from apps.reviews.models import Review
from apps.stack.models import Lifecycle, LifecycleTransition, StackEntry
from apps.stackfile import radar
from tests.conftest import NOW, needs_service
from tests.probes.servers import SERVERS

READER = Path(__file__).parent / "radar_readers" / "read.mjs"
# build-your-own-radar (not on npm; src/util/contentValidator.js and src/graphing/config.js):
# these headers, isNew or status, at most four rings, and the quadrants it is configured with
# (QUADRANTS, which a deployment sets to Stackledger's four).
BYOR_HEADERS = ["name", "ring", "quadrant", "description"]
BYOR_RINGS = ["Adopt", "Trial", "Assess", "Hold"]


def read(kind: str, text: str, tmp_path) -> dict:
    node, modules = shutil.which("node"), SERVERS / "radar-readers" / "node_modules"
    if node is None:
        needs_service("Node.js is not installed (apt-get install nodejs npm)")
    if not modules.exists():
        needs_service(f"{modules} is missing: run `make servers`")
    home = tmp_path / "reader"
    home.mkdir()
    shutil.copy(READER, home / "read.mjs")
    (home / "node_modules").symlink_to(modules)
    (home / "radar").write_text(text)
    done = subprocess.run([node, str(home / "read.mjs"), kind, str(home / "radar")], capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def history(name: str, *moves: tuple[str, int], note: str = "") -> StackEntry:
    """An entry that went through `moves` (lifecycle, days after NOW - 60), ending in the last."""
    entry = StackEntry.objects.create(tool=Tool.objects.get(name=name), lifecycle=moves[-1][0])
    start = NOW - timedelta(days=60)
    for lifecycle, days in moves:
        LifecycleTransition.objects.create(entry=entry, to_lifecycle=lifecycle, at=start + timedelta(days=days), note=note)
    return entry


@pytest.fixture
def stack(catalog, alice):
    history("MLflow", ("proposed", 0), ("evaluating", 5), ("adopted", 12))
    history("Kubeflow Pipelines", ("proposed", 0), ("rejected", 9), note="No Kubernetes here")
    history("Weights & Biases", ("adopted", 0), ("flagged", 50), ("retired", 58))
    history("Feast", ("proposed", 59))
    history("Triton Inference Server", ("evaluating", 40))
    mlflow = StackEntry.objects.get(tool__name="MLflow")
    mlflow.owner = alice
    mlflow.save()


@pytest.fixture
def token_headers(alice):
    return {"Authorization": f"Bearer {ApiToken.issue(name='backstage', by=alice)[1]}"}


def test_backstage_s_own_parser_loads_the_radar_with_each_tool_s_moves(client, stack, token_headers, tmp_path):
    response = client.get("/stack/radar.json", headers=token_headers)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    parsed = read("backstage", response.content.decode(), tmp_path)
    assert parsed["ok"], parsed
    loaded = parsed["data"]
    assert [q["id"] for q in loaded["quadrants"]] == ["data", "experiments", "pipelines", "production"]
    assert [r["name"] for r in loaded["rings"]] == BYOR_RINGS
    rings, quadrants = {r["id"] for r in loaded["rings"]}, {q["id"] for q in loaded["quadrants"]}
    assert all(e["quadrant"] in quadrants and {s["ringId"] for s in e["timeline"]} <= rings for e in loaded["entries"])
    entries = {e["title"]: e for e in loaded["entries"]}
    # Newest first (the radar draws timeline[0]); each move up (towards Adopt) or down.
    mlflow = entries["MLflow"]["timeline"]
    assert [(s["ringId"], s["moved"]) for s in mlflow] == [("adopt", 1), ("trial", 1), ("assess", 0)]
    assert mlflow[0]["date"].startswith(str((NOW - timedelta(days=48)).date()))
    assert [(s["ringId"], s["moved"]) for s in entries["Kubeflow Pipelines"]["timeline"]] == [("hold", -1), ("assess", 0)]
    assert "No Kubernetes here" in entries["Kubeflow Pipelines"]["timeline"][0]["description"]
    # Flagged, then retired: one move to Hold.
    assert [s["ringId"] for s in entries["Weights & Biases"]["timeline"]] == ["hold", "adopt"]
    assert entries["MLflow"]["quadrant"] == "experiments" and entries["Feast"]["quadrant"] == "data"
    assert entries["Triton Inference Server"]["quadrant"] == "production"
    assert entries["MLflow"]["url"].endswith(f"/stack/{StackEntry.objects.get(tool__name='MLflow').pk}/")


def test_backstage_s_parser_refuses_what_it_cannot_draw(tmp_path, stack):
    """The check can fail: the same parser refuses a radar without rings or a snapshot's ring."""
    document = radar.backstage(site_url="https://ledger.example.com")
    del document["rings"]
    assert not read("backstage", json.dumps(document), tmp_path)["ok"]


def test_the_build_your_own_radar_csv_reads_as_its_loader_reads_it(client, stack, token_headers, tmp_path):
    Review.objects.create(year=2026, held_on=NOW.date(), opened_at=NOW - timedelta(days=10))
    response = client.get("/stack/radar.csv", headers=token_headers)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    parsed = read("csv", response.content.decode(), tmp_path)
    columns, rows = parsed["columns"], parsed["rows"]
    assert columns == ["name", "ring", "quadrant", "isNew", "description"]
    assert all(header in columns for header in BYOR_HEADERS) and "isNew" in columns
    assert {row["ring"] for row in rows} <= set(BYOR_RINGS) and len({row["ring"] for row in rows}) <= 4
    assert {row["quadrant"] for row in rows} <= {name for _, name, _ in radar.QUADRANTS}
    assert len(radar.QUADRANTS) == 4  # the loader takes exactly four
    by_name = {row["name"]: row for row in rows}
    assert by_name["MLflow"]["ring"] == "Adopt" and by_name["Kubeflow Pipelines"]["ring"] == "Hold"
    assert by_name["MLflow"]["quadrant"] == "Experiments and models"
    # New: came into its ring since the last review opened (ten days ago).
    assert {name for name, row in by_name.items() if row["isNew"] == "true"} == {"Feast", "Weights & Biases"}
    assert {row["isNew"] for row in rows} == {"true", "false"}
    assert "owner Alice" in by_name["MLflow"]["description"]


def test_the_csv_escapes_what_a_radar_or_a_spreadsheet_would_run(catalog, alice, tmp_path):
    tool = Tool.objects.create(name="=HYPERLINK(\"http://x\")", slug="formula")
    tool.categories.add(*Tool.objects.get(name="MLflow").categories.all())
    alice.name = "<img src=x onerror=alert(1)>"
    alice.save()
    StackEntry.objects.create(tool=tool, lifecycle=Lifecycle.PROPOSED, owner=alice)
    (row,) = read("csv", radar.thoughtworks(now=NOW), tmp_path)["rows"]
    assert row["name"].startswith("'=") and row["ring"] == "Assess"  # a spreadsheet shows it as text
    assert "<img" not in row["description"] and "&lt;img src=x" in row["description"]  # the radar shows it as text


def test_the_radars_need_a_login_or_a_token(viewer_client, stack):
    anonymous = Client()
    for url in ("/stack/radar.json", "/stack/radar.csv"):
        assert anonymous.get(url).status_code == 401
        assert anonymous.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert viewer_client.get(url).status_code == 200
