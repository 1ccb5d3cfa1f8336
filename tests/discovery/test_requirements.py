"""A folder of the organisation's repositories, read for the catalogue tools' packages in every
dependency-file format, as pip, uv, Poetry, Pipenv and conda write them (repos/)."""

from pathlib import Path

import pytest

from apps.catalog.models import Tool
from apps.discovery.readers import Signatures, requirements

REPOS = Path(__file__).parent / "repos"


def found(root: Path) -> tuple[dict[str, list[str]], list[str]]:
    tools = Tool.objects.in_bulk()
    sweep = requirements.read(root, Signatures(tools.values()))
    places = {}
    for sighting in sweep.sightings:
        places.setdefault(tools[sighting.tool_id].name, []).append(sighting.place)
    return places, sweep.problems


def test_every_format_is_read_with_its_file_and_line(catalog):
    places, problems = found(REPOS)
    assert places == {
        # pip-compile's output: extras, a continued line of hashes and a "via" comment.
        "MLflow": ["churn-model/requirements.txt:4 mlflow[extras]==2.16.2"],
        # Reached through -r, with a marker and a trailing comment.
        "Weights & Biases": ['churn-model/requirements-base.txt:2 wandb>=0.17; platform_system != "Windows"'],
        # Poetry's dependency tables (a name in any case) and its lock file.
        "Airflow": ["feature-pipelines/poetry.lock:4 apache-airflow==2.9.3", "feature-pipelines/pyproject.toml:8 apache-airflow"],
        "Feast": ["feature-pipelines/poetry.lock:11 feast==0.40.1", "feature-pipelines/pyproject.toml:9 Feast ^0.40"],
        # PEP 621 dependencies and extras, and uv's lock file.
        "FastAPI": ["fraud-scorer/pyproject.toml:6 fastapi>=0.110", "fraud-scorer/uv.lock:10 fastapi==0.115.0"],
        "BentoML": ["fraud-scorer/pyproject.toml:8 bentoml[grpc]==1.3.5", "fraud-scorer/uv.lock:5 bentoml==1.3.5"],
        "Neptune": ["fraud-scorer/pyproject.toml:12 neptune>=1.10; python_version < '3.13'"],
        # conda: a channel-qualified package, and the pip list with a marker.
        "Prefect": ["notebooks/envs/environment.yml:7 conda-forge::prefect=3.0.4"],
        "Kubeflow Pipelines": ["notebooks/envs/environment.yml:11 kfp==2.9.0"],
        "Metaflow": ["notebooks/envs/environment.yml:12 metaflow>=2.12 ; sys_platform == 'linux'"],
        # Pipfile.lock's pinned default packages.
        "Triton Inference Server": ["serving-gateway/Pipfile.lock:9 tritonclient==2.50.0"],
    }
    # Two malformed files: each one problem with its path and line; the sweep read the rest.
    assert problems == [
        "broken-repo/requirements.txt:2: not a requirement: Expected matching RIGHT_BRACKET for LEFT_BRACKET, after extras",
        "broken-repo/uv.lock:3: not valid TOML: Illegal character '\\n' (at line 3, column 18)",
    ]


def test_options_paths_and_urls_name_no_package(tmp_path, catalog):
    (tmp_path / "requirements.txt").write_text(
        "--extra-index-url https://example.com/simple\n"
        "-c constraints.txt\n"
        "-e ./libs/mlflow-plugin\n"
        "./wandb-fork\n"
        "https://example.com/bentoml-1.0-py3-none-any.whl\n"
        "feast @ https://example.com/feast-0.40.tar.gz\n"
        "   # prefect==3.0 (commented out)\n"
    )
    places, problems = found(tmp_path)
    assert places == {"Feast": ["requirements.txt:6 feast @ https://example.com/feast-0.40.tar.gz"]} and not problems


def test_virtual_environments_links_and_files_not_text_are_left_alone(tmp_path, catalog):
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "requirements.txt").write_text("wandb==0.18\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "requirements.txt").write_text("wandb==0.18\n")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("mlflow==2.16\n")
    (tmp_path / "requirements-linked.txt").symlink_to(outside)
    (tmp_path / "requirements-latin1.txt").write_bytes("neptune==1.0  # réglé\n".encode("latin-1"))
    (tmp_path / "requirements-ok.txt").write_text("\ufeffprefect>=3\n")  # a byte-order mark
    places, problems = found(tmp_path)
    assert places == {"Prefect": ["requirements-ok.txt:1 prefect>=3"]}
    assert problems == ["requirements-latin1.txt: not UTF-8 text"]


def test_a_file_too_large_is_said_so(tmp_path, catalog, monkeypatch):
    monkeypatch.setattr(requirements, "MAX_FILE", 100)
    (tmp_path / "requirements.txt").write_text("wandb==0.18\n" * 20)
    assert found(tmp_path) == ({}, ["requirements.txt:1: larger than 0 MB; not read"])


@pytest.mark.parametrize("name, text, problem", [
    ("Pipfile.lock", '{"default": {"wandb": {"version": "==0.18"}},\n  oops}', "Pipfile.lock:2: not valid JSON: Expecting property name enclosed in double quotes"),
    ("environment.yml", "dependencies:\n  - wandb\n - mlflow\n", "environment.yml:3: not valid YAML: expected <block end>, but found '<block sequence start>'"),
    ("environment.yml", "dependencies: wandb\n", "environment.yml:1: dependencies must be a list"),
    ("pyproject.toml", '[project]\ndependencies = "wandb"\n', "pyproject.toml:2: project.dependencies must be a list of requirements"),
    ("pyproject.toml", '[project]\ndependencies = [\n  "wandb",\n', "pyproject.toml:3: not valid TOML: Invalid value (at end of document)"),
])
def test_each_format_says_where_it_is_malformed(tmp_path, catalog, name, text, problem):
    (tmp_path / name).write_text(text)
    assert found(tmp_path) == ({}, [problem])
