"""`manage.py import_backstage`: a Backstage software catalog read into stack entries with their owners,
through the stack file's all-or-nothing import, every problem at its file and line."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import Team
from apps.catalog.models import Tool
from apps.stack.models import Lifecycle, StackEntry
from apps.stackfile.backstage import import_backstage
from tests.conftest import NOW

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: alice
spec:
  profile:
    email: alice@example.com
  memberOf: [platform]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: platform
spec:
  type: team
  profile:
    displayName: Platform
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: mlflow-tracking
  title: MLflow
  tags: [mlflow, python]
spec:
  type: service
  lifecycle: production
  owner: user:default/alice
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: feature-store
  tags: [feast]
spec:
  type: database
  owner: group:platform
  lifecycle: experimental
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: prefect
spec:
  owner: platform
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
spec:
  type: service
  lifecycle: production
  owner: group:platform
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: neptune
  description: The old tracker of the vision team
spec:
  type: service
  lifecycle: deprecated
  owner: user:alice@example.com
"""


def line_of(text: str, needle: str, after: str = "") -> int:
    start = text.index(after) if after else 0
    return text[:text.index(needle, start)].count("\n") + 1


def entries():
    return sorted(StackEntry.objects.values_list("tool__name", "lifecycle", "owner__email", "team__name"))


@pytest.fixture
def files(tmp_path):
    def write(**texts):
        paths = []
        for name, text in texts.items():
            path = tmp_path / f"{name}.yaml"
            path.write_text(text)
            paths.append(str(path))
        return paths
    return write


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_backstage", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_catalog_proposes_the_tools_it_runs_with_their_owners(catalog, alice, platform, files, clock):
    (path,) = files(catalog=CATALOG)
    out, _ = run("--dry-run", path)
    assert not StackEntry.objects.exists()
    entity = line_of(CATALOG, "name: mlflow-tracking") - 3  # its apiVersion
    assert f"catalog.yaml:{entity}: MLflow (adopted, owner alice@example.com) from Component:mlflow-tracking" in out
    assert "Feast (proposed, team Platform) from Resource:feature-store" in out
    assert "Prefect (proposed, team Platform) from System:prefect" in out  # a bare owner is a group
    assert "1 entity that is no catalogue tool, left out: Component:payments-api" in out
    assert "4 stack entries proposed; dry run: nothing was changed." in out

    out, _ = run(path)
    assert entries() == [
        ("Feast", Lifecycle.PROPOSED, None, "Platform"), ("MLflow", Lifecycle.ADOPTED, "alice@example.com", None),
        ("Neptune", Lifecycle.FLAGGED, "alice@example.com", None), ("Prefect", Lifecycle.PROPOSED, None, "Platform"),
    ]
    assert "4 stack entries added." in out and "The linter found" in out
    # Again: every tool is in the stack now, and left as it is.
    out, _ = run(path)
    assert out.count("is in the stack already: left as it is") == 4 and "nothing to add" in out


@pytest.mark.parametrize("change, needle, expected", [
    (("  name: prefect\n", "  title: Prefect\n"), "title: Prefect", "metadata.name: required, as text"),
    (("  owner: group:platform\n  lifecycle: experimental", "  owner: group:data-science\n  lifecycle: experimental"),
     "group:data-science", "Resource:feature-store.spec.owner: 'group:data-science' is no team in Stackledger"),
    (("owner: user:alice@example.com", "owner: user:mallory"), "user:mallory",
     "Component:neptune.spec.owner: 'user:mallory' is no active person in Stackledger"),
    (("  tags: [feast]\n", "  tags: feast\n"), "tags: feast", "Resource:feature-store.metadata.tags: must be a list of text"),
    (("spec:\n  owner: platform\n", "spec: platform\n"), "spec: platform", "System:prefect.spec: must be a mapping"),
    (("  lifecycle: deprecated", "  lifecycle: yes"), "lifecycle: yes", "yes is read as a boolean by some YAML readers"),
])
def test_a_bad_entity_refuses_the_whole_catalog_with_its_line(catalog, alice, platform, files, change, needle, expected):
    text = CATALOG.replace(*change)
    assert text != CATALOG
    (path,) = files(catalog=text)
    with pytest.raises(CommandError, match="nothing was changed"):
        out, err = run(path)
    outcome = import_backstage([("catalog.yaml", text.encode())], commit=True, now=NOW)
    assert f"catalog.yaml:{line_of(text, needle)}: {expected}" in "\n".join(outcome.errors), outcome.errors
    assert not StackEntry.objects.exists()


