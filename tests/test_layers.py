"""The apps stand in layers: each imports only the apps below it. The domain's core (people,
the catalogue, pain points and the stack) knows nothing of evaluations, probes, findings or
reviews, and nothing imports the ledger pages that read them all. The REST API reads them too,
beside the ledger; the demo organisation and the benchmark sit on top of everything."""

import ast
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[1] / "apps"
LAYERS = ["lib", "accounts", "catalog", "painpoints", "stack", "notifications", "evaluations", "probes",
          "discovery", "findings", "reviews", "stackfile", "health", "ledger", "api", "demo"]
CORE = ["lib", "accounts", "catalog", "painpoints", "stack"]


def imported_apps(app: str) -> set[tuple[str, str]]:
    """(file, app) for every `apps.<app>` that the app's code imports."""
    found = set()
    for path in (APPS / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                parts = name.split(".")
                if parts[0] == "apps" and len(parts) > 1 and parts[1] in LAYERS:
                    found.add((str(path.relative_to(APPS)), parts[1]))
    return found


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_nothing_above_it(app):
    above = set(LAYERS[LAYERS.index(app) + 1:])
    assert not {(path, other) for path, other in imported_apps(app) if other in above}


@pytest.mark.parametrize("app", CORE)
def test_the_core_imports_nothing_above_it_at_all(app):
    above = set(LAYERS[LAYERS.index(app) + 1:])
    assert not {(path, other) for path, other in imported_apps(app) if other in above}


@pytest.mark.parametrize("app", [app for app in LAYERS if app != "ledger"])
def test_nothing_imports_the_ledger_pages(app):
    assert not {(path, other) for path, other in imported_apps(app) if other == "ledger"}