def test_a_problem_in_a_second_file_refuses_the_first_too(catalog, alice, platform):
    second = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: seldon\n  tags: [seldon-core]\n" \
             "spec:\n  lifecycle: production\n  owner: group:platform\n---\n- not an entity\n"
    outcome = import_backstage([("a.yaml", CATALOG.encode()), ("b.yaml", second.encode())], commit=True, now=NOW)
    assert outcome.errors == ["b.yaml:10: entity: each document must be a Backstage entity: a mapping with apiVersion, "
                              "kind and metadata"]
    assert not StackEntry.objects.exists()


def test_two_entities_of_one_tool_with_two_owners_are_refused(catalog, alice, platform):
    text = CATALOG + "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: MLflow\n" \
                     "spec:\n  owner: group:platform\n"
    outcome = import_backstage([("catalog.yaml", text.encode())], commit=True, now=NOW)
    (error,) = outcome.errors
    assert error.startswith(f"catalog.yaml:{line_of(text, 'name: MLflow') - 3}: Component:MLflow: it is MLflow")
    assert "a tool has a single owner" in error and not StackEntry.objects.exists()


def test_what_the_stack_has_already_is_left_as_it_is(catalog, alice, bob, platform):
    StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.EVALUATING, owner=bob)
    outcome = import_backstage([("catalog.yaml", CATALOG.encode())], commit=True, now=NOW)
    assert outcome.ok and [p.tool.name for p in outcome.in_stack] == ["MLflow"]
    assert StackEntry.objects.get(tool__name="MLflow").owner == bob
    assert Team.objects.count() == 1


def test_kinds_it_does_not_read_are_left_alone(catalog, alice, platform):
    others = CATALOG + """---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: mlflow
  title: 42
spec:
  steps: []
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: tracking-api
spec: {type: openapi, owner: group:nobody, definition: "openapi: 3.0.0"}
"""
    outcome = import_backstage([("catalog.yaml", others.encode())], commit=True, now=NOW)
    assert outcome.ok, outcome.errors
    assert sorted(p.tool.name for p in outcome.proposals) == ["Feast", "MLflow", "Neptune", "Prefect"]


def test_a_tool_the_stack_has_is_left_alone_whatever_the_catalog_says_of_its_owner(catalog, alice):
    StackEntry.objects.create(tool=Tool.objects.get(name="FastAPI"), lifecycle=Lifecycle.ADOPTED, owner=alice)
    services = "".join(
        f"---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  tags: [fastapi]\n"
        f"spec:\n  type: service\n  owner: {owner}\n"
        for name, owner in [("payments-api", "group:payments"), ("billing-api", "user:ghost")]
    )
    outcome = import_backstage([("catalog-info.yaml", services.encode())], commit=True, now=NOW)
    assert outcome.ok, outcome.errors  # neither owner is checked: nothing about FastAPI would be written
    assert [p.tool.name for p in outcome.in_stack] == ["FastAPI"] and not outcome.proposals
    assert StackEntry.objects.get().owner == alice


def test_a_new_installation_matches_against_the_seed_catalogue(db, platform):
    text = ("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: prefect\n"
            "spec:\n  type: service\n  lifecycle: experimental\n  owner: group:platform\n")
    outcome = import_backstage([("catalog-info.yaml", text.encode())], commit=True, now=NOW)
    assert outcome.ok, outcome.errors
    assert list(StackEntry.objects.values_list("tool__name", "lifecycle", "team__name")) == [("Prefect", "proposed", "Platform")]


@pytest.mark.parametrize("name, shown", [
    ('"svc\\e[2K\\rall good"', "'svc\\x1b[2K\\rall good'"),  # terminal escapes, never printed raw
    ('"qdrant\\n/tmp/x.yaml:1: everything fine"', "'qdrant\\n/tmp/x.yaml:1: everything fine'"),
    ("a" * 70, "'" + "a" * 60 + "'…"),  # long: cut short
])
def test_a_name_backstage_would_refuse_is_refused_without_printing_it_raw(catalog, name, shown):
    text = f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  owner: group:x\n"
    outcome = import_backstage([("c.yaml", text.encode())], commit=True, now=NOW)
    assert outcome.errors == [f"c.yaml:4: metadata.name: {shown} is no Backstage name: letters, digits and - _ . "
                              "between them, at most 63 characters"]
    assert not StackEntry.objects.exists()


def test_a_huge_owner_is_not_repeated_in_full(catalog, platform):
    text = f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: prefect\nspec:\n  owner: {'x' * 900_000}\n"
    outcome = import_backstage([("c.yaml", text.encode())], commit=True, now=NOW)
    assert len(outcome.errors) == 1 and len(outcome.errors[0]) < 300, outcome.errors[0][:300]
